"""Benchmark: our Thrive dynamic provider (real `pulumi`) vs OpenTofu + Mastercard restapi vs the HTTP floor.

For each N and repeat, each contender gets a fresh Thrive emulator (its own process) with injected latency and
manages the same N resources: 1 structure + N-1 audiences under it. Phases:

    phase    us (pulumi)                        tofu + restapi                       floor (httpx)
    up       pulumi up --yes --skip-preview     tofu apply -auto-approve             N POSTs
    preview  pulumi preview --expect-no-changes tofu plan -detailed-exitcode         (none needed)
    refresh  pulumi refresh --yes --skip-preview tofu apply -refresh-only -auto-approve N GETs
    destroy  pulumi destroy --yes --skip-preview tofu destroy -auto-approve          N DELETEs

Recorded per phase: wall time, the emulator's request log (count by method, summed request time -> mean
requests in flight), peak RSS (VmHWM from /proc, sampled) of every process the CLI starts, by role
(engine, provider, program, ...). Per run: state bytes (`pulumi stack export` / terraform.tfstate).
Summaries: median, min and max over repeats.

Run:  .venv/bin/python -m bench.harness --n 10 100 500 --repeat 3 --latency-ms 50
Writes bench/results/thrive-compare-<date>.json and .png (see bench/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx

from .contenders import (
    ROOT,
    Contender,
    Floor,
    Pulumi,
    Run,
    Tofu,
    build_tofu,
    parse_variant,
    provider_workers,
    pulumi_env,
    run_one,
    tofu_versions,
)
from .report import plot, table, wall_time_targets
from .stats import TOOLS, ratios, summarise

RESULTS = ROOT / "bench" / "results"


# -- main ------------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.harness", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, nargs="+", default=[10, 100, 500], help="resources per run (>= 2)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--latency-ms", type=float, default=50.0, help="emulator latency per request")
    parser.add_argument("--tools", nargs="+", choices=TOOLS, default=list(TOOLS))
    parser.add_argument("--parallelism", type=int, default=10,
                        help="tofu -parallelism and the floor's concurrency (tofu's default: 10)")
    parser.add_argument("--pulumi-parallel", type=int, default=None,
                        help="pulumi --parallel (default: the engine's own, 4 x GOMAXPROCS)")
    parser.add_argument("--us-variant", action="append", default=[], metavar="NAME:KEY=VALUE[,KEY=VALUE]",
                        help="also run `us` with these environment overrides, as contender us:NAME, interleaved "
                             "in the same run (ablations compared within one run)")
    parser.add_argument("--pulumi-env", action="append", default=[], metavar="KEY=VALUE",
                        help="extra environment for pulumi, for ablations (e.g. PULUMI_SKIP_CHECKPOINTS=true)")
    parser.add_argument("--require-tofu", action="store_true", help="fail instead of skipping tofu")
    parser.add_argument("--out", type=Path, default=RESULTS, help="directory for the JSON and PNG")
    parser.add_argument("--name", default="thrive-compare", help="file name prefix")
    parser.add_argument("--no-plot", action="store_true")
    parser.add_argument("--wait-quiet", type=float, default=0.0, metavar="SECONDS",
                        help="before each run, wait up to this long for the machine to be <25%% busy")
    args = parser.parse_args(argv)
    if min(args.n) < 2:
        parser.error("--n must be at least 2 (one structure plus audiences)")

    # A shell starts background jobs (`cmd &`, nohup) with SIGINT ignored, and children inherit that. pulumi
    # stops its language host with SIGINT and waits 5 s before killing it, so every `up`/`preview` would take
    # 5 s longer. Installing a handler here gives the children the default disposition back (exec resets it).
    sigint_ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    if sigint_ignored:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    work_root = Path(tempfile.mkdtemp(prefix="bench-compare-"))
    started = time.perf_counter()
    meta: dict[str, Any] = {"benchmark": "thrive-compare",
                            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                            "ns": args.n, "repeat": args.repeat, "latency_ms": args.latency_ms,
                            "cpus": len(os.sched_getaffinity(0)), "python": sys.version.split()[0],
                            "sigint_was_ignored": sigint_ignored}
    contenders: list[Contender] = []
    runs: list[Run] = []
    try:
        if "us" in args.tools:
            env = pulumi_env(work_root / ".pulumi-home", work_root / ".unused-state")
            extra = dict(item.split("=", 1) for item in args.pulumi_env)
            env.update(extra)
            version = subprocess.run(["pulumi", "version"], env=env, capture_output=True, text=True).stdout.strip()
            engine_default = 4 * meta["cpus"]
            meta["us"] = {"pulumi": version, "parallel": args.pulumi_parallel or engine_default,
                          "parallel_source": "--parallel" if args.pulumi_parallel else "engine default 4 x GOMAXPROCS",
                          "dynamic_provider_grpc_workers": provider_workers(env),
                          "extra_env": {k: v.replace(str(ROOT), "<repo>") for k, v in extra.items()},
                          "commands": ["up --yes --skip-preview", "preview --expect-no-changes",
                                       "refresh --yes --skip-preview", "destroy --yes --skip-preview"]}
            contenders.append(Pulumi(env, work_root / ".pulumi-home", args.pulumi_parallel))
            for spec in args.us_variant:
                name, overrides = parse_variant(spec)
                variant_env = {**env, **overrides}
                meta["us"].setdefault("variants", {})[name] = {
                    "env": {k: v.replace(str(ROOT), "<repo>") for k, v in overrides.items()},  # no machine paths
                    "dynamic_provider_grpc_workers": provider_workers(variant_env)}
                contenders.append(Pulumi(variant_env, work_root / f".pulumi-home-{name}", args.pulumi_parallel,
                                         tool=f"us:{name}"))
        if "tofu" in args.tools:
            bin_dir, error, took = build_tofu()
            meta["tofu"] = {"build_seconds": round(took, 1)}
            if bin_dir is None:
                meta["tofu"]["error"] = error
                print(f"tofu unavailable, skipping it: {error}", file=sys.stderr)
                if args.require_tofu:
                    return 2
            else:
                meta["tofu"].update(tofu_versions(bin_dir), parallelism=args.parallelism,
                                    commands=["apply -auto-approve", "plan -detailed-exitcode",
                                              "apply -refresh-only -auto-approve", "destroy -auto-approve"])
                contenders.append(Tofu(bin_dir, args.parallelism))
        if "floor" in args.tools:
            meta["floor"] = {"client": f"httpx {httpx.__version__} AsyncClient", "concurrency": args.parallelism}
            contenders.append(Floor(args.parallelism))

        for n in args.n:
            for repeat in range(args.repeat):
                for contender in contenders:  # interleaved, so slow drift hits every contender alike
                    run = run_one(contender, n, repeat, args.latency_ms, work_root, args.wait_quiet)
                    runs.append(run)
                    timings = " ".join(f"{k}={v['seconds']:.2f}s" for k, v in run.phases.items()
                                       if v["seconds"] is not None)
                    print(f"[{time.perf_counter() - started:6.0f}s] {run.tool:8} N={n:<4} #{repeat}: {timings}"
                          + (f"  ERROR {run.error}" if run.error else ""), file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(work_root, ignore_errors=True)

    summary = summarise(runs)
    report = {**meta, "total_seconds": round(time.perf_counter() - started, 1), "summary": summary,
              "ratios": ratios(summary, args.n), "runs": [r.as_json() for r in runs],
              "errors": [f"{r.tool} N={r.n} #{r.repeat}: {r.error}" for r in runs if r.error]}
    report["targets"] = wall_time_targets(report["ratios"], args.n)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = f"{args.name}-{datetime.now(timezone.utc):%Y-%m-%d}"
    json_path = args.out / f"{stem}.json"
    if not args.no_plot:
        problem = plot(summary, args.n, args.out / f"{stem}.png",
                       f"Thrive: N resources, {args.latency_ms:g} ms latency, {args.repeat} repeat(s)")
        report["plot"] = problem or f"{stem}.png"  # beside the JSON; no machine paths in committed results
    json_path.write_text(json.dumps(report, indent=2) + "\n")
    print(table(summary, args.n))
    print(json.dumps(report["ratios"], indent=2))
    print(f"written to {json_path}")
    return 1 if report["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
