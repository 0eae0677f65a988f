"""UnleashX campaigns and campaign audience through the real engine (emulator; records enter via its admin seed).

UnleashX documents no endpoint that adds audience records and none that deletes campaigns, so: records are
seeded, the stack adopts and deletes them; a stack-created campaign is paused on destroy, not deleted.

create-campaign's documented answer is a message with no campaign id, and no documented read finds a campaign by
name: on that answer (the emulator's default) a create stops and asks for adopt_id
(test_create__unknown_campaign_id_is_explained_then_adopt_id_takes_over). Tests about what comes after a create
turn on the emulator's invented answer with the id (`fleet.answer_with_campaign_ids`).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.conftest import Emulators, LiveEmulator

from .conftest import MakeStack, Stack
from .fleet import answer_with_campaign_ids, destroy_and_check

if TYPE_CHECKING:
    import subprocess

pytestmark = pytest.mark.e2e

TOKEN = "demo-unleashx-token"
SEEDED = 500  # the campaign whose records the stack adopts
A, B, C, E = "+15550000001", "+15550000002", "+15550000003", "+15550000005"
FOREIGN = "+15550000009"


def _stack(make_stack: MakeStack, emulator: Emulators, *, campaign_ids: bool) -> tuple[LiveEmulator, Stack]:
    """``campaign_ids``: turn on the invented create answer carrying the new campaign's id (see the docstring)."""
    live = emulator("unleashx")
    if campaign_ids:
        answer_with_campaign_ids(live)
    stack = make_stack("unleashx_campaign")
    stack.config("unleashx:baseUrl", live.base_url)
    stack.config("unleashx:token", TOKEN, secret=True)
    return live, stack


def _campaign(live: LiveEmulator, cid: int) -> dict[str, Any]:
    return live.objects("campaigns")[str(cid)]


def _phones(live: LiveEmulator, cid: int) -> list[str]:
    return [r["mobile_no"] for r in _campaign(live, cid)["audience"]]


def _resource(stack: Stack, type_name: str) -> dict[str, Any]:
    """The stack's one UnleashX ``type_name`` resource, as the state holds it."""
    state = json.loads(stack.export())
    (res,) = [r for r in state["deployment"]["resources"] if r["type"].endswith(f"/unleashx:{type_name}")]
    return dict(res)


def _resource_outputs(stack: Stack, type_name: str) -> dict[str, Any]:
    return dict(_resource(stack, type_name)["outputs"])


def _resource_inputs(stack: Stack, type_name: str) -> dict[str, Any]:
    return dict(_resource(stack, type_name)["inputs"])


def _text(proc: subprocess.CompletedProcess[str]) -> str:
    return str(proc.stdout) + str(proc.stderr)


def test_lifecycle__adopt_records_update_drift_missing_number_destroy(make_stack: MakeStack,
                                                                      emulator: Emulators) -> None:
    live, stack = _stack(make_stack, emulator, campaign_ids=True)
    live.seed({
        "campaigns": [{"id": SEEDED, "agent_id": 101, "campaign_name": "Seeded renewals"}],
        "audience": [
            {"campaign_id": SEEDED, "mobile_no": A, "input_data": {"name": "Ann"}},
            {"campaign_id": SEEDED, "mobile_no": B, "input_data": {"name": "Bob"}},
            # Stored with separators: matched by its digits.
            {"campaign_id": SEEDED, "mobile_no": "+1 555-000-0003", "input_data": {"name": "Cy"}},
            {"campaign_id": SEEDED, "mobile_no": FOREIGN, "input_data": {"name": "Not ours"}},
        ],
    })
    stack.config("audienceCampaign", str(SEEDED))
    stack.config("phones", json.dumps([A, B, C]))

    # Create: a new campaign, and the 3 seeded records adopted (no write to the seeded campaign).
    stack.up()
    outs = stack.outputs()
    ids = {r["mobile_no"]: r["id"] for r in _campaign(live, SEEDED)["audience"]}
    assert sorted(outs["record_ids"]) == sorted([ids[A], ids[B], ids["+1 555-000-0003"]])
    assert all("status" not in r for r in outs["records"])
    made = _campaign(live, int(outs["campaign_id"]))
    assert made["campaign_name"] == "e2e winter calls" and made["campaign_status"] == "draft"
    assert made["max_delay"] == '{"d":0,"h":1,"m":0}' and made["max_retry"] == 3
    assert not [r for r in live.requests() if r["path"].endswith("/delete-audience")]

    # Campaign fields and status change in place.
    stack.config("status", "hold")
    stack.config("maxRetry", "5")
    out = stack.up()
    assert "replaced" not in out.stdout
    made = _campaign(live, int(outs["campaign_id"]))
    assert made["campaign_status"] == "hold" and made["max_retry"] == 5

    # Removing one number deletes just that record.
    stack.config("phones", json.dumps([A, B]))
    live.clear_requests()
    stack.up()
    deletes = [r for r in live.requests() if r["path"].endswith("/delete-audience")]
    assert len(deletes) == 1
    assert sorted(_phones(live, SEEDED)) == sorted([A, B, FOREIGN])

    # A record deleted out of band: refresh drops it, the next preview names it and says why it can't come back.
    resp = httpx.post(f"{live.base_url}/delete-audience", headers={"token": TOKEN},
                      json={"campaign_id": SEEDED, "audience": [ids[B]]})
    assert resp.status_code == 200
    stack.refresh()
    assert _resource_outputs(stack, "CampaignAudience")["record_ids"] == [ids[A]]
    out = stack.preview(check=False)
    assert out.returncode != 0
    assert B in _text(out) and "offers no API to add audience records" in _text(out)
    stack.config("phones", json.dumps([A]))
    stack.preview()

    # A number with no record fails at preview, before any write.
    stack.config("phones", json.dumps([A, E]))
    live.clear_requests()
    out = stack.preview(check=False)
    text = _text(out)
    assert out.returncode != 0 and "unleashx:CampaignAudience" in text and E in text
    assert "offers no API to add audience records" in text and "audience-format" in text
    assert [r for r in live.requests() if r["method"] != "GET"] == []
    stack.config("phones", json.dumps([A]))

    # Destroy: our record goes, the foreign one stays; the stack's campaign is paused, not deleted.
    out = destroy_and_check(stack, live)
    assert _phones(live, SEEDED) == [FOREIGN]
    made = _campaign(live, int(outs["campaign_id"]))
    assert made["campaign_status"] == "pause"
    assert "remains in UnleashX" in _text(out)
    assert _campaign(live, SEEDED)["campaign_status"] == "draft"  # never touched


