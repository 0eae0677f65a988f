"""The code stays ruff-clean and mypy-strict: the house standard, checked with every test run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def test_ruff__clean() -> None:
    out = subprocess.run([str(BIN / "ruff"), "check", "providers", "emulators", "tests", "bench", "tools"], cwd=ROOT,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_mypy__strict_on_providers() -> None:
    out = subprocess.run([str(BIN / "mypy")], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_mypy__strict_on_runtime_scripts() -> None:
    scripts = sorted(str(p) for p in (ROOT / "tools" / "python-runtime").glob("*.py"))
    assert scripts
    out = subprocess.run([str(BIN / "mypy"), "--strict", *scripts], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
