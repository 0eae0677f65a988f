"""The providers work from a pip-installed package in a separate project outside this repository.

A throwaway Pulumi project gets its own virtualenv with `pip install <this repo>` (not editable); `up` and
`destroy` against the Batch and Thrive emulators prove the pickled providers resolve from the installed
package, not from this checkout.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]

PROGRAM = '''
import pulumi
import providers
from providers import batch, thrive

root = thrive.Structure("root", name="Installed", reference="installed-root")
thrive.Audience("team", name="Installed team", reference="installed-team", parent=root.id)
batch.Audience("aud", name="installed_pkg", display_name="From the wheel", members=["u1", "u2"])
pulumi.export("providers_file", providers.__file__)
'''


def test_installed__throwaway_project_up_and_destroy(tmp_path: Path, make_stack, emulator) -> None:  # type: ignore[no-untyped-def]
    project = tmp_path / "elsewhere"
    project.mkdir()
    assert ROOT not in project.parents
    venv = project / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                          str(ROOT)], capture_output=True, text=True, timeout=900)
    assert pip.returncode == 0, pip.stderr[-3000:]
    (project / "Pulumi.yaml").write_text("name: elsewhere\nruntime: python\n")
    (project / "__main__.py").write_text(PROGRAM)

    # Reuse the e2e Stack plumbing, pointed at the throwaway project and its own interpreter.
    stack = make_stack("batch_lifecycle")
    stack.dir = project
    venv_bin = str(venv / "bin")
    stack.env["PATH"] = venv_bin + ":" + ":".join(
        p for p in stack.env["PATH"].split(":") if p != str(Path(sys.executable).parent))
    stack.env["PULUMI_PYTHON_CMD"] = str(venv / "bin" / "python")
    stack.env.pop("PYTHONPATH", None)
    stack.run("stack", "init", "elsewhere", "--non-interactive")
    stack.name = "elsewhere"
    batch_live, thrive_live = emulator("batch"), emulator("thrive")
    stack.config("batch:baseUrl", batch_live.base_url)
    stack.config("batch:projectKey", "project_demo0000000000000000000000000")
    stack.config("batch:apiKey", "demo-batch-rest-key", secret=True)
    stack.config("thrive:baseUrl", thrive_live.base_url)
    stack.config("thrive:tenantId", "demo-tenant")
    stack.config("thrive:apiSecret", "demo-thrive-secret", secret=True)

    stack.up()
    installed = str(stack.outputs()["providers_file"])
    assert installed.startswith(str(venv)) and "site-packages" in installed
    assert "installed_pkg" in batch_live.state()["audiences"]
    assert {a["reference"] for a in thrive_live.state()["audiences"]} == {"installed-root", "installed-team"}
    stack.destroy()
    assert batch_live.state()["audiences"] == {} and thrive_live.state()["audiences"] == []
