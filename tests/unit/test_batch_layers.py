"""Batch's lifecycle and everything under it run without Pulumi: only resource.py (the adapter's side) imports it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PULUMI_FREE = ["audience", "client", "config", "members", "models", "snapshots"]

# `pulumi` made unimportable; the package `audience_providers.batch` stood up without running its __init__
# (which imports resource.py, the Pulumi side, on purpose: loading a state must register the provider).
PROBE = textwrap.dedent("""
    import importlib, importlib.util, sys, types
    sys.modules["pulumi"] = None
    root = importlib.util.find_spec("audience_providers")
    batch = types.ModuleType("audience_providers.batch")
    batch.__path__ = [root.submodule_search_locations[0] + "/batch"]
    sys.modules["audience_providers.batch"] = batch
    module = importlib.import_module("audience_providers.batch." + sys.argv[1])
    leaked = sorted(name for name, mod in sys.modules.items()
                    if mod is not None and (name == "pulumi" or name.startswith("pulumi.")))
    print(module.__name__, leaked)
""")


@pytest.mark.parametrize("module", PULUMI_FREE)
def test_import__batch_module_loads_with_pulumi_blocked(module: str) -> None:
    proc = subprocess.run([sys.executable, "-c", PROBE, module], cwd=ROOT, capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [f"audience_providers.batch.{module}", "[]"]


def test_import__the_probe_fails_for_the_pulumi_side() -> None:
    # The dual: the probe does catch a module that needs pulumi.
    proc = subprocess.run([sys.executable, "-c", PROBE, "resource"], cwd=ROOT, capture_output=True, text=True,
                          check=False)
    assert proc.returncode != 0 and "pulumi" in proc.stderr
