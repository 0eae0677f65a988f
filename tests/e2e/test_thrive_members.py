"""Thrive audience members through the real engine: authoritative, drift, 207 partial failure, additive."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.conftest import Emulators, LiveEmulator

from .conftest import MakeStack, Stack
from .fleet import destroy_and_check

pytestmark = pytest.mark.e2e
AUTH = httpx.BasicAuth("demo-tenant", "demo-thrive-secret")


def _thrive_stack(make_stack: MakeStack, emulator: Emulators) -> tuple[LiveEmulator, Stack]:
    """A fresh Thrive emulator and the thrive_members program configured against it (Basic auth)."""
    live = emulator("thrive")
    stack = make_stack("thrive_members")
    stack.config("thrive:baseUrl", live.base_url)
    stack.config("thrive:tenantId", "demo-tenant")
    stack.config("thrive:apiSecret", "demo-thrive-secret", secret=True)
    return live, stack


def _members(live: LiveEmulator) -> list[str]:
    team = next(a for a in live.objects("audiences").values() if a["reference"] == "mem-team")
    return sorted(team["members"])


def test_members__authoritative_drift_partial_failure_additive(make_stack: MakeStack, emulator: Emulators) -> None:
    live, stack = _thrive_stack(make_stack, emulator)
    stack.config("members", json.dumps(["user1", "user2@example.com", "user3"]))
    stack.up()
    assert _members(live) == ["user1", "user2", "user3"]

    # Someone adds a member in Thrive: authoritative membership removes it on the next up.
    assert httpx.post(f"{live.base_url}/audiences/mem-team/members", auth=AUTH, json=["user9"]).status_code == 200
    stack.refresh()
    state = json.loads(stack.export())
    recorded = next(r for r in state["deployment"]["resources"] if r["type"].endswith("thrive:AudienceMembers"))
    assert "user9@example.com" in recorded["outputs"]["members"]  # refresh saw the drift
    stack.up()
    assert _members(live) == ["user1", "user2", "user3"]

    # A user who doesn't exist: refused at check (GET /users), before any write, naming the user; nothing applied.
    # (Thrive's 207 for a user deleted between check and write is covered by the unit tests.)
    stack.config("members", json.dumps(["user1", "user4", "ghost@nowhere.test"]))
    out = stack.up(check=False)
    text = out.stdout + out.stderr
    assert out.returncode != 0 and "do not exist in Thrive: ghost@nowhere.test" in text
    assert "user4" not in _members(live)

    # Additive: other members are left alone.
    stack.config("members", json.dumps(["user5"]))
    stack.config("membership", "additive")
    stack.up()
    assert {"user1", "user2", "user3", "user5"} <= set(_members(live))
    destroy_and_check(stack, live)
    assert live.objects("audiences") == {}


def test_managers__replace_permissions_drift_and_remove(make_stack: MakeStack, emulator: Emulators) -> None:
    live, stack = _thrive_stack(make_stack, emulator)
    stack.config("members", json.dumps(["user1"]))
    lead = {"user": "user7@example.com", "permissions": {"audienceManager": {"assignments": True},
                                                         "peopleManager": {"insights": True}}}
    stack.config("managers", json.dumps([lead, {"user": "user8"}]))
    stack.up()

    def managers() -> dict[str, dict[str, Any]]:
        team = next(a for a in live.objects("audiences").values() if a["reference"] == "mem-team")
        return {m["reference"]: m["permissions"] for m in team["managers"]}

    assert set(managers()) == {"user7", "user8"}
    assert managers()["user7"]["audienceManager"]["assignments"] is True
    assert stack.preview("--expect-no-changes").returncode == 0  # output-only flags never cause a diff

    # Permissions changed in Thrive: refresh sees it, the next up puts them back.
    httpx.post(f"{live.base_url}/audiences/mem-team/managers", auth=AUTH,
               json=[{"reference": "user7", "permissions": {}}]).raise_for_status()
    stack.refresh()
    assert "permissions" in stack.preview("--diff").stdout
    stack.up()
    assert managers()["user7"]["audienceManager"]["assignments"] is True

    # A typo in a permission flag is refused at preview, naming it.
    stack.config("managers", json.dumps([{"user": "user7", "permissions": {"audienceManager": {"asignments": True}}}]))
    bad = stack.preview(check=False)
    assert bad.returncode != 0 and "asignments" in bad.stdout + bad.stderr

    stack.config("managers", json.dumps([{"user": "user8"}]))
    stack.up()
    assert set(managers()) == {"user8"}
    destroy_and_check(stack, live)
    assert live.objects("audiences") == {}


def test_members__foreign_members_refused_additive_removes_only_its_own(make_stack: MakeStack,
                                                                        emulator: Emulators) -> None:
    live = emulator("thrive")
    stack = make_stack("thrive_foreign_members")
    stack.config("thrive:baseUrl", live.base_url)
    stack.config("thrive:tenantId", "demo-tenant")
    stack.config("thrive:apiSecret", "demo-thrive-secret", secret=True)
    live.seed({"audiences": [{"name": "Theirs", "reference": "seed-root"},
                             {"name": "Their team", "reference": "seed-team", "parentId": "seed-root",
                              "members": ["user5", "user6"]}]})

    def members() -> list[str]:
        team = next(a for a in live.objects("audiences").values() if a["reference"] == "seed-team")
        return sorted(team["members"])

    # Authoritative over an audience with other members: refused at preview, before any write.
    stack.config("audience", "seed-team")
    stack.config("members", json.dumps(["user1"]))
    live.clear_requests()
    out = stack.preview(check=False)
    text = out.stdout + out.stderr
    assert out.returncode != 0 and "already has 2 member(s)" in text and "user5@example.com" in text, text
    assert "adopt=True" in text and 'membership="additive"' in text
    assert [r for r in live.requests() if r["method"] != "GET"] == []

    # Additive: adds its own, records them, removes only those.
    stack.config("membership", "additive")
    stack.up()
    assert members() == ["user1", "user5", "user6"] and stack.outputs()["added"] == ["user1"]
    stack.config("members", json.dumps(["user1", "user5"]))  # user5 was there before: never the stack's
    stack.up()
    assert stack.outputs()["added"] == ["user1"]
    stack.config("members", json.dumps(["user5"]))
    stack.up()
    assert members() == ["user5", "user6"] and stack.outputs()["added"] == []
    destroy_and_check(stack, live)
    assert members() == ["user5", "user6"]  # nothing of theirs removed

    # Adopted on purpose, authoritative: the membership becomes exactly the list.
    stack.config("membership", "authoritative")
    stack.config("adopt", "true")
    stack.config("members", json.dumps(["user1"]))
    stack.up()
    assert members() == ["user1"]
    destroy_and_check(stack, live)
    assert members() == []