@pytest.mark.parametrize("delete_records", [False, True])
def test_destroy__draft_campaign_keeps_uploaded_records_unless_asked(make_stack: MakeStack, emulator: Emulators,
                                                                     delete_records: bool) -> None:
    live, stack = _stack(make_stack, emulator, campaign_ids=True)
    if delete_records:
        stack.config("deleteRecordsOnDestroy", "true")
    stack.up()
    cid = int(stack.outputs()["campaign_id"])
    # Records uploaded in the UI into the stack's (draft) campaign: no CampaignAudience of the stack owns them.
    live.seed({"audience": [{"campaign_id": cid, "mobile_no": A}, {"campaign_id": cid, "mobile_no": B}]})
    live.clear_requests()
    out = destroy_and_check(stack, live)
    made = _campaign(live, cid)
    assert made["campaign_status"] == "pause" and "no API to delete campaigns" in _text(out)
    deletes = [r for r in live.requests() if r["path"].endswith("/delete-audience")]
    if delete_records:
        assert made["audience"] == [] and len(deletes) == 1
        assert "2 audience record(s) were deleted (delete_records_on_destroy=True)" in _text(out)
    else:
        # Nothing foreign touched: no delete reached UnleashX, and the output says what stayed and why.
        assert sorted(_phones(live, cid)) == sorted([A, B]) and deletes == []
        assert "2 audience record(s) were left in place" in _text(out) and "delete_records_on_destroy" in _text(out)
    assert len(live.objects("campaigns")) == 1


@pytest.mark.parametrize("failure", ["lost_answer", "no_id_in_answer"])
def test_create__unknown_campaign_id_is_explained_then_adopt_id_takes_over(make_stack: MakeStack, emulator: Emulators,
                                                                          failure: str) -> None:
    # The emulator's default: create-campaign answers {"message": "Campaign created successfully"} and no id, as
    # the create-campaign page shows. Nothing is turned on here.
    live, stack = _stack(make_stack, emulator, campaign_ids=False)
    if failure == "lost_answer":
        live.fault(kind="drop_after_commit", route="POST /create-campaign")
    stack.config("status", "hold")  # a status create-campaign can't set: it would take an update-campaign after
    live.clear_requests()
    out = stack.up(check=False)
    text = _text(out)
    assert out.returncode != 0 and "adopt_id" in text
    assert "Traceback" not in text  # our errors arrive as their message (the SDK would send the whole traceback)
    writes = [r for r in live.requests() if r["method"] == "POST" and not r["path"].endswith(("/verify",
                                                                                               "/agents/get"))]
    if failure == "lost_answer":
        assert "most likely created the campaign" in text and "is taken" in text
        # The lost create, then one retry that UnleashX refuses by name: never a loop, never a second campaign.
        assert [r["path"].rsplit("/", 1)[1] for r in writes] == ["create-campaign", "create-campaign"]
    else:
        # Says what UnleashX's answer lacked, and fails at once: one create, no retry, no update-campaign.
        assert "carries no campaign id" in text
        assert [r["path"].rsplit("/", 1)[1] for r in writes] == ["create-campaign"]
    campaigns = live.objects("campaigns")
    assert len(campaigns) == 1  # never duplicated
    (cid,) = campaigns
    assert campaigns[cid]["campaign_status"] == "draft"  # nothing half-applied after the failed create
    resources = json.loads(stack.export())["deployment"].get("resources") or []
    assert not [r for r in resources if r["type"].endswith("/unleashx:Campaign")]  # nothing recorded

    stack.config("adoptId", cid)
    stack.config("status", "inprogress")
    stack.up()
    assert stack.outputs()["campaign_id"] == int(cid)
    assert len(live.objects("campaigns")) == 1
    assert _campaign(live, int(cid))["campaign_status"] == "inprogress"
    destroy_and_check(stack, live)
    assert _campaign(live, int(cid))["campaign_status"] == "pause"


