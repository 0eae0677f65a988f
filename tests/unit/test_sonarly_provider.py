"""Sonarly provider logic without a network: envelope errors, lost-create reconcile, not-ready waits, diff, check."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import dill
import httpx
import pytest
from pulumi.dynamic.dynamic import serialize_provider

from audience_providers._core.config import ConfigSource
from audience_providers._core.errors import (
    ConfigurationError,
    Conflict,
    Forbidden,
    NotFound,
    ProviderError,
    Unauthorized,
    WaitTimeout,
)
from audience_providers._core.http import ClientSettings
from audience_providers._core.reconcile import AmbiguousCreate, Snapshot, pick_created
from audience_providers._core.retry import RetryPolicy
from audience_providers.sonarly import config
from audience_providers.sonarly.audience import AudienceLifecycle
from audience_providers.sonarly.client import Client
from audience_providers.sonarly.config import SonarlyConfig
from audience_providers.sonarly.folder import AudienceFolderLifecycle
from audience_providers.sonarly.models import AudienceObject
from audience_providers.sonarly.resource import AudienceProvider

KEY = "sk_live_unit_canary_0123456789"
GROUP = "ag_unit"
Handler = Callable[[httpx.Request], httpx.Response]


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def ok(data: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json={"success": True, "data": data, "error": None, "traceId": "t" * 24},
                          headers={"Date": format_datetime(datetime.now(timezone.utc), usegmt=True)})


def fail(status: int, code: str, message: str, details: str | None = None, trace: str = "f00dfeed" * 3
         ) -> httpx.Response:
    return httpx.Response(status, json={"success": False, "data": None, "traceId": trace,
                                        "error": {"code": code, "message": message, "details": details}})


class FakeSonarly:
    """Just enough of the API for the provider's calls; tests override single routes through ``on``."""

    def __init__(self) -> None:
        self.audiences: dict[str, dict[str, Any]] = {}
        self.hidden: set[str] = set()  # not ready: excluded from lists, as documented
        self.calls: list[tuple[str, str]] = []
        self.on: dict[tuple[str, str], Callable[[httpx.Request], httpx.Response | None]] = {}
        self._n = 0
        # Prospecting: members per audience (public identifiers), jobs, and how many status polls a job runs.
        self.members: dict[str, list[str]] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        self.job_polls = 2
        self.job_outcome = "completed"

    def add(self, name: str, type_: str = "on_demand", description: str | None = None, *,
            created: datetime | None = None, folder_id: str | None = None) -> dict[str, Any]:
        self._n += 1
        aud: dict[str, Any] = {"id": f"{self._n:024x}", "name": name, "type": type_, "description": description,
               "folderId": folder_id, "prospectCount": 0,
               "createdAt": _iso(created or datetime.now(timezone.utc))}
        self.audiences[aud["id"]] = aud
        return aud

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/v1")
        parts = path.strip("/").split("/")
        route = "/".join(p if i != 3 or p in ("navigation", "folders") else "{id}" for i, p in enumerate(parts))
        self.calls.append((request.method, route))
        override = self.on.get((request.method, route))
        if override is not None:
            resp = override(request)
            if resp is not None:
                return resp
        if route == "accounts":
            return ok({"items": [{"id": GROUP, "name": "Unit"}], "nextCursor": None, "hasMore": False})
        if route == f"accounts/{GROUP}/audiences" and request.method == "GET":
            items = [a for i, a in self.audiences.items() if i not in self.hidden]
            return ok({"items": items, "nextCursor": None, "hasMore": False})
        if route == f"accounts/{GROUP}/audiences" and request.method == "POST":
            body = json.loads(request.content)
            return ok(self.add(body["name"], body["type"], body.get("description")), 201)
        if route == f"accounts/{GROUP}/prospecting" and request.method == "POST":
            return self._start(request)
        if route == f"accounts/{GROUP}/prospecting" and request.method == "GET":
            wanted = request.url.params.get("status")
            items = [{"jobId": j["id"], "status": j["status"]} for j in self.jobs.values()
                     if wanted in (None, j["status"])]
            return ok({"items": items, "nextCursor": None, "hasMore": False})
        if route == f"accounts/{GROUP}/prospecting/{{id}}" and request.method == "GET":
            job = self.jobs[parts[3]]
            if job["status"] == "running":
                job["polls"] -= 1
                if job["polls"] <= 0:
                    job["status"] = self.job_outcome
                    if job["status"] == "completed":
                        have = self.members.setdefault(job["audience"], [])
                        have.extend(p for p in job["profiles"] if p not in have)
            return ok({"jobId": job["id"], "type": "prospecting", "status": job["status"], "stages": {},
                       "error": {"code": "X", "message": "import failed"} if job["status"] == "failed" else None})
        if route.startswith(f"accounts/{GROUP}/audiences/{{id}}") and self._busy(parts[3]):
            return fail(409, "AUDIENCE_NOT_READY", "Audience is still being populated by an active prospecting job")
        if route == f"accounts/{GROUP}/audiences/{{id}}/prospects":
            members = self.members.get(parts[3], [])
            return ok({"items": [{"id": f"p{i}", "publicIdentifier": m,
                                  "linkedinUrl": f"https://www.linkedin.com/in/{m}"} for i, m in enumerate(members)],
                       "nextCursor": None, "hasMore": False})
        if route == f"accounts/{GROUP}/audiences/{{id}}":
            aud = self.audiences.get(parts[3])
            if aud is None:
                return fail(404, "NOT_FOUND", f"Audience {parts[3]} not found")
            aud["prospectCount"] = len(self.members.get(aud["id"], []))
            if request.method == "DELETE":
                del self.audiences[aud["id"]]
                return ok({"deleted": True})
            if request.method == "PATCH":
                aud.update(json.loads(request.content))
            return ok(aud)
        return fail(404, "NOT_FOUND", f"No route for {request.method} {path}")

    def _busy(self, audience_id: str) -> bool:
        return any(j["audience"] == audience_id and j["status"] == "running" for j in self.jobs.values())

    def _start(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        key = request.headers.get("Idempotency-Key")
        for job in self.jobs.values():
            if key and job["key"] == key:
                return ok({"jobId": job["id"], "status": job["status"]}, 200 if job["status"] == "completed" else 202)
        if self._busy(body["audienceId"]):
            return fail(409, "AUDIENCE_NOT_READY", "busy")
        job_id = f"job{len(self.jobs) + 1}"
        self.jobs[job_id] = {"id": job_id, "key": key, "audience": body["audienceId"], "status": "running",
                             "polls": self.job_polls, "urls": body["urls"],
                             "profiles": [u.rstrip("/").rsplit("/", 1)[1].lower() for u in body["urls"]]}
        return ok({"jobId": job_id, "status": "queued"}, 202)


def provider_for(handler: Handler,
                 cls: type[AudienceLifecycle] | type[AudienceFolderLifecycle] = AudienceLifecycle,
                 timeout: float = 2.0, group: str | None = GROUP) -> Any:
    """A lifecycle around a mock Sonarly: fast retries and polls (the config's own constructor, not ``load``)."""
    settings = ClientSettings(base_url="https://sonarly.test/v1", transport=httpx.MockTransport(handler),
                              retry=RetryPolicy(deadline=2, base_delay=0.001, max_delay=0.01))
    return cls(SonarlyConfig(Client(settings, api_key=KEY), group, timeout, poll_interval=0.01))


ARGS = {"name": "Founders", "type": "on_demand"}


# -- envelope errors -------------------------------------------------------------------------------------
def test_error__envelope_maps_to_forbidden_with_vendor_operation_code_message_trace_and_permission_hint() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return fail(403, "FORBIDDEN", "This API key lacks the audiences:write permission",
                    "requiredPermission: audiences:write", trace="507f1f77bcf86cd799439011")

    client = provider_for(handler).config.client
    with pytest.raises(Forbidden) as info:
        client.create_audience(GROUP, "x", "on_demand", None)
    exc = info.value
    assert (exc.vendor, exc.operation, exc.status, exc.code) == ("Sonarly", "create audience", 403, "FORBIDDEN")
    assert exc.request_id == "507f1f77bcf86cd799439011"
    assert "lacks the audiences:write permission" in exc.vendor_message
    text = str(exc)
    assert text.startswith("Sonarly create audience failed: HTTP 403 [FORBIDDEN]")
    assert "(request id 507f1f77bcf86cd799439011)" in text and "`audiences:write`" in text


def test_error__403_without_details_names_the_permission_of_the_operation() -> None:
    client = provider_for(lambda r: fail(403, "FORBIDDEN", "Missing required permission")).config.client
    with pytest.raises(Forbidden) as info:
        client.delete_audience(GROUP, "a1")
    assert "`audiences:write`" in str(info.value)
    with pytest.raises(Forbidden) as info:
        client.get_audience(GROUP, "a1")
    assert "`audiences:read`" in str(info.value)


def test_error__401_names_sonarly_api_key_and_never_echoes_it() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return fail(401, "UNAUTHORIZED", f"Invalid API key {KEY}")

    with pytest.raises(Unauthorized) as info:
        provider_for(handler).config.client.list_accounts()
    assert "sonarly:apiKey" in str(info.value) and KEY not in str(info.value)
    assert info.value.operation == "list account groups"


def test_error__not_ready_is_a_conflict_with_the_documented_code_and_job_details() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return fail(409, "AUDIENCE_NOT_READY", "Audience is still being populated", "jobId: j1")

    with pytest.raises(Conflict) as info:
        provider_for(handler).config.client.delete_audience(GROUP, "a1")
    assert info.value.code == "AUDIENCE_NOT_READY" and "jobId: j1" in info.value.vendor_message


def test_error__body_that_is_not_an_envelope_keeps_the_text_and_header_trace() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="Bad gateway", headers={"X-Trace-Id": "abc123"})

    with pytest.raises(ProviderError) as info:
        provider_for(handler).config.client.create_audience(GROUP, "x", "on_demand", None)
    assert "Bad gateway" in str(info.value) and "abc123" in str(info.value)


