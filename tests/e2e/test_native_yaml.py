"""The vendor resources from Pulumi YAML programs, through the provider plugins (`pulumi-resource-<vendor>`), the
real CLI, the file backend and the emulators.

One test per vendor: `up`, `preview --expect-no-changes`, an in-place update from stack config, `refresh` after an
out-of-band change, `pulumi import` with YAML code generation of an object made outside the stack (or, for the
UnleashX campaign, which can't be read by id, the import's refusal pointing to adopt), then `destroy` with
CheckDestroy while a foreign object beside the stack stays untouched. Members, managers and campaign records are
imported by their audience's (campaign's) id into an empty program (`test_import__...`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from emulators.admin import Admin, EmulatorProcess

from .conftest import ROOT, MakeStack, Stack
from .fleet import configure_vendor, destroy_and_check, foreign_intact, handles, seed_foreign, writes_naming

pytestmark = pytest.mark.e2e

THRIVE_AUTH = httpx.BasicAuth("demo-tenant", "demo-thrive-secret")
SONARLY_HEADERS = {"Authorization": "Bearer sk_live_demo_full"}
BATCH_HEADERS = {"Authorization": "Bearer demo-batch-rest-key",
                 "X-Batch-Project": "project_demo0000000000000000000000000"}
EMEA_SECRET = "emea-yaml-canary-7f3a2b"  # must never appear in plain text in state or output


def _yaml_stack(make_stack: MakeStack, live: Admin, vendor: str) -> Stack:
    stack = make_stack(f"native_yaml_{vendor}")
    configure_vendor(stack, live, vendor)
    return stack


def _import(stack: Stack, token: str, name: str, id_: str, out: Path) -> dict[str, Any]:
    """`pulumi import` with the YAML host generating the code; returns the generated resource."""
    stack.run("import", token, name, id_, "--yes", "--non-interactive", "--stack", stack.name, "--out", str(out))
    code = yaml.safe_load(out.read_text())
    resource: dict[str, Any] = code["resources"][name]
    return resource


def _declare(stack: Stack, name: str, resource: dict[str, Any]) -> None:
    """Add a generated resource to the program, as a user pastes the `--out` file in."""
    program_file = stack.dir / "Pulumi.yaml"
    program = yaml.safe_load(program_file.read_text())
    program["resources"][name] = resource
    program_file.write_text(yaml.safe_dump(program, sort_keys=False))


def _refused_import(stack: Stack, token: str, id_: str) -> str:
    proc = stack.run("import", token, "attempt", id_, "--yes", "--non-interactive", "--stack", stack.name,
                     "--out", str(stack.dir / "refused.yaml"), check=False)
    assert proc.returncode != 0, proc.stdout
    text = proc.stdout + proc.stderr
    assert "can't be imported or read by id" in text, text
    assert "Traceback" not in text and "Unexpected <class" not in text, text  # the message alone (issue #32)
    return text


def _ids(audience: dict[str, Any]) -> list[str]:
    return list(audience.get("ids") or audience.get("members") or [])


def _resource_types(stack: Stack) -> dict[str, str]:
    state = json.loads(stack.export())
    return {r["urn"].rsplit("::", 1)[1]: r["type"] for r in state["deployment"]["resources"]}


def test_yaml__thrive_structure_audience_members_lifecycle(make_stack: MakeStack, emulator: Any,
                                                           tmp_path: Path) -> None:
    live = emulator("thrive")
    foreign = seed_foreign(live, "thrive", "ny")
    stack = _yaml_stack(make_stack, live, "thrive")

    stack.up()
    audiences = {a["reference"]: a for a in live.objects("audiences").values()}
    assert audiences["ny-root"]["name"] == "YAML root"
    assert audiences["ny-team"]["parent"]["id"] == audiences["ny-root"]["id"]
    assert sorted(audiences["ny-team"]["members"]) == ["user1", "user2"]
    assert stack.outputs()["memberCount"] == 2
    assert _resource_types(stack)["teamMembers"] == "thrive:index:AudienceMembers"
    stack.preview("--expect-no-changes")

    # Rename and a member change from stack config: updates in place.
    stack.config("rootName", "YAML root renamed")
    stack.config("extraMember", "user3")
    out = stack.up()
    assert "replaced" not in out.stdout and "2 updated" in out.stdout, out.stdout
    audiences = {a["reference"]: a for a in live.objects("audiences").values()}
    assert audiences["ny-root"]["name"] == "YAML root renamed"
    assert sorted(audiences["ny-team"]["members"]) == ["user1", "user3"]

    # A rename in Thrive's UI is drift that refresh records; the next up puts the declared name back.
    httpx.patch(f"{live.base_url}/audiences/ny-root", auth=THRIVE_AUTH,
                json={"name": "Renamed in the UI"}).raise_for_status()
    refreshed = stack.refresh()
    assert "1 updated" in refreshed.stdout, refreshed.stdout
    stack.up()
    assert next(a for a in live.objects("audiences").values() if a["reference"] == "ny-root")["name"] == \
        "YAML root renamed"

    # A structure made outside the stack, imported by its Thrive id; the generated YAML declares it as is.
    made = httpx.post(f"{live.base_url}/audiences", auth=THRIVE_AUTH,
                      json={"name": "Made outside", "reference": "ny-outside", "category": "structure"})
    assert made.status_code == 201, made.text
    generated = _import(stack, "thrive:index:Structure", "outside", made.json()["id"], tmp_path / "outside.yaml")
    assert generated["type"] in ("thrive:Structure", "thrive:index:Structure")
    assert generated["properties"]["name"] == "Made outside"
    assert generated["properties"]["reference"] == "ny-outside"
    _declare(stack, "outside", generated)
    stack.preview("--expect-no-changes")

    stack.run("state", "unprotect", "--all", "--yes", "--stack", stack.name)
    live.clear_requests()
    destroy_and_check(stack, live)
    assert {a["reference"] for a in live.objects("audiences").values()} == {foreign}
    assert foreign_intact(live, "thrive", foreign)
    assert writes_naming(live, *handles(live, "thrive", foreign)) == []


def test_yaml__sonarly_folder_and_audience_lifecycle(make_stack: MakeStack, emulator: Any, tmp_path: Path) -> None:
    live = emulator("sonarly")
    stack = _yaml_stack(make_stack, live, "sonarly")
    api = f"{live.base_url}/accounts/ag_demo/audiences"
    theirs = httpx.post(api, headers=SONARLY_HEADERS, json={"name": "Not ours", "type": "on_demand"})
    assert theirs.status_code == 201, theirs.text
    foreign_id = theirs.json()["data"]["id"]

    stack.up()
    outs = stack.outputs()
    folders = live.objects("folders")
    assert folders[outs["folderId"]]["name"] == "YAML folder"
    aud = live.objects("audiences")[outs["audienceId"]]
    assert aud["name"] == "YAML prospects"
    stack.preview("--expect-no-changes")

    # Folder rename from stack config: in place (same id).
    stack.config("folderName", "YAML folder renamed")
    out = stack.up()
    assert "replaced" not in out.stdout and "1 updated" in out.stdout, out.stdout
    assert stack.outputs()["folderId"] == outs["folderId"]
    assert live.objects("folders")[outs["folderId"]]["name"] == "YAML folder renamed"

    # A rename through the API is drift that refresh records.
    httpx.patch(f"{api}/{outs['audienceId']}", headers=SONARLY_HEADERS,
                json={"name": "Renamed in the UI"}).raise_for_status()
    refreshed = stack.refresh()
    assert "1 updated" in refreshed.stdout, refreshed.stdout
    stack.up()
    assert live.objects("audiences")[outs["audienceId"]]["name"] == "YAML prospects"

    made = httpx.post(api, headers=SONARLY_HEADERS,
                      json={"name": "Made outside", "type": "on_demand", "description": "by hand"})
    assert made.status_code == 201, made.text
    outside_id = made.json()["data"]["id"]
    generated = _import(stack, "sonarly:index:Audience", "outside", outside_id, tmp_path / "outside.yaml")
    assert generated["type"] in ("sonarly:Audience", "sonarly:index:Audience")
    assert generated["properties"]["name"] == "Made outside"
    assert generated["properties"]["type"] == "on_demand"
    _declare(stack, "outside", generated)
    stack.preview("--expect-no-changes")

    stack.run("state", "unprotect", "--all", "--yes", "--stack", stack.name)
    live.clear_requests()
    destroy_and_check(stack, live)
    assert list(live.objects("audiences")) == [foreign_id]
    assert live.objects("audiences")[foreign_id]["name"] == "Not ours"
    assert writes_naming(live, foreign_id) == []


def test_yaml__batch_audience_with_members_lifecycle(make_stack: MakeStack, emulator: Any, tmp_path: Path) -> None:
    live = emulator("batch")
    foreign = seed_foreign(live, "batch", "ny")
    stack = _yaml_stack(make_stack, live, "batch")

    stack.up()
    aud = live.objects("audiences")["ny_testers"]
    assert aud["display_name"] == "YAML testers"
    assert sorted(_ids(aud)) == ["user-1", "user-2", "user-vip"]
    assert stack.outputs()["nbIds"] == 3
    stack.preview("--expect-no-changes")

    # A member change from stack config: in place (a display name change would be a replacement: Batch takes it
    # at create only, docs/batch/audience.md).
    stack.config("extraMember", "user-3")
    out = stack.up()
    assert "replaced" not in out.stdout and "1 updated" in out.stdout, out.stdout
    aud = live.objects("audiences")["ny_testers"]
    assert aud["display_name"] == "YAML testers"
    assert sorted(_ids(aud)) == ["user-1", "user-3", "user-vip"]

    # A member added through the API: refresh records the drift.
    httpx.post(f"{live.base_url}/audiences/update", headers=BATCH_HEADERS,
               json={"name": "ny_testers", "ids": [{"id": "user-oob", "action": "add"}]}).raise_for_status()
    refreshed = stack.refresh()
    assert "1 updated" in refreshed.stdout, refreshed.stdout
    stack.up()
    assert sorted(_ids(live.objects("audiences")["ny_testers"])) == ["user-1", "user-3", "user-vip"]

    live.seed({"audiences": [{"name": "ny_outside", "display_name": "Made outside", "ids": ["x1", "x2"]}]})
    generated = _import(stack, "batch:index:Audience", "outside", "ny_outside", tmp_path / "outside.yaml")
    assert generated["type"] in ("batch:Audience", "batch:index:Audience")
    assert generated["properties"]["name"] == "ny_outside"
    assert generated["properties"]["displayName"] == "Made outside"
    _declare(stack, "outside", generated)
    stack.preview("--expect-no-changes")

    stack.run("state", "unprotect", "--all", "--yes", "--stack", stack.name)
    live.clear_requests()
    destroy_and_check(stack, live)
    assert sorted(live.objects("audiences")) == [foreign]
    assert foreign_intact(live, "batch", foreign)
    assert writes_naming(live, foreign) == []


def test_yaml__unleashx_campaign_lifecycle(make_stack: MakeStack, emulator: Any) -> None:
    live = emulator("unleashx")
    live.seed({"campaigns": [{"id": 7001, "agent_id": 101, "campaign_name": "Not ours"}]})
    stack = _yaml_stack(make_stack, live, "unleashx")

    stack.up()
    campaign_id = int(stack.outputs()["campaignId"])
    campaigns = live.objects("campaigns")
    made = next(c for c in campaigns.values() if int(c["id"]) == campaign_id)
    assert made["campaign_name"] == "yaml winter calls" and made["campaign_status"] == "draft"
    stack.preview("--expect-no-changes")

    stack.config("campaignName", "yaml spring calls")
    out = stack.up()
    assert "replaced" not in out.stdout and "1 updated" in out.stdout, out.stdout
    assert int(stack.outputs()["campaignId"]) == campaign_id
    made = next(c for c in live.objects("campaigns").values() if int(c["id"]) == campaign_id)
    assert made["campaign_name"] == "yaml spring calls"

    stack.refresh()
    stack.preview("--expect-no-changes")

    # UnleashX reads no campaign back by id: the import is refused, pointing to adoptId.
    text = _refused_import(stack, "unleashx:index:Campaign", "7001")
    assert "adopt" in text

    live.clear_requests()
    out = destroy_and_check(stack, live)
    # The plugin's warning reaches the engine, listed once under the campaign (it used to go to stderr only).
    warned = out.stdout.split("Diagnostics:", 1)[-1]
    assert warned.count("remains in UnleashX with status 'pause', renamed to 'yaml spring calls [destroyed #") == 1, \
        out.stdout
    seeded = next(c for c in live.objects("campaigns").values() if int(c["id"]) == 7001)
    assert seeded["campaign_name"] == "Not ours" and seeded.get("campaign_status") != "pause"
    assert not [r for r in live.requests() if "7001" in r["path"] or "7001" in (r.get("body") or "")
                if r["method"] not in ("GET", "HEAD")]


def test_yaml__two_thrive_tenants_through_an_explicit_provider(make_stack: MakeStack, emulator: Any) -> None:
    home = emulator("thrive")
    emea_process = EmulatorProcess(("thrive",), cwd=ROOT)
    try:
        emea = emea_process["thrive"]
        emea.seed({"tenants": [{"tenantId": "emea-tenant", "apiSecret": EMEA_SECRET}]})
        stack = make_stack("native_yaml_tenants")
        configure_vendor(stack, home, "thrive")
        stack.config("emeaTenant", "emea-tenant")
        stack.config("emeaSecret", EMEA_SECRET, secret=True)
        stack.config("emeaBaseUrl", emea.base_url)

        out = stack.up()
        assert {a["reference"] for a in home.objects("audiences").values()} == {"ny-home"}
        by_ref = {a["reference"]: a for a in emea.objects("audiences").values()}
        assert set(by_ref) == {"ny-eng", "ny-team"}
        assert by_ref["ny-team"]["parent"]["id"] == by_ref["ny-eng"]["id"]
        assert not any("ny-eng" in (r.get("body") or "") or "ny-team" in (r.get("body") or "")
                       for r in home.requests())
        exported = stack.export()
        assert EMEA_SECRET not in exported and EMEA_SECRET not in out.stdout + out.stderr
        assert "pulumi:providers:thrive" in set(_resource_types(stack).values())
        stack.preview("--expect-no-changes")

        destroy_and_check(stack, [home, emea])
        assert not home.objects("audiences") and not emea.objects("audiences")
    finally:
        emea_process.stop()


def _writes(live: Admin) -> list[dict[str, Any]]:
    return [r for r in live.requests() if r["method"] not in ("GET", "HEAD")]


def _state_ids(stack: Stack) -> dict[str, str]:
    state = json.loads(stack.export())
    return {r["urn"].rsplit("::", 1)[1]: r["id"] for r in state["deployment"]["resources"]
            if r.get("id") and not r["type"].startswith("pulumi:providers:")}


def test_import__thrive_members_and_managers_by_audience_id_generate_code_that_previews_clean(
        make_stack: MakeStack, emulator: Any, tmp_path: Path) -> None:
    live = emulator("thrive")
    live.seed({"audiences": [{"name": "Made in the UI", "reference": "ny-ui", "category": "structure",
                              "members": ["user3", "user1"],
                              "managers": [{"reference": "user2", "permissions": {
                                  "peopleManager": {"insights": True}}}]},
                             {"name": "Not imported", "reference": "ny-other", "category": "structure",
                              "members": ["user4"], "managers": [{"reference": "user4"}]}]})
    by_ref = {a["reference"]: a for a in live.objects("audiences").values()}
    ui = by_ref["ny-ui"]["id"]
    stack = make_stack("native_yaml_import")
    configure_vendor(stack, live, "thrive")
    live.clear_requests()

    members = _import(stack, "thrive:index:AudienceMembers", "uiMembers", ui, tmp_path / "members.yaml")
    assert members["type"] in ("thrive:AudienceMembers", "thrive:index:AudienceMembers")
    # Every current member, by email (what read names them by), sorted: the program must declare them all.
    assert members["properties"]["audience"] == ui
    assert members["properties"]["members"] == ["user1@example.com", "user3@example.com"]
    managers = _import(stack, "thrive:index:AudienceManagers", "uiManagers", f"{ui}/managers",
                       tmp_path / "managers.yaml")
    (manager,) = managers["properties"]["managers"]
    assert manager["user"] == "user2@example.com"
    assert manager["permissions"]["peopleManager"]["insights"] is True
    assert _state_ids(stack) == {"uiMembers": f"{ui}/members", "uiManagers": f"{ui}/managers"}

    _declare(stack, "uiMembers", members)
    _declare(stack, "uiManagers", managers)
    stack.preview("--expect-no-changes")
    stack.refresh()
    stack.preview("--expect-no-changes")
    assert _writes(live) == []  # neither the imports nor the previews and refresh wrote anything

    stack.run("state", "unprotect", "--all", "--yes", "--stack", stack.name)
    destroy_and_check(stack, live)
    by_ref = {a["reference"]: a for a in live.objects("audiences").values()}
    assert by_ref["ny-ui"]["members"] == [] and not by_ref["ny-ui"].get("managers")  # taken over, so removed
    assert by_ref["ny-other"]["members"] == ["user4"] and by_ref["ny-other"].get("managers")
    assert writes_naming(live, by_ref["ny-other"]["id"], "ny-other") == []


def test_import__unleashx_campaign_audience_by_campaign_id_generates_code_that_previews_clean(
        make_stack: MakeStack, emulator: Any, tmp_path: Path) -> None:
    live = emulator("unleashx")
    live.seed({"campaigns": [{"id": 7001, "agent_id": 101, "campaign_name": "Made in the UI"},
                             {"id": 7002, "agent_id": 101, "campaign_name": "Not imported"}],
               "audience": [{"campaign_id": 7001, "mobile_no": "+15550000002"},
                            {"campaign_id": 7001, "mobile_no": "+15550000001"},
                            {"campaign_id": 7002, "mobile_no": "+15550000003"}]})
    stack = make_stack("native_yaml_import")
    configure_vendor(stack, live, "unleashx")
    live.clear_requests()

    records = _import(stack, "unleashx:index:CampaignAudience", "uiRecords", "7001", tmp_path / "records.yaml")
    assert records["properties"]["campaignId"] == 7001
    assert sorted(records["properties"]["phoneNumbers"]) == ["+15550000001", "+15550000002"]
    assert _state_ids(stack) == {"uiRecords": "7001/audience"}
    _declare(stack, "uiRecords", records)
    stack.preview("--expect-no-changes")
    stack.refresh()
    stack.preview("--expect-no-changes")
    assert _writes(live) == []

    # The campaign itself still can't be imported (UnleashX has no campaign list or get).
    assert "no campaign list or get" in _refused_import(stack, "unleashx:index:Campaign", "7001")

    stack.run("state", "unprotect", "--all", "--yes", "--stack", stack.name)
    destroy_and_check(stack, live)  # the records it took over are deleted by id, as for adopted ones
    campaigns = live.objects("campaigns")
    assert campaigns["7001"]["audience"] == []
    assert [r["mobile_no"] for r in campaigns["7002"]["audience"]] == ["+15550000003"]
    assert campaigns["7001"].get("campaign_status") != "pause"  # the campaign was not the stack's
