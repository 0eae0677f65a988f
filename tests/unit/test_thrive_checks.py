"""Thrive preview-time checks (parents, users) and the 207 answer for users that vanish between check and write."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
import pytest

from audience_providers._core.config import ConfigSource
from audience_providers._core.lifecycle import Lifecycle
from audience_providers.thrive import config
from audience_providers.thrive.config import ThriveConfig
from audience_providers.thrive.members import AudienceMembersLifecycle, PartialFailure
from audience_providers.thrive.structure import AudienceLifecycle

USERS = [{"id": "u1", "ref": "user1", "email": "user1@example.com"},
         {"id": "u2", "ref": "user2", "email": "user2@example.com"}]


LifecycleT = TypeVar("LifecycleT", bound=Lifecycle[Any, ThriveConfig])


def _provider(cls: type[LifecycleT], handler: Callable[[httpx.Request], httpx.Response],
              seen: list[str]) -> LifecycleT:
    def record(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        return handler(request)

    source = ConfigSource({"thrive:tenantId": "t1", "thrive:apiSecret": "s", "thrive:retryDeadline": "1",
                           "thrive:baseUrl": "https://thrive.test/rest/v1"}, environ={})
    return cls(config.load(source, transport=httpx.MockTransport(record)))


def _tenant(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path == "/rest/v1/users":
        return httpx.Response(200, json={"results": USERS})
    if path == "/rest/v1/audiences" and request.method == "GET":
        return httpx.Response(200, json={"results": []})  # the ownership listing: no reference is taken
    if path.endswith("/members") and request.method == "GET":
        return httpx.Response(200, json={"results": []})
    if path == "/rest/v1/audiences/ui-struct":
        return httpx.Response(200, json={"id": "s1", "name": "UI", "reference": "ui-struct", "category": "structure",
                                         "apiControlled": False})
    if path == "/rest/v1/audiences/child":
        return httpx.Response(200, json={"id": "c1", "name": "C", "reference": "child", "category": "audience",
                                         "apiControlled": True})
    return httpx.Response(404, json={"error": "Not Found", "message": "Audience not found"})


def test_check__members_that_do_not_exist_fail_and_users_are_listed_once() -> None:
    seen: list[str] = []
    provider = _provider(AudienceMembersLifecycle, _tenant, seen)
    news = {"audience": "team", "members": ["user1", "ghost@example.com", "USER2@Example.com"],
            "membership": "additive", "adopt": False}
    result = provider.check({}, news)
    assert [f.property for f in result.failures] == ["members"]
    assert "1 user(s) in members do not exist in Thrive: ghost@example.com." in result.failures[0].reason
    assert provider.check({}, {**news, "members": ["u1", "user2"]}).failures == []
    assert seen.count("GET /rest/v1/users") == 1


def test_check__members_already_in_the_state_are_not_looked_up() -> None:
    seen: list[str] = []
    provider = _provider(AudienceMembersLifecycle, _tenant, seen)
    olds = {"audience": "team", "members": ["ghost-kept"], "membership": "additive", "adopt": False}
    assert provider.check(olds, dict(olds)).failures == []
    assert "GET /rest/v1/users" not in seen


@pytest.mark.parametrize(("parent", "says"), [
    ("ui-struct", "was made in the Thrive UI (apiControlled=false)"),
    ("child", "is a child audience (c1), not a structure"),
    ("nowhere", "Thrive has no structure with this id or reference"),
])
def test_check__audience_parent_is_read_at_preview(parent: str, says: str) -> None:
    seen: list[str] = []
    provider = _provider(AudienceLifecycle, _tenant, seen)
    result = provider.check({}, {"name": "A", "reference": f"a-{parent}", "parent": parent, "adopt": False})
    assert [f.property for f in result.failures] == ["parent"] and says in result.failures[0].reason
    assert all(s.startswith("GET ") for s in seen)


def test_create__a_user_gone_between_check_and_write_is_named_by_the_207() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            users = json.loads(request.content)
            return httpx.Response(207, json={"success": {"count": 1, "entities": [{"reference": users[0]}]},
                                             "failure": {"count": 1, "entities": [
                                                 {"reference": users[1], "reason": "User not found"}]}})
        return _tenant(request)

    provider = _provider(AudienceMembersLifecycle, handler, [])
    with pytest.raises(PartialFailure, match="could not be added .*user2: User not found"):
        provider.create(provider.check({}, {"audience": "team", "members": ["user1", "user2"],
                                            "membership": "additive", "adopt": False}).inputs)