# -- configuration ---------------------------------------------------------------------------------------
def test_config__missing_api_key_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SONARLY_API_KEY", raising=False)
    with pytest.raises(ConfigurationError) as info:
        config.load(ConfigSource({}))
    assert "pulumi config set --secret sonarly:apiKey" in str(info.value)


def test_config__account_group_discovered_when_the_key_has_exactly_one() -> None:
    fake = FakeSonarly()
    provider = provider_for(fake, group=None)
    assert provider.config.account_group() == GROUP
    assert provider.config.account_group() == GROUP
    assert fake.calls.count(("GET", "accounts")) == 1  # cached


def test_config__several_account_groups_fail_listing_them_and_the_command() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return ok({"items": [{"id": "ag_1", "name": "One"}, {"id": "ag_2", "name": "Two"}], "nextCursor": None,
                   "hasMore": False})

    with pytest.raises(ConfigurationError) as info:
        provider_for(handler, group=None).config.account_group()
    text = str(info.value)
    assert "ag_1 (One)" in text and "ag_2 (Two)" in text and "pulumi config set sonarly:accountGroupId" in text


def test_pickle__provider_is_a_reference_without_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SONARLY_API_KEY", KEY)
    provider = AudienceProvider(AudienceLifecycle(config.load(ConfigSource(None))))
    assert provider.impl.config.client is not None  # configured, with the key in memory
    raw = base64.b64decode(serialize_provider(provider))
    assert KEY.encode() not in raw and len(raw) < 200
    assert type(dill.loads(raw)) is AudienceProvider


