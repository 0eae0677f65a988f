"""The providers work from a pip-installed package in a separate project outside this repository.

A throwaway user repo gets its own virtualenv `.venv` with `pip install <this repo>` (not editable); `up` and
`destroy` against the Batch and Thrive emulators prove the pickled providers resolve from the installed
package, not from this checkout. The repo is laid out as Pulumi documents it (`runtime.options.virtualenv:
.venv`), and pulumi runs with nothing activated: only the toolchain and the system directories on PATH.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Emulators, LiveEmulator

from .conftest import MakeStack, Stack
from .fleet import destroy_and_check

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]

PROGRAM = '''
import pulumi
import audience_providers
from audience_providers import batch, thrive

root = thrive.Structure("root", name="Installed", reference="installed-root")
thrive.Audience("team", name="Installed team", reference="installed-team", parent=root.id)
batch.Audience("aud", name="installed_pkg", display_name="From the wheel", members=["u1", "u2"])
pulumi.export("providers_file", audience_providers.__file__)
pulumi.export("python", sys.executable)
'''
PROGRAM = "import sys\n" + PROGRAM
# The documented Pulumi project layout, in the flow style a user may write it.
VENV_PROJECT = "name: user-repo\nruntime: {name: python, options: {virtualenv: .venv}}\n"


@pytest.fixture(scope="module")
def user_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A repo outside this one with its own `.venv` holding this project pip-installed (built once per module)."""
    repo = tmp_path_factory.mktemp("user-repo")
    assert ROOT not in repo.parents
    venv = repo / ".venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                          str(ROOT)], capture_output=True, text=True, timeout=900)
    assert pip.returncode == 0, pip.stderr[-3000:]
    yield repo


def configure_emulators(stack: Stack, emulator: Emulators) -> tuple[LiveEmulator, LiveEmulator]:
    batch_live, thrive_live = emulator("batch"), emulator("thrive")
    stack.config("batch:baseUrl", batch_live.base_url)
    stack.config("batch:projectKey", "project_demo0000000000000000000000000")
    stack.config("batch:apiKey", "demo-batch-rest-key", secret=True)
    stack.config("thrive:baseUrl", thrive_live.base_url)
    stack.config("thrive:tenantId", "demo-tenant")
    stack.config("thrive:apiSecret", "demo-thrive-secret", secret=True)
    return batch_live, thrive_live


def nothing_activated(stack: Stack, pulumi_bin: Path) -> None:
    """The environment of a user who installed the toolchain and activated nothing: no venv, no Python override."""
    stack.env["PATH"] = f"{pulumi_bin}:/usr/bin:/bin"
    for key in ("PULUMI_PYTHON_CMD", "AUDIENCE_PYTHON", "VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"):
        stack.env.pop(key, None)


def test_installed__virtualenv_option_used_without_activation(user_repo: Path, pulumi_bin: Path, make_stack: MakeStack,
                                                               emulator: Emulators) -> None:
    (user_repo / "Pulumi.yaml").write_text(VENV_PROJECT)
    # The user's repo has a `providers/` package of its own (#16 point 12): it must neither shadow ours nor be
    # touched by it, in the program or in the dynamic-provider processes.
    (user_repo / "providers").mkdir(exist_ok=True)
    (user_repo / "providers" / "__init__.py").write_text('WHO = "the user\'s own providers package"\n')
    (user_repo / "__main__.py").write_text(PROGRAM + 'import providers\npulumi.export("own", providers.WHO)\n')
    stack = make_stack("batch_lifecycle")
    stack.dir = user_repo
    nothing_activated(stack, pulumi_bin)
    stack.run("stack", "init", "user", "--non-interactive")
    stack.name = "user"
    batch_live, thrive_live = configure_emulators(stack, emulator)

    stack.preview()
    stack.up()
    outputs = stack.outputs()
    venv = user_repo / ".venv"
    assert str(outputs["python"]).startswith(str(venv / "bin"))  # the program ran on the project's venv
    assert str(outputs["providers_file"]).startswith(str(venv)) and "site-packages" in str(outputs["providers_file"])
    assert outputs["own"] == "the user's own providers package"
    assert "installed_pkg" in batch_live.objects("audiences")  # and so did the providers (they import the package)
    assert {a["reference"] for a in thrive_live.objects("audiences").values()} == {"installed-root", "installed-team"}
    destroy_and_check(stack, {"batch": batch_live, "thrive": thrive_live})
    assert batch_live.objects("audiences") == {} and thrive_live.objects("audiences") == {}


def test_installed__missing_virtualenv_is_one_clear_error(tmp_path: Path, pulumi_bin: Path, make_stack: MakeStack,
                                                          emulator: Emulators) -> None:
    project = tmp_path / "no-venv-yet"
    project.mkdir()
    (project / "Pulumi.yaml").write_text("name: no-venv-yet\nruntime:\n  name: python\n  options:\n"
                                         "    virtualenv: venv\n")
    (project / "__main__.py").write_text(PROGRAM)
    stack = make_stack("batch_lifecycle")
    stack.dir = project
    nothing_activated(stack, pulumi_bin)
    stack.run("stack", "init", "user", "--non-interactive")
    stack.name = "user"
    configure_emulators(stack, emulator)
    failed = stack.preview(check=False)
    out = failed.stdout + failed.stderr
    assert failed.returncode != 0
    expected = f"option in {project / 'Pulumi.yaml'} is \"{project / 'venv'}\", which has no bin/python"
    assert expected in out
    assert "ModuleNotFoundError" not in out


def test_installed__throwaway_project_up_and_destroy(user_repo: Path, tmp_path: Path, make_stack: MakeStack,
                                                     emulator: Emulators) -> None:
    project = tmp_path / "elsewhere"
    project.mkdir()
    venv = user_repo / ".venv"
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
    batch_live, thrive_live = configure_emulators(stack, emulator)

    stack.up()
    installed = str(stack.outputs()["providers_file"])
    assert installed.startswith(str(venv)) and "site-packages" in installed
    assert "installed_pkg" in batch_live.objects("audiences")
    assert {a["reference"] for a in thrive_live.objects("audiences").values()} == {"installed-root", "installed-team"}
    destroy_and_check(stack, {"batch": batch_live, "thrive": thrive_live})
    assert batch_live.objects("audiences") == {} and thrive_live.objects("audiences") == {}
