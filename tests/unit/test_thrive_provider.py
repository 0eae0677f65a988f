"""Thrive lifecycles against an in-memory tenant (httpx.MockTransport): members and managers in both modes.

Every test asserts the writes sent (method, path, body), so "nothing foreign touched" is checked with the
convergence itself: a user who was in the audience before the stack (or was put there by someone else) is never
in a DELETE unless the list is authoritative and the user asked for that.
"""

from __future__ import annotations

import ast
import json
import math
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pulumi
import pytest
from pydantic import BaseModel

from audience_providers._core.config import ConfigSource
from audience_providers._core.errors import InputError
from audience_providers._core.lifecycle import UNKNOWN, Lifecycle
from audience_providers.thrive import config, resource
from audience_providers.thrive.client import Client
from audience_providers.thrive.members import (
    AudienceManagersLifecycle,
    AudienceManagersState,
    AudienceMembersLifecycle,
    AudienceMembersState,
    PartialFailure,
)
from audience_providers.thrive.structure import AudienceLifecycle, AudienceState, StructureLifecycle, StructureState

if TYPE_CHECKING:
    from audience_providers._core.dynamic import DynamicProvider

PEOPLE = {  # id -> (reference, email)
    "u1": ("user1", "user1@example.com"),
    "u2": ("user2", "user2@example.com"),
    "u3": ("user3", "user3@example.com"),
    "u4": ("stranger", "stranger@example.com"),  # put in audiences by someone else than the stack
}
NO_FLAGS = {"audienceManager": {"manageContent": False, "assignments": False},
            "peopleManager": {"canViewLearnPage": False, "insights": False, "manage": False}}


def _person(key: str) -> str | None:
    """The user id that ``key`` (id, reference or email, any case) names, or None."""
    for id_, (ref, email) in PEOPLE.items():
        if key.lower() in (id_, ref, email):
            return id_
    return None