# -- reconcile rule ---------------------------------------------------------------------------------------
def _lose_first_create(fake: FakeSonarly) -> list[int]:
    """The first create commits, then the connection drops before the answer."""
    creates = [0]

    def create(request: httpx.Request) -> httpx.Response | None:
        creates[0] += 1
        if creates[0] == 1:
            body = json.loads(request.content)
            fake.add(body["name"], body["type"], body.get("description"))
            raise httpx.ReadError("connection reset after commit")
        return None

    fake.on[("POST", f"accounts/{GROUP}/audiences")] = create
    return creates


def test_create__lost_response_adopts_the_new_audience_not_the_older_namesakes() -> None:
    fake = FakeSonarly()
    older = fake.add("Founders")  # listed before the create: never ours
    hidden = fake.add("Founders", created=datetime.now(timezone.utc) - timedelta(hours=1))
    fake.hidden.add(hidden["id"])  # being populated: missing from the pre-create list

    def reveal(request: httpx.Request) -> httpx.Response | None:
        if ("POST", f"accounts/{GROUP}/audiences") in fake.calls:
            fake.hidden.clear()  # its job finished: listed after the create, but created long before
        return None

    fake.on[("GET", f"accounts/{GROUP}/audiences")] = reveal
    creates = _lose_first_create(fake)
    result = provider_for(fake).create(dict(ARGS))
    assert creates == [1]  # never resent
    assert result.id not in (older["id"], hidden["id"]) and result.id in fake.audiences
    assert len(fake.audiences) == 3
    assert result.outs["account_group_id"] == GROUP and result.outs["type"] == "on_demand"


def test_create__lost_response_with_two_new_matches_fails_loudly_instead_of_guessing() -> None:
    fake = FakeSonarly()
    creates = _lose_first_create(fake)

    def twin(request: httpx.Request) -> httpx.Response | None:
        if ("POST", f"accounts/{GROUP}/audiences") in fake.calls and len(fake.audiences) == 1:
            fake.add("Founders")  # someone made an identical one at the same time
        return None

    fake.on[("GET", f"accounts/{GROUP}/audiences")] = twin
    with pytest.raises(AmbiguousCreate) as info:
        provider_for(fake).create(dict(ARGS))
    assert creates == [1] and len(fake.audiences) == 2
    assert all(i in str(info.value) for i in fake.audiences) and "adopt_id" in str(info.value)


def test_create__lost_response_that_never_committed_is_created_once() -> None:
    fake = FakeSonarly()
    sent = [0]

    def flaky(request: httpx.Request) -> httpx.Response | None:
        sent[0] += 1
        return fail(502, "UPSTREAM_ERROR", "Upstream service error") if sent[0] == 1 else None

    fake.on[("POST", f"accounts/{GROUP}/audiences")] = flaky
    result = provider_for(fake).create(dict(ARGS))
    assert sent == [2] and list(fake.audiences) == [result.id]


def test_create__an_identical_audience_with_other_description_is_not_adopted() -> None:
    fake = FakeSonarly()

    def create(request: httpx.Request) -> httpx.Response | None:
        if fake.calls.count(("POST", f"accounts/{GROUP}/audiences")) == 1:
            fake.add("Founders", description="someone else's")
            return fail(503, "SERVICE_UNAVAILABLE", "try later")
        return None

    fake.on[("POST", f"accounts/{GROUP}/audiences")] = create
    result = provider_for(fake).create(dict(ARGS))
    assert fake.audiences[result.id]["description"] is None and len(fake.audiences) == 2


def test_pick_created__sonarly_audiences_with_their_timestamps_follow_the_rule() -> None:
    # The rule itself: tests/unit/test_core_reconcile.py. Here: Sonarly's audience objects and timestamps fit it.
    now = datetime.now(timezone.utc).replace(microsecond=0)  # a Date header has whole seconds
    snap = Snapshot(frozenset({"old"}), now)

    def aud(id_: str, created: datetime | None) -> AudienceObject:
        return AudienceObject(id=id_, name="n", createdAt=_iso(created) if created else None)

    assert pick_created("l", "n", [aud("old", now + timedelta(seconds=5))], snap, vendor="Sonarly") is None
    assert pick_created("l", "n", [aud("early", now - timedelta(seconds=1))], snap, vendor="Sonarly") is None
    found = pick_created("l", "n", [aud("old", now), aud("new", now + timedelta(milliseconds=3))], snap,
                         vendor="Sonarly")
    assert found is not None and found.id == "new"
    with pytest.raises(AmbiguousCreate):
        pick_created("l", "n", [aud("n1", now), aud("n2", None)], snap, vendor="Sonarly")


# -- not-ready guard --------------------------------------------------------------------------------------
def _not_ready_for(fake: FakeSonarly, method: str, times: int) -> list[int]:
    seen = [0]

    def guard(request: httpx.Request) -> httpx.Response | None:
        seen[0] += 1
        if seen[0] <= times:
            return fail(409, "AUDIENCE_NOT_READY", "Audience is still being populated by an active prospecting job",
                        "jobId: 65f0")
        return None

    fake.on[(method, f"accounts/{GROUP}/audiences/{{id}}")] = guard
    return seen


def test_delete__not_ready_is_waited_out_then_deleted() -> None:
    fake = FakeSonarly()
    aud = fake.add("Founders")
    seen = _not_ready_for(fake, "DELETE", 3)
    provider_for(fake).delete(aud["id"], {**ARGS, "account_group_id": GROUP})
    assert seen == [4] and fake.audiences == {}


