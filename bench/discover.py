"""Benchmark: `audience-providers discover` at scale, against the emulators at a stated latency (issue #36).

A Thrive tenant of 5,000 audiences (50 structures of 99 audiences each plus the structures; 3 members on every
audience, a manager on every structure) and a Batch project of 1,000 audiences, each emulator in its own process
with ``latency_ms`` added to every answer. Each run is the installed command (`audience-providers discover
<vendor>`, a process of its own, settings from the environment) timed end to end; the emulator's request log gives
the requests it sent, by kind.

The reading time it is compared with: the list pages in sequence (pages x latency), plus, for Thrive, the
per-audience member and manager reads spread over ``--workers`` threads (reads x latency / workers). With
``--import``, `pulumi import --file` of the Batch import file is timed too (one command for all 1,000).

    .venv/bin/python -m bench.discover [--latency-ms 25] [--thrive 5000] [--batch 1000] [--workers 8] [--import]

Writes bench/results/discover-<date>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from emulators.admin import Admin, EmulatorProcess

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
CLI = Path(sys.executable).parent / "audience-providers"
PER_STRUCTURE = 99  # audiences under each structure: 5,000 = 50 x (1 + 99)


def thrive_tenant(total: int) -> dict[str, Any]:
    audiences: list[dict[str, Any]] = []
    n = 0
    while len(audiences) < total:
        ref = f"s{n:03d}"
        audiences.append({"name": f"Structure {n}", "reference": ref, "category": "structure",
                          "managers": [{"reference": f"user{1 + n % 50}"}]})
        for i in range(min(PER_STRUCTURE, total - len(audiences))):
            audiences.append({"name": f"Team {n}.{i}", "reference": f"{ref}-a{i:03d}", "parentId": ref,
                              "members": [f"user{1 + (i + k) % 50}" for k in range(3)]})
        n += 1
    return {"audiences": audiences}


def environment(vendor: str, base_url: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("THRIVE_", "BATCH_"))}
    if vendor == "thrive":
        return {**base, "THRIVE_BASE_URL": base_url, "THRIVE_TENANT_ID": "demo-tenant",
                "THRIVE_API_SECRET": "demo-thrive-secret"}
    return {**base, "BATCH_BASE_URL": base_url, "BATCH_API_KEY": "demo-batch-rest-key",
            "BATCH_PROJECT_KEY": "project_demo0000000000000000000000000"}


def kind_of(path: str) -> str:
    if path.endswith("/members"):
        return "members"
    if path.endswith("/managers"):
        return "managers"
    return "list"


def run(admin: Admin, vendor: str, out: Path, workers: int, latency: float, *extra: str) -> dict[str, Any]:
    admin.clear_requests()
    started = time.perf_counter()
    proc = subprocess.run([str(CLI), "discover", vendor, "--out", str(out), "--workers", str(workers), *extra],
                          env=environment(vendor, admin.base_url), capture_output=True, text=True, timeout=3600)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"discover {vendor} failed:\n{proc.stderr}")
    log = admin.requests()
    kinds = Counter(kind_of(r["path"]) for r in log)
    methods = Counter(r["method"] for r in log)
    # In sequence: every list page and the credential check; spread over the workers: the per-audience reads.
    sequential = kinds["list"]
    parallel = kinds["members"] + kinds["managers"]
    reading = (sequential + parallel / workers) * latency
    imported = json.loads((out / f"{vendor}-import.json").read_text())["resources"]
    # The command's own figure, from reading its settings to the files written (no interpreter start-up).
    read_s = next((float(line.split()[2]) for line in proc.stdout.splitlines() if line.startswith("Read in ")), None)
    return {
        "args": list(extra), "wall_s": round(wall, 3), "command_read_s": read_s, "requests": dict(kinds),
        "methods": dict(methods),
        "list_pages": sequential - 1, "reading_time_s": round(reading, 3),
        "wall_over_reading": round(wall / reading, 2) if reading else None,
        "import_file_resources": len(imported), "program_bytes": (out / f"adopt_{vendor}.py").stat().st_size,
        "progress_lines": [line for line in proc.stderr.splitlines() if line.startswith(vendor)],
    }


def time_import(import_file: Path, base_url: str, work: Path) -> dict[str, Any]:
    """`pulumi import --file` of every Batch audience into an empty YAML project: one command."""
    toolchain = subprocess.run([str(ROOT / "tools" / "build.sh")], capture_output=True, text=True, check=True)
    bin_dir = toolchain.stdout.strip()
    project = work / "import"
    project.mkdir()
    (project / "Pulumi.yaml").write_text("name: discovered\nruntime: yaml\nresources: {}\n")
    (project / ".state").mkdir()
    env = {**environment("batch", base_url), "PATH": f"{bin_dir}:{CLI.parent}:{os.environ.get('PATH', '')}",
           "PULUMI_HOME": str(project / ".pulumi-home"), "PULUMI_BACKEND_URL": f"file://{project / '.state'}",
           "PULUMI_CONFIG_PASSPHRASE": "bench", "PULUMI_SKIP_UPDATE_CHECK": "true",
           "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true"}
    subprocess.run(["pulumi", "stack", "init", "bench", "--non-interactive"], cwd=project, env=env, check=True,
                   capture_output=True)
    started = time.perf_counter()
    proc = subprocess.run(["pulumi", "import", "--file", str(import_file), "--out", str(project / "code.yaml"),
                           "--yes", "--non-interactive", "--protect=false"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=3600)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"pulumi import failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    generated = len((yaml.safe_load((project / "code.yaml").read_text()) or {}).get("resources", {}))
    return {"command": "pulumi import --file batch-import.json --out code.yaml --protect=false",
            "wall_s": round(wall, 3), "generated_resources": generated}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency-ms", type=float, default=25.0)
    parser.add_argument("--thrive", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--import", dest="do_import", action="store_true", help="also time `pulumi import --file`")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    latency = args.latency_ms / 1000
    work = Path(tempfile.mkdtemp(prefix="bench-discover-"))
    report: dict[str, Any] = {
        "benchmark": "discover", "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "latency_ms": args.latency_ms, "workers": args.workers, "machine_cpus": os.cpu_count(),
        "thrive_audiences": args.thrive, "batch_audiences": args.batch, "runs": {},
    }
    with EmulatorProcess(("thrive", "batch"), cwd=ROOT) as emulators:
        thrive, batch = emulators["thrive"], emulators["batch"]
        thrive.seed(thrive_tenant(args.thrive))
        batch.seed({"audiences": [{"name": f"aud_{i:05d}", "display_name": f"Audience {i}", "ids": [f"u{i}"]}
                                  for i in range(args.batch)]})
        for admin in (thrive, batch):
            admin.configure(latency_ms=args.latency_ms)
        runs = report["runs"]
        runs["thrive_listing_only"] = run(thrive, "thrive", work / "t0", args.workers, latency, "--no-members")
        runs["thrive_with_members_and_managers"] = run(thrive, "thrive", work / "t1", args.workers, latency)
        runs["batch"] = run(batch, "batch", work / "b", args.workers, latency)
        if args.do_import:
            batch.configure(latency_ms=args.latency_ms)
            report["batch_import"] = time_import(work / "b" / "batch-import.json", batch.base_url, work)
    shutil.rmtree(work, ignore_errors=True)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"discover-{datetime.now(timezone.utc):%Y-%m-%d}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({k: v for k, v in report.items() if k != "runs"}, indent=2))
    for name, result in report["runs"].items():
        print(f"{name}: {result['wall_s']} s for {sum(result['requests'].values())} requests "
              f"({result['list_pages']} list pages); reading time {result['reading_time_s']} s; "
              f"ratio {result['wall_over_reading']}")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
