"""Where the Python processes of one `pulumi` command spend their CPU: ours, the Pulumi SDK's, gRPC's, ...

Sets the compass workload up at N resources against fresh emulators (`pulumi up`), then runs one phase
(`preview` by default) under py-spy (one `record --gil` per process, attached as it starts), which samples
the two Python processes that do the work: the program (through the language host) and the dynamic provider.
Each sample is charged to the innermost frame's owner (our package, the pulumi SDK, grpc, protobuf, dill,
asyncio, the rest of the standard library, other packages, imports); ``ours_inclusive`` counts the samples
with any frame of ours on the stack.
The JSON (``bench/results/profile-<phase>-<date>.json``) keeps the shares per role and the top functions; the
collapsed stacks go beside it (``.txt``, flamegraph.pl / speedscope input).

    .venv/bin/python -m bench.profile --n 500 --phase preview
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from .contenders import Emulator, Pulumi, pulumi_env, pulumi_role
from .workloads import CompassWorkload

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PACKAGE_DIR = str(ROOT / "providers") + "/"

_PROCESS = re.compile(r'^process \d+:"(?P<cmd>.*)"$', re.S)
_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>.*?)(?::(?P<line>\d+))?\)$", re.S)


def owner(path: str) -> str:
    """Who a frame's file belongs to."""
    if path.startswith(PACKAGE_DIR) or "/audience_providers/" in path:
        return "ours"
    if path.startswith("<frozen importlib") or path.endswith(("importlib/__init__.py",)):
        return "import machinery"
    for marker, name in (("/site-packages/pulumi/", "pulumi SDK"), ("/site-packages/grpc/", "grpc"),
                         ("/site-packages/google/protobuf/", "protobuf"), ("/site-packages/dill/", "dill"),
                         ("/site-packages/opentelemetry/", "opentelemetry"), ("/site-packages/", "other packages"),
                         ("/asyncio/", "asyncio")):
        if marker in path:
            return name
    if "/tools/python-runtime/" in path:
        return "launcher"
    if "/lib/python3" in path or path.startswith("<frozen"):
        return "python stdlib"
    return "other"


def _split(stack: str) -> tuple[list[str], list[tuple[str, str]]]:
    """py-spy's collapsed line: process frames (outermost first), then Python frames as (function, file)."""
    processes, frames = [], []
    for part in stack.split(";"):
        m = _PROCESS.match(part)
        if m:
            processes.append(m["cmd"])
            continue
        f = _FRAME.match(part)
        frames.append((f["func"], f["file"]) if f else (part, ""))
    return processes, frames


def summarise(collapsed: str, rate: int) -> dict[str, Any]:
    """Per role: samples, CPU seconds, the self share of each owner, ours inclusive, imports, top functions."""
    roles: dict[str, dict[str, Any]] = defaultdict(lambda: {
        "samples": 0, "self_by_owner": Counter(), "ours_inclusive": 0, "importing": 0, "top_self": Counter(),
        "top_ours_inclusive": Counter()})
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        processes, frames = _split(stack)
        role = processes[-1] if processes else "unknown"
        r = roles[role]
        r["samples"] += count
        if not frames:
            continue
        func, path = frames[-1]
        r["self_by_owner"][owner(path)] += count
        r["top_self"][f"{func} ({_short(path)})"] += count
        ours = [f"{fn} ({_short(p)})" for fn, p in frames if owner(p) == "ours"]
        if ours:
            r["ours_inclusive"] += count
            r["top_ours_inclusive"][ours[0]] += count  # the outermost of ours: where our share enters
        if any(fn in ("_find_and_load", "_load_unlocked") for fn, _ in frames):
            r["importing"] += count
    out: dict[str, Any] = {}
    for role, r in sorted(roles.items(), key=lambda kv: -kv[1]["samples"]):
        total = r["samples"] or 1
        out[role] = {
            "samples": r["samples"],
            "cpu_s": round(r["samples"] / rate, 2),
            "self_share_by_owner": {k: round(v / total, 3) for k, v in r["self_by_owner"].most_common()},
            "ours_inclusive_share": round(r["ours_inclusive"] / total, 3),
            "importing_share": round(r["importing"] / total, 3),
            "top_self": [[k, round(v / total, 3)] for k, v in r["top_self"].most_common(15)],
            "top_ours_inclusive": [[k, round(v / total, 3)] for k, v in r["top_ours_inclusive"].most_common(10)],
        }
    return out