def test_delete__not_ready_past_the_timeout_says_a_job_is_populating_and_to_rerun_destroy() -> None:
    fake = FakeSonarly()
    aud = fake.add("Founders")
    _not_ready_for(fake, "DELETE", 10_000)
    with pytest.raises(WaitTimeout) as info:
        provider_for(fake, timeout=0.1).delete(aud["id"], {**ARGS, "account_group_id": GROUP})
    text = str(info.value)
    assert "prospecting job is still populating the audience" in text and "rerun `pulumi destroy`" in text
    assert "AUDIENCE_NOT_READY" in text and "sonarly:notReadyTimeout" in text
    assert aud["id"] in fake.audiences


def test_update__rename_waits_for_not_ready_and_patches_only_changed_fields() -> None:
    fake = FakeSonarly()
    aud = fake.add("Founders", description="keep")
    seen = _not_ready_for(fake, "PATCH", 2)
    patches: list[dict[str, Any]] = []
    inner = fake.on[("PATCH", f"accounts/{GROUP}/audiences/{{id}}")]

    def record(request: httpx.Request) -> httpx.Response | None:
        patches.append(json.loads(request.content))
        return inner(request)

    fake.on[("PATCH", f"accounts/{GROUP}/audiences/{{id}}")] = record
    olds = {**ARGS, "description": "keep", "folder_id": None, "account_group_id": GROUP}
    result = provider_for(fake).update(aud["id"], olds, {**ARGS, "name": "Founders 2", "description": "keep"})
    assert seen == [3] and patches[-1] == {"name": "Founders 2"}
    assert result.outs["name"] == "Founders 2" and fake.audiences[aud["id"]]["name"] == "Founders 2"


def test_delete__already_gone_is_success() -> None:
    provider_for(FakeSonarly()).delete("0" * 24, {**ARGS, "account_group_id": GROUP})


# -- diff / read / check ----------------------------------------------------------------------------------
STATE = {"name": "Founders", "type": "on_demand", "description": None, "folder_id": "f1", "adopt_id": None,
         "prospect_count": 3, "created_at": "2026-05-01T12:00:00.000Z", "reported_type": "on_demand",
         "account_group_id": GROUP}
NEWS = {"name": "Founders", "type": "on_demand", "folder_id": "f1"}


def test_diff__prospect_count_and_other_outputs_never_cause_changes() -> None:
    olds = {**STATE, "prospect_count": 9000, "reported_type": "linkedin_search"}
    assert AudienceLifecycle().diff("a1", olds, dict(NEWS)).changes is False


def test_diff__type_change_replaces_naming_type_folder_and_name_update_in_place() -> None:
    p = AudienceLifecycle()
    by_type = p.diff("a1", STATE, {**NEWS, "type": "monitoring"})
    assert by_type.replaces == ["type"] and not by_type.delete_before_replace
    moved = p.diff("a1", STATE, {**NEWS, "folder_id": "f2", "name": "New"})
    assert moved.changes and moved.replaces == []
    assert p.diff("a1", STATE, {**NEWS, "adopt_id": "x" * 24}).changes is False


def test_diff__folder_audience_type_replaces_name_renames() -> None:
    p = AudienceFolderLifecycle()
    olds = {"name": "F", "audience_type": "on_demand", "position": 0}
    assert p.diff("f1", olds, {"name": "F", "audience_type": "monitoring"}).replaces == ["audience_type"]
    renamed = p.diff("f1", olds, {"name": "G", "audience_type": "on_demand"})
    assert renamed.changes and renamed.replaces == []


def test_read__foreign_reported_type_keeps_the_declared_one_real_change_is_drift() -> None:
    fake = FakeSonarly()
    aud = fake.add("Founders", "linkedin_search", folder_id="f1")
    read = provider_for(fake).read(aud["id"], dict(STATE))
    assert read.inputs["type"] == "on_demand" and "reported_type" not in read.outs
    assert AudienceLifecycle().diff(aud["id"], read.outs, dict(NEWS)).changes is False
    fake.audiences[aud["id"]]["type"] = "monitoring"
    drifted = provider_for(fake).read(aud["id"], dict(STATE))
    assert drifted.inputs["type"] == "monitoring"


def test_read__deleted_audience_drops_out_of_state() -> None:
    assert provider_for(FakeSonarly()).read("9" * 24, dict(STATE)).id is None


def test_check__adopt_id_of_other_type_or_unknown_fails_at_preview_with_reads_only() -> None:
    fake = FakeSonarly()
    mon = fake.add("Watch", "monitoring")
    provider = provider_for(fake)
    wrong = provider.check({}, {**ARGS, "adopt_id": mon["id"]})
    assert [f.property for f in wrong.failures] == ["type"] and "monitoring" in wrong.failures[0].reason
    missing_ = provider.check({}, {**ARGS, "adopt_id": "e" * 24})
    assert [f.property for f in missing_.failures] == ["adopt_id"]
    assert {m for m, _ in fake.calls} == {"GET"}
    # Once adopted, check does not read again.
    fake.calls.clear()
    assert provider.check({**ARGS, "adopt_id": mon["id"]}, {**ARGS, "adopt_id": mon["id"]}).failures == []
    assert fake.calls == []


def test_create__adopt_renames_and_clears_description_without_creating() -> None:
    fake = FakeSonarly()
    aud = fake.add("From the app", "linkedin_search", description="old")
    result = provider_for(fake).create({**ARGS, "adopt_id": aud["id"]})
    assert result.id == aud["id"] and len(fake.audiences) == 1
    assert fake.audiences[aud["id"]]["name"] == "Founders" and fake.audiences[aud["id"]]["description"] is None
    assert ("POST", f"accounts/{GROUP}/audiences") not in fake.calls


def test_check__invalid_type_names_resource_and_field() -> None:
    result = provider_for(FakeSonarly()).check({}, {"name": "x", "type": "linkedin_search"})
    assert [f.property for f in result.failures] == ["type"] and "sonarly:Audience" in result.failures[0].reason


