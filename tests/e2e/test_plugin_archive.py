"""A plugin archive installs on another machine: `pulumi plugin install --file` into a clean PULUMI_HOME, then a
Pulumi YAML program's up, no-change preview and destroy, with nothing of this checkout on PATH.

The archive is built as a user would from the release wheel (`scripts/dist`, then `python -m
audience_providers.plugin archive --wheel`). On install the engine's Python language host creates the plugin's own
virtualenv `venv/` in the plugin directory from the wheel packed in the archive (its dependencies from the package
index), and the engine runs the archive's launcher, which finds that venv relative to itself.

`pulumi package add` with this toolchain: what it answers is pinned here as docs/plugins.md states it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from audience_providers import __version__
from tests.conftest import Emulators

from .conftest import ROOT, MakeStack, Stack
from .fleet import configure_vendor, destroy_and_check

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The thrive plugin archive, with the wheel `scripts/dist` builds packed in it."""
    out = tmp_path_factory.mktemp("release")
    dist = subprocess.run([str(ROOT / "scripts" / "dist"), "--out", str(out)], capture_output=True, text=True,
                          timeout=600)
    assert dist.returncode == 0, dist.stderr[-3000:]
    wheel = dist.stdout.splitlines()[0]
    built = subprocess.run([sys.executable, "-m", "audience_providers.plugin", "archive", "thrive", "--wheel", wheel,
                            "--out", str(out / "plugins")], capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stderr
    yield Path(built.stdout.split()[0])


def another_machine(stack: Stack, pulumi_bin: Path) -> str:
    """The environment of a user with the pulumi CLI and python3 on PATH, and nothing of this checkout: no project
    venv, no `pulumi-resource-*` on PATH, none of our toolchain's Python overrides. Returns the PATH."""
    python_dir = Path(getattr(sys, "_base_executable", sys.executable)).parent  # the machine's python3, not .venv
    path = os.pathsep.join([str(pulumi_bin), str(python_dir), "/usr/bin", "/bin"])
    stack.env["PATH"] = path
    for key in ("PULUMI_PYTHON_CMD", "AUDIENCE_PYTHON", "VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME",
                "PULUMI_RUNTIME_VIRTUALENV"):
        stack.env.pop(key, None)
    assert shutil.which("pulumi-resource-thrive", path=path) is None
    return path


def test_archive__installs_in_a_clean_home_and_runs_a_yaml_program(archive: Path, pulumi_bin: Path,
                                                                   make_stack: MakeStack, emulator: Emulators,
                                                                   tmp_path: Path) -> None:
    # Copied away from where it was built first: the archive is all that travels.
    travelled = tmp_path / "download" / archive.name
    travelled.parent.mkdir()
    shutil.copy(archive, travelled)
    live = emulator("thrive")
    stack = make_stack("native_yaml_thrive")
    another_machine(stack, pulumi_bin)
    home = Path(stack.env["PULUMI_HOME"])
    assert not (home / "plugins").exists()  # a clean PULUMI_HOME

    stack.run("plugin", "install", "resource", "thrive", __version__, "--file", str(travelled), timeout=900)
    installed = home / "plugins" / f"resource-thrive-v{__version__}"
    # The plugin's own venv: `venv/` (current Python language hosts) or the plugin directory itself (the v3.79 host
    # of this toolchain); the launcher takes either.
    venv = installed / "venv" if (installed / "venv" / "pyvenv.cfg").exists() else installed
    venv_python = venv / "bin" / "python"
    assert (venv / "pyvenv.cfg").exists() and venv_python.exists(), sorted(p.name for p in installed.iterdir())
    # The package the plugin serves is the wheel's, installed into the plugin's own venv.
    where = subprocess.run([str(venv_python), "-I", "-c", "import audience_providers as p; print(p.__file__)"],
                           capture_output=True, text=True, check=True).stdout.strip()
    assert where.startswith(str(venv / "lib")) and "site-packages" in where
    assert str(ROOT) not in where

    configure_vendor(stack, live, "thrive")
    up = stack.up()
    assert "from $PATH" not in up.stdout + up.stderr  # served from the plugin cache, not an ambient binary
    audiences = {a["reference"]: a for a in live.objects("audiences").values()}
    assert set(audiences) == {"ny-root", "ny-team"}
    assert audiences["ny-team"]["parent"]["id"] == audiences["ny-root"]["id"]
    assert sorted(audiences["ny-team"]["members"]) == ["user1", "user2"]
    stack.preview("--expect-no-changes")
    destroy_and_check(stack, {"thrive": live})
    assert live.objects("audiences") == {}


def test_package_add__fails_with_this_toolchain_as_documented(archive: Path, pulumi_bin: Path, make_stack: MakeStack,
                                                              tmp_path: Path) -> None:
    """docs/plugins.md, "pulumi package add": each form fails here with the host's 'not implemented' (or, for the
    source directory, the v3.79 Python host running the wrong program); if one starts working, update the doc."""
    stack = make_stack("native_yaml_outputs")  # a YAML project
    another_machine(stack, pulumi_bin)
    source = tmp_path / "plugin-source"
    source.mkdir()
    with tarfile.open(archive) as tar:
        tar.extractall(source, filter="data")
    stack.run("plugin", "install", "resource", "thrive", __version__, "--file", str(archive), timeout=900)
    launcher = Path(stack.env["PULUMI_HOME"]) / "plugins" / f"resource-thrive-v{__version__}" / "pulumi-resource-thrive"

    by_executable = stack.run("package", "add", str(launcher), check=False)
    text = by_executable.stdout + by_executable.stderr
    assert by_executable.returncode != 0
    assert "linking package: method Link not implemented" in text, text
    assert "packages:" not in (stack.dir / "Pulumi.yaml").read_text()

    by_directory = stack.run("package", "add", str(source), check=False, timeout=900)
    text = by_directory.stdout + by_directory.stderr
    assert by_directory.returncode != 0
    assert f"can't find '__main__' module in '{stack.dir}'" in text, text
    assert f'failed to get schema: unable to run {source}' in text, text

    python_project = tmp_path / "python-project"
    python_project.mkdir()
    (python_project / "Pulumi.yaml").write_text("name: add-to-python\nruntime: python\n")
    added = subprocess.run(["pulumi", "package", "add", str(launcher)], cwd=python_project, env=stack.env,
                           capture_output=True, text=True, timeout=300)
    assert added.returncode != 0
    assert "failed to generate SDK: method GeneratePackage not implemented" in added.stdout + added.stderr
