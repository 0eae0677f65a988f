"""The round trip of issue #36 through the real CLI: an emulator of each vendor seeded with a realistic tenant
(tests/discover_tenant.py) → `audience-providers discover <vendor>` →

- the dynamic path: `pulumi up` of the generated Python program, served by Pulumi's own dynamic-provider launcher
  (`python -m pulumi.dynamic`, tests/e2e/user_lane.py), which can't import by id, so the program adopts;
- the plugin path: one `pulumi import --file` per vendor into a Pulumi YAML program, the generated code pasted in;

then `preview --expect-no-changes`, `refresh`, `preview --expect-no-changes` again. The emulators' request logs show
only reads until the program changes something (then exactly that write), and `destroy` removes what each
resource's documented ownership rule says, nothing else.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests import discover_tenant as tenant
from tests.conftest import Emulators, LiveEmulator

from .conftest import MakeStack, Stack
from .fleet import configure_vendor, destroy_and_check, writes_naming
from .user_lane import official_bin

pytestmark = pytest.mark.e2e

VENDORS = ("thrive", "sonarly", "batch", "unleashx")
CLI = Path(sys.executable).parent / "audience-providers"


def _tenants(emulator: Emulators) -> dict[str, LiveEmulator]:
    lives = {}
    for vendor in VENDORS:
        live = emulator(vendor)
        tenant.seed(live)
        lives[vendor] = live
    return lives


def _discover(live: LiveEmulator, out: Path, *, env: dict[str, str] | None = None, extra: tuple[str, ...] = ()) -> None:
    settings = [k for k in env or {} if k.startswith(("THRIVE_", "SONARLY_", "BATCH_", "UNLEASHX_"))]
    assert settings in ([], ["BATCH_SNAPSHOT_DIR"])  # with `env`, the settings come from --stack only
    proc = subprocess.run([str(CLI), "discover", live.vendor, *tenant.ARGS[live.vendor], "--out", str(out), *extra],
                          env=env or tenant.environment(live), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"{live.vendor}: " in proc.stderr  # progress lines


def _clear(lives: dict[str, LiveEmulator]) -> None:
    for live in lives.values():
        live.clear_requests()


def _writes(lives: dict[str, LiveEmulator]) -> dict[str, list[str]]:
    return {vendor: found for vendor, live in lives.items() if (found := tenant.writes(live))}


def _by_reference(live: LiveEmulator) -> dict[str, dict[str, Any]]:
    return {a["reference"]: a for a in live.objects("audiences").values()}


def _foreign_handles(lives: dict[str, LiveEmulator]) -> list[str]:
    thrive = _by_reference(lives["thrive"])
    return [*(thrive[ref]["id"] for ref in tenant.THRIVE_FOREIGN), *tenant.THRIVE_FOREIGN, tenant.LEGACY, "7002"]


def _check_destroyed_by_ownership(lives: dict[str, LiveEmulator], *, folders_kept: bool) -> None:
    """What the documented ownership rules leave after destroying the adopted stack."""
    thrive = _by_reference(lives["thrive"])
    assert set(thrive) == tenant.THRIVE_FOREIGN  # adopted structures and audiences deleted, UI-made ones kept
    assert thrive["hr"]["members"] == ["user14"] and thrive["hr-new"]["members"] == ["user13"]
    sonarly = lives["sonarly"].all_objects()
    assert list(sonarly["audiences"]) == [tenant.LEGACY]  # adopted audiences deleted; the skipped one kept
    assert sorted(sonarly["folders"]) == ([tenant.FOLDER_WATCH, tenant.FOLDER_OUT] if folders_kept else [])
    assert lives["batch"].objects("audiences") == {}  # adopted with authoritative membership: removed
    campaigns = lives["unleashx"].objects("campaigns")
    assert campaigns["7001"]["audience"] == []  # the records taken over are deleted by id
    assert [r["mobile_no"] for r in campaigns["7002"]["audience"]] == ["+15550000009"]
    assert all(c.get("campaign_status") != "pause" for c in campaigns.values())  # campaigns were never the stack's
    for live in lives.values():
        assert writes_naming(live, *_foreign_handles(lives)) == []


def test_discover__python_program_adopts_the_tenant_with_reads_only_on_pulumis_own_launcher(
        emulator: Emulators, pulumi_bin: Path, tmp_path: Path) -> None:
    lives = _tenants(emulator)
    project = tmp_path / "adopted"
    project.mkdir()
    (project / "Pulumi.yaml").write_text("name: adopted\nruntime: python\n")
    (project / "__main__.py").write_text("".join(f"import adopt_{v}  # noqa: F401\n" for v in VENDORS))
    bin_dir = official_bin(pulumi_bin, tmp_path / "pulumi-bin")
    assert "-m pulumi.dynamic" in (bin_dir / "pulumi-resource-pulumi-python").read_text()
    stack = Stack(project, bin_dir, name="dev")
    stack.run("stack", "init", "dev", "--non-interactive")
    for vendor, live in lives.items():
        configure_vendor(stack, live, vendor)
    # Settings from the stack's config (secrets decrypted through the CLI): the environment holds none of them.
    for live in lives.values():
        _discover(live, project, env=stack.env, extra=("--stack", "dev", "--cwd", str(project)))
    _clear(lives)

    stack.preview()
    out = stack.up()
    assert "19 created" in out.stdout, out.stdout  # 18 adopted and the stack; the 2 folders are read
    stack.preview("--expect-no-changes")
    stack.refresh()
    stack.preview("--expect-no-changes")
    assert _writes(lives) == {}  # adopting, previewing and refreshing the whole tenant only read
    assert sum(len(live.requests()) for live in lives.values()) > 0

    # Until the user changes something: a rename in the program is exactly one write.
    program = project / "adopt_thrive.py"
    program.write_text(program.read_text().replace('name="Frontend"', 'name="Frontend web"'))
    _clear(lives)
    stack.up()
    frontend = _by_reference(lives["thrive"])["eng-frontend"]
    assert _writes(lives) == {"thrive": [f"PATCH /rest/v1/audiences/{frontend['id']}"]}
    assert frontend["name"] == "Frontend web"

    # Protected, as `pulumi import` protects: destroy refuses and sends nothing.
    _clear(lives)
    refused = stack.run("destroy", "--yes", "--non-interactive", "--skip-preview", "--stack", "dev", check=False)
    assert refused.returncode != 0 and "protect" in refused.stdout + refused.stderr
    assert _writes(lives) == {}
    for vendor in VENDORS:
        path = project / f"adopt_{vendor}.py"
        path.write_text(path.read_text().replace("PROTECT = True", "PROTECT = False"))
    stack.up()
    assert _writes(lives) == {}  # unprotecting is the stack's own business
    destroy_and_check(stack, lives)
    _check_destroyed_by_ownership(lives, folders_kept=True)  # read with .get: never deleted


def _merge(stack: Stack, code: Path) -> dict[str, Any]:
    """Paste `pulumi import`'s generated YAML into the program, as a user does; returns the generated resources."""
    generated: dict[str, Any] = yaml.safe_load(code.read_text())["resources"]
    program_file = stack.dir / "Pulumi.yaml"
    program = yaml.safe_load(program_file.read_text())
    program["resources"] = {**(program.get("resources") or {}), **generated}
    program_file.write_text(yaml.safe_dump(program, sort_keys=False))
    return generated


