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
import asyncio
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
TOFU_BUILD = ROOT / "bench" / "tofu" / "build.sh"
TENANT, SECRET = "demo-tenant", "demo-thrive-secret"
PHASES = ("up", "preview", "refresh", "destroy")
TOOLS = ("us", "tofu", "floor")
STACK = "bench"
COMMAND_TIMEOUT = 3600.0


# -- emulator in its own process ---------------------------------------------------------------------
class Emulator:
    """A fresh Thrive emulator (`python -m emulators --only thrive`) on a free port, with latency injected.

    It runs in a separate process so the floor client (in this process) does not share a GIL with it.
    """

    def __init__(self, latency_ms: float) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "emulators", "--only", "thrive", "--thrive-port", "0"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self.proc.stdout is not None
        base = ""
        for line in self.proc.stdout:
            if line.startswith("thrive"):
                base = line.split()[1]
                break
        if not base:
            self.proc.kill()
            raise RuntimeError("the Thrive emulator did not start")
        self.base_url = base
        self.root_url = base.rsplit("/rest/", 1)[0]
        self.admin = httpx.Client(base_url=self.root_url + "/_emulator", timeout=30)
        self.admin.post("/config", json={"latency_ms": latency_ms}).raise_for_status()

    def take_requests(self) -> list[dict[str, Any]]:
        """The request log since the last call (then cleared)."""
        log: list[dict[str, Any]] = self.admin.get("/requests").json()["requests"]
        self.admin.delete("/requests").raise_for_status()
        return log

    def audience_count(self) -> int:
        return len(self.admin.get("/state").json()["audiences"])

    def stop(self) -> None:
        self.admin.close()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def request_summary(log: list[dict[str, Any]], seconds: float | None, n: int) -> dict[str, Any]:
    by_method = Counter(str(r["method"]) for r in log)
    busy_ms = sum(float(r.get("ms") or 0.0) for r in log)
    return {
        "total": len(log),
        "per_resource": len(log) / n,
        "by_method": dict(sorted(by_method.items())),
        "errors": sum(1 for r in log if not (isinstance(r.get("status"), int) and r["status"] < 400)),
        # Summed server-side request time over wall time: how many requests were in flight on average.
        "mean_in_flight": round(busy_ms / 1000 / seconds, 2) if seconds else None,
    }


# -- peak RSS and CPU of a process tree, from /proc ---------------------------------------------------
HZ = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int | str) -> list[bytes] | None:
    """/proc/<pid>/stat fields after the parenthesised command name (index 0 = state, 1 = ppid)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            raw = fh.read()
    except OSError:
        return None
    return raw[raw.rfind(b")") + 2:].split()


def _cpu_ticks(pid: int) -> int:
    fields = _stat_fields(pid)
    return int(fields[11]) + int(fields[12]) if fields else 0  # utime + stime


def _system_busy_ticks() -> int:
    with open("/proc/stat") as fh:
        values = [int(v) for v in fh.readline().split()[1:9]]
    return sum(values) - values[3] - values[4]  # all but idle and iowait


def _ppid_map() -> dict[int, int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(entry)
            if fields:
                parents[int(entry)] = int(fields[1])
    return parents


def _read_status(pid: int) -> tuple[int | None, int | None]:
    """(VmHWM in kB, Threads) from /proc/<pid>/status; None where the process is gone."""
    hwm = threads = None
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
                elif line.startswith("Threads:"):
                    threads = int(line.split()[1])
    except OSError:
        pass
    return hwm, threads


def _cmdline(pid: int) -> list[str]:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return [p.decode(errors="replace") for p in fh.read().split(b"\0") if p]
    except OSError:
        return []


class CpuMeter:
    """CPU seconds during a phase: the tool (its process tree, or this process for the in-process floor
    client), the emulator, this harness (the /proc sampler), and foreign: anything else busy on the machine,
    a sign the timings were contended."""

    def __init__(self, emulator_pid: int, tool_is_harness: bool = False) -> None:
        self.emulator_pid = emulator_pid
        self.tool_is_harness = tool_is_harness
        self.busy = _system_busy_ticks()
        self.emulator = _cpu_ticks(emulator_pid)
        self.harness = _cpu_ticks(os.getpid())

    def finish(self, tree_ticks: int = 0) -> dict[str, float]:
        busy = _system_busy_ticks() - self.busy
        emulator = _cpu_ticks(self.emulator_pid) - self.emulator
        harness = _cpu_ticks(os.getpid()) - self.harness
        tool = harness if self.tool_is_harness else tree_ticks
        harness = 0 if self.tool_is_harness else harness
        return {"tool_s": round(tool / HZ, 2), "emulator_s": round(emulator / HZ, 2),
                "harness_s": round(harness / HZ, 2),
                "foreign_s": round(max(0, busy - tool - emulator - harness) / HZ, 2)}


def wait_quiet(max_wait: float, threshold: float = 0.25, window: float = 2.0) -> float:
    """Wait (up to ``max_wait`` s) until the machine's CPUs are less than ``threshold`` busy; seconds waited."""
    started = time.monotonic()
    cpus = len(os.sched_getaffinity(0))
    while time.monotonic() - started < max_wait:
        before = _system_busy_ticks()
        time.sleep(window)
        if (_system_busy_ticks() - before) / HZ / window / cpus < threshold:
            break
    return round(time.monotonic() - started, 1)


