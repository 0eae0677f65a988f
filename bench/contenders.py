"""Benchmark contenders (us: pulumi + our providers, tofu: OpenTofu + restapi, floor: plain httpx) and one run.

A contender runs the four phases (up, preview, refresh, destroy) of a :class:`~bench.workloads.Workload` against
a fresh set of emulators in their own process, metered by :mod:`bench.metering`.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from emulators.admin import EmulatorProcess

from .metering import Command, CpuMeter, run_command, wait_quiet
from .stats import PHASES, request_summary
from .workloads import ThriveWorkload, Workload

ROOT = Path(__file__).resolve().parent.parent
TOFU_BUILD = ROOT / "bench" / "tofu" / "build.sh"
STACK = "bench"


class PhaseFailed(Exception):
    pass


# The benchmarks time what happens after creates and through destroys, so they turn on the two invented emulator
# answers those need (emulators/<vendor>/COVERAGE.md): UnleashX's create answer carrying the new campaign id (the
# floor reads it too), Sonarly's folder delete. On the documented answers alone those stop with a message instead
# (tested in tests/e2e/test_unleashx.py and test_sonarly.py).
INVENTED: dict[str, dict[str, Any]] = {"unleashx": {"return_campaign_data": True}, "sonarly": {"folder_delete": True}}


class Emulator(EmulatorProcess):
    """Fresh emulators of ``vendors`` in their own process (emulators/admin.py), with latency injected.

    A separate process so the floor client (in this process) does not share a GIL with them.
    """

    def __init__(self, latency_ms: float, vendors: tuple[str, ...] = ("thrive",),
                 config: dict[str, dict[str, Any]] | None = None) -> None:
        super().__init__(vendors, cwd=ROOT)
        self.base_url = self.base_urls[vendors[0]]
        for vendor in vendors:
            self[vendor].configure(latency_ms=latency_ms, **INVENTED.get(vendor, {}), **(config or {}).get(vendor, {}))

    def state(self, vendor: str) -> dict[str, Any]:
        return self[vendor].state()

    def audience_count(self) -> int:
        return len(self["thrive"].objects("audiences"))


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
    workload: Workload

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


class Pulumi(Contender):
    tool = "us"

    def __init__(self, base_env: dict[str, str], home: Path, parallel: int | None, tool: str = "us",
                 workload: Workload | None = None) -> None:
        self.tool = tool
        self.workload = workload or ThriveWorkload()
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
        self.emu_pid = emu.pid
        self.dir = work / "pulumi"
        self.dir.mkdir(parents=True)
        (self.dir / ".state").mkdir()
        (self.dir / "Pulumi.yaml").write_text(f"name: {self.workload.project}\nruntime: python\n")
        (self.dir / "__main__.py").write_text(self.workload.program(n))
        self.env = {**self.base_env, "PULUMI_HOME": str(self.home),
                    "PULUMI_BACKEND_URL": f"file://{self.dir / '.state'}", **self.workload.env(emu)}
        self._must("stack", "init", STACK, "--non-interactive")
        self._must("config", "set-all", "--stack", STACK, *self.workload.config(emu))

    def phase_argv(self, name: str) -> list[str]:
        """The command line of a phase (``pulumi`` first), run in ``self.dir`` with ``self.env``."""
        common = ["--non-interactive", "--stack", STACK]
        parallel = ["--parallel", str(self.parallel)] if self.parallel else []
        args = {
            "up": ["up", "--yes", "--skip-preview", *parallel],
            "preview": ["preview", "--expect-no-changes", *parallel],
            "refresh": ["refresh", "--yes", "--skip-preview", *parallel],
            "destroy": ["destroy", "--yes", "--skip-preview", *parallel],
        }[name]
        return ["pulumi", *args, *common]

    def phase(self, name: str) -> Command:
        return self._run(*self.phase_argv(name)[1:])

    def state(self) -> tuple[int | None, dict[str, Any]]:
        exported = self._must("stack", "export", "--stack", STACK).stdout
        doc = json.loads(exported)
        resources = doc.get("deployment", {}).get("resources", [])
        blob = 0
        by_type: dict[str, dict[str, int]] = {}
        for res in resources:
            for key in ("inputs", "outputs"):
                value = (res.get(key) or {}).get("__provider")
                if isinstance(value, str):
                    blob += len(value)
            # Each resource's share of the export: its entry as `stack export` prints it (4-space indent, the
            # bytes a user sees) and compact; the stack, provider and program entries are overhead, not resources.
            kind = by_type.setdefault(str(res.get("type")), {"resources": 0, "bytes": 0, "bytes_compact": 0})
            kind["resources"] += 1
            kind["bytes"] += len(json.dumps(res, indent=4).encode())
            kind["bytes_compact"] += len(json.dumps(res, separators=(",", ":")).encode())
        return len(exported.encode()), {"resources": len(resources), "pickled_provider_bytes": blob,
                                        "by_type": dict(sorted(by_type.items()))}


def tofu_role(argv: list[str]) -> str:
    exe = Path(argv[0]).name
    if exe.startswith("terraform-provider-restapi"):
        return "provider"
    if exe == "tofu":
        return "engine"
    return "other:" + exe


class Tofu(Contender):
    tool = "tofu"

    def __init__(self, bin_dir: Path, parallelism: int, workload: Workload | None = None) -> None:
        self.bin_dir = bin_dir
        self.parallelism = parallelism
        self.workload = workload or ThriveWorkload()

    def setup(self, work: Path, emu: Emulator, n: int) -> None:
        self.emu_pid = emu.pid
        self.dir = work / "tofu"
        self.dir.mkdir(parents=True)
        (self.dir / "main.tf").write_text(self.workload.hcl(emu, n))
        cli_config = work / "tofu.tfrc"
        # dev_overrides: tofu uses the provider binary in that directory and needs no `tofu init` (which
        # would try the registry even for an overridden provider, and fails offline).
        cli_config.write_text(
            "provider_installation {\n  dev_overrides {\n"
            f'    "Mastercard/restapi" = "{self.bin_dir}"\n  }}\n  direct {{}}\n}}\n')
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("TF_", "THRIVE_", "SONARLY_", "BATCH_", "UNLEASHX_"))}
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
    """The minimum HTTP a tool must send, at the same concurrency (httpx); the workload says which requests."""

    tool = "floor"

    def __init__(self, concurrency: int, workload: Workload | None = None) -> None:
        self.concurrency = concurrency
        self.workload = workload or ThriveWorkload()

    def setup(self, work: Path, emu: Emulator, n: int) -> None:
        self.emu = emu
        self.emu_pid = emu.pid
        self.n = n
        self.memo: dict[str, Any] = {}

    def phase(self, name: str) -> Command | None:
        if name == "preview":
            return None  # a no-op plan without refresh needs no request at all
        meter = CpuMeter(self.emu_pid, tool_is_harness=True)
        started = time.perf_counter()
        try:
            asyncio.run(self.workload.floor(name, self.emu, self.n, self.concurrency, self.memo))
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
    workload = contender.workload
    split = workload.split(n)
    emu = Emulator(latency_ms, workload.vendors, workload.emulator_config)
    work = Path(tempfile.mkdtemp(prefix=f"{contender.tool}-n{n}-r{repeat}-", dir=work_root))
    try:
        contender.setup(work, emu, n)
        emu.take_requests()
        for name in PHASES:
            cmd = contender.phase(name)
            log = emu.take_requests()
            if cmd is None:
                run.phases[name] = {"seconds": None, "requests": request_summary(log, None, n, split), "rss_kb": {}}
                continue
            entry: dict[str, Any] = {"seconds": round(cmd.seconds, 4), "returncode": cmd.returncode,
                                     "requests": request_summary(log, cmd.seconds, n, split), "rss_kb": cmd.rss_kb,
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
                live = workload.live(emu)
                made = entry["created"] = sum(live.values())
                if len(split) > 1:
                    entry["created_by_vendor"] = live
                if made != n:
                    raise PhaseFailed(f"up created {made} objects ({live}), expected {n} ({split})")
                run.state_bytes, run.state_detail = contender.state()
                emu.take_requests()  # `stack export` sends none, but keep phases separate anyway
            if name == "destroy":
                left = {v: k for v, k in workload.live(emu).items() if k and v in workload.emptied_by(contender.tool)}
                if left:
                    raise PhaseFailed(f"destroy left objects: {left}")
    except (PhaseFailed, OSError, RuntimeError, httpx.HTTPError, json.JSONDecodeError) as exc:
        run.error = f"{type(exc).__name__}: {exc}"
    finally:
        emu.stop()
        shutil.rmtree(work, ignore_errors=True)
    return run


# -- toolchains ----------------------------------------------------------------------------------------
_compiled = False


def compile_sources() -> None:
    """Bytecode for our package, as a first import (or `pip install`) writes it.

    A sandbox that sets PYTHONDONTWRITEBYTECODE=1 (these machines do) makes every program and provider process
    compile our modules from source again: ~20 ms in the program, more in the provider, which a user's default
    Python pays once. The contenders run without that variable and with the bytecode written here.
    """
    global _compiled
    if _compiled:  # once per bench process: the import probe and every contender's environment ask for it
        return
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "providers"),
                    str(ROOT / "audience_provider_ref.py")], check=True, capture_output=True)
    _compiled = True


def parse_variant(spec: str) -> tuple[str, dict[str, str]]:
    """``NAME:KEY=VALUE[,KEY=VALUE]`` (the ``--us-variant``/``--variant`` options): the name and its environment."""
    name, _, pairs = spec.partition(":")
    return name, dict(pair.split("=", 1) for pair in pairs.split(",") if pair)


def pulumi_env(home: Path, state: Path) -> dict[str, str]:
    """scripts/env.sh's environment (pulumi on PATH, offline flags), with a throwaway home and backend."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("THRIVE_", "PULUMI_"))}
    env.update(PULUMI_HOME=str(home), PULUMI_BACKEND_URL=f"file://{state}", PULUMI_CONFIG_PASSPHRASE="bench-only")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    compile_sources()
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
