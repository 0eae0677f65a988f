"""Batch Audience through the real engine: create, update, replace, drift, refresh, destroy."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import Emulators, LiveEmulator

from .conftest import MakeStack, Stack
from .fleet import destroy_and_check

pytestmark = pytest.mark.e2e

APIKEY_CANARY = "canary-batch-key-5f1e9d"
PROJECT = "project_e2e000000000000000000000000000"


def _stack(make_stack: MakeStack, emulator: Emulators) -> tuple[LiveEmulator, Stack]:
    live = emulator("batch")
    live.seed({"credentials": [{"api_key": APIKEY_CANARY, "project_key": PROJECT}]})
    live.configure(indexing_seconds=0.05)
    stack = make_stack("batch_lifecycle")
    stack.config("batch:baseUrl", live.base_url)
    stack.config("batch:projectKey", PROJECT)
    stack.config("batch:apiKey", APIKEY_CANARY, secret=True)
    return live, stack


def _write_ids(path: Path, ids: list[str]) -> None:
    path.write_text("\n".join(ids) + "\n")


def test_lifecycle__create_update_replace_refresh_destroy(make_stack: MakeStack, emulator: Emulators) -> None:
    live, stack = _stack(make_stack, emulator)
    _write_ids(stack.dir / "ids.txt", [f"user-{i}" for i in range(50)])
    stack.config("name", "e2e_vip")
    stack.config("displayName", "VIP")
    stack.config("membersFile", "ids.txt")

    stack.up()
    assert live.objects("audiences")["e2e_vip"]["nb_ids"] == 50
    assert stack.outputs()["nb_ids"] == 50

    # Membership change: in place (update), only the changes are sent.
    _write_ids(stack.dir / "ids.txt", [f"user-{i}" for i in range(10, 70)])
    live.clear_requests()
    out = stack.up()
    assert "updated" in out.stdout and "replaced" not in out.stdout
    updates = [r for r in live.requests() if r["path"].endswith("/audiences/update")]
    assert len(updates) == 1
    assert live.objects("audiences")["e2e_vip"]["ids"] == sorted(f"user-{i}" for i in range(10, 70))

    # display_name can only be set at create (no documented update field): replace, same name.
    stack.config("displayName", "Very Important")
    preview = stack.preview("--diff")
    assert "display_name" in preview.stdout and "replace" in preview.stdout.lower()
    stack.up()
    aud = live.objects("audiences")["e2e_vip"]
    assert aud["display_name"] == "Very Important" and aud["nb_ids"] == 60

    # Name change: replace, create-before-delete.
    stack.config("name", "e2e_vip2")
    out = stack.up()
    assert "replaced" in out.stdout
    assert set(live.objects("audiences")) == {"e2e_vip2"}

    # Deleted behind Pulumi's back: refresh sees it gone.
    resp = httpx.post(live.base_url + "/audiences/remove", json={"name": "e2e_vip2"},
                      headers={"Authorization": f"Bearer {APIKEY_CANARY}", "X-Batch-Project": PROJECT})
    assert resp.status_code == 202
    refresh = stack.refresh()
    assert "deleted" in refresh.stdout
    state = json.loads(stack.export())
    assert not [r for r in state["deployment"]["resources"] if r["type"].endswith("batch:Audience")]

    # Recreated by the next up, then destroy leaves the emulator empty.
    stack.up()
    assert set(live.objects("audiences")) == {"e2e_vip2"}
    destroy_and_check(stack, live)
    assert live.objects("audiences") == {}


def test_secrets__api_key_never_in_state_or_output(make_stack: MakeStack, emulator: Emulators) -> None:
    live, stack = _stack(make_stack, emulator)
    stack.config("name", "e2e_secret")
    up = stack.up()
    preview = stack.preview("--diff")
    export = stack.export()
    assert "e2e_secret" in export  # the export is real
    for text in (up.stdout, up.stderr, preview.stdout, preview.stderr, export):
        assert APIKEY_CANARY not in text
    destroy_and_check(stack, live)


def test_preview__invalid_name_fails_before_any_request(make_stack: MakeStack, emulator: Emulators) -> None:
    live, stack = _stack(make_stack, emulator)
    stack.config("name", "not a valid name!")
    live.clear_requests()
    out = stack.preview(check=False)
    assert out.returncode != 0
    text = out.stdout + out.stderr
    assert "batch:Audience" in text and "name" in text and "pattern" in text
    assert live.requests() == []


def test_preview__missing_api_key_names_the_setting(make_stack: MakeStack, emulator: Emulators) -> None:
    live = emulator("batch")
    stack = make_stack("batch_lifecycle")
    stack.config("batch:baseUrl", live.base_url)
    stack.config("name", "e2e_nokey")
    out = stack.preview(check=False)
    text = out.stdout + out.stderr
    assert out.returncode != 0
    assert "batch:apiKey" in text and "pulumi config set --secret batch:apiKey" in text


def test_membership__25k_authoritative_then_1k_changed_sends_only_changes(make_stack: MakeStack,
                                                                          emulator: Emulators) -> None:
    live, stack = _stack(make_stack, emulator)
    ids = [f"member-{i:06d}" for i in range(25_000)]
    _write_ids(stack.dir / "ids.txt", ids)
    stack.config("name", "e2e_big")
    stack.config("membersFile", "ids.txt")
    stack.up()
    assert live.objects("audiences")["e2e_big"]["nb_ids"] == 25_000
    creates = [r for r in live.requests() if r["path"].endswith(("/update", "/replace"))]
    assert len(creates) == 3  # 25,000 ids in chunks of at most 10,000

    # Swap 1,000 ids: 500 removed, 500 added -> a single update call of 1,000 actions.
    changed = ids[500:] + [f"new-{i:06d}" for i in range(500)]
    _write_ids(stack.dir / "ids.txt", changed)
    live.clear_requests()
    stack.up()
    writes = [r for r in live.requests() if r["method"] == "POST"]
    assert [r["path"].rsplit("/", 1)[-1] for r in writes] == ["update"]
    assert live.objects("audiences")["e2e_big"]["nb_ids"] == 25_000

    # State keeps a digest and count, not the ids.
    export = stack.export()
    assert "member-000999" not in export and len(export) < 20_000

    # Additive: removing ids from the file no longer removes them from the audience.
    stack.config("membership", "additive")
    _write_ids(stack.dir / "ids.txt", changed[:10] + ["extra-1"])
    live.clear_requests()
    stack.up()
    assert live.objects("audiences")["e2e_big"]["nb_ids"] == 25_001
    assert not any(r["path"].endswith("/replace") for r in live.requests())

    destroy_and_check(stack, live)
    assert live.objects("audiences") == {}


@pytest.mark.parametrize("membership", ["authoritative", "additive"])
def test_foreign_audience__refused_at_preview_then_adopted_on_purpose(make_stack: MakeStack, emulator: Emulators,
                                                                      membership: str) -> None:
    live, stack = _stack(make_stack, emulator)
    live.seed({"audiences": [{"name": "legacy_batch", "display_name": "Legacy", "ids": ["a", "b"]}]})
    _write_ids(stack.dir / "ids.txt", ["u1"])
    stack.config("name", "legacy_batch")
    stack.config("membersFile", "ids.txt")
    stack.config("membership", membership)

    # Not asked to adopt: preview and up both stop before any write, naming the audience and the way out.
    live.clear_requests()
    for run in (stack.preview, stack.up):
        out = run(check=False)
        text = out.stdout + out.stderr
        assert out.returncode != 0 and "'legacy_batch' is already taken in Batch" in text, text
        assert "2 ids" in text and "adopt=True" in text and "audience_providers.recover" in text
    assert [r for r in live.requests() if r["method"] != "GET"] == []
    assert live.objects("audiences")["legacy_batch"]["ids"] == ["a", "b"]

    # Adopted on purpose: authoritative makes the membership exactly the declared one; additive only adds.
    stack.config("adopt", "true")
    stack.up()
    assert stack.outputs()["adopted"] is True
    expected = ["u1"] if membership == "authoritative" else ["a", "b", "u1"]
    assert live.objects("audiences")["legacy_batch"]["ids"] == expected
    assert stack.outputs()["nb_ids"] == len(expected)

    out = destroy_and_check(stack, live, keep=["legacy_batch"] if membership == "additive" else [])
    if membership == "authoritative":
        assert "legacy_batch" not in live.objects("audiences")  # taken over wholesale, so destroy removes it
    else:
        # Adopted and only added to: Batch can't say which ids were there before, so nothing is removed.
        assert live.objects("audiences")["legacy_batch"]["ids"] == ["a", "b", "u1"]
        assert "left in Batch with all its ids" in out.stdout + out.stderr


def test_adopt__found_by_listing_among_130_audiences_and_nothing_foreign_touched(make_stack: MakeStack,
                                                                                 emulator: Emulators) -> None:
    live, stack = _stack(make_stack, emulator)
    # Batch lists 10 per page by default and at most 100: the one to adopt sits on the provider's second page.
    live.seed({"audiences": [{"name": f"legacy_{i:03d}", "display_name": f"Legacy {i}", "ids": ["a", "b"]}
                             for i in range(130)]})
    target = "legacy_117"
    _write_ids(stack.dir / "ids.txt", ["u1"])
    stack.config("name", target)
    stack.config("displayName", "Legacy 117")
    stack.config("membersFile", "ids.txt")
    stack.config("membership", "additive")
    stack.config("adopt", "true")
    live.clear_requests()
    stack.up()
    assert stack.outputs()["adopted"] is True and stack.outputs()["nb_ids"] == 3

    lists = [r for r in live.requests() if r["path"].endswith("/audiences/list")]
    assert len(lists) >= 2 and any("from=" in r["query"] for r in lists)  # found by paging, not by one page
    writes = [r for r in live.requests() if r["method"] != "GET"]
    assert writes and all(f'"name": "{target}"' in r["body"] for r in writes), writes
    state = live.objects("audiences")
    assert state[target]["ids"] == ["a", "b", "u1"]
    assert all(state[f"legacy_{i:03d}"]["ids"] == ["a", "b"] for i in range(130) if i != 117)

    # Adopted additively: destroy leaves it (and every other audience) in Batch.
    live.clear_requests()
    destroy_and_check(stack, live, keep=[target])
    assert [r for r in live.requests() if r["method"] != "GET"] == []
    assert len(live.objects("audiences")) == 130

    # Not asked to adopt: a name taken on a later page is refused at preview, before any write.
    stack.config("adopt", "false")
    stack.config("name", "legacy_125")
    stack.config("displayName", "Legacy 125")
    live.clear_requests()
    out = stack.preview(check=False)
    assert out.returncode != 0 and "'legacy_125' is already taken in Batch" in out.stdout + out.stderr
    assert [r for r in live.requests() if r["method"] != "GET"] == []


@pytest.mark.parametrize("mode", ["error", "accepted"])  # the two readings of remove's unknown-name answer
def test_destroy__audience_already_removed_outside_the_stack_succeeds(make_stack: MakeStack, emulator: Emulators,
                                                                      mode: str) -> None:
    live, stack = _stack(make_stack, emulator)
    live.configure(remove_unknown=mode)
    name = f"e2e_gone_{mode}"
    stack.config("name", name)
    stack.up()
    resp = httpx.post(live.base_url + "/audiences/remove", json={"name": name},
                      headers={"Authorization": f"Bearer {APIKEY_CANARY}", "X-Batch-Project": PROJECT})
    assert resp.status_code == 202
    time.sleep(0.3)  # past the emulator's indexing delay: the removal has applied
    assert live.objects("audiences") == {}
    live.clear_requests()
    out = destroy_and_check(stack, live)
    assert "Traceback" not in out.stdout + out.stderr
    removes = [r for r in live.requests() if r["path"].endswith("/remove")]
    assert [r["status"] for r in removes] == [400 if mode == "error" else 202]
    assert json.loads(stack.export())["deployment"].get("resources") in (None, [])