class PeakRss:
    """Samples every descendant of ``root``: the largest VmHWM (peak RSS, kB) and thread count per role, CPU ticks.

    Thread pools grow on demand, so the provider's peak thread count shows how many calls it really ran at once.
    """

    def __init__(self, root: int, classify: Callable[[list[str]], str], interval: float = 0.1) -> None:
        self.root = root
        self.classify = classify
        self.interval = interval
        self.peaks: dict[str, int] = {}
        self.threads: dict[str, int] = {}
        self.processes: dict[str, int] = Counter()
        self.ticks: dict[int, int] = {}  # last seen utime+stime per pid (misses each process's last interval)
        self._roles: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        parents = _ppid_map()
        children: dict[int, list[int]] = {}
        for pid, ppid in parents.items():
            children.setdefault(ppid, []).append(pid)
        todo, tree = [self.root], []
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo.extend(children.get(pid, ()))
        for pid in tree:
            role = self._roles.get(pid)
            if role is None:
                argv = _cmdline(pid)
                if not argv:
                    continue
                role = self._roles[pid] = self.classify(argv)
                self.processes[role] += 1
            hwm, threads = _read_status(pid)
            if hwm is not None and hwm > self.peaks.get(role, 0):
                self.peaks[role] = hwm
            if threads is not None and threads > self.threads.get(role, 0):
                self.threads[role] = threads
            ticks = _cpu_ticks(pid)
            if ticks:
                self.ticks[pid] = ticks

    def cpu_by_role(self) -> dict[str, float]:
        by_role: dict[str, float] = {}
        for pid, ticks in self.ticks.items():
            role = self._roles[pid]
            by_role[role] = by_role.get(role, 0.0) + ticks / HZ
        return {role: round(seconds, 2) for role, seconds in sorted(by_role.items())}

    def _run(self) -> None:
        while True:
            self._sample()
            if self._stop.wait(self.interval):
                return


@dataclass
class Command:
    seconds: float
    returncode: int
    stdout: str
    stderr: str
    rss_kb: dict[str, int]
    cpu: dict[str, Any] = field(default_factory=dict)


