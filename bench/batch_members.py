"""Benchmark: Batch membership at scale against the local emulator.

Measures (1) ids/s applied when creating a 100,000-id authoritative audience (10 update calls of 10,000,
each awaited to APPLIED), (2) ids/s for a 1% change, and (3) the time to diff two 100,000-id lists.
Writes bench/results/batch-members-<date>.json. Run: .venv/bin/python -m bench.batch_members [--ids N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from audience_providers._core.config import ConfigSource
from audience_providers.batch import config
from audience_providers.batch.audience import AudienceLifecycle
from audience_providers.batch.members import Members
from audience_providers.batch.snapshots import plan_changes
from emulators.admin import Admin
from emulators.server import EmulatorThread

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ids", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    emu = EmulatorThread(("batch",)).start()
    running = emu.running["batch"]
    admin = Admin("batch", running.base_url)
    admin.configure(indexing_seconds=0.05)
    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    os.environ.update({"BATCH_BASE_URL": running.base_url, "BATCH_API_KEY": "demo-batch-rest-key",
                       "BATCH_PROJECT_KEY": "project_demo0000000000000000000000000",
                       "BATCH_SNAPSHOT_DIR": str(work / "snapshots")})
    provider = AudienceLifecycle(config.load(ConfigSource(None)))

    old_ids = [f"user-{i:07d}" for i in range(args.ids)]
    new_ids = old_ids[args.ids // 200:] + [f"fresh-{i:07d}" for i in range(args.ids // 200)]  # 1% swapped
    (work / "old.txt").write_text("\n".join(old_ids))
    (work / "new.txt").write_text("\n".join(new_ids))
    old_spec = Members.from_file(str(work / "old.txt"))
    new_spec = Members.from_file(str(work / "new.txt"))

    diff_times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        actions = plan_changes(old_spec.members, new_spec.members, additive=False)
        diff_times.append(time.perf_counter() - started)

    create_times, update_times = [], []
    for n in range(args.repeat):
        name = f"bench_{n}"
        props = {"name": name, "members": old_spec.spec(), "membership": "authoritative"}
        started = time.perf_counter()
        result = provider.create(props)
        create_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        provider.update(name, result.outs, {**props, "members": new_spec.spec()})
        update_times.append(time.perf_counter() - started)
        provider.delete(name, props)
    admin.close()
    emu.stop()

    def summary(values: list[float]) -> dict[str, float]:
        return {"median_s": statistics.median(values), "min_s": min(values), "max_s": max(values)}

    report = {
        "benchmark": "batch-members",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "ids": args.ids,
        "changed_ids": len(actions),
        "repeat": args.repeat,
        "emulator_indexing_seconds": 0.05,
        "create": summary(create_times) | {"ids_per_s": args.ids / statistics.median(create_times)},
        "update_1pct": summary(update_times) | {"ids_per_s": len(actions) / statistics.median(update_times)},
        "diff": summary(diff_times),
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"batch-members-{datetime.now(timezone.utc):%Y-%m-%d}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