def test_folder_delete__not_empty_names_the_blocker_and_rerun() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return fail(409, "FOLDER_NOT_EMPTY", "Audience folder f1 still holds 1 audience(s)", "audienceIds: a9")

    with pytest.raises(Conflict) as info:
        provider_for(handler, AudienceFolderLifecycle).delete("f1", {"account_group_id": GROUP})
    assert "a9" in str(info.value) and "rerun `pulumi destroy`" in str(info.value)


def test_folder_delete__404_while_the_folder_exists_means_no_delete_endpoint() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE":
            return fail(404, "NOT_FOUND", "No route")
        return ok({"folders": [{"id": "f1", "name": "F", "audienceType": "on_demand", "audiences": []}],
                   "ungroupedAudiences": []})

    with pytest.raises(ProviderError) as info:
        provider_for(handler, AudienceFolderLifecycle).delete("f1", {"account_group_id": GROUP})
    assert not isinstance(info.value, NotFound) and "retain_on_delete" in str(info.value)


# -- reads wait out the readiness guard (audiences-get: 409 AUDIENCE_NOT_READY while a job fills it) -------
def test_read__not_ready_get_is_waited_out_then_read() -> None:
    fake = FakeSonarly()
    aud = fake.add("Founders", folder_id="f1")
    seen = _not_ready_for(fake, "GET", 3)
    read = provider_for(fake).read(aud["id"], dict(STATE))
    assert seen == [4] and read.id == aud["id"] and read.outs["name"] == "Founders"


def test_read__not_ready_past_the_timeout_says_to_rerun_refresh() -> None:
    fake = FakeSonarly()
    aud = fake.add("Founders")
    _not_ready_for(fake, "GET", 10_000)
    with pytest.raises(WaitTimeout) as info:
        provider_for(fake, timeout=0.1).read(aud["id"], dict(STATE))
    assert "rerun `pulumi refresh`" in str(info.value) and "AUDIENCE_NOT_READY" in str(info.value)


def test_check__adopting_an_audience_a_job_is_filling_waits_then_verifies_the_type() -> None:
    fake = FakeSonarly()
    mon = fake.add("Watch", "monitoring")
    seen = _not_ready_for(fake, "GET", 2)
    wrong = provider_for(fake).check({}, {**ARGS, "adopt_id": mon["id"]})
    assert seen == [3] and [f.property for f in wrong.failures] == ["type"]


# -- prospect_urls: url_upload jobs with a derived Idempotency-Key ------------------------------------------
URLS = ["https://www.linkedin.com/in/ada-lovelace", "https://linkedin.com/in/Grace-Hopper/"]


def _uploads(fake: FakeSonarly) -> list[tuple[str, str]]:
    return [c for c in fake.calls if c == ("POST", f"accounts/{GROUP}/prospecting")]


def test_upload_key__same_request_same_key_any_order_other_audience_or_profiles_other_key() -> None:
    from audience_providers.sonarly.audience import upload_key

    key = upload_key(GROUP, "a1", ["x", "y"])
    assert key == upload_key(GROUP, "a1", ["y", "x"]) and key.startswith("pulumi-sonarly-")
    others = {upload_key("ag2", "a1", ["x", "y"]), upload_key(GROUP, "a2", ["x", "y"]),
              upload_key(GROUP, "a1", ["x"]), upload_key(GROUP, "a1", ["x", "y"], after_job="job1")}
    assert key not in others and len(others) == 4


def test_create__prospect_urls_start_one_keyed_upload_wait_for_it_and_output_the_count() -> None:
    fake = FakeSonarly()
    sent: list[httpx.Request] = []
    fake.on[("POST", f"accounts/{GROUP}/prospecting")] = lambda r: sent.append(r) or None  # type: ignore[func-returns-value]  # record, then None: fall through
    result = provider_for(fake).create({**ARGS, "prospect_urls": URLS})
    (job,) = fake.jobs.values()
    assert job["audience"] == result.id and job["status"] == "completed"
    assert sent[0].headers["Idempotency-Key"].startswith("pulumi-sonarly-")
    # url_upload "ignores maxResults" (capped by plan for the other sources): never sent.
    assert set(json.loads(sent[0].content)) == {"audienceId", "source", "urls"}
    assert sorted(job["profiles"]) == ["ada-lovelace", "grace-hopper"]
    assert result.outs["prospect_count"] == 2 and result.outs["prospect_urls"] == URLS
    assert ("GET", f"accounts/{GROUP}/prospecting/{{id}}") in fake.calls  # waited on the job status


def test_create__lost_upload_answer_is_resent_with_the_same_key_and_makes_one_job() -> None:
    fake = FakeSonarly()
    keys: list[str] = []

    def drop_first(request: httpx.Request) -> httpx.Response | None:
        keys.append(request.headers["Idempotency-Key"])
        if len(keys) == 1:
            fake._start(request)  # the job is created, then the answer is lost
            raise httpx.RemoteProtocolError("connection reset after commit")
        return None

    fake.on[("POST", f"accounts/{GROUP}/prospecting")] = drop_first
    result = provider_for(fake).create({**ARGS, "prospect_urls": URLS})
    assert len(keys) == 2 and keys[0] == keys[1]
    assert len(fake.jobs) == 1 and result.outs["prospect_count"] == 2


def test_update__added_profiles_upload_only_the_missing_ones() -> None:
    fake = FakeSonarly()
    aud = fake.add("Founders", folder_id="f1")
    fake.members[aud["id"]] = ["ada-lovelace"]
    olds = {**STATE, "prospect_urls": URLS[:1]}
    news = {**NEWS, "prospect_urls": URLS}
    assert AudienceLifecycle().diff(aud["id"], olds, news).replaces == []
    result = provider_for(fake).update(aud["id"], olds, news)
    (job,) = fake.jobs.values()
    assert job["profiles"] == ["grace-hopper"] and result.outs["prospect_count"] == 2


