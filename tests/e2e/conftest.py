"""Drive the real `pulumi` CLI (built from Go modules by tools/build.sh) on small on-disk programs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pluggy
import pytest

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = Path(__file__).resolve().parent / "programs"
PASSPHRASE = "e2e-tests-only"


@pytest.fixture(scope="session")
def pulumi_bin() -> Path:
    out = subprocess.run([str(ROOT / "tools" / "build.sh")], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        pytest.fail(f"tools/build.sh failed:\n{out.stderr}")
    bin_dir = Path(out.stdout.strip())
    version = subprocess.run([str(bin_dir / "pulumi"), "version"], capture_output=True, text=True,
                             env={**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"})
    # Printed so every test log shows the engine that ran (pytest -s or on failure).
    print(f"pulumi version: {version.stdout.strip()} ({bin_dir / 'pulumi'})", file=sys.stderr)
    return bin_dir


class Stack:
    """A throwaway copy of one program with its own file backend and stack `e2e`."""

    def __init__(self, workdir: Path, bin_dir: Path, name: str = "e2e") -> None:
        self.dir = workdir
        self.name = name
        venv_bin = Path(sys.executable).parent
        self.env = {
            **os.environ,
            "PATH": f"{bin_dir}{os.pathsep}{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
            "AUDIENCE_PYTHON": sys.executable,
            "PULUMI_PYTHON_CMD": str(bin_dir / "pulumi-python-cmd"),
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_HOME": str(workdir / ".pulumi-home"),
            "PULUMI_BACKEND_URL": f"file://{workdir / '.state'}",
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "BATCH_SNAPSHOT_DIR": str(workdir / ".snapshots"),
        }
        for key in [k for k in self.env if k.startswith(("BATCH_", "THRIVE_", "SONARLY_", "UNLEASHX_"))]:
            if key != "BATCH_SNAPSHOT_DIR":
                del self.env[key]  # credentials come from stack config only, as in the docs
        (workdir / ".state").mkdir(exist_ok=True)
        self.log: list[str] = []

    def run(self, *args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        started = time.monotonic()
        proc = subprocess.run(["pulumi", *args], cwd=self.dir, env=self.env, capture_output=True, text=True,
                              timeout=timeout)
        took = time.monotonic() - started
        self.log.append(f"$ pulumi {' '.join(args)}  [{proc.returncode}, {took:.1f}s]\n{proc.stdout}{proc.stderr}")
        if check and proc.returncode != 0:
            raise AssertionError(f"pulumi {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        return proc

    def config(self, key: str, value: str, *, secret: bool = False) -> None:
        self.run("config", "set", "--secret" if secret else "--plaintext", key, value, "--stack", self.name)

    def up(self, *extra: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("up", "--yes", "--non-interactive", "--skip-preview", "--stack", self.name, *extra,
                        check=check)

    def preview(self, *extra: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("preview", "--non-interactive", "--stack", self.name, *extra, check=check)

    def refresh(self, *extra: str) -> subprocess.CompletedProcess[str]:
        return self.run("refresh", "--yes", "--non-interactive", "--skip-preview", "--stack", self.name, *extra)

    def destroy(self, *extra: str) -> subprocess.CompletedProcess[str]:
        return self.run("destroy", "--yes", "--non-interactive", "--skip-preview", "--stack", self.name, *extra)

    def outputs(self) -> dict[str, Any]:
        outputs: dict[str, Any] = json.loads(self.run("stack", "output", "--json", "--stack", self.name).stdout)
        return outputs

    def export(self) -> str:
        return self.run("stack", "export", "--stack", self.name).stdout


MakeStack = Callable[[str], Stack]


@pytest.fixture
def make_stack(pulumi_bin: Path, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[MakeStack]:
    """``make_stack("<program>")`` -> a fresh copy of tests/e2e/programs/<program> with stack `e2e` selected."""
    created: list[Stack] = []

    def make(program: str) -> Stack:
        workdir = tmp_path / program
        shutil.copytree(PROGRAMS / program, workdir)
        stack = Stack(workdir, pulumi_bin)
        stack.run("stack", "init", stack.name, "--non-interactive")
        created.append(stack)
        return stack

    yield make
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        for stack in created:
            print("\n".join(stack.log[-6:]), file=sys.stderr)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Generator[None, pluggy.Result[pytest.TestReport], None]:
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


# -- the user's lane (tests/e2e/user_lane.py), shared by the modules that run in it -----------------------------------
@pytest.fixture(scope="session")
def lane_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel `scripts/dist` builds, once per session."""
    from .user_lane import build_wheel

    return build_wheel(tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="session")
def official_pulumi(pulumi_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin directory of the user's Pulumi: the CLI and a stand-in of Pulumi's own dynamic-provider launcher."""
    from .user_lane import official_bin

    return official_bin(pulumi_bin, tmp_path_factory.mktemp("pulumi") / "bin")