def test_discover__import_file_is_one_pulumi_import_per_vendor_and_the_code_previews_clean(
        emulator: Emulators, make_stack: MakeStack, tmp_path: Path) -> None:
    lives = _tenants(emulator)
    stack = make_stack("native_yaml_import")
    for vendor, live in lives.items():
        configure_vendor(stack, live, vendor)
    generated: dict[str, Any] = {}
    for vendor, live in lives.items():
        _discover(live, tmp_path / "found")
        live.clear_requests()
        code = tmp_path / f"{vendor}.yaml"
        stack.run("import", "--file", str(tmp_path / "found" / f"{vendor}-import.json"), "--out", str(code),
                  "--yes", "--non-interactive", "--protect=false", "--stack", stack.name)
        assert tenant.writes(live) == []  # the import only read
        generated.update(_merge(stack, code))
    ids = {ref: a["id"] for ref, a in _by_reference(lives["thrive"]).items()}
    # The engine's code generation names the structure by reference, not by literal id.
    parent = str(generated["thrive-eng-backend"]["properties"]["parent"])
    assert re.fullmatch(r"\$\{.*thrive-eng.*\.id\}", parent) and ids["eng"] not in parent, parent
    assert "thrive-eng-backend" in str(generated["thrive-eng-backend-members"]["properties"]["audience"])
    assert "sonarly-outbound" in str(generated["sonarly-ctos-eu"]["properties"]["folderId"])
    assert generated["unleashx-7001-records"]["properties"]["campaignId"] == 7001
    assert len(generated) == 11 + 5 + 3 + 1

    _clear(lives)
    stack.preview("--expect-no-changes")
    stack.refresh()
    stack.preview("--expect-no-changes")
    # An import records no dependencies; the first `up` of the pasted code records them (structure before its
    # audiences, audience before its members), so destroy deletes children first. It changes nothing.
    out = stack.up()
    assert not re.search(r"\b(created|updated|replaced|deleted)\b", out.stdout), out.stdout
    assert _writes(lives) == {}

    destroy_and_check(stack, lives)
    _check_destroyed_by_ownership(lives, folders_kept=False)  # imported: the plugin deletes the emptied folders