@dataclass
class Tenant:
    """The part of Thrive's API these lifecycles use, with a log of every request (path after /rest/v1)."""

    members: dict[str, list[str]] = field(default_factory=dict)  # audience -> user ids
    managers: dict[str, dict[str, dict[str, dict[str, bool]]]] = field(default_factory=dict)  # -> id -> flags
    audiences: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> Audience object
    sent: list[tuple[str, str, Any]] = field(default_factory=list)

    @property
    def writes(self) -> list[tuple[str, str, Any]]:
        return [s for s in self.sent if s[0] != "GET"]

    def gets(self, path: str) -> int:
        return sum(1 for method, p, _ in self.sent if method == "GET" and p == path)

    @staticmethod
    def _user(id_: str) -> dict[str, Any]:
        return {"userId": id_, "reference": PEOPLE[id_][0], "email": PEOPLE[id_][1]}

    def _outcome(self, applied: list[str], failed: list[str]) -> httpx.Response:
        body: dict[str, Any] = {"success": {"count": len(applied), "entities": [{"reference": u} for u in applied]}}
        if failed:
            body["failure"] = {"count": len(failed),
                               "entities": [{"reference": u, "reason": "User not found"} for u in failed]}
        return httpx.Response(207 if failed else 200, json=body)

    def _audience(self, key: str) -> dict[str, Any] | None:
        return next((a for a in self.audiences.values() if key in (a["id"], a["reference"])), None)

    def handler(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/rest/v1")
        body: Any = json.loads(request.content) if request.content else None
        self.sent.append((request.method, path, body))
        parts = path.strip("/").split("/")
        not_found = httpx.Response(404, json={"error": "Not Found", "message": "not found"})
        if parts == ["users"]:
            return httpx.Response(200, json={"results": [{"id": i, "ref": r, "email": e}
                                                         for i, (r, e) in PEOPLE.items()]})
        if parts == ["audiences"] and request.method == "GET":
            return httpx.Response(200, json={"results": list(self.audiences.values())})
        if parts == ["audiences"] and request.method == "POST":
            obj = {"id": f"id-{body['reference']}", "name": body["name"], "reference": body["reference"],
                   "category": body["category"], "apiControlled": True, "type": "manual"}
            self.audiences[obj["id"]] = obj
            return httpx.Response(201, json=obj)
        if len(parts) == 2 and parts[0] == "audiences":
            found = self._audience(parts[1])
            return httpx.Response(200, json=found) if found else not_found
        audience = parts[1] if len(parts) > 2 else ""
        if parts[2:3] == ["members"] and audience in self.members:
            current = self.members[audience]
            if request.method == "GET":
                page, per_page = int(request.url.params["page"]), int(request.url.params["perPage"])
                rows = current[(page - 1) * per_page:page * per_page]
                return httpx.Response(200, json={"results": [self._user(u) for u in rows], "pagination": {
                    "page": page, "totalPages": max(1, math.ceil(len(current) / per_page))}})
            if request.method == "POST":
                applied = [u for u in body if _person(u)]
                current += [p for u in applied if (p := _person(u)) and p not in current]
                return self._outcome(applied, [u for u in body if not _person(u)])
            if request.method == "DELETE":
                person = _person(parts[3])
                if person not in current:
                    return not_found
                current.remove(person)
                return httpx.Response(204)
        if parts[2:3] == ["managers"] and audience in self.managers:
            held = self.managers[audience]
            if request.method == "GET":
                # GET adds output-only flags (manageMembers), which the provider must never compare.
                return httpx.Response(200, json=[
                    {**self._user(u), "permissions": {**flags, "audienceManager": {
                        **flags.get("audienceManager", {}), "manageMembers": True}}} for u, flags in held.items()])
            if request.method in ("PATCH", "POST"):
                if request.method == "PATCH":
                    held.clear()
                applied = [m["reference"] for m in body if _person(m["reference"])]
                for m in body:
                    if (person := _person(m["reference"])) is not None:
                        held[person] = m["permissions"]
                return self._outcome(applied, [m["reference"] for m in body if not _person(m["reference"])])
            if request.method == "DELETE":
                person = _person(parts[3])
                if person not in held:
                    return not_found
                del held[person]
                return httpx.Response(204)
        return not_found


def _config(tenant: Tenant) -> config.ThriveConfig:
    source = ConfigSource({"thrive:tenantId": "t1", "thrive:apiSecret": "unit-secret", "thrive:retryDeadline": "1",
                           "thrive:baseUrl": "https://thrive.test/rest/v1"}, environ={})
    return config.load(source, transport=httpx.MockTransport(tenant.handler))


def _members(tenant: Tenant) -> AudienceMembersLifecycle:
    return AudienceMembersLifecycle(_config(tenant))


def _managers(tenant: Tenant) -> AudienceManagersLifecycle:
    return AudienceManagersLifecycle(_config(tenant))


def _inputs(members: list[str], membership: str = "authoritative", adopt: bool = False) -> dict[str, Any]:
    return {"audience": "team", "members": members, "membership": membership, "adopt": adopt}


def _recorded(inputs: dict[str, Any]) -> dict[str, Any]:
    """``inputs`` as a read records them: those at their default left out (``Lifecycle.input_defaults``)."""
    return {k: v for k, v in inputs.items() if (k, v) not in (("membership", "authoritative"), ("adopt", False))}


# -- members, authoritative -------------------------------------------------------------------------------
def test_create__authoritative_members_adds_the_list_and_records_no_added() -> None:
    tenant = Tenant(members={"team": []})
    lifecycle = _members(tenant)
    created = lifecycle.create(lifecycle.check({}, _inputs(["user1", "user2"])).inputs)
    assert tenant.writes == [("POST", "/audiences/team/members", ["user1", "user2"])]
    assert created.id == "team/members"
    assert created.outs == {**_inputs(["user1", "user2"]), "member_count": 2, "added": None}
    assert tenant.members["team"] == ["u1", "u2"]


def test_create__authoritative_members_over_foreign_members_fails_before_any_write() -> None:
    tenant = Tenant(members={"team": ["u4"]})
    lifecycle = _members(tenant)
    checked = lifecycle.check({}, _inputs(["user1"]))
    assert [f.property for f in checked.failures] == ["members"]
    assert "already has 1 member(s)" in checked.failures[0].reason
    assert "stranger@example.com" in checked.failures[0].reason
    with pytest.raises(InputError, match="stranger@example.com"):
        lifecycle.create(_inputs(["user1"]))  # `up` checks again: someone may have added them since preview
    assert tenant.writes == [] and tenant.members["team"] == ["u4"]


def test_create__authoritative_members_with_adopt_replaces_to_exactly_the_list() -> None:
    tenant = Tenant(members={"team": ["u1", "u4"]})
    lifecycle = _members(tenant)
    checked = lifecycle.check({}, _inputs(["user1", "user2"], adopt=True))
    assert checked.failures == []
    lifecycle.create(checked.inputs)
    assert tenant.writes == [("POST", "/audiences/team/members", ["user2"]),
                             ("DELETE", "/audiences/team/members/u4", None)]
    assert sorted(tenant.members["team"]) == ["u1", "u2"]


def test_update__authoritative_members_replaces_to_exactly_the_declared_list() -> None:
    tenant = Tenant(members={"team": ["u1", "u2", "u4"]})  # u4 added in Thrive after the stack's create
    lifecycle = _members(tenant)
    olds = {**_inputs(["user1", "user2"]), "member_count": 2, "added": None}
    news = _inputs(["USER2@example.com", "user3"])
    assert lifecycle.diff("team/members", olds, news).changes
    updated = lifecycle.update("team/members", olds, news)
    assert tenant.writes == [("POST", "/audiences/team/members", ["user3"]),
                             ("DELETE", "/audiences/team/members/u1", None),
                             ("DELETE", "/audiences/team/members/u4", None)]
    assert sorted(tenant.members["team"]) == ["u2", "u3"]
    assert updated.outs["member_count"] == 2 and updated.outs["added"] is None


def test_read__authoritative_members_show_users_added_outside_as_drift() -> None:
    tenant = Tenant(members={"team": ["u1", "u4"]})
    olds = {**_inputs(["user1", "user2"]), "member_count": 2, "added": None}
    read = _members(tenant).read("team/members", olds)
    assert read.outs["members"] == ["user1", "stranger@example.com"] and read.outs["member_count"] == 2
    assert read.inputs == _recorded(_inputs(["user1", "stranger@example.com"]))
    assert tenant.writes == []


def test_delete__authoritative_members_removes_the_declared_ones_only() -> None:
    tenant = Tenant(members={"team": ["u1", "u2", "u4"]})
    _members(tenant).delete("team/members", {**_inputs(["user1", "user2"]), "member_count": 2, "added": None})
    assert tenant.writes == [("DELETE", "/audiences/team/members/user1", None),
                             ("DELETE", "/audiences/team/members/user2", None)]
    assert tenant.members["team"] == ["u4"]


@pytest.mark.parametrize("kind", ["members", "managers"])
def test_check__users_are_looked_up_while_the_audience_is_still_unknown(kind: str) -> None:
    # The usual program: `audience=team.id`, unknown at preview until the audience exists.
    tenant = Tenant()
    if kind == "members":
        lifecycle: Lifecycle[Any, Any] = _members(tenant)
        news = {**_inputs(["user1", "ghost@example.com"]), "audience": UNKNOWN}
    else:
        lifecycle = _managers(tenant)
        news = {**_m_inputs(_mgr("user1"), _mgr("ghost@example.com")), "audience": UNKNOWN}
    checked = lifecycle.check({}, news)
    assert [f.property for f in checked.failures] == [kind]
    assert f"1 user(s) in {kind} do not exist in Thrive: ghost@example.com." in checked.failures[0].reason
    assert tenant.sent == [("GET", "/users", None)]


@pytest.mark.parametrize("unknown", ["name", "reference"])
def test_check__audience_parent_is_looked_up_while_another_input_is_unknown(unknown: str) -> None:
    tenant = Tenant()
    news = {"name": "Team", "reference": "team", "parent": "nowhere", "adopt": False, unknown: UNKNOWN}
    checked = AudienceLifecycle(_config(tenant)).check({}, news)
    assert [f.property for f in checked.failures] == ["parent"] and tenant.writes == []


# -- members, additive ------------------------------------------------------------------------------------
def test_create__additive_members_records_added_and_leaves_earlier_members() -> None:
    tenant = Tenant(members={"team": ["u1", "u4"]})
    lifecycle = _members(tenant)
    checked = lifecycle.check({}, _inputs(["user1", "user2"], "additive"))
    assert checked.failures == []  # other members are no obstacle in additive mode
    created = lifecycle.create(checked.inputs)
    assert tenant.writes == [("POST", "/audiences/team/members", ["user2"])]
    assert created.outs["added"] == ["user2"] and created.outs["member_count"] == 3


def test_update__additive_members_remove_only_the_users_the_stack_added() -> None:
    tenant = Tenant(members={"team": ["u1", "u2", "u4"]})  # u1 was there before the stack; it added u2
    lifecycle = _members(tenant)
    olds = {**_inputs(["user1", "user2"], "additive"), "member_count": 3, "added": ["user2"]}
    updated = lifecycle.update("team/members", olds, _inputs(["user3"], "additive"))
    assert tenant.writes == [("POST", "/audiences/team/members", ["user3"]),
                             ("DELETE", "/audiences/team/members/user2", None)]
    assert sorted(tenant.members["team"]) == ["u1", "u3", "u4"]  # u1 left the list but was never the stack's
    assert updated.outs["added"] == ["user3"]


def test_update__additive_members_keep_added_users_still_listed() -> None:
    tenant = Tenant(members={"team": ["u1", "u2"]})
    olds = {**_inputs(["user2"], "additive"), "member_count": 2, "added": ["user2"]}
    updated = _members(tenant).update("team/members", olds, _inputs(["user2", "user3"], "additive"))
    assert tenant.writes == [("POST", "/audiences/team/members", ["user3"])]
    assert updated.outs["added"] == ["user2", "user3"]


def test_delete__additive_members_removes_only_the_added_users() -> None:
    tenant = Tenant(members={"team": ["u1", "u2", "u3", "u4"]})
    _members(tenant).delete("team/members", {**_inputs(["user1", "user2", "user3"], "additive"),
                                             "member_count": 4, "added": ["user2", "user3"]})
    assert tenant.writes == [("DELETE", "/audiences/team/members/user2", None),
                             ("DELETE", "/audiences/team/members/user3", None)]
    assert sorted(tenant.members["team"]) == ["u1", "u4"]


def test_delete__additive_members_from_a_state_without_added_removes_nothing() -> None:
    tenant = Tenant(members={"team": ["u1", "u2"]})
    _members(tenant).delete("team/members", {**_inputs(["user1", "user2"], "additive"), "member_count": 2})
    assert tenant.writes == [] and tenant.members["team"] == ["u1", "u2"]


def test_read__additive_members_drop_added_users_no_longer_there() -> None:
    tenant = Tenant(members={"team": ["u1", "u4"]})
    olds = {**_inputs(["user1", "user2"], "additive"), "member_count": 3, "added": ["user2"]}
    read = _members(tenant).read("team/members", olds)
    assert read.outs["members"] == ["user1"] and read.outs["added"] == []  # no drift for others in additive mode
    assert tenant.writes == []


@pytest.mark.parametrize("membership", ["authoritative", "additive"])
def test_create__members_partial_207_names_the_failed_users_and_keeps_the_others(membership: str) -> None:
    tenant = Tenant(members={"team": []})
    with pytest.raises(PartialFailure) as info:
        _members(tenant).create(_inputs(["user1", "ghost@example.com"], membership))
    assert "1 user(s) could not be added to 'team': ghost@example.com: User not found" in str(info.value)
    assert tenant.writes == [("POST", "/audiences/team/members", ["user1", "ghost@example.com"])]
    assert tenant.members["team"] == ["u1"]


def test_read__members_of_a_gone_audience_are_gone() -> None:
    read = _members(Tenant()).read("team/members", {**_inputs(["user1"]), "member_count": 1, "added": None})
    assert read.id is None


def test_iter_audience_members__follows_every_page() -> None:
    tenant = Tenant(members={"team": ["u1", "u2", "u3", "u4"]})
    client: Client = _config(tenant).client
    assert [m.user_id for m in client.iter_audience_members("team", per_page=3)] == ["u1", "u2", "u3", "u4"]
    assert [s[1] for s in tenant.sent] == ["/audiences/team/members"] * 2


# -- managers (authoritative) -----------------------------------------------------------------------------
def _mgr(user: str, **groups: dict[str, bool]) -> dict[str, Any]:
    return {"user": user, "permissions": groups}


def _m_inputs(*managers: dict[str, Any], adopt: bool = False) -> dict[str, Any]:
    return {"audience": "team", "managers": list(managers), "adopt": adopt}


def test_create__managers_patch_every_settable_flag() -> None:
    tenant = Tenant(managers={"team": {}})
    lifecycle = _managers(tenant)
    news = _m_inputs(_mgr("user1", audienceManager={"manageContent": True}))
    created = lifecycle.create(lifecycle.check({}, news).inputs)
    flags = {**NO_FLAGS, "audienceManager": {"manageContent": True, "assignments": False}}
    assert tenant.writes == [("PATCH", "/audiences/team/managers", [{"reference": "user1", "permissions": flags}])]
    assert created.id == "team/managers" and created.outs == news


def test_create__managers_over_foreign_managers_fail_before_any_write() -> None:
    tenant = Tenant(managers={"team": {"u4": NO_FLAGS}})
    lifecycle = _managers(tenant)
    news = _m_inputs(_mgr("user1"))
    checked = lifecycle.check({}, news)
    assert [f.property for f in checked.failures] == ["managers"]
    assert "already has 1 manager(s)" in checked.failures[0].reason and "stranger" in checked.failures[0].reason
    with pytest.raises(InputError, match="stranger@example.com"):
        lifecycle.create(news)
    assert tenant.writes == [] and list(tenant.managers["team"]) == ["u4"]


def test_create__managers_with_adopt_take_the_list_over() -> None:
    tenant = Tenant(managers={"team": {"u4": NO_FLAGS}})
    lifecycle = _managers(tenant)
    news = _m_inputs(_mgr("user1"), adopt=True)
    assert lifecycle.check({}, news).failures == []
    lifecycle.create(news)
    assert tenant.writes == [("PATCH", "/audiences/team/managers", [{"reference": "user1", "permissions": NO_FLAGS}])]
    assert list(tenant.managers["team"]) == ["u1"]


def test_diff__managers_flags_compare_normalized_and_output_only_flags_never_differ() -> None:
    tenant = Tenant(managers={"team": {"u1": {**NO_FLAGS, "audienceManager": {"manageContent": True,
                                                                               "assignments": False}}}})
    lifecycle = _managers(tenant)
    declared = _m_inputs(_mgr("user1", audienceManager={"manageContent": True}))
    read = lifecycle.read("team/managers", declared)
    assert read.outs["managers"][0]["user"] == "user1"
    assert "manageMembers" not in read.outs["managers"][0]["permissions"]["audienceManager"]
    assert not lifecycle.diff("team/managers", read.outs, declared).changes
    flipped = _m_inputs(_mgr("user1", audienceManager={"manageContent": True, "assignments": True}))
    diffed = lifecycle.diff("team/managers", read.outs, flipped)
    # A manager list is a set by user: the one whose flags changed, at its position.
    assert diffed.changes and diffed.replaces == [] and diffed.detailed_diff == {"managers[0]": "update"}
    moved = lifecycle.diff("team/managers", read.outs, {**declared, "audience": "other"})
    assert moved.replaces == ["audience"]
    assert tenant.writes == []


def test_update__managers_patch_the_whole_list_with_the_new_flags() -> None:
    tenant = Tenant(managers={"team": {"u1": NO_FLAGS}})
    olds = _m_inputs(_mgr("user1"))
    news = _m_inputs(_mgr("user1", peopleManager={"insights": True}), _mgr("user2"))
    _managers(tenant).update("team/managers", olds, news)
    user1 = {**NO_FLAGS, "peopleManager": {"canViewLearnPage": False, "insights": True, "manage": False}}
    assert tenant.writes == [("PATCH", "/audiences/team/managers", [{"reference": "user1", "permissions": user1},
                                                                     {"reference": "user2", "permissions": NO_FLAGS}])]
    assert tenant.managers["team"] == {"u1": user1, "u2": NO_FLAGS}


def test_update__managers_to_an_empty_list_remove_each_current_manager() -> None:
    tenant = Tenant(managers={"team": {"u1": NO_FLAGS, "u2": NO_FLAGS}})
    _managers(tenant).update("team/managers", _m_inputs(_mgr("user1"), _mgr("user2")), _m_inputs())
    assert tenant.writes == [("DELETE", "/audiences/team/managers/u1", None),
                             ("DELETE", "/audiences/team/managers/u2", None)]
    assert tenant.managers["team"] == {}


def test_update__managers_partial_207_names_the_failed_users() -> None:
    tenant = Tenant(managers={"team": {"u1": NO_FLAGS}})
    with pytest.raises(PartialFailure, match="1 user\\(s\\) could not be set on 'team': ghost: User not found"):
        _managers(tenant).update("team/managers", _m_inputs(_mgr("user1")), _m_inputs(_mgr("user1"), _mgr("ghost")))
    assert [w[:2] for w in tenant.writes] == [("PATCH", "/audiences/team/managers")]
    assert list(tenant.managers["team"]) == ["u1"]


def test_delete__managers_remove_the_declared_ones_only() -> None:
    tenant = Tenant(managers={"team": {"u1": NO_FLAGS, "u4": NO_FLAGS}})  # u4 made a manager outside the stack
    _managers(tenant).delete("team/managers", _m_inputs(_mgr("user1")))
    assert tenant.writes == [("DELETE", "/audiences/team/managers/user1", None)]
    assert list(tenant.managers["team"]) == ["u4"]


# -- parents, kept on the client ---------------------------------------------------------------------------
def test_check__a_parent_not_found_is_not_kept_and_one_created_here_needs_no_read() -> None:
    tenant = Tenant()
    cfg = _config(tenant)
    audiences, structures = AudienceLifecycle(cfg), StructureLifecycle(cfg)
    news = {"name": "Team", "reference": "team", "parent": "root", "adopt": False}
    assert [f.property for f in audiences.check({}, news).failures] == ["parent"]
    # Made meanwhile by someone else (another process, a person): the next check of the same client reads again.
    tenant.audiences["s1"] = {"id": "s1", "name": "Root", "reference": "root", "category": "structure",
                              "apiControlled": True}
    assert audiences.check({}, news).failures == []
    assert audiences.check({}, {**news, "reference": "team2"}).failures == []
    assert tenant.gets("/audiences/root") == 2  # the miss, then the find, kept
    # A structure this process creates is known to its children's checks without reading it back.
    created = structures.create(structures.check({}, {"name": "Top", "reference": "top", "adopt": False}).inputs)
    assert audiences.check({}, {**news, "reference": "team3", "parent": created.id}).failures == []
    assert audiences.check({}, {**news, "reference": "team4", "parent": "top"}).failures == []
    assert tenant.gets(f"/audiences/{created.id}") == 0 and tenant.gets("/audiences/top") == 0


def test_check__a_found_parent_is_read_once_per_client() -> None:
    tenant = Tenant(audiences={"s1": {"id": "s1", "name": "Root", "reference": "root", "category": "structure",
                                      "apiControlled": True}})
    audiences = AudienceLifecycle(_config(tenant))
    for ref in ("a", "b", "c"):
        assert audiences.check({}, {"name": ref, "reference": ref, "parent": "root", "adopt": False}).failures == []
    assert tenant.gets("/audiences/root") == 1 and tenant.writes == []


# -- shapes and layers --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("resource_class", "state"), [
    (resource.Structure, StructureState), (resource.Audience, AudienceState),
    (resource.AudienceMembers, AudienceMembersState), (resource.AudienceManagers, AudienceManagersState)])
