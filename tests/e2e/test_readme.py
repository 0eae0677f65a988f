"""Newcomer check: the README's code blocks marked `<!-- runnable -->` work as written, in order.

Runs them from the repo root against a throwaway file backend (so a developer's own `local` stack is left
alone). This is the README's first command, `scripts/up-local`, end to end.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import httpx
import pytest

from emulators.admin import Admin
from emulators.server import DEFAULT_PORTS

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def runnable_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"<!-- runnable -->\s*```sh\n(.*?)```", text, flags=re.S)


def test_readme__runnable_blocks_work_as_written(tmp_path: Path, pulumi_bin: Path) -> None:
    blocks = runnable_blocks()
    assert len(blocks) >= 2 and "scripts/up-local" in blocks[0]
    state = tmp_path / "state"
    state.mkdir()
    env = {**os.environ, "PULUMI_BACKEND_URL": f"file://{state}", "PULUMI_SKIP_CONFIRMATIONS": "true",
           "PULUMI_HOME": str(tmp_path / "home")}
    env.pop("PULUMI_CONFIG_PASSPHRASE", None)  # the README promises the documented default
    # A fresh backend must meet fresh emulators: UnleashX campaign names are unique and can't be looked up, so
    # leftovers from an earlier run on the fixed ports would collide. (A new machine has none.)
    for vendor, port in DEFAULT_PORTS.items():  # 18081-18084 unless AUDIENCE_EMULATOR_PORT_BASE moves them
        admin = Admin(vendor, f"http://127.0.0.1:{port}", timeout=2)
        try:
            admin.reset()
        except httpx.HTTPError:
            pass  # not running: up-local starts them
        finally:
            admin.close()
    outputs = []
    for block in blocks:
        for line in block.strip().splitlines():
            command = line.split("#", 1)[0].strip()
            if not command:
                continue
            proc = subprocess.run(["bash", "-c", command], cwd=ROOT, env=env, capture_output=True, text=True,
                                  timeout=900)
            outputs.append(f"$ {command} [{proc.returncode}]\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
            assert proc.returncode == 0, "\n".join(outputs)
    first = outputs[0]
    for output in ("batch_vip_audience", "thrive_structure_id", "sonarly_audience_id", "unleashx_campaign_id"):
        assert output in first  # up-local printed every vendor's output