def test_update__nothing_missing_starts_no_job() -> None:
    fake = FakeSonarly()
    aud = fake.add("Founders", folder_id="f1")
    fake.members[aud["id"]] = ["ada-lovelace", "grace-hopper", "someone-else"]
    result = provider_for(fake).update(aud["id"], {**STATE, "prospect_urls": URLS}, {**NEWS, "prospect_urls": URLS,
                                                                                    "name": "Renamed"})
    assert fake.jobs == {} and _uploads(fake) == [] and result.outs["prospect_count"] == 3


def test_update__replay_of_an_earlier_job_whose_profiles_are_gone_starts_a_new_keyed_import() -> None:
    fake = FakeSonarly()
    aud = fake.add("Founders", folder_id="f1")
    provider = provider_for(fake)
    provider.update(aud["id"], {**STATE}, {**NEWS, "prospect_urls": URLS})
    assert len(fake.jobs) == 1
    fake.members[aud["id"]] = []  # someone removed them in the Sonarly app
    refreshed = provider.read(aud["id"], {**STATE, "prospect_urls": URLS})
    assert refreshed.outs["prospect_urls"] == []  # drift: the declared profiles are gone
    provider.update(aud["id"], refreshed.outs, {**NEWS, "prospect_urls": URLS})
    assert len(fake.jobs) == 2 and sorted(fake.members[aud["id"]]) == ["ada-lovelace", "grace-hopper"]
    first, second = (j["key"] for j in fake.jobs.values())
    assert first != second


def test_fill__more_than_1000_profiles_go_in_jobs_of_at_most_1000() -> None:
    fake = FakeSonarly()
    fake.job_polls = 1
    aud = fake.add("Big", folder_id="f1")
    urls = [f"https://www.linkedin.com/in/p{i}" for i in range(2300)]
    result = provider_for(fake).update(aud["id"], {**STATE}, {**NEWS, "prospect_urls": urls})
    assert sorted(len(j["urls"]) for j in fake.jobs.values()) == [300, 1000, 1000]
    assert result.outs["prospect_count"] == 2300


def test_create__failed_job_deletes_the_new_audience_and_says_why() -> None:
    fake = FakeSonarly()
    fake.job_outcome = "failed"
    with pytest.raises(ProviderError) as info:
        provider_for(fake).create({**ARGS, "prospect_urls": URLS})
    text = str(info.value)
    assert "ended failed: import failed" in text and "it was deleted again" in text
    assert fake.audiences == {}


def _credits(fake: FakeSonarly, available: int) -> None:
    """A fake account with ``available`` credits: a url_upload costing more answers 402 INSUFFICIENT_CREDITS."""
    left = [available]

    def start(request: httpx.Request) -> httpx.Response | None:
        cost = len(json.loads(request.content)["urls"])
        if cost > left[0]:
            return fail(402, "INSUFFICIENT_CREDITS", "Insufficient credits",
                        f"credits: {cost} needed, {left[0]} available")
        left[0] -= cost
        return None  # fall through to the fake's own start

    fake.on[("POST", f"accounts/{GROUP}/prospecting")] = start


def test_create__insufficient_credits_fails_once_says_why_and_deletes_the_new_audience() -> None:
    fake = FakeSonarly()
    _credits(fake, 1)
    with pytest.raises(ProviderError) as info:
        provider_for(fake).create({**ARGS, "prospect_urls": URLS})
    text = str(info.value)
    assert "HTTP 402 [INSUFFICIENT_CREDITS]" in text and "too few credits" in text and "nothing was imported" in text
    assert "it was deleted again" in text and KEY not in text
    assert len(_uploads(fake)) == 1  # a 402 is not retried
    assert fake.audiences == {} and fake.jobs == {}  # nothing left half made


def test_update__credits_running_out_between_chunks_keeps_what_was_imported_and_says_how_far() -> None:
    fake = FakeSonarly()
    fake.job_polls = 1
    aud = fake.add("Big", folder_id="f1")
    _credits(fake, 1500)  # the first 1000-profile chunk fits, the second doesn't
    urls = [f"https://www.linkedin.com/in/p{i:04d}" for i in range(1800)]
    provider = provider_for(fake)
    with pytest.raises(ProviderError) as info:
        provider.update(aud["id"], {**STATE}, {**NEWS, "prospect_urls": urls})
    text = str(info.value)
    assert "INSUFFICIENT_CREDITS" in text and "1000 of the 1800 missing profile(s) were imported" in text
    assert len(_uploads(fake)) == 2 and len(fake.members[aud["id"]]) == 1000
    # With credits again, the rerun uploads only the 800 still missing: nothing is paid for twice.
    fake.on.pop(("POST", f"accounts/{GROUP}/prospecting"))
    result = provider.update(aud["id"], {**STATE}, {**NEWS, "prospect_urls": urls})
    assert [len(j["urls"]) for j in fake.jobs.values()] == [1000, 800] and result.outs["prospect_count"] == 1800


def test_upload__job_outlasting_the_timeout_names_the_job_and_rerun() -> None:
    fake = FakeSonarly()
    fake.job_polls = 10_000
    aud = fake.add("Founders", folder_id="f1")
    with pytest.raises(WaitTimeout) as info:
        provider_for(fake, timeout=0.1).update(aud["id"], {**STATE}, {**NEWS, "prospect_urls": URLS})
    text = str(info.value)
    assert "prospecting job job1" in text and "rerun `pulumi up`" in text and "does not start it again" in text


