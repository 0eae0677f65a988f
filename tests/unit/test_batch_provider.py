"""Batch provider logic without a network: check, diff, member planning, pickling, create via MockTransport."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dill
import httpx
import pytest
from pulumi.dynamic.dynamic import serialize_provider

from audience_providers._core import siblings
from audience_providers._core.config import ConfigSource
from audience_providers._core.errors import ApiError, ConfigurationError
from audience_providers._core.lifecycle import UNKNOWN
from audience_providers.batch import config
from audience_providers.batch.audience import AudienceLifecycle, AudienceState
from audience_providers.batch.members import Members, digest_of
from audience_providers.batch.resource import Audience, AudienceProvider
from audience_providers.batch.snapshots import SnapshotStore, plan_changes

SETTINGS = {"batch:apiKey": "unit-key-123456", "batch:projectKey": "p", "batch:baseUrl": "https://batch.test/2.8",
            "batch:indexingTimeout": "5", "batch:retryDeadline": "2"}


def _mock(handler: Callable[[httpx.Request], httpx.Response]) -> AudienceLifecycle:
    """The lifecycle with its own client on ``handler`` (the public seam: a config given to the constructor)."""
    return AudienceLifecycle(config.load(ConfigSource(SETTINGS, {}), transport=httpx.MockTransport(handler)))


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BATCH_API_KEY", "unit-key-123456")
    monkeypatch.setenv("BATCH_PROJECT_KEY", "project_unit")
    monkeypatch.setenv("BATCH_SNAPSHOT_DIR", str(tmp_path / "snap"))


def test_check__invalid_name_names_resource_and_field() -> None:
    result = AudienceLifecycle().check({}, {"name": "bad name!", "membership": "authoritative"})
    assert [f.property for f in result.failures] == ["name"]
    assert "batch:Audience" in result.failures[0].reason and "pattern" in result.failures[0].reason


def test_check__too_long_name_and_unknown_field_are_rejected() -> None:
    result = AudienceLifecycle().check({}, {"name": "a" * 256, "colour": "red"})
    assert sorted(f.property for f in result.failures) == ["colour", "name"]


def test_check__unknown_values_during_preview_are_not_failures() -> None:
    result = AudienceLifecycle().check({}, {"name": UNKNOWN, "display_name": "x"})
    assert result.failures == []
    assert result.inputs["name"] == UNKNOWN


def test_check__missing_credentials_name_the_config_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BATCH_API_KEY")
    with pytest.raises(ConfigurationError) as info:
        config.load(ConfigSource(None))
    assert "batch:apiKey" in str(info.value) and "pulumi config set --secret batch:apiKey" in str(info.value)


def test_diff__name_change_replaces_create_first_display_name_deletes_first() -> None:
    p = AudienceLifecycle()
    olds = {"name": "a", "display_name": "A", "membership": "authoritative", "members": None}
    by_name = p.diff("a", olds, {**olds, "name": "b"})
    assert by_name.replaces == ["name"] and not by_name.delete_before_replace
    by_display = p.diff("a", olds, {**olds, "display_name": "B"})
    assert by_display.replaces == ["display_name"] and by_display.delete_before_replace


def test_diff__server_fields_never_cause_changes() -> None:
    olds = {"name": "a", "display_name": None, "membership": "authoritative", "members": None,
            "nb_ids": 7, "indexing_state": "APPLIED"}
    news = {"name": "a", "display_name": None, "membership": "authoritative", "members": None}
    assert AudienceLifecycle().diff("a", olds, news).changes is False


def test_diff__members_compared_by_digest_only() -> None:
    spec = Members.of(["u1", "u2"]).spec()
    olds = {"name": "a", "membership": "authoritative", "members": {**spec, "inline": None}}
    assert AudienceLifecycle().diff("a", olds, {"name": "a", "membership": "authoritative",
                                                "members": spec}).changes is False
    other = Members.of(["u1", "u3"]).spec()
    result = AudienceLifecycle().diff("a", olds, {"name": "a", "membership": "authoritative", "members": other})
    assert result.changes and result.replaces == []


def test_plan_changes__authoritative_removes_additive_does_not() -> None:
    old = {"a": None, "b": None, "c": {"x": 1}}
    new = {"b": None, "c": {"x": 2}, "d": None}
    auth = plan_changes(old, new, additive=False)
    assert {"action": "remove", "id": "a"} in auth
    assert {"action": "add", "id": "c", "attributes": {"x": 2}} in auth
    assert {"action": "add", "id": "d"} in auth and len(auth) == 3
    assert all(a["action"] == "add" for a in plan_changes(old, new, additive=True))


def test_snapshot_store__round_trip_and_corruption_is_a_miss(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    members = {"a": None, "b": {"k": "v"}}
    digest = store.save(members)
    assert digest == digest_of(members) and store.load(digest) == members
    next(tmp_path.iterdir()).write_bytes(b"not gzip")
    assert store.load(digest) is None


def test_pickle__provider_is_a_reference_without_secrets() -> None:
    provider = AudienceProvider(AudienceLifecycle(config.load(ConfigSource(None))))  # configured: pickles empty
    blob = serialize_provider(provider)
    raw = base64.b64decode(blob)
    assert len(raw) < 200 and b"unit-key-123456" not in raw
    assert type(dill.loads(raw)) is AudienceProvider


def test_create__lost_response_is_adopted_not_duplicated() -> None:
    audiences: dict[str, dict[str, Any]] = {}
    creates = []

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/audiences/create"):
            body = json.loads(request.content)
            creates.append(body["name"])
            if body["name"] in audiences:
                return httpx.Response(400, json={"error_code": "AUDIENCE_ALREADY_EXISTS", "error_message": "exists"})
            audiences[body["name"]] = {"name": body["name"], "nb_ids": 0, "indexing_state": "APPLIED"}
            raise httpx.ReadError("connection reset after commit")
        if path.endswith("/audiences/view"):
            name = request.url.params["name"]
            if name not in audiences:
                return httpx.Response(404, json={"error_code": "AUDIENCE_NOT_FOUND", "error_message": "no"})
            return httpx.Response(200, json=audiences[name])
        return httpx.Response(500, json={})

    provider = _mock(handler)
    result = provider.create({"name": "vip", "membership": "authoritative"})
    assert result.id == "vip" and creates == ["vip"] and list(audiences) == ["vip"]


def _fake_batch(audiences: dict[str, dict[str, Any]], writes: list[str]) -> AudienceLifecycle:
    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "POST":
            writes.append(path.rsplit("/", 1)[-1])
        if path.endswith("/audiences/create"):
            name = json.loads(request.content)["name"]
            if name in audiences:
                return httpx.Response(400, json={"error_code": "AUDIENCE_ALREADY_EXISTS", "error_message": "exists"})
            audiences[name] = {"name": name, "nb_ids": 0, "indexing_state": "APPLIED"}
            return httpx.Response(202, json={"indexing_token": "t1"})
        if path.endswith(("/audiences/update", "/audiences/replace")):
            body = json.loads(request.content)
            audiences[body["name"]]["nb_ids"] = len(body["ids"])
            return httpx.Response(202, json={"indexing_token": "t2"})
        if path.endswith("/audiences/view"):
            name = request.url.params["name"]
            if name not in audiences:
                return httpx.Response(404, json={"error_code": "AUDIENCE_NOT_FOUND", "error_message": "no"})
            return httpx.Response(200, json=audiences[name])
        if path.endswith("/audiences/list"):
            return httpx.Response(200, json={"audiences": list(audiences.values()), "has_more": False})
        return httpx.Response(500, json={})

    return _mock(handler)


def test_check__taken_name_fails_at_preview_naming_it_and_the_way_out() -> None:
    provider = _fake_batch({"legacy": {"name": "legacy", "nb_ids": 2, "display_name": "Old"}}, [])
    result = provider.check({}, {"name": "legacy", "membership": "authoritative"})
    (failure,) = result.failures
    assert failure.property == "name" and "'legacy' is already taken in Batch" in failure.reason
    assert "2 ids" in failure.reason and "adopt=True" in failure.reason
    assert "audience_providers.recover" in failure.reason


def test_check__taken_name_is_fine_when_adopting_or_already_held() -> None:
    provider = _fake_batch({"legacy": {"name": "legacy", "nb_ids": 2}}, [])
    assert provider.check({}, {"name": "legacy", "adopt": True}).failures == []
    siblings.DECLARED.clear()  # another deployment (a provider process serves one)
    held = {"name": "legacy", "membership": "authoritative"}
    assert provider.check(held, dict(held)).failures == []
    # The engine re-checks a replacement without olds: the key it saw held stays held in this process.
    assert provider.check({}, dict(held)).failures == []


def test_create__existing_name_without_a_lost_attempt_is_refused_not_adopted() -> None:
    audiences = {"raced": {"name": "raced", "nb_ids": 1}}
    writes: list[str] = []
    provider = _fake_batch(audiences, writes)
    with pytest.raises(ApiError) as info:
        provider.create({"name": "raced", "membership": "authoritative"})
    assert "this stack did not create" in str(info.value) and "adopt=True" in str(info.value)
    assert writes == ["create"] and audiences["raced"]["nb_ids"] == 1


def test_resource__output_annotations_and_placeholders_are_the_state_fields() -> None:
    annotated = [name for name in Audience.__annotations__ if name != "provider_class"]
    assert annotated == list(AudienceState.model_fields)
    assert AudienceProvider.lifecycle.state_model is AudienceState


def test_create__outputs_are_exactly_the_state_fields() -> None:
    audiences: dict[str, dict[str, Any]] = {}
    _, outs = _fake_batch(audiences, []).create_resource(
        AudienceLifecycle.args_model.model_validate({"name": "vip", "members": Members.of(["u1"]).spec()}))
    assert list(outs) == list(AudienceState.model_fields)
    assert AudienceState.model_validate(outs).model_dump(mode="json") == outs
    assert outs["members"]["inline"] == ["u1"] and outs["adopted"] is False  # no nulls, a plain id as a string


def test_create__large_inline_lists_keep_only_digest_and_count_in_state() -> None:
    spec = Members.of([f"u{i}" for i in range(101)]).spec()
    outs = _fake_batch({}, []).create({"name": "big", "members": spec}).outs
    assert outs["members"] == {"digest": spec["digest"], "count": 101}


def test_check__audiences_are_listed_once_per_client_until_forgotten() -> None:
    lists: list[str] = []
    audiences = {"taken_1": {"name": "taken_1", "nb_ids": 2}}

    def handler(request: httpx.Request) -> httpx.Response:
        lists.append(request.url.path)
        return httpx.Response(200, json={"audiences": list(audiences.values()), "has_more": False})

    lifecycle = _mock(handler)
    for name in ("a1", "a2", "taken_1"):
        lifecycle.check({}, {"name": name, "membership": "authoritative"})
    assert lists == ["/2.8/audiences/list"]
    _mock(handler).check({}, {"name": "a3", "membership": "authoritative"})  # another client: its own listing
    assert len(lists) == 2
    lifecycle.config.client.forget("audiences")
    siblings.DECLARED.clear()  # another deployment: taken_1 is not declared twice
    assert [f.property for f in lifecycle.check({}, {"name": "taken_1"}).failures] == ["name"]
    assert len(lists) == 3


def test_delete__adopted_additive_audience_is_left_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    audiences = {"shared": {"name": "shared", "nb_ids": 5}}
    writes: list[str] = []
    with caplog.at_level("WARNING", logger="audience_providers.progress"):
        _fake_batch(audiences, writes).delete("shared", {"name": "shared", "membership": "additive",
                                                         "adopted": True})
    assert writes == [] and "shared" in audiences
    assert "batch:Audience 'shared' was adopted with additive membership" in caplog.text
    assert "left in Batch with all its ids" in caplog.text


class _QueueingBatch:
    """A Batch whose create settles only once its token is viewed; ``early`` is how it takes a write before that.

    "queue": applied in order behind the create (what the emulator does); "refuse": 400 audience not found;
    "lose": accepted with a token, then undone when the create settles (a Batch that does not queue).
    """

    def __init__(self, early: str) -> None:
        self.early = early
        self.log: list[str] = []
        self.members: set[str] = set()
        self.created = False
        self.settled = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        route = request.url.path.rsplit("/", 1)[-1]
        token = request.url.params.get("indexing_token", "")
        self.log.append(f"{route}:{token}" if route == "view" else route)
        if route == "create":
            self.created = True
            return httpx.Response(202, json={"indexing_token": "t-create"})
        if route in ("update", "replace"):
            body = json.loads(request.content)
            if not self.settled and self.early == "refuse":
                return httpx.Response(400, json={"error_code": "AUDIENCE_NOT_FOUND", "error_message": "not found"})
            if route == "replace":
                self.members = set()
            for item in body["ids"]:
                (self.members.discard if item.get("action") == "remove" else self.members.add)(item["id"])
            if not self.settled and self.early == "lose":
                self.members = set()  # the create, applied after, leaves the audience empty
            return httpx.Response(202, json={"indexing_token": f"t-{route}-{len(self.log)}"})
        if route == "view":
            if token == "t-create":
                self.settled = True
            return httpx.Response(200, json={"name": "vip", "nb_ids": len(self.members), "indexing_state": "APPLIED"})
        return httpx.Response(500, json={})


def _create_with_members(fake: _QueueingBatch, ids: list[str]) -> dict[str, Any]:
    args = AudienceLifecycle.args_model.model_validate({"name": "vip", "members": Members.of(ids).spec()})
    return _mock(fake).create_resource(args)[1]


def test_create__members_are_sent_behind_the_create_without_awaiting_it() -> None:
    fake = _QueueingBatch("queue")
    outs = _create_with_members(fake, ["u1", "u2", "u3"])
    # One view: the membership write's token; the create's indexing and a final view are not waited for.
    assert fake.log == ["create", "update", "view:t-update-2"]
    assert outs["nb_ids"] == 3 and fake.members == {"u1", "u2", "u3"}


def test_create__members_refused_before_the_create_settles_are_sent_again_after_it() -> None:
    fake = _QueueingBatch("refuse")
    outs = _create_with_members(fake, ["u1", "u2"])
    assert fake.log == ["create", "update", "view:t-create", "update", "view:t-update-4"]
    assert outs["nb_ids"] == 2 and fake.members == {"u1", "u2"}


def test_create__members_lost_behind_the_create_are_sent_again_after_it() -> None:
    fake = _QueueingBatch("lose")
    outs = _create_with_members(fake, ["u1", "u2"])
    assert fake.log == ["create", "update", "view:t-update-2", "view:t-create", "update", "view:t-update-5"]
    assert outs["nb_ids"] == 2 and fake.members == {"u1", "u2"}


def test_create__without_members_awaits_the_create_and_reads_nothing_more() -> None:
    fake = _QueueingBatch("queue")
    args = AudienceLifecycle.args_model.model_validate({"name": "vip"})
    _, outs = _mock(fake).create_resource(args)
    assert fake.log == ["create", "view:t-create"] and outs["nb_ids"] == 0