def test_resource__output_annotations_are_the_state_fields(resource_class: type, state: type[BaseModel]) -> None:
    annotations = {k: v for k, v in vars(resource_class).get("__annotations__", {}).items() if k != "provider_class"}
    assert set(annotations) == set(state.model_fields)
    # Evaluated, not strings: the SDK resolves them on every registration (see resource.py).
    assert all(typing.get_origin(a) is pulumi.Output for a in annotations.values()), annotations


def test_create__structure_outputs_are_exactly_the_state_fields() -> None:
    tenant = Tenant()
    lifecycle = StructureLifecycle(_config(tenant))
    created = lifecycle.create({"name": "Root", "reference": "root", "adopt": False})
    assert set(created.outs) == set(StructureState.model_fields)
    assert created.outs["thrive_id"] == created.id and created.outs["category"] == "structure"
    assert tenant.writes == [("POST", "/audiences", {"name": "Root", "reference": "root", "category": "structure"})]


def test_lifecycle__the_resource_classes_serve_these_lifecycles() -> None:
    pairs: list[tuple[type[DynamicProvider], type[Lifecycle[Any, Any]]]] = [
        (resource.StructureProvider, StructureLifecycle), (resource.AudienceProvider, AudienceLifecycle),
        (resource.AudienceMembersProvider, AudienceMembersLifecycle),
        (resource.AudienceManagersProvider, AudienceManagersLifecycle)]
    for provider, lifecycle in pairs:
        assert provider.lifecycle is lifecycle
        assert provider.resource_label == lifecycle.resource_label