def _short(path: str) -> str:
    for marker in ("/site-packages/", "/lib/python3.", str(ROOT) + "/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def _parent(pid: int) -> int:
    try:
        # /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after its ")".
        return int((Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def _descends_from(pid: int, root: int) -> bool:
    while pid > 1:
        if pid == root:
            return True
        pid = _parent(pid)
    return False


def _python_children(seen: set[int], root: int) -> list[tuple[int, str]]:
    """New processes under ``root`` (the profiled command) that are the program or the provider (by command line),
    not seen before. Only descendants: a provider left running by another command on the machine never exits, and
    py-spy attached to it would never end."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in seen:
            continue
        try:
            argv = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        role = pulumi_role(argv)
        # The ancestry walk reads one /proc file per generation: only for the few command lines that match.
        if role in ("program", "provider") and _descends_from(int(entry.name), root):
            found.append((int(entry.name), role))
    return found


def sample(spy: str, cmd: list[str], cwd: Path, env: dict[str, str], rate: int) -> tuple[str, int, str]:
    """Run ``cmd``; attach ``py-spy record --gil`` to the program and the provider as soon as each starts.

    ``py-spy record --subprocesses -- pulumi ...`` followed only the language host's package listing here (py-spy
    0.4.3: the program and the provider, started later, were never sampled), hence one recorder per process,
    attached by pid within ~10 ms of its start: the first imports of each are partly missed
    (``python -X importtime`` covers them). ``--gil``: only the thread holding the GIL, i.e. Python's CPU.
    Each stack gets a ``process <pid>:"<role>"`` root frame, as ``--subprocesses`` writes it.
    """
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen: set[int] = set()
    spies: list[tuple[int, str, Path, subprocess.Popen[str]]] = []
    tmp = Path(tempfile.mkdtemp(prefix="py-spy-"))
    while proc.poll() is None:
        for pid, role in _python_children(seen, proc.pid):
            seen.add(pid)
            out = tmp / f"{pid}.txt"
            spies.append((pid, role, out, subprocess.Popen(
                [spy, "record", "--pid", str(pid), "--gil", "--full-filenames", "--format", "raw", "--rate",
                 str(rate), "--output", str(out)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)))
        time.sleep(0.01)
    output = proc.stdout.read() if proc.stdout else ""
    lines = []
    for pid, role, out, spy_proc in spies:
        spy_proc.communicate(timeout=120)
        if out.exists():
            lines += [f'process {pid}:"{role}";{line}' for line in out.read_text().splitlines() if line]
    shutil.rmtree(tmp, ignore_errors=True)
    return "\n".join(lines) + "\n", proc.returncode, output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--phase", choices=("up", "preview", "refresh"), default="preview")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--rate", type=int, default=200, help="py-spy samples per second")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if spy is None:
        print("py-spy is not installed: .venv/bin/pip install -r requirements-dev.txt", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    workload = CompassWorkload()
    emu = Emulator(args.latency_ms, workload.vendors, workload.emulator_config)
    try:
        env = pulumi_env(work / ".pulumi-home", work / ".unused-state")
        us = Pulumi(env, work / ".pulumi-home", None, workload=workload)
        us.setup(work, emu, args.n)
        if args.phase != "up":
            up = us.phase("up")
            if up.returncode != 0:
                print(up.stdout[-3000:] + up.stderr[-3000:], file=sys.stderr)
                return 1
        stamp = datetime.date.today().isoformat()
        args.out.mkdir(parents=True, exist_ok=True)
        raw = args.out / f"profile-{args.phase}-{stamp}.txt"
        cmd = us.phase_argv(args.phase)
        collapsed, returncode, output = sample(spy, cmd, us.dir, us.env, args.rate)
        if returncode != 0:
            print(output[-3000:], file=sys.stderr)
            return 1
        # Machine paths out of the committed stacks (the repo holds no absolute paths).
        raw.write_text(collapsed.replace(str(ROOT) + "/", "").replace(str(work) + "/", "<work>/")
                       .replace(str(Path.home()) + "/", "~/"))
        result = {"benchmark": "profile", "date": stamp, "n": args.n, "phase": args.phase, "rate": args.rate,
                  "argv": sys.argv[1:], "command": ["pulumi", *cmd[1:]], "collapsed": raw.name,
                  "roles": summarise(collapsed, args.rate)}
        out = args.out / f"profile-{args.phase}-{stamp}.json"
        out.write_text(json.dumps(result, indent=1) + "\n")
        for role, r in result["roles"].items():
            print(f"{role:>14}: {r['cpu_s']:6.2f} s CPU, ours (inclusive) {r['ours_inclusive_share']:.0%}, "
                  f"importing {r['importing_share']:.0%}, self: " +
                  ", ".join(f"{k} {v:.0%}" for k, v in list(r["self_share_by_owner"].items())[:6]))
        print(f"wrote {out} and {raw}")
        return 0
    finally:
        emu.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
