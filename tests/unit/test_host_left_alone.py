"""Importing and using our package leaves the user's program process alone (issue #31 point 4).

No private function of the Pulumi SDK wrapped, no collector frozen, no standard-library function replaced —
checked in a fresh interpreter whose command line looks like the one the language host starts (the case where
the package used to adjust things), after importing every vendor, declaring nothing, and after a provider
served a call (configure). The opt-in (``audience_providers.tuning.install()``) is the dual: it does change them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = '''
import gc, json, sys, traceback
import pulumi.runtime.resource as r, pulumi.runtime.stack as st, pulumi.dynamic.dynamic as d
before = {"stack_trace": r._get_stack_trace, "source_position": r._get_source_position,
          "wait_for_rpcs": st.wait_for_rpcs, "serialize_provider": d.serialize_provider,
          "format_exc": traceback.format_exc}
import audience_providers
from audience_providers import batch, sonarly, thrive, unleashx
from audience_providers._core.config import ConfigSource
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config
for provider in (batch.AudienceProvider(), thrive.StructureProvider()):
    provider.configure(ConfigureRequest(Config({}, "p")))
if sys.argv[1:] == ["tuned"]:
    from audience_providers import tuning
    tuning.install()
after = {"stack_trace": r._get_stack_trace, "source_position": r._get_source_position,
         "wait_for_rpcs": st.wait_for_rpcs, "serialize_provider": d.serialize_provider,
         "format_exc": traceback.format_exc}
print(json.dumps({"changed": sorted(k for k in before if before[k] is not after[k]),
                  "frozen": gc.get_freeze_count()}))
'''


def _probe(tmp_path: Path, *args: str) -> dict[str, object]:
    # Named like the language host's program launcher, where the package used to freeze the collector.
    script = tmp_path / "pulumi-language-python-exec"
    script.write_text(PROBE)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUDIENCE_PROVIDERS_")}
    out = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, env=env, cwd=ROOT,
                         check=True, timeout=120)
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def test_import__changes_no_sdk_or_stdlib_function_and_freezes_nothing(tmp_path: Path) -> None:
    assert _probe(tmp_path) == {"changed": [], "frozen": 0}


@pytest.mark.parametrize("opt_in", ["tuned"])
def test_tuning_install__is_the_one_way_to_get_the_sdk_adjustments(tmp_path: Path, opt_in: str) -> None:
    probed = _probe(tmp_path, opt_in)
    assert probed["changed"] == ["source_position", "stack_trace", "wait_for_rpcs"]
    assert isinstance(probed["frozen"], int) and probed["frozen"] > 10_000