THRIVE = Path(__file__).resolve().parents[2] / "providers" / "thrive"
PULUMI_FREE = ["client", "config", "members", "models", "structure"]


def _imports(path: Path) -> tuple[set[str], set[Path]]:
    """Absolute module names ``path`` imports, and the files of this package it imports relatively."""
    tree = ast.parse(path.read_text())
    absolute = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    local: set[Path] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        if not node.level:
            absolute.add(node.module or "")
            continue
        base = path.parent
        for _ in range(node.level - 1):
            base = base.parent
        targets = [node.module] if node.module else []
        targets += [f"{node.module}.{a.name}" if node.module else a.name for a in node.names]
        for target in targets:
            stem = base.joinpath(*target.split("."))
            local |= {f for f in (stem.with_suffix(".py"), stem / "__init__.py") if f.is_file()}
    return absolute, local


@pytest.mark.parametrize("module", PULUMI_FREE)
def test_layers__thrive_lifecycle_modules_import_no_pulumi_even_indirectly(module: str) -> None:
    pending, seen = [THRIVE / f"{module}.py"], set()
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        absolute, local = _imports(path)
        assert not {n for n in absolute if n.split(".")[0] == "pulumi"}, path
        assert path.name != "resource.py" and path.name != "dynamic.py", f"{module} reaches {path}"
        pending.extend(local - {path.parent / "__init__.py"})  # a package's __init__ is not what it imports
    assert len(seen) > 1 or module == "models"


