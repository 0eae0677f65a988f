"""The code stays ruff-clean and mypy-strict: the house standard, checked with every test run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def test_ruff__clean() -> None:
    out = subprocess.run([str(BIN / "ruff"), "check", "providers", "emulators", "tests", "bench", "tools",
                          "hatch_build.py"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_mypy__strict_on_providers() -> None:
    out = subprocess.run([str(BIN / "mypy")], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_mypy__strict_on_tests(tmp_path: Path) -> None:
    # Tests import the package by its import name, which mypy can't follow through the editable install's
    # package-dir mapping (providers/ -> audience_providers): a path entry with that name points it at the folder.
    (tmp_path / "audience_providers").symlink_to(ROOT / "providers")
    (tmp_path / "audience_provider_ref.py").symlink_to(ROOT / "audience_provider_ref.py")
    out = subprocess.run([str(BIN / "mypy"), "--strict", "tests"], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "MYPYPATH": str(tmp_path)})
    assert out.returncode == 0, out.stdout + out.stderr
    assert re.search(r"in [1-9][0-9]* source files", out.stdout), out.stdout


def test_mypy__strict_on_runtime_scripts() -> None:
    scripts = sorted(str(p) for p in (ROOT / "tools" / "python-runtime").glob("*.py"))
    assert scripts
    out = subprocess.run([str(BIN / "mypy"), "--strict", *scripts], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_packaging__the_providers_folder_ships_whole_under_the_import_name() -> None:
    # The folder is `providers/`, the import name `audience_providers`: pyproject maps the folder as a whole (no
    # list of subpackages to keep in step), so a new subpackage is in the wheel without an edit here.
    # tests/unit/test_dist.py builds the wheel and checks every module is in it.
    import tomllib

    wheel = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert wheel["force-include"] == {"providers": "audience_providers"}