def run_command(argv: list[str], cwd: Path, env: dict[str, str], classify: Callable[[list[str]], str],
                emulator_pid: int) -> Command:
    meter = CpuMeter(emulator_pid)
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with PeakRss(proc.pid, classify) as rss:
        try:
            out, err = proc.communicate(timeout=COMMAND_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
    seconds = time.perf_counter() - started
    cpu: dict[str, Any] = {**meter.finish(sum(rss.ticks.values())), "tool_by_role_s": rss.cpu_by_role(),
                           "threads_peak_by_role": dict(sorted(rss.threads.items()))}
    return Command(seconds, proc.returncode, out, err, dict(rss.peaks), cpu)


class PhaseFailed(Exception):
    pass


# -- contenders --------------------------------------------------------------------------------------
@dataclass
class Run:
    tool: str
    n: int
    repeat: int
    phases: dict[str, dict[str, Any]] = field(default_factory=dict)
    state_bytes: int | None = None
    state_detail: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    waited_for_quiet_s: float = 0.0
    loadavg_at_start: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def as_json(self) -> dict[str, Any]:
        return {"tool": self.tool, "n": self.n, "repeat": self.repeat, "phases": self.phases,
                "state_bytes": self.state_bytes, "state_bytes_per_resource":
                    None if self.state_bytes is None else self.state_bytes / self.n,
                "state_detail": self.state_detail, "error": self.error,
                "waited_for_quiet_s": self.waited_for_quiet_s, "loadavg_at_start": self.loadavg_at_start}


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


class Contender:
    tool: str

    def setup(self, work: Path, emu: Emulator, n: int) -> None:
        raise NotImplementedError

    def phase(self, name: str) -> Command | None:
        raise NotImplementedError

    def state(self) -> tuple[int | None, dict[str, Any]]:
        return None, {}


def pulumi_role(argv: list[str]) -> str:
    joined = " ".join(argv)
    if "pulumi.dynamic" in joined or "pulumi-dynamic-wide-server" in joined:
        return "provider"
    if "pulumi-language-python-exec" in joined:
        return "program"
    if "pip" in argv[1:3] or "pulumi-installed-packages" in joined:
        # The language host lists installed packages (plugin requirements) before every command: `pip list`, or
        # tools/python-runtime's faster stand-in.
        return "package-list"
    exe = Path(argv[0]).name
    if exe in ("pulumi", "pulumi-language-python"):
        return {"pulumi": "engine", "pulumi-language-python": "langhost"}[exe]
    if exe == "sh":
        return "launcher"  # /bin/sh running a launcher script (the SDK's keeps its shell as the provider's parent)
    return "other:" + exe


PULUMI_PROGRAM = '''\
"""Generated by bench/harness.py: 1 structure + {audiences} audiences under it."""

from providers import thrive

root = thrive.Structure("root", name="Bench root", reference="bench-root")
for i in range({audiences}):
    thrive.Audience(f"a{{i}}", name=f"Bench {{i}}", reference=f"bench-{{i:04d}}", parent=root.id)
'''


class Pulumi(Contender):
    tool = "us"

    def __init__(self, base_env: dict[str, str], home: Path, parallel: int | None, tool: str = "us") -> None:
        self.tool = tool
        self.base_env = base_env
        self.home = home
        self.parallel = parallel

    def _run(self, *args: str) -> Command:
        return run_command(["pulumi", *args], self.dir, self.env, pulumi_role, self.emu_pid)

    def _must(self, *args: str) -> Command:
        cmd = self._run(*args)
        if cmd.returncode != 0:
            raise PhaseFailed(f"pulumi {' '.join(args)} exited {cmd.returncode}:\n{_tail(cmd.stdout + cmd.stderr)}")
        return cmd

    def setup(self, work: Path, emu: Emulator, n: int) -> None:
        self.emu_pid = emu.proc.pid
        self.dir = work / "pulumi"
        self.dir.mkdir(parents=True)
        (self.dir / ".state").mkdir()
        (self.dir / "Pulumi.yaml").write_text("name: thrive-bench\nruntime: python\n")
        (self.dir / "__main__.py").write_text(PULUMI_PROGRAM.format(audiences=n - 1))
        self.env = {**self.base_env, "PULUMI_HOME": str(self.home),
                    "PULUMI_BACKEND_URL": f"file://{self.dir / '.state'}"}
        self._must("stack", "init", STACK, "--non-interactive")
        self._must("config", "set-all", "--stack", STACK, "--plaintext", f"thrive:baseUrl={emu.base_url}",
                   "--plaintext", f"thrive:tenantId={TENANT}", "--secret", f"thrive:apiSecret={SECRET}")

    def phase(self, name: str) -> Command:
        common = ["--non-interactive", "--stack", STACK]
        parallel = ["--parallel", str(self.parallel)] if self.parallel else []
        args = {
            "up": ["up", "--yes", "--skip-preview", *parallel],
            "preview": ["preview", "--expect-no-changes", *parallel],
            "refresh": ["refresh", "--yes", "--skip-preview", *parallel],
            "destroy": ["destroy", "--yes", "--skip-preview", *parallel],
        }[name]
        return self._run(*args, *common)

    def state(self) -> tuple[int | None, dict[str, Any]]:
        exported = self._must("stack", "export", "--stack", STACK).stdout
        doc = json.loads(exported)
        resources = doc.get("deployment", {}).get("resources", [])
        blob = 0
        for res in resources:
            for key in ("inputs", "outputs"):
                value = (res.get(key) or {}).get("__provider")
                if isinstance(value, str):
                    blob += len(value)
        return len(exported.encode()), {"resources": len(resources), "pickled_provider_bytes": blob}


def tofu_role(argv: list[str]) -> str:
    exe = Path(argv[0]).name
    if exe.startswith("terraform-provider-restapi"):
        return "provider"
    if exe == "tofu":
        return "engine"
    return "other:" + exe


def tofu_config(uri: str, n: int) -> str:
    return f'''\
# Generated by bench/harness.py: 1 structure + {n - 1} audiences as restapi_object resources.
terraform {{
  required_providers {{
    restapi = {{ source = "Mastercard/restapi" }}
  }}
}}

provider "restapi" {{
  uri                  = "{uri}"
  username             = "{TENANT}"
  password             = "{SECRET}"
  id_attribute         = "id"
  create_method        = "POST"
  update_method        = "PATCH"
  destroy_method       = "DELETE"
  write_returns_object = true
}}

resource "restapi_object" "root" {{
  path = "/audiences"
  data = jsonencode({{ name = "Bench root", reference = "bench-root", category = "structure" }})
}}

resource "restapi_object" "audience" {{
  count = {n - 1}
  path  = "/audiences"
  data = jsonencode({{
    name      = "Bench ${{count.index}}"
    reference = format("bench-%04d", count.index)
    category  = "audience"
    parentId  = restapi_object.root.id
  }})
}}
'''


class Tofu(Contender):
    tool = "tofu"

    def __init__(self, bin_dir: Path, parallelism: int) -> None:
        self.bin_dir = bin_dir
        self.parallelism = parallelism

    def setup(self, work: Path, emu: Emulator, n: int) -> None:
        self.emu_pid = emu.proc.pid
        self.dir = work / "tofu"
        self.dir.mkdir(parents=True)
        (self.dir / "main.tf").write_text(tofu_config(emu.base_url, n))
        cli_config = work / "tofu.tfrc"
        # dev_overrides: tofu uses the provider binary in that directory and needs no `tofu init` (which
        # would try the registry even for an overridden provider, and fails offline).
        cli_config.write_text(
            "provider_installation {\n  dev_overrides {\n"
            f'    "Mastercard/restapi" = "{self.bin_dir}"\n  }}\n  direct {{}}\n}}\n')
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "THRIVE_"))}
        self.env.update(TF_CLI_CONFIG_FILE=str(cli_config), TF_IN_AUTOMATION="1", TF_INPUT="0",
                        CHECKPOINT_DISABLE="1", TF_DATA_DIR=str(self.dir / ".terraform"))

    def phase(self, name: str) -> Command:
        common = ["-input=false", "-no-color", f"-parallelism={self.parallelism}"]
        args = {
            "up": ["apply", "-auto-approve"],
            "preview": ["plan", "-detailed-exitcode"],
            "refresh": ["apply", "-refresh-only", "-auto-approve"],
            "destroy": ["destroy", "-auto-approve"],
        }[name]
        return run_command([str(self.bin_dir / "tofu"), *args, *common], self.dir, self.env, tofu_role, self.emu_pid)

    def state(self) -> tuple[int | None, dict[str, Any]]:
        path = self.dir / "terraform.tfstate"
        doc = json.loads(path.read_text())
        return path.stat().st_size, {"resources": sum(len(r.get("instances", [])) for r in doc["resources"])}