# -- import by the audience's id: every current member / manager becomes an input -----------------------------
@pytest.mark.parametrize("import_id", ["team", "team/members"])
def test_import__members_are_every_current_member_and_the_program_diffs_clean(import_id: str) -> None:
    tenant = Tenant(members={"team": ["u4", "u2", "u1"]})
    lifecycle = _members(tenant)
    read = lifecycle.read(import_id, {})
    assert read.id == "team/members"
    # Each member by email (as `read` names drift), sorted: the generated code is the same on every run.
    assert read.inputs == _recorded(_inputs(["stranger@example.com", "user1@example.com", "user2@example.com"]))
    assert read.outs["member_count"] == 3 and read.outs["added"] is None
    checked = lifecycle.check(read.inputs, dict(read.inputs))
    assert checked.failures == []  # no foreign member left: they are all declared now
    assert not lifecycle.diff(import_id, read.outs, checked.inputs).changes
    refreshed = lifecycle.read(import_id, read.outs)
    assert refreshed.inputs == read.inputs
    assert tenant.writes == []


def test_import__members_then_destroy_removes_the_imported_members() -> None:
    # Imported = taken over: destroy removes the members the import declared, as for a created list.
    tenant = Tenant(members={"team": ["u1", "u4"]})
    lifecycle = _members(tenant)
    read = lifecycle.read("team", {})
    lifecycle.delete("team", read.outs)
    assert tenant.members["team"] == []


