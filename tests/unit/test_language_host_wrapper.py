"""tools/python-runtime/pulumi-language-python: the project's `virtualenv` option reaches our Python command."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WRAPPER = ROOT / "tools" / "python-runtime" / "pulumi-language-python"
FAKE_HOST = '#!/bin/sh\necho "venv=${PULUMI_RUNTIME_VIRTUALENV:-} cmd=${PULUMI_PYTHON_CMD:-} args=$*"\n'


def run_wrapper(tmp_path: Path, pulumi_yaml: str, *, make_venv: str | None = None) -> subprocess.CompletedProcess[str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shutil.copy(WRAPPER, bin_dir / WRAPPER.name)
    (bin_dir / "pulumi-language-python-host").write_text(FAKE_HOST)
    (bin_dir / "pulumi-language-python-host").chmod(0o755)
    project = tmp_path / "project"
    (project / "src").mkdir(parents=True)
    (project / "Pulumi.yaml").write_text(pulumi_yaml)
    if make_venv:
        (project / make_venv / "bin").mkdir(parents=True)
        (project / make_venv / "bin" / "python").write_text("#!/bin/sh\n")
        (project / make_venv / "bin" / "python").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("PULUMI_PYTHON_CMD", "PULUMI_RUNTIME_VIRTUALENV")}
    # From a subdirectory, as with `main: src/`: the project file is found above it.
    return subprocess.run([str(bin_dir / WRAPPER.name), "127.0.0.1:1"], cwd=project / "src", env=env,
                          capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("pulumi_yaml", [
    "name: p\nruntime:\n  name: python\n  options:\n    virtualenv: .venv  # the documented layout\n",
    "name: p\nruntime: {name: python, options: {virtualenv: .venv}}\n",
    "runtime:\n  name: python\n  options: {toolchain: pip, virtualenv: '.venv'}\nconfig:\n  virtualenv: other\n",
    'runtime:\n  options:\n    virtualenv: ".venv"\n',
], ids=["block", "flow", "inner-flow-quoted", "double-quoted"])
def test_wrapper__virtualenv_option_is_resolved_from_the_project_dir(tmp_path: Path, pulumi_yaml: str) -> None:
    out = run_wrapper(tmp_path, pulumi_yaml, make_venv=".venv")
    assert out.returncode == 0, out.stderr
    venv, cmd, args = out.stdout.split()
    assert venv == f"venv={tmp_path / 'project' / '.venv'}"
    assert cmd == f"cmd={tmp_path / 'bin' / 'pulumi-python-cmd'}" and args == "args=127.0.0.1:1"


@pytest.mark.parametrize("pulumi_yaml", [
    "name: p\nruntime: python\n",
    "name: p\nruntime: python\nconfig:\n  app:\n    virtualenv: not-the-runtime-option\n",
], ids=["scalar-runtime", "key-elsewhere"])
def test_wrapper__no_virtualenv_option_changes_nothing(tmp_path: Path, pulumi_yaml: str) -> None:
    out = run_wrapper(tmp_path, pulumi_yaml)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["venv=", "cmd=", "args=127.0.0.1:1"]


def test_wrapper__missing_virtualenv_fails_at_start_naming_it(tmp_path: Path) -> None:
    out = run_wrapper(tmp_path, "name: p\nruntime: {name: python, options: {virtualenv: venv}}\n")
    assert out.returncode == 1 and out.stdout == ""
    assert f'is "{tmp_path / "project" / "venv"}", which has no bin/python' in out.stderr
    assert "python3 -m venv" in out.stderr