class Floor(Contender):
    """The minimum HTTP a tool must send, at the same concurrency: N POSTs, N GETs, N DELETEs (httpx)."""

    tool = "floor"

    def __init__(self, concurrency: int) -> None:
        self.concurrency = concurrency

    def setup(self, work: Path, emu: Emulator, n: int) -> None:
        self.emu_pid = emu.proc.pid
        self.base_url = emu.base_url
        self.n = n
        self.ids: list[str] = []
        self.root_id = ""

    async def _phase(self, name: str) -> None:
        limits = httpx.Limits(max_connections=self.concurrency, max_keepalive_connections=self.concurrency)
        gate = asyncio.Semaphore(self.concurrency)
        async with httpx.AsyncClient(base_url=self.base_url, auth=httpx.BasicAuth(TENANT, SECRET),
                                     limits=limits, timeout=60) as client:

            async def send(method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
                async with gate:
                    resp = await client.request(method, path, json=body)
                resp.raise_for_status()
                result: dict[str, Any] = resp.json()
                return result

            if name == "up":
                root = await send("POST", "/audiences", {"name": "Bench root", "reference": "bench-root",
                                                         "category": "structure"})
                self.root_id = root["id"]
                made = await asyncio.gather(*(
                    send("POST", "/audiences", {"name": f"Bench {i}", "reference": f"bench-{i:04d}",
                                                "category": "audience", "parentId": self.root_id})
                    for i in range(self.n - 1)))
                self.ids = [m["id"] for m in made]
            elif name == "refresh":
                await asyncio.gather(*(send("GET", f"/audiences/{i}") for i in [self.root_id, *self.ids]))
            elif name == "destroy":
                await asyncio.gather(*(send("DELETE", f"/audiences/{i}") for i in self.ids))
                await send("DELETE", f"/audiences/{self.root_id}")

    def phase(self, name: str) -> Command | None:
        if name == "preview":
            return None  # a no-op plan without refresh needs no request at all
        meter = CpuMeter(self.emu_pid, tool_is_harness=True)
        started = time.perf_counter()
        try:
            asyncio.run(self._phase(name))
        except httpx.HTTPError as exc:
            return Command(time.perf_counter() - started, 1, "", repr(exc), {}, meter.finish())
        return Command(time.perf_counter() - started, 0, "", "", {}, meter.finish())


# -- one run -----------------------------------------------------------------------------------------


def run_one(contender: Contender, n: int, repeat: int, latency_ms: float, work_root: Path,
            quiet_wait: float = 0.0) -> Run:
    run = Run(contender.tool, n, repeat)
    if quiet_wait:
        run.waited_for_quiet_s = wait_quiet(quiet_wait)
    run.loadavg_at_start = os.getloadavg()
    emu = Emulator(latency_ms)
    work = Path(tempfile.mkdtemp(prefix=f"{contender.tool}-n{n}-r{repeat}-", dir=work_root))
    try:
        contender.setup(work, emu, n)
        emu.take_requests()
        for name in PHASES:
            cmd = contender.phase(name)
            log = emu.take_requests()
            if cmd is None:
                run.phases[name] = {"seconds": None, "requests": request_summary(log, None, n), "rss_kb": {}}
                continue
            entry: dict[str, Any] = {"seconds": round(cmd.seconds, 4), "returncode": cmd.returncode,
                                     "requests": request_summary(log, cmd.seconds, n), "rss_kb": cmd.rss_kb,
                                     "cpu": cmd.cpu}
            if name == "preview":
                # pulumi --expect-no-changes fails on changes; tofu -detailed-exitcode: 0 none, 2 changes.
                entry["no_changes"] = cmd.returncode == 0
            run.phases[name] = entry
            failed = cmd.returncode != 0 and not (name == "preview" and contender.tool == "tofu"
                                                  and cmd.returncode == 2)
            if failed:
                raise PhaseFailed(f"{name} exited {cmd.returncode}:\n{_tail(cmd.stdout + cmd.stderr)}")
            if name == "up":
                made = emu.audience_count()
                entry["created"] = made
                if made != n:
                    raise PhaseFailed(f"up created {made} audiences, expected {n}")
                run.state_bytes, run.state_detail = contender.state()
                emu.take_requests()  # `stack export` sends none, but keep phases separate anyway
            if name == "destroy" and emu.audience_count() != 0:
                raise PhaseFailed(f"destroy left {emu.audience_count()} audiences")
    except (PhaseFailed, OSError, RuntimeError, httpx.HTTPError, json.JSONDecodeError) as exc:
        run.error = f"{type(exc).__name__}: {exc}"
    finally:
        emu.stop()
        shutil.rmtree(work, ignore_errors=True)
    return run


# -- toolchains ----------------------------------------------------------------------------------------
def pulumi_env(home: Path, state: Path) -> dict[str, str]:
    """scripts/env.sh's environment (pulumi on PATH, offline flags), with a throwaway home and backend."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("THRIVE_", "PULUMI_"))}
    env.update(PULUMI_HOME=str(home), PULUMI_BACKEND_URL=f"file://{state}", PULUMI_CONFIG_PASSPHRASE="bench-only")
    out = subprocess.run(["bash", "-c", f'source "{ROOT / "scripts" / "env.sh"}" >&2 && env -0'], env=env,
                         capture_output=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"scripts/env.sh failed:\n{out.stderr.decode(errors='replace')}")
    pairs = (item.split("=", 1) for item in out.stdout.decode().split("\0") if "=" in item)
    return dict(pairs)


def provider_workers(env: dict[str, str]) -> int | None:
    """gRPC worker threads of the dynamic-provider launcher the engine will find on PATH (None: unknown launcher)."""
    launcher = shutil.which("pulumi-resource-pulumi-python", path=env.get("PATH"))
    if launcher is None:
        return None
    server = Path(launcher).with_name("pulumi-dynamic-wide-server.py")
    if not server.exists():
        return 4 if "pulumi.dynamic" in Path(launcher).read_text(errors="replace") else None
    if env.get("PULUMI_DYNAMIC_PROVIDER_WORKERS"):
        return int(env["PULUMI_DYNAMIC_PROVIDER_WORKERS"])
    for line in server.read_text().splitlines():
        if line.startswith("DEFAULT_WORKERS = "):
            return int(line.split("=", 1)[1])
    return None


def build_tofu() -> tuple[Path | None, str | None, float]:
    """(bin dir, None) or (None, why not) from bench/tofu/build.sh, and how long the call took."""
    started = time.perf_counter()
    env = dict(os.environ)
    try:
        out = subprocess.run([str(TOFU_BUILD)], capture_output=True, text=True, env=env, timeout=3600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"bench/tofu/build.sh: {exc}", time.perf_counter() - started
    took = time.perf_counter() - started
    if out.returncode != 0:
        return None, f"bench/tofu/build.sh exited {out.returncode}:\n{_tail(out.stderr)}", took
    return Path(out.stdout.strip().splitlines()[-1]), None, took


def tofu_versions(bin_dir: Path) -> dict[str, str]:
    out = subprocess.run([str(bin_dir / "tofu"), "version", "-json"], capture_output=True, text=True,
                         env={**os.environ, "TF_CLI_CONFIG_FILE": "/dev/null"}, check=False)
    version = json.loads(out.stdout).get("terraform_version", "?") if out.returncode == 0 else "?"
    provider = next((p.name.split("_v", 1)[1] for p in bin_dir.glob("terraform-provider-restapi_v*")), "?")
    return {"opentofu": version, "restapi": provider}


# -- summaries, table, plot ------------------------------------------------------------------------------
def _stats(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    return {"median": round(statistics.median(values), 4), "min": round(min(values), 4),
            "max": round(max(values), 4), "count": len(values)}


def in_report_order(names: set[str] | dict[str, Any]) -> list[str]:
    """Contenders in report order: us, its variants (us:<name>), tofu, floor."""
    variants = sorted(n for n in names if n.startswith("us:"))
    return [t for t in ("us", *variants, "tofu", "floor") if t in names]


def summarise(runs: list[Run]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for tool in in_report_order({r.tool for r in runs}):
        for n in sorted({r.n for r in runs}):
            group = [r for r in runs if r.tool == tool and r.n == n and r.error is None]
            if not group:
                continue
            entry: dict[str, Any] = {"runs": len(group), "phases": {}}
            for name in PHASES:
                phases = [r.phases[name] for r in group if name in r.phases]
                seconds = [p["seconds"] for p in phases if p["seconds"] is not None]
                rss: dict[str, list[float]] = {}
                roles: dict[str, list[float]] = {}
                for p in phases:
                    for role, used in p.get("cpu", {}).get("tool_by_role_s", {}).items():
                        roles.setdefault(role, []).append(used)
                    for role, kb in p["rss_kb"].items():
                        rss.setdefault(role, []).append(kb)
                entry["phases"][name] = {
                    "seconds": _stats(seconds),
                    "requests_per_resource": _stats([p["requests"]["per_resource"] for p in phases]),
                    "requests_by_method": phases[0]["requests"]["by_method"] if phases else {},
                    "mean_in_flight": _stats([p["requests"]["mean_in_flight"] for p in phases
                                              if p["requests"]["mean_in_flight"] is not None]),
                    "peak_rss_kb": {role: statistics.median(v) for role, v in sorted(rss.items())},
                    "cpu_s": {key: _stats([p["cpu"][key] for p in phases if p.get("cpu")])
                              for key in ("tool_s", "emulator_s", "foreign_s")},
                    "tool_cpu_by_role_s": {role: statistics.median(v) for role, v in sorted(roles.items())},
                }
            sizes = [r.state_bytes / n for r in group if r.state_bytes is not None]
            entry["state_bytes_per_resource"] = _stats(sizes)
            blobs = [r.state_detail["pickled_provider_bytes"] / n for r in group
                     if "pickled_provider_bytes" in r.state_detail]
            if blobs:
                entry["pickled_provider_bytes_per_resource"] = _stats(blobs)
            summary.setdefault(tool, {})[str(n)] = entry
    return summary


def _median(summary: dict[str, Any], tool: str, n: int, phase: str) -> float | None:
    try:
        stats = summary[tool][str(n)]["phases"][phase]["seconds"]
    except KeyError:
        return None
    return None if stats is None else float(stats["median"])


def ratios(summary: dict[str, Any], ns: list[int]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for n in ns:
        for phase in PHASES:
            us = _median(summary, "us", n, phase)
            for other in ("tofu", "floor"):
                them = _median(summary, other, n, phase)
                if us is not None and them:
                    out[f"{phase}@{n} us/{other}"] = round(us / them, 2)
            for variant in (t for t in summary if t.startswith("us:")):
                theirs = _median(summary, variant, n, phase)
                if us and theirs is not None:
                    out[f"{phase}@{n} {variant}/us"] = round(theirs / us, 2)
    return out


def table(summary: dict[str, Any], ns: list[int]) -> str:
    tools = in_report_order(summary) or list(TOOLS)
    names = " / ".join(tools)
    lines = [f"| phase | N | {' | '.join(f'{t} s (min-max)' for t in tools)} | req/resource {names} "
             f"| tool CPU s {names} | foreign CPU s (max) |", "|---|---|" + "---|" * len(tools) + "---|---|---|"]
    for phase in PHASES:
        for n in ns:
            cells, reqs, cpu, foreign = [], [], [], 0.0
            for tool in tools:
                entry = summary.get(tool, {}).get(str(n), {}).get("phases", {}).get(phase)
                stats = entry["seconds"] if entry else None
                cells.append("-" if stats is None else
                             f"{stats['median']:.2f} ({stats['min']:.2f}-{stats['max']:.2f})")
                per = entry["requests_per_resource"] if entry else None
                reqs.append("-" if per is None else f"{per['median']:.2f}")
                used = entry["cpu_s"]["tool_s"] if entry else None
                cpu.append("-" if used is None else f"{used['median']:.1f}")
                other = entry["cpu_s"]["foreign_s"] if entry else None
                foreign = max(foreign, other["max"] if other else 0.0)
            lines.append(f"| {phase} | {n} | {' | '.join(cells)} | {' / '.join(reqs)} | {' / '.join(cpu)} "
                         f"| {foreign:.1f} |")
    lines += ["", "| tool | N | state bytes/resource | peak RSS MB by role (max over phases) |", "|---|---|---|---|"]
    for tool in tools:
        for n in ns:
            entry = summary.get(tool, {}).get(str(n))
            if not entry:
                continue
            size = entry["state_bytes_per_resource"]
            peaks: dict[str, float] = {}
            for phase in entry["phases"].values():
                for role, kb in phase["peak_rss_kb"].items():
                    peaks[role] = max(peaks.get(role, 0.0), kb)
            rss = ", ".join(f"{role} {kb / 1024:.0f}" for role, kb in sorted(peaks.items())) or "-"
            lines.append(f"| {tool} | {n} | {'-' if size is None else round(size['median'])} | {rss} |")
    return "\n".join(lines)


def plot(summary: dict[str, Any], ns: list[int], path: Path, title: str) -> str | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        return f"no plot: {exc} (pip install matplotlib)"
    fig, axes = plt.subplots(2, 2, figsize=(11, 8))
    labels = {"us": "us (pulumi + dynamic provider)", "tofu": "OpenTofu + restapi", "floor": "HTTP floor (httpx)"}
    tools = in_report_order(summary)
    for ax, phase in zip(axes.flat, PHASES, strict=True):
        for tool in tools:
            xs, ys, lo, hi = [], [], [], []
            for n in ns:
                entry = summary.get(tool, {}).get(str(n), {}).get("phases", {}).get(phase)
                stats = entry["seconds"] if entry else None
                if stats is None:
                    continue
                xs.append(n)
                ys.append(stats["median"])
                lo.append(stats["median"] - stats["min"])
                hi.append(stats["max"] - stats["median"])
            if xs:
                ax.errorbar(xs, ys, yerr=[lo, hi], marker="o", capsize=3, label=labels.get(tool, tool))
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title({"up": "up / apply", "preview": "no-op preview / plan", "refresh": "refresh",
                      "destroy": "destroy"}[phase])
        ax.set_xlabel("N resources (1 structure + N-1 audiences)")
        ax.set_ylabel("wall seconds (median, min-max)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return None


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
                name, _, pairs = spec.partition(":")
                overrides = dict(pair.split("=", 1) for pair in pairs.split(",") if pair)
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
