"""The engine's one-at-a-time path in `pulumi preview`: how long each provider `Check` and `Diff` holds it.

    python -m bench.check_path [--n 100] [--repeat 3] [--latency-ms 50] [--batch-indexing-seconds 0]
                               [--variant NAME:KEY=VALUE[,KEY=VALUE]]

The engine calls a resource's `Check` (and `Diff`, for one it holds) one resource at a time, so whatever a
provider does there, the whole command waits for: a first call that imports a vendor's modules, a credential read,
a read-only lookup. This sets up the compass workload (bench/compass.py) for each contender (us, the SDK floor, and
each ``--variant``: us with extra environment), runs `up`, then `preview` ``--repeat`` times with the engine's
verbose log (`--logtostderr -v=9`), and reads from it, per preview: the span of the log, the summed time of the
provider's `Check`/`Diff` calls, and how long the first call of each resource type took (the rest of a type's calls
are summarised by their median). Results go to `bench/results/check-path-<date>.json`.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .contenders import Emulator, Pulumi, parse_variant, pulumi_env
from .workloads import CompassWorkload, emulator_overrides

RESULTS = Path(__file__).resolve().parent / "results"
# `Provider[0x...].Check(urn:...) executing (...)`, `Provider[0x...].Diff(urn:...,<id>): executing (...)` and their
# `... success: ...`: the engine's lines around each call to a
# provider plugin (ProviderRegistry's own Check of the default provider resource is not a plugin call).
_CALL = re.compile(r"^Provider\[[^\]]+\]\.(Check|Diff)\((urn:[^,)]+)(?:,[^)]*)?\):? (executing|success)")


def _stamp(text: str) -> float:
    # RFC 3339 with nanoseconds; fromisoformat takes at most microseconds.
    whole, _, frac = text.rstrip("Z").partition(".")
    return datetime.fromisoformat(whole).timestamp() + float(f"0.{frac or '0'}")


# The engine's lines around starting a resource plugin and configuring it: `newPlugin(): Launching plugin 'thrive
# (resource)' from ...`, then `Handshake: ...` or `GetPluginInfo()` once it has the plugin's port; `Provider[0x..]
# .Configure() executing` and `loaded provider urn:...::pulumi:providers:<pkg>::...` when Configure has answered.
_LAUNCH = re.compile(r"^newPlugin\(\): Launching plugin '([^' ]+) \(resource\)'")
_PORT = re.compile(r"^(?:Handshake: .* by '.*pulumi-resource-([^'/]+)'"
                   r"|Provider\[[^\]]+\]\.GetPluginInfo\(\) executing)")
_LOADED = re.compile(r"^loaded provider urn:[^:]*:[^:]*::[^:]*::pulumi:providers:([^:]+)::")


def parse_plugin_starts(events: list[tuple[float, str]]) -> list[dict[str, Any]]:
    """Each resource plugin the engine started, in order: when (from the log's first line), how long until the
    engine had its port, and until its provider was configured (both on the engine's one-at-a-time path)."""
    origin = events[0][0] if events else 0.0
    out: list[dict[str, Any]] = []
    for stamp, msg in events:
        launch = _LAUNCH.match(msg)
        if launch:
            out.append({"plugin": launch.group(1), "at_s": round(stamp - origin, 3), "port_ms": None,
                        "configured_ms": None, "_t": stamp})
            continue
        pending = [p for p in out if p["port_ms"] is None]
        if pending and _PORT.match(msg):
            pending[0]["port_ms"] = round((stamp - pending[0]["_t"]) * 1000, 1)
            continue
        loaded = _LOADED.match(msg)
        if loaded:
            for entry in out:
                if entry["plugin"] == loaded.group(1) and entry["configured_ms"] is None:
                    entry["configured_ms"] = round((stamp - entry["_t"]) * 1000, 1)
    for entry in out:
        del entry["_t"]
    return out


def parse_engine_log(text: str) -> dict[str, Any]:
    """The Check/Diff calls in an engine log (JSON lines, as `--logtostderr` writes them at -v=7 and up)."""
    events: list[tuple[float, str]] = []
    for line in text.splitlines():
        if not line.startswith("{"):
            continue
        try:
            entry = json.loads(line)
            events.append((_stamp(str(entry["time"])), str(entry["msg"])))
        except (ValueError, KeyError):
            continue
    if not events:
        return {"span_s": 0.0, "calls": 0, "sum_s": 0.0, "by_type": {}}
    started: dict[tuple[str, str], float] = {}
    by_type: dict[str, dict[str, Any]] = {}
    total, calls = 0.0, 0
    for stamp, msg in events:
        match = _CALL.match(msg)
        if not match:
            continue
        call, urn, what = match.groups()
        if what == "executing":
            started[(call, urn)] = stamp
            continue
        began = started.pop((call, urn), None)
        if began is None:
            continue
        took = stamp - began
        total += took
        calls += 1
        key = f"{call} {urn.split('::')[2]}"
        if key in by_type:
            by_type[key]["rest_ms"].append(took * 1000)
        else:
            by_type[key] = {"first_at_s": round(began - events[0][0], 3), "first_ms": round(took * 1000, 1),
                            "rest_ms": []}
    for entry in by_type.values():
        rest = entry.pop("rest_ms")
        entry["calls"] = len(rest) + 1
        entry["rest_median_ms"] = round(statistics.median(rest), 2) if rest else None
    return {"span_s": round(events[-1][0] - events[0][0], 3), "calls": calls, "sum_s": round(total, 3),
            "by_type": by_type, "plugins": parse_plugin_starts(events)}


def _contenders(args: argparse.Namespace) -> list[tuple[str, dict[str, str], bool]]:
    chosen: list[tuple[str, dict[str, str], bool]] = [("us", {}, False), ("sdkfloor", {}, True)]
    if args.plugin:
        chosen.append(("us:plugin", {}, False))
    for spec in args.variant:
        name, env = parse_variant(spec)
        chosen.append((f"us:{name}", env, False))
    return chosen


def measure(tool: str, extra_env: dict[str, str], sdk_floor: bool, args: argparse.Namespace,
            work_root: Path) -> dict[str, Any]:
    workload = CompassWorkload(emulator_config=emulator_overrides(args.batch_indexing_seconds), sdk_floor=sdk_floor,
                               native=tool == "us:plugin")
    home = work_root / f".pulumi-home-{tool.replace(':', '-')}"
    contender = Pulumi({**pulumi_env(home, work_root / ".unused"), **extra_env}, home, None, tool=tool,
                       workload=workload)
    emu = Emulator(args.latency_ms, workload.vendors, workload.emulator_config)
    previews: list[dict[str, Any]] = []
    try:
        contender.setup(work_root / tool.replace(":", "-"), emu, args.n)
        contender._must(*contender.phase_argv("up")[1:])
        for _ in range(args.repeat):
            argv = [*contender.phase_argv("preview"), "--logtostderr", "-v=9"]
            started = time.perf_counter()
            done = subprocess.run(argv, cwd=contender.dir, env=contender.env, capture_output=True, text=True,
                                  timeout=600)
            wall = time.perf_counter() - started
            if args.keep_logs is not None:
                args.keep_logs.mkdir(parents=True, exist_ok=True)
                (args.keep_logs / f"{tool.replace(':', '-')}-{len(previews)}.log").write_text(done.stderr)
            if done.returncode != 0:
                raise SystemExit(f"{tool}: preview exited {done.returncode}:\n{done.stdout[-2000:]}")
            previews.append({"wall_s": round(wall, 3), **parse_engine_log(done.stderr)})
        contender._must(*contender.phase_argv("destroy")[1:])
    finally:
        emu.stop()
    kinds = sorted({k for p in previews for k in p["by_type"]})
    return {
        "wall_s": statistics.median(p["wall_s"] for p in previews),
        "span_s": statistics.median(p["span_s"] for p in previews),
        "sum_s": statistics.median(p["sum_s"] for p in previews),
        "calls": previews[0]["calls"],
        "first_ms": {k: statistics.median(p["by_type"][k]["first_ms"] for p in previews if k in p["by_type"])
                     for k in kinds},
        "rest_median_ms": {k: statistics.median(p["by_type"][k]["rest_median_ms"] or 0.0 for p in previews
                                                if k in p["by_type"]) for k in kinds},
        "extra_env": extra_env,
        "previews": previews,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.check_path", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--batch-indexing-seconds", type=float, default=None, metavar="SECONDS")
    parser.add_argument("--variant", action="append", default=[], metavar="NAME:KEY=VALUE[,KEY=VALUE]")
    parser.add_argument("--plugin", action="store_true",
                        help="add the plugin path (us:plugin: pulumi-resource-<vendor> on PATH) as a contender")
    parser.add_argument("--keep-logs", type=Path, default=None, metavar="DIR",
                        help="keep each preview's engine log (<tool>-<i>.log) in DIR")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--name", default="check-path")
    args = parser.parse_args(argv)
    work_root = Path(tempfile.mkdtemp(prefix="bench-check-path-"))
    results = {tool: measure(tool, env, floor, args, work_root) for tool, env, floor in _contenders(args)}
    doc = {"benchmark": "check_path", "date": date.today().isoformat(), "n": args.n, "repeat": args.repeat,
           "latency_ms": args.latency_ms, "batch_indexing_seconds": args.batch_indexing_seconds,
           "argv": ["python", "-m", "bench.check_path", *(argv if argv is not None else sys.argv[1:])],
           "results": results}
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"{args.name}-{doc['date']}.json"
    path.write_text(json.dumps(doc, indent=2) + "\n")
    print("| contender | preview wall s | Check+Diff summed s | calls | first call of each type, ms |")
    print("| --- | --- | --- | --- | --- |")
    for tool, r in results.items():
        firsts = ", ".join(f"{k.replace('pulumi-python:dynamic/', '')} {v:.0f}" for k, v in r["first_ms"].items())
        print(f"| {tool} | {r['wall_s']:.2f} | {r['sum_s']:.3f} | {r['calls']} | {firsts} |")
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