def test_diff__added_or_removed_profiles_update_in_place_respelled_or_reordered_is_no_change() -> None:
    olds = {**STATE, "prospect_urls": URLS}
    removed = AudienceLifecycle().diff("x", olds, {**NEWS, "prospect_urls": URLS[:1]})
    assert removed.changes and removed.replaces == []
    added = AudienceLifecycle().diff("x", olds, {**NEWS, "prospect_urls": [*URLS, "https://www.linkedin.com/in/x"]})
    assert added.changes and added.replaces == []
    respelled = ["https://www.linkedin.com/in/grace-hopper", "http://www.linkedin.com/in/ADA-LOVELACE/"]
    assert AudienceLifecycle().diff("x", olds, {**NEWS, "prospect_urls": respelled}).changes is False


def test_check__prospect_urls_not_a_profile_or_repeated_fail_at_preview_naming_the_index() -> None:
    provider = provider_for(FakeSonarly())
    bad = provider.check({}, {**ARGS, "prospect_urls": [URLS[0], "https://example.com/in/x"]})
    assert [f.property for f in bad.failures] == ["prospect_urls"]
    assert "prospect_urls[1]" in bad.failures[0].reason and "sonarly:Audience" in bad.failures[0].reason
    dup = provider.check({}, {**ARGS, "prospect_urls": [URLS[0], URLS[0] + "/"]})
    assert "same profile as prospect_urls[0]" in dup.failures[0].reason


def test_error__403_on_prospecting_names_the_missing_permission_and_what_prospect_urls_needs() -> None:
    fake = FakeSonarly()
    aud = fake.add("Founders", folder_id="f1")
    fake.on[("POST", f"accounts/{GROUP}/prospecting")] = lambda r: fail(
        403, "FORBIDDEN", "Missing required permission", "requiredPermission: prospecting:write")
    with pytest.raises(Forbidden) as info:
        provider_for(fake).update(aud["id"], {**STATE}, {**NEWS, "prospect_urls": URLS})
    assert "`prospecting:write`" in str(info.value) and "prospects:read" in str(info.value)
    assert KEY not in str(info.value)


def test_update__dropped_profile_calls_nothing_and_keeps_the_prospect() -> None:
    fake = FakeSonarly()
    aud = fake.add("Founders", folder_id="f1")
    fake.members[aud["id"]] = ["ada-lovelace", "grace-hopper"]
    result = provider_for(fake).update(aud["id"], {**STATE, "prospect_urls": URLS}, {**NEWS, "prospect_urls": URLS[:1]})
    assert {m for m, _ in fake.calls} == {"GET"} and fake.members[aud["id"]] == ["ada-lovelace", "grace-hopper"]
    assert result.outs["prospect_urls"] == URLS[:1] and result.outs["prospect_count"] == 2


def test_locate__with_prospect_urls_waits_for_running_jobs_then_finds_the_hidden_audience() -> None:
    fake = FakeSonarly()
    aud = fake.add("Founders")
    fake.jobs["job1"] = {"id": "job1", "key": None, "audience": aud["id"], "status": "running", "polls": 3,
                         "urls": URLS, "profiles": ["ada-lovelace", "grace-hopper"]}
    fake.hidden.add(aud["id"])  # being populated: not in the audience list

    def job_polled(request: httpx.Request) -> httpx.Response | None:
        job = fake.jobs["job1"]
        job["polls"] -= 1
        if job["polls"] <= 0:
            job["status"] = "completed"
            fake.hidden.discard(aud["id"])
        return None

    fake.on[("GET", f"accounts/{GROUP}/prospecting")] = job_polled
    found = provider_for(fake).locate({**ARGS, "prospect_urls": URLS}, set())
    assert [i for i, _ in found] == [aud["id"]]
    assert provider_for(fake).locate({**ARGS, "prospect_urls": URLS}, {aud["id"]}) == []


# -- the renovation's seams: config.load, the kept folder read, preview checks, one output schema, no Pulumi ---
def test_config_load__reads_nothing_until_the_group_is_needed_then_discovers_it_through_the_transport() -> None:
    fake = FakeSonarly()
    cfg = config.load(ConfigSource({"sonarly:apiKey": KEY, "sonarly:baseUrl": "https://sonarly.test/v1",
                                    "sonarly:notReadyTimeout": "7"}), transport=httpx.MockTransport(fake))
    assert isinstance(cfg, SonarlyConfig) and cfg.not_ready_timeout == 7
    assert fake.calls == []  # loading is lazy: no GET /v1/accounts yet
    assert cfg.account_group() == GROUP and fake.calls == [("GET", "accounts")]
    configured = config.load(ConfigSource({"sonarly:apiKey": KEY, "sonarly:accountGroupId": "ag_set"}),
                             transport=httpx.MockTransport(fake))
    assert configured.account_group() == "ag_set" and fake.calls == [("GET", "accounts")]


def test_config_load__negative_not_ready_timeout_names_the_setting() -> None:
    with pytest.raises(ConfigurationError, match="sonarly:notReadyTimeout must be a number of seconds >= 0"):
        config.load(ConfigSource({"sonarly:apiKey": KEY, "sonarly:notReadyTimeout": "-1"}))


def _navigation(fake: FakeSonarly, folders: list[dict[str, Any]]) -> list[int]:
    reads = [0]

    def navigation(request: httpx.Request) -> httpx.Response:
        reads[0] += 1
        return ok({"folders": [{"audiences": [], **f} for f in folders], "ungroupedAudiences": []})

    fake.on[("GET", f"accounts/{GROUP}/audiences/navigation")] = navigation
    return reads


