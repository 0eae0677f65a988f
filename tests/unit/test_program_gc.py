"""providers/_core/program_gc.py: freeze once, only in a program the language host started, unless turned off."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from audience_providers._core import program_gc

# Only a program that opts in (audience_providers.tuning.install()) is frozen; importing a vendor alone changes
# nothing (tests/unit/test_host_left_alone.py).
PROBE = ("import gc\nimport audience_providers.batch\nfrom audience_providers import tuning\ntuning.install()\n"
         "print(gc.get_freeze_count())\n")


def _frozen_after_import(tmp_path: Path, script_name: str, **env: str) -> int:
    script = tmp_path / script_name
    script.write_text(PROBE)
    run_env = {k: v for k, v in os.environ.items() if k != program_gc.ENV} | env
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=run_env, check=True)
    return int(out.stdout.strip())


def test_install__freezes_in_a_program_the_language_host_started(tmp_path: Path) -> None:
    assert _frozen_after_import(tmp_path, program_gc.LAUNCHER) > 10_000


@pytest.mark.parametrize("script_name,env", [("app.py", {}), (program_gc.LAUNCHER, {program_gc.ENV: "0"})],
                         ids=["other-process", "turned-off"])
def test_install__leaves_other_processes_and_a_turned_off_program_alone(tmp_path: Path, script_name: str,
                                                                        env: dict[str, str]) -> None:
    assert _frozen_after_import(tmp_path, script_name, **env) == 0


def test_started_by_language_host__reads_the_interpreters_command_line() -> None:
    exec_path = "/cache/bin/" + program_gc.LAUNCHER
    assert program_gc.started_by_language_host(["/venv/bin/python", exec_path, "--monitor", "127.0.0.1:1"])
    assert program_gc.started_by_language_host(["python3", "-u", exec_path])
    assert not program_gc.started_by_language_host(["python3", "-m", "pytest", "tests/unit"])
    assert not program_gc.started_by_language_host(["python3", "app.py", program_gc.LAUNCHER + ".log"])