def test_import__members_of_a_missing_audience_is_gone() -> None:
    assert _members(Tenant()).read("nope", {}).id is None


@pytest.mark.parametrize("import_id", ["team", "team/managers"])
def test_import__managers_are_every_current_manager_with_settable_flags_and_diff_clean(import_id: str) -> None:
    flags = {**NO_FLAGS, "audienceManager": {"manageContent": True, "assignments": False}}
    tenant = Tenant(managers={"team": {"u4": NO_FLAGS, "u1": flags}})
    lifecycle = _managers(tenant)
    read = lifecycle.read(import_id, {})
    assert read.id == "team/managers" and read.inputs is not None
    assert read.inputs == _recorded(_m_inputs({"user": "stranger@example.com", "permissions": NO_FLAGS},
                                              {"user": "user1@example.com", "permissions": flags}))
    checked = lifecycle.check(read.inputs, dict(read.inputs))
    assert checked.failures == []
    assert not lifecycle.diff(import_id, read.outs, checked.inputs).changes
    assert lifecycle.read(import_id, read.outs).inputs == read.inputs
    assert tenant.writes == []


def test_get__members_by_id_read_every_member_without_writing() -> None:
    tenant = Tenant(members={"team": ["u1"]})
    nothing = {"audience": None, "members": None, "membership": None, "adopt": None, "member_count": None,
               "added": None}
    read = _members(tenant).read("team/members", nothing)
    assert read.outs["members"] == ["user1@example.com"] and tenant.writes == []


def test_diff__a_structures_all_false_administrator_group_is_no_change() -> None:
    # Thrive reads a structure's managers back with an administrator group, all false unless set.
    admin_off = {**NO_FLAGS, "administrator": {"canAddAudienceManagers": False}}
    lifecycle = _managers(Tenant())
    assert not lifecycle.diff("s/managers", _m_inputs(_mgr("user1", **admin_off)), _m_inputs(_mgr("user1"))).changes
    admin_on = {**NO_FLAGS, "administrator": {"canAddAudienceManagers": True}}
    assert lifecycle.diff("s/managers", _m_inputs(_mgr("user1", **admin_on)), _m_inputs(_mgr("user1"))).changes