def test_check__folder_id_is_read_once_per_client_and_a_miss_reads_navigation_again() -> None:
    fake = FakeSonarly()
    folders = [{"id": "f1", "name": "Leads", "audienceType": "on_demand"}]
    reads = _navigation(fake, folders)
    lifecycle = provider_for(fake)
    assert lifecycle.check({}, {**ARGS, "folder_id": "f1"}).failures == []
    assert lifecycle.check({}, {**ARGS, "name": "Other", "folder_id": "f1"}).failures == []
    assert reads == [1]  # the second audience in the same folder is checked from the kept read
    folders.append({"id": "f2", "name": "New", "audienceType": "on_demand"})  # created by this run since
    assert lifecycle.check({}, {**ARGS, "folder_id": "f2"}).failures == []
    assert reads == [2]  # a miss read navigation again, once
    gone = lifecycle.check({}, {**ARGS, "folder_id": "nope"})
    assert reads == [3] and [f.property for f in gone.failures] == ["folder_id"]
    assert gone.failures[0].reason.startswith("sonarly:Audience: folder_id 'nope': no audience folder")
    assert {m for m, _ in fake.calls} == {"GET"}


def test_check__first_lookup_that_misses_reads_navigation_only_once() -> None:
    fake = FakeSonarly()
    reads = _navigation(fake, [])
    assert [f.property for f in provider_for(fake).check({}, {**ARGS, "folder_id": "f9"}).failures] == ["folder_id"]
    assert reads == [1]


def test_check__folder_of_the_other_type_fails_on_type_and_a_held_folder_is_not_read() -> None:
    fake = FakeSonarly()
    reads = _navigation(fake, [{"id": "f1", "name": "Watch", "audienceType": "monitoring"}])
    lifecycle = provider_for(fake)
    wrong = lifecycle.check({}, {**ARGS, "folder_id": "f1"})
    assert [f.property for f in wrong.failures] == ["type"]
    assert wrong.failures[0].reason.startswith("sonarly:Audience: type 'on_demand' does not match folder 'f1'")
    olds = {**ARGS, "folder_id": "f1"}
    assert lifecycle.check(olds, {**ARGS, "folder_id": "f1", "name": "Renamed"}).failures == []
    assert reads == [1]


def test_check__folder_id_unknown_at_preview_is_not_looked_up() -> None:
    from audience_providers._core.lifecycle import UNKNOWN

    fake = FakeSonarly()
    reads = _navigation(fake, [])
    result = provider_for(fake).check({}, {**ARGS, "folder_id": UNKNOWN})
    assert result.failures == [] and result.inputs["folder_id"] == UNKNOWN and reads == [0]


def test_check__an_ambiguous_account_group_fails_check_of_both_resources() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return ok({"items": [{"id": "ag_1"}, {"id": "ag_2"}], "nextCursor": None, "hasMore": False})

    folder = {"name": "F", "audience_type": "on_demand"}
    for cls, news in ((AudienceLifecycle, ARGS), (AudienceFolderLifecycle, folder)):
        with pytest.raises(ConfigurationError, match="can use 2 account groups: ag_1, ag_2"):
            provider_for(handler, cls, group=None).check({}, dict(news))


def test_folder_delete__not_empty_keeps_the_vendors_code_and_request_id() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return fail(409, "FOLDER_NOT_EMPTY", "Audience folder f1 still holds 1 audience(s)", trace="abc" * 8)

    with pytest.raises(Conflict) as info:
        provider_for(handler, AudienceFolderLifecycle).delete("f1", {"account_group_id": GROUP})
    assert (info.value.code, info.value.request_id, info.value.status) == ("FOLDER_NOT_EMPTY", "abc" * 8, 409)
    assert "remove-from-folder" in str(info.value)


def test_outputs__resource_annotations_placeholders_and_lifecycle_outputs_are_the_state_models() -> None:
    from audience_providers.sonarly.audience import AudienceState
    from audience_providers.sonarly.folder import AudienceFolderState
    from audience_providers.sonarly.resource import Audience, AudienceFolder

    for resource, state in ((AudienceFolder, AudienceFolderState), (Audience, AudienceState)):
        declared = [n for n in resource.__annotations__ if n != "provider_class"]
        assert declared == list(state.model_fields), resource.__name__
        assert resource.provider_class.lifecycle.state_model is state  # what Resource.get's placeholders use
    fake = FakeSonarly()
    created = provider_for(fake).create({**ARGS, "prospect_urls": URLS})
    assert list(created.outs) == list(AudienceState.model_fields)
    assert list(provider_for(fake).read(created.id, created.outs).outs) == list(AudienceState.model_fields)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return ok({"id": "f1", "name": "F", "audienceType": "on_demand", "position": 0}, 201)
        return ok({"folders": [{"id": "f1", "name": "F", "audienceType": "on_demand", "audiences": []}],
                   "ungroupedAudiences": []})

    folder = provider_for(handler, AudienceFolderLifecycle).create({"name": "F", "audience_type": "on_demand"})
    assert list(folder.outs) == list(AudienceFolderState.model_fields) and "position" not in folder.outs


def test_layers__sonarly_lifecycles_config_models_and_client_import_no_pulumi() -> None:
    import subprocess
    import sys
    from pathlib import Path

    modules = ["audience", "folder", "base", "config", "models", "client"]
    # A fresh interpreter where any `import pulumi` raises. The package's __init__ (which declares the Pulumi
    # resources) is stood in for by a bare package, so exactly these modules and what they import are loaded.
    code = ("import importlib.util, sys, types\n"
            "sys.modules['pulumi'] = None\n"
            "spec = importlib.util.find_spec('audience_providers.sonarly')\n"
            "pkg = types.ModuleType(spec.name); pkg.__path__ = list(spec.submodule_search_locations)\n"
            "sys.modules[spec.name] = pkg\n"
            + "".join(f"import audience_providers.sonarly.{m}\n" for m in modules)
            + "print(sorted(m for m in sys.modules if m.startswith('pulumi') or m.endswith('.resource')))\n")
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "['pulumi']"  # only the blocker we put there