def test_preview__agent_id_typo_is_refused_naming_the_agents_with_no_write(make_stack: MakeStack,
                                                                           emulator: Emulators) -> None:
    live, stack = _stack(make_stack, emulator, campaign_ids=True)
    stack.config("agentId", "110")  # a typo of 101
    live.clear_requests()
    for run in (stack.preview, stack.up):
        out = run(check=False)
        text = _text(out)
        assert out.returncode != 0
        assert "unleashx:Campaign" in text and "agent_id 110" in text and "agents/get" in text, text
        assert "101 (Demo Sales Agent, telephony)" in text and "102 (Demo Reminder Agent, telephony)" in text
        assert "Traceback" not in text
    requests = live.requests()
    assert [r for r in requests if r["method"] != "GET"] == []  # no create-campaign, nothing written
    assert {r["path"].rsplit("/", 2)[-2] + "/" + r["path"].rsplit("/", 1)[-1] for r in requests} == {"agents/get"}
    assert live.objects("campaigns") == {}

    # The right id goes through, with the agents read once per command.
    stack.config("agentId", "101")
    live.clear_requests()
    stack.up()
    assert sum(r["path"].endswith("/agents/get") for r in live.requests()) == 1
    assert [c["agent_id"] for c in live.objects("campaigns").values()] == [101]
    destroy_and_check(stack, live)


def test_upgrade__defaults_recorded_by_earlier_versions_change_nothing(make_stack: MakeStack,
                                                                      emulator: Emulators) -> None:
    # This version leaves an input at its default (status "draft", delete_records_on_destroy False) out of the
    # recorded inputs; earlier ones recorded it. A stack written before must read the same: no change at preview,
    # no write at up; and a move away from the default, and back, still diffs and writes.
    live, stack = _stack(make_stack, emulator, campaign_ids=True)
    stack.up()
    state = json.loads(stack.export())
    (campaign,) = [r for r in state["deployment"]["resources"] if r["type"].endswith("/unleashx:Campaign")]
    assert "status" not in campaign["inputs"] and "delete_records_on_destroy" not in campaign["inputs"], campaign
    assert campaign["outputs"]["status"] == "draft" and campaign["outputs"]["delete_records_on_destroy"] is False
    campaign["inputs"].update(status="draft", delete_records_on_destroy=False)  # as earlier versions wrote it
    (stack.dir / "old.json").write_text(json.dumps(state))
    stack.run("stack", "import", "--file", "old.json")

    live.clear_requests()
    stack.preview("--expect-no-changes")
    stack.up("--expect-no-changes")
    assert [r for r in live.requests() if r["method"] != "GET"] == []
    stack.refresh()
    stack.preview("--expect-no-changes")

    stack.config("status", "hold")
    assert re.search(r'status\s*: "draft" => "hold"', stack.preview("--diff").stdout)
    stack.up()
    cid = int(stack.outputs()["campaign_id"])
    assert _campaign(live, cid)["campaign_status"] == "hold"
    assert _resource_inputs(stack, "Campaign")["status"] == "hold"
    stack.config("status", "draft")
    assert re.search(r'status\s*: "hold" => "draft"', stack.preview("--diff").stdout)
    stack.up()
    assert _campaign(live, cid)["campaign_status"] == "draft"
    # Recorded this once (so the diff above named both values); the next run leaves it out, changing nothing.
    assert _resource_inputs(stack, "Campaign")["status"] == "draft"
    live.clear_requests()
    stack.up("--expect-no-changes")
    assert "status" not in _resource_inputs(stack, "Campaign")
    assert [r for r in live.requests() if r["method"] != "GET"] == []
    destroy_and_check(stack, live)
