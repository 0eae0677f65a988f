"""Sonarly folders and audiences through the real engine: lifecycle, lost creates, permissions, adoption, waits."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.conftest import Emulators, LiveEmulator

from .conftest import MakeStack, Stack
from .fleet import destroy_and_check, offer_folder_delete

if TYPE_CHECKING:
    import subprocess

pytestmark = pytest.mark.e2e

FULL_KEY, READONLY_KEY, GROUP = "sk_live_demo_full", "sk_live_demo_readonly", "ag_demo"
CREATE_AUDIENCE = r"POST /v1/accounts/[^/]+/audiences$"
CREATE_FOLDER = r"POST /v1/accounts/[^/]+/audiences/folders$"


def _stack(make_stack: MakeStack, emulator: Emulators, key: str = FULL_KEY, *,
           folder_delete: bool = True) -> tuple[LiveEmulator, Stack]:
    """The program's three folders are destroyed by most tests: they turn on the emulator's invented folder
    delete (no page documents one); ``folder_delete=False`` keeps the documented API."""
    live = emulator("sonarly")
    if folder_delete:
        offer_folder_delete(live)
    stack = make_stack("sonarly_lifecycle")
    stack.config("sonarly:baseUrl", live.base_url)
    stack.config("sonarly:apiKey", key, secret=True)
    # No sonarly:accountGroupId: the demo key can use exactly one group, so the provider discovers it.
    return live, stack


def _audiences(live: LiveEmulator) -> list[dict[str, Any]]:
    return list(live.objects("audiences").values())


def _folders_by_name(live: LiveEmulator) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in live.objects("folders").values()}


def _resource_outputs(stack: Stack, name: str) -> dict[str, Any]:
    resources = json.loads(stack.export())["deployment"]["resources"]
    (res,) = [r for r in resources if r["urn"].endswith(f"::{name}")]
    return dict(res["outputs"])


def _text(proc: subprocess.CompletedProcess[str]) -> str:
    return str(proc.stdout) + str(proc.stderr)


def test_lifecycle__rename_move_in_place_type_replaces_destroy_waits_for_job(make_stack: MakeStack,
                                                                             emulator: Emulators) -> None:
    live, stack = _stack(make_stack, emulator)
    stack.up()
    (aud,) = _audiences(live)
    folders = _folders_by_name(live)
    assert set(folders) == {"E2E folder A", "E2E folder B", "E2E monitoring"}
    assert aud["name"] == "E2E prospects" and aud["type"] == "on_demand"
    assert aud["folderId"] == folders["E2E folder A"]["id"]
    outputs = stack.outputs()
    assert outputs["account_group_id"] == GROUP and outputs["aud_id"] == aud["id"]

    # Rename the audience and a folder, add a description: PATCH / rename, in place.
    stack.config("name", "E2E prospects renamed")
    stack.config("description", "from the e2e suite")
    stack.config("folderAName", "E2E folder A2")
    out = stack.up()
    assert "replaced" not in out.stdout
    (aud,) = _audiences(live)
    assert aud["name"] == "E2E prospects renamed" and aud["description"] == "from the e2e suite"
    assert "E2E folder A2" in _folders_by_name(live)

    # Move to another folder: move-to-folder, in place, same id.
    stack.config("folder", "b")
    out = stack.up()
    assert "replaced" not in out.stdout
    (moved,) = _audiences(live)
    assert moved["id"] == aud["id"] and moved["folderId"] == _folders_by_name(live)["E2E folder B"]["id"]

    # A finished prospecting job changes prospectCount: refresh records it, and it never causes a diff.
    live.seed({"jobs": [{"audienceId": aud["id"], "seconds": 0, "prospects": 7}]})
    stack.refresh()
    assert _resource_outputs(stack, "aud")["prospect_count"] == 7
    stack.preview("--expect-no-changes")

    # Type is not patchable: replace, and `preview --diff` says which field forces it.
    stack.config("type", "monitoring")
    stack.config("folder", "m")
    preview = stack.preview("--diff")
    assert "type" in preview.stdout and "replace" in preview.stdout.lower()
    out = stack.up()
    assert "replaced" in out.stdout
    (new,) = _audiences(live)
    assert new["id"] != aud["id"] and new["type"] == "monitoring"
    assert new["folderId"] == _folders_by_name(live)["E2E monitoring"]["id"]

    # A prospecting job is populating the audience: destroy waits for it (409 AUDIENCE_NOT_READY), then deletes.
    # (6 s rather than the docs' "several minutes": long enough to outlast the CLI's own start-up.)
    live.seed({"jobs": [{"audienceId": new["id"], "seconds": 6, "prospects": 5}]})
    assert live.objects("audiences")[new["id"]]["ready"] is False
    started = time.monotonic()
    destroy_and_check(stack, live)
    assert time.monotonic() - started >= 4
    assert any(r["method"] == "DELETE" and r["status"] == 409 for r in live.requests())
    state = live.all_objects()
    assert state["audiences"] == {} and state["folders"] == {}


def test_destroy__folders_on_the_documented_api_are_kept_with_the_way_out_then_go_once_deleted_in_the_app(
        make_stack: MakeStack, emulator: Emulators) -> None:
    live, stack = _stack(make_stack, emulator, folder_delete=False)
    stack.up()
    folders = {f["id"]: f["name"] for f in live.objects("folders").values()}
    assert len(folders) == 3
    live.clear_requests()
    out = stack.run("destroy", "--yes", "--non-interactive", "--skip-preview", "--stack", stack.name, check=False)
    text = _text(out)
    # Sonarly documents no folder delete: the destroy says so, once per folder, with what to do instead.
    assert out.returncode != 0, text
    assert "this Sonarly API offers no folder delete" in text and "retain_on_delete=True" in text
    assert "Traceback" not in text
    deletes = [r for r in live.requests() if r["method"] == "DELETE"]
    assert sorted(r["path"].rsplit("/", 1)[1] for r in deletes if "/folders/" in r["path"]) == sorted(folders)
    assert all(r["status"] == 404 for r in deletes if "/folders/" in r["path"])  # each tried once, not retried
    assert _audiences(live) == [] and {f["id"] for f in live.objects("folders").values()} == set(folders)
    # Still in the state, so the next destroy tries again. Deleted in the Sonarly app (here: the emulator's
    # invented route, standing in for it), they count as gone and the destroy completes.
    kept = [r for r in json.loads(stack.export())["deployment"]["resources"]
            if r["type"].endswith("sonarly:AudienceFolder")]
    assert len(kept) == 3
    live.configure(folder_delete=True)
    for folder_id in folders:
        resp = httpx.delete(f"{live.base_url}/accounts/{GROUP}/audiences/folders/{folder_id}",
                            headers={"Authorization": f"Bearer {FULL_KEY}"})
        assert resp.status_code == 200, resp.text
    live.configure(folder_delete=False)  # the documented API again
    destroy_and_check(stack, live)
    assert live.objects("folders") == {}


def test_create__lost_responses_leave_exactly_one_audience_and_folder(make_stack: MakeStack,
                                                                      emulator: Emulators) -> None:
    live, stack = _stack(make_stack, emulator)
    live.fault(kind="drop_after_commit", route=CREATE_AUDIENCE)
    live.fault(kind="drop_after_commit", route=CREATE_FOLDER)
    stack.up()
    dropped = [r for r in live.requests() if str(r.get("status", "")).startswith("dropped")]
    assert len(dropped) == 2  # both creates committed without an answer
    assert len(_audiences(live)) == 1
    assert len(live.objects("folders")) == 3
    creates = [r for r in live.requests() if r["method"] == "POST" and r["path"].endswith("/audiences")]
    assert len(creates) == 1  # reconciled by listing, never resent
    stack.preview("--expect-no-changes")
    destroy_and_check(stack, live)
    state = live.all_objects()
    assert state["audiences"] == {} and state["folders"] == {}


def test_permissions__read_only_key_fails_naming_audiences_write(make_stack: MakeStack, emulator: Emulators) -> None:
    live, stack = _stack(make_stack, emulator, key=READONLY_KEY)
    out = stack.up(check=False)
    text = _text(out)
    assert out.returncode != 0
    assert "audiences:write" in text and "HTTP 403" in text and "sonarly:apiKey" in text
    assert READONLY_KEY not in text
    assert live.objects("audiences") == {} and live.objects("folders") == {}


def test_adopt__by_id_checked_at_preview_then_managed_and_no_perpetual_diff(make_stack: MakeStack,
                                                                            emulator: Emulators) -> None:
    live, stack = _stack(make_stack, emulator)
    mon_id, li_id = "a" * 24, "b" * 24
    # The docs' examples report types like "linkedin_search": such an audience adopts as the declared type.
    live.seed({"audiences": [
        {"id": mon_id, "name": "Monitoring list", "type": "monitoring"},
        {"id": li_id, "name": "Made in the app", "type": "linkedin_search", "description": "old"},
    ]})
    stack.up()

    # Wrong declared type: refused at preview, before any write.
    stack.config("adoptId", mon_id)
    live.clear_requests()
    out = stack.preview(check=False)
    assert out.returncode != 0 and "monitoring" in _text(out) and "sonarly:Audience" in _text(out)
    assert all(r["method"] == "GET" for r in live.requests())

    # Unknown id: refused at preview too.
    stack.config("adoptId", "c" * 24)
    out = stack.preview(check=False)
    assert out.returncode != 0 and "no audience with this id" in _text(out)

    stack.config("adoptId", li_id)
    stack.config("adoptName", "Adopted list")
    stack.up()
    assert stack.outputs()["adopted_id"] == li_id
    adopted = live.objects("audiences")[li_id]
    assert adopted["name"] == "Adopted list" and adopted["description"] is None
    assert len(_audiences(live)) == 3  # two seeded + the stack's own: nothing created for the adoption

    stack.refresh()
    stack.preview("--expect-no-changes")  # reported type "linkedin_search" vs declared on_demand: no diff

    destroy_and_check(stack, live)
    assert set(live.objects("audiences")) == {mon_id}  # the adopted audience was managed, so deleted


def test_delete__job_outlasting_not_ready_timeout_says_rerun_destroy(make_stack: MakeStack,
                                                                     emulator: Emulators) -> None:
    live, stack = _stack(make_stack, emulator)
    stack.config("sonarly:notReadyTimeout", "1")
    stack.config("folder", "none")
    stack.up()
    (aud,) = _audiences(live)
    live.seed({"jobs": [{"audienceId": aud["id"], "seconds": 12}]})
    out = stack.run("destroy", "--yes", "--non-interactive", "--skip-preview", "--stack", stack.name, check=False)
    text = _text(out)
    assert out.returncode != 0
    assert "prospecting job is still populating the audience" in text and "rerun `pulumi destroy`" in text
    assert "AUDIENCE_NOT_READY" in text
    assert aud["id"] in live.objects("audiences")
    while not live.objects("audiences")[aud["id"]]["ready"]:
        time.sleep(0.5)
    destroy_and_check(stack, live)
    assert live.objects("audiences") == {} and live.objects("folders") == {}


def test_config__key_with_several_account_groups_must_choose(make_stack: MakeStack, emulator: Emulators) -> None:
    live = emulator("sonarly")
    live.seed({"accountGroups": [{"id": "ag_one", "name": "One"}, {"id": "ag_two", "name": "Two"}],
               "keys": [{"key": "sk_live_e2e_two_groups", "accountGroups": ["ag_one", "ag_two"]}]})
    offer_folder_delete(live)  # the stack's folders are destroyed at the end
    stack = make_stack("sonarly_lifecycle")
    stack.config("sonarly:baseUrl", live.base_url)
    stack.config("sonarly:apiKey", "sk_live_e2e_two_groups", secret=True)
    out = stack.preview(check=False)
    text = _text(out)
    assert out.returncode != 0
    assert "ag_one (One)" in text and "ag_two (Two)" in text
    assert "pulumi config set sonarly:accountGroupId" in text

    stack.config("sonarly:accountGroupId", "ag_two")
    stack.up()
    assert {a["accountGroupId"] for a in _audiences(live)} == {"ag_two"}
    destroy_and_check(stack, live)
    assert live.objects("audiences") == {}
