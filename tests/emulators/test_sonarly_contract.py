"""Contract tests for the Sonarly public API v1 (audiences, folders, prospecting), over HTTP only.

By default they run against the local emulator. Set SONARLY_BASE_URL (``https://api.sonarly.io/v1``) and
SONARLY_API_KEY (a key with audiences:read/write) to run them against the real vendor; optionally
SONARLY_ACCOUNT_GROUP_ID (else the first group GET /accounts returns) and SONARLY_READONLY_API_KEY (a key with
audiences:read only, for the 403 test). Names are prefixed ``contract_`` so leftovers can be swept. Tests that
need the emulator's admin API, start billable prospecting jobs, or pin behaviour we invented skip in that mode.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

REAL_BASE_URL = os.environ.get("SONARLY_BASE_URL", "")
REAL_KEY = os.environ.get("SONARLY_API_KEY", "")
REAL = bool(REAL_BASE_URL and REAL_KEY)

DEMO_KEY = "sk_live_demo_full"
DEMO_READONLY_KEY = "sk_live_demo_readonly"
DEMO_GROUP = "ag_demo"

needs_emulator = pytest.mark.skipif(REAL, reason="needs the emulator's admin API (seed/state/faults/config)")
invented = pytest.mark.skipif(REAL, reason="pins behaviour the docs do not state (see emulators/sonarly/COVERAGE.md)")
billable = pytest.mark.skipif(REAL, reason="would start a real prospecting job, which spends credits")


@dataclass
class Sonarly:
    """Where the API under test lives, which account group to use, and what a test created (for cleanup)."""

    base_url: str
    key: str
    readonly_key: str | None
    group: str
    live: Any  # tests.conftest.LiveEmulator in emulator mode, None against the real vendor
    audiences: list[str] = field(default_factory=list)
    folders: list[str] = field(default_factory=list)

    def client(self, key: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key or self.key}", "Accept": "application/json"}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=30)

    @property
    def audiences_path(self) -> str:
        return f"/accounts/{self.group}/audiences"

    @property
    def folders_path(self) -> str:
        return f"/accounts/{self.group}/audiences/folders"


@pytest.fixture
def sonarly(request: pytest.FixtureRequest) -> Iterator[Sonarly]:
    if REAL:
        with httpx.Client(base_url=REAL_BASE_URL, headers={"Authorization": f"Bearer {REAL_KEY}"}, timeout=30) as c:
            group = os.environ.get("SONARLY_ACCOUNT_GROUP_ID") or c.get("/accounts").json()["data"]["items"][0]["id"]
        env = Sonarly(REAL_BASE_URL, REAL_KEY, os.environ.get("SONARLY_READONLY_API_KEY"), group, None)
    else:
        live = request.getfixturevalue("emulator")("sonarly")
        live.configure(job_seconds=0.4)
        env = Sonarly(live.base_url, DEMO_KEY, DEMO_READONLY_KEY, DEMO_GROUP, live)
    yield env
    # Best-effort cleanup: audiences first so their folders are empty when deleted.
    with env.client() as c:
        for audience_id in env.audiences:
            c.delete(f"{env.audiences_path}/{audience_id}")
        for folder_id in env.folders:
            c.delete(f"{env.folders_path}/{folder_id}")


@pytest.fixture
def api(sonarly: Sonarly) -> Iterator[httpx.Client]:
    with sonarly.client() as client:
        yield client


def _name() -> str:
    return f"contract_{uuid.uuid4().hex[:10]}"


def _ok(resp: httpx.Response, status: int = 200) -> Any:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["success"] is True and body["error"] is None
    return body["data"]


def _err(resp: httpx.Response, status: int) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["success"] is False and body["data"] is None and isinstance(body["traceId"], str)
    assert {"code", "message", "details"} <= set(body["error"])
    error: dict[str, Any] = body["error"]
    return error


def _create(sonarly: Sonarly, api: httpx.Client, name: str | None = None, type_: str = "on_demand",
            **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = _ok(
        api.post(sonarly.audiences_path, json={"name": name or _name(), "type": type_, **extra}), 201)
    sonarly.audiences.append(data["id"])
    return data


def _create_folder(sonarly: Sonarly, api: httpx.Client, audience_type: str = "on_demand") -> dict[str, Any]:
    data: dict[str, Any] = _ok(
        api.post(sonarly.folders_path, json={"name": _name(), "audienceType": audience_type}), 201)
    sonarly.folders.append(data["id"])
    return data


def _all_listed(sonarly: Sonarly, api: httpx.Client, limit: int = 100) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": limit}
    for _ in range(1000):
        page = _ok(api.get(sonarly.audiences_path, params=params))
        items.extend(page["items"])
        if not page["hasMore"]:
            return items
        params["cursor"] = page["nextCursor"]
    raise AssertionError("pagination never ended")


def _start_job(sonarly: Sonarly, api: httpx.Client, audience_id: str, key: str | None = None,
               max_results: int = 40) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    body = {"audienceId": audience_id, "source": "linkedin_search",
            "searchUrl": "https://www.linkedin.com/search/results/people/?keywords=cto", "maxResults": max_results}
    return api.post(f"/accounts/{sonarly.group}/prospecting", json=body, headers=headers)


def _wait_job(sonarly: Sonarly, api: httpx.Client, job_id: str) -> dict[str, Any]:
    for _ in range(200):
        job: dict[str, Any] = _ok(api.get(f"/accounts/{sonarly.group}/prospecting/{job_id}"))
        if job["status"] not in ("queued", "running"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} never finished")


def _wait_ready(sonarly: Sonarly, api: httpx.Client, audience_id: str) -> dict[str, Any]:
    for _ in range(400):
        resp = api.get(f"{sonarly.audiences_path}/{audience_id}")
        if resp.status_code != 409:
            ready: dict[str, Any] = _ok(resp)
            return ready
        time.sleep(0.05)
    raise AssertionError(f"audience {audience_id} never became ready")


def _profiles(n: int, tag: str = "") -> list[str]:
    tag = tag or uuid.uuid4().hex[:6]
    return [f"https://www.linkedin.com/in/contract-{tag}-{i}" for i in range(n)]


def _upload(sonarly: Sonarly, api: httpx.Client, audience_id: str, urls: list[str],
            key: str | None = None) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return api.post(f"/accounts/{sonarly.group}/prospecting", headers=headers,
                    json={"audienceId": audience_id, "source": "url_upload", "urls": urls})


def _all_prospects(sonarly: Sonarly, api: httpx.Client, audience_id: str, limit: int = 100) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": limit}
    for _ in range(1000):
        page = _ok(api.get(f"{sonarly.audiences_path}/{audience_id}/prospects", params=params))
        assert set(page) == {"items", "nextCursor", "hasMore"}
        items.extend(page["items"])
        if not page["hasMore"]:
            assert page["nextCursor"] is None
            return items
        params["cursor"] = page["nextCursor"]
    raise AssertionError("pagination never ended")


# -- envelope and auth -----------------------------------------------------------------------------------

def test_accounts__lists_usable_account_groups_in_the_envelope(sonarly: Sonarly, api: httpx.Client) -> None:
    resp = api.get("/accounts")
    data = _ok(resp)
    body = resp.json()
    assert set(body) == {"success", "data", "error", "traceId"} and body["traceId"]
    assert set(data) == {"items", "nextCursor", "hasMore"}
    assert sonarly.group in [g["id"] for g in data["items"]]
    assert {"id", "name", "createdAt"} <= set(data["items"][0])


def test_envelope__trace_id_is_unique_per_request(api: httpx.Client) -> None:
    ids = {api.get("/accounts").json()["traceId"] for _ in range(5)}
    assert len(ids) == 5


@needs_emulator
def test_envelope__trace_id_is_in_the_body_only_by_default(sonarly: Sonarly, api: httpx.Client) -> None:
    # The pages put traceId in the envelope and name no response header.
    assert "X-Trace-Id" not in api.get("/accounts").headers


@needs_emulator
def test_envelope__x_trace_id_header_only_when_turned_on(sonarly: Sonarly, api: httpx.Client) -> None:
    sonarly.live.configure(trace_id_header=True)  # invented option
    ok, bad = api.get("/accounts"), api.get(f"{sonarly.audiences_path}/does-not-exist")
    assert ok.headers["X-Trace-Id"] == ok.json()["traceId"]
    assert bad.headers["X-Trace-Id"] == bad.json()["traceId"]


def test_auth__unknown_key_is_401_in_the_error_envelope(sonarly: Sonarly) -> None:
    with sonarly.client("sk_live_not_a_real_key") as bad:
        _err(bad.get(sonarly.audiences_path), 401)


def test_auth__missing_authorization_is_401(sonarly: Sonarly) -> None:
    _err(httpx.get(sonarly.base_url + "/accounts", timeout=30), 401)


def test_create__key_without_audiences_write_is_403_naming_the_permission(sonarly: Sonarly) -> None:
    if sonarly.readonly_key is None:
        pytest.skip("set SONARLY_READONLY_API_KEY (a key with audiences:read only) to run this against Sonarly")
    with sonarly.client(sonarly.readonly_key) as ro:
        assert ro.get(sonarly.audiences_path).status_code == 200  # the read permission is enough to list
        error = _err(ro.post(sonarly.audiences_path, json={"name": _name(), "type": "on_demand"}), 403)
    assert "audiences:write" in error["message"]


@needs_emulator
def test_prospecting_start__key_without_prospecting_write_is_403_naming_it(sonarly: Sonarly) -> None:
    sonarly.live.seed({"keys": [{"key": "sk_live_audiences_only", "permissions": ["audiences:read",
                                                                              "audiences:write"]}]})
    with sonarly.client("sk_live_audiences_only") as c:
        audience = _create(sonarly, c)
        error = _err(_start_job(sonarly, c, audience["id"]), 403)
    assert "prospecting:write" in error["message"]


def test_get__account_group_the_key_cannot_use_is_rejected(sonarly: Sonarly, api: httpx.Client) -> None:
    resp = api.get("/accounts/ag_someone_else_entirely/audiences")
    # The emulator answers 403 (the list endpoint documents 403 but no 404); accept either from the vendor.
    _err(resp, 403 if not REAL else resp.status_code)
    assert resp.status_code in (403, 404)


# -- audiences -------------------------------------------------------------------------------------------

def test_create__201_returns_the_audience_and_get_reads_it_back(sonarly: Sonarly, api: httpx.Client) -> None:
    name = _name()
    created = _create(sonarly, api, name, "monitoring", description="contract test")
    assert set(created) == {"id", "name", "type", "description", "folderId", "prospectCount", "createdAt"}
    assert (created["name"], created["description"], created["folderId"]) == (name, "contract test", None)
    assert created["prospectCount"] == 0
    fetched = _ok(api.get(f"{sonarly.audiences_path}/{created['id']}"))
    assert fetched == created


def test_create__duplicate_names_are_allowed(sonarly: Sonarly, api: httpx.Client) -> None:
    name = _name()
    first, second = _create(sonarly, api, name), _create(sonarly, api, name)
    assert first["id"] != second["id"]
    listed = [a["id"] for a in _all_listed(sonarly, api) if a["name"] == name]
    assert sorted(listed) == sorted([first["id"], second["id"]])


def test_create__missing_name_and_bad_type_is_400_naming_the_fields(sonarly: Sonarly, api: httpx.Client) -> None:
    error = _err(api.post(sonarly.audiences_path, json={"type": "sometimes"}), 400)
    assert error["code"] == "VALIDATION_ERROR"
    assert "name" in str(error["details"]) and "type" in str(error["details"])


def test_create__missing_type_is_400_validation_error(sonarly: Sonarly, api: httpx.Client) -> None:
    error = _err(api.post(sonarly.audiences_path, json={"name": _name()}), 400)
    assert error["code"] == "VALIDATION_ERROR" and "type" in str(error["details"])


def test_list__cursor_pages_cover_every_audience_once(sonarly: Sonarly, api: httpx.Client) -> None:
    if not REAL:
        sonarly.live.seed({"audiences": [{"name": f"seeded_{i:02d}"} for i in range(45)]})
    mine = {_create(sonarly, api)["id"] for _ in range(3)}
    first = _ok(api.get(sonarly.audiences_path, params={"limit": 2}))
    assert len(first["items"]) == 2 and first["hasMore"] is True and isinstance(first["nextCursor"], str)
    seen = [a["id"] for a in _all_listed(sonarly, api, limit=2)]
    assert len(seen) == len(set(seen)) and mine <= set(seen)
    if not REAL:
        assert len(seen) == 48


def test_list__last_page_has_no_cursor(sonarly: Sonarly, api: httpx.Client) -> None:
    _create(sonarly, api)
    page = _ok(api.get(sonarly.audiences_path, params={"limit": 100}))
    while page["hasMore"]:
        page = _ok(api.get(sonarly.audiences_path, params={"limit": 100, "cursor": page["nextCursor"]}))
    assert page["nextCursor"] is None


def test_list__non_numeric_limit_is_400(sonarly: Sonarly, api: httpx.Client) -> None:
    error = _err(api.get(sonarly.audiences_path, params={"limit": "lots"}), 400)
    assert error["code"] == "VALIDATION_ERROR" and "limit" in str(error["details"])


@needs_emulator
def test_list__limit_over_100_is_served_100_at_a_time_by_default(sonarly: Sonarly, api: httpx.Client) -> None:
    # audiences-list: limit is the "Maximum number of items to return in this page", with no bound given; the
    # emulator never refuses a large one, it just serves at most 100 and the cursor carries the rest.
    sonarly.live.seed({"audiences": [{"name": f"seeded_{i:03d}"} for i in range(130)]})
    first = _ok(api.get(sonarly.audiences_path, params={"limit": 500}))
    assert len(first["items"]) == 100 and first["hasMore"] is True
    rest = _ok(api.get(sonarly.audiences_path, params={"limit": 500, "cursor": first["nextCursor"]}))
    assert len(rest["items"]) == 30 and rest["hasMore"] is False


@needs_emulator
def test_list__limit_over_100_is_400_under_strict_validation(sonarly: Sonarly, api: httpx.Client) -> None:
    sonarly.live.configure(strict_validation=True)  # invented option
    error = _err(api.get(sonarly.audiences_path, params={"limit": 101}), 400)
    assert "limit" in str(error["details"])
    _ok(api.get(sonarly.audiences_path, params={"limit": 100}))


@invented
def test_list__garbage_cursor_is_400(sonarly: Sonarly, api: httpx.Client) -> None:
    error = _err(api.get(sonarly.audiences_path, params={"cursor": "!!not-a-cursor!!"}), 400)
    assert "cursor" in str(error["details"])


def test_patch__updates_name_and_description(sonarly: Sonarly, api: httpx.Client) -> None:
    created = _create(sonarly, api, description="before")
    new_name = _name()
    patched = _ok(api.patch(f"{sonarly.audiences_path}/{created['id']}",
                            json={"name": new_name, "description": "after"}))
    assert (patched["id"], patched["name"], patched["description"]) == (created["id"], new_name, "after")
    assert _ok(api.get(f"{sonarly.audiences_path}/{created['id']}"))["name"] == new_name


def test_patch__description_alone_keeps_the_name(sonarly: Sonarly, api: httpx.Client) -> None:
    created = _create(sonarly, api)
    patched = _ok(api.patch(f"{sonarly.audiences_path}/{created['id']}", json={"description": "only this"}))
    assert (patched["name"], patched["description"]) == (created["name"], "only this")


def test_patch__empty_body_is_422_update_failed_validation(sonarly: Sonarly, api: httpx.Client) -> None:
    created = _create(sonarly, api)
    # audiences-update: "At least one mutable field is required"; 422 "Audience update failed validation".
    _err(api.patch(f"{sonarly.audiences_path}/{created['id']}", json={}), 422)


@invented
def test_patch__blank_name_is_422_and_changes_nothing(sonarly: Sonarly, api: httpx.Client) -> None:
    created = _create(sonarly, api)
    error = _err(api.patch(f"{sonarly.audiences_path}/{created['id']}", json={"name": "   "}), 422)
    assert error["code"] == "VALIDATION_ERROR" and "name" in str(error["details"])
    assert _ok(api.get(f"{sonarly.audiences_path}/{created['id']}"))["name"] == created["name"]


@needs_emulator
def test_name__over_255_characters_is_accepted_by_default(sonarly: Sonarly, api: httpx.Client) -> None:
    # No page gives a name length limit.
    long_name = "contract_" + "x" * 300
    created = _create(sonarly, api, long_name)
    patched = _ok(api.patch(f"{sonarly.audiences_path}/{created['id']}", json={"name": long_name + "y"}))
    assert patched["name"] == long_name + "y"


@needs_emulator
def test_name__over_255_characters_is_refused_under_strict_validation(sonarly: Sonarly, api: httpx.Client) -> None:
    sonarly.live.configure(strict_validation=True)  # invented option
    created = _create(sonarly, api)
    error = _err(api.post(sonarly.audiences_path, json={"name": "x" * 256, "type": "on_demand"}), 400)
    assert "name" in str(error["details"])
    error = _err(api.patch(f"{sonarly.audiences_path}/{created['id']}", json={"name": "x" * 256}), 422)
    assert "name" in str(error["details"])
    assert _ok(api.get(f"{sonarly.audiences_path}/{created['id']}"))["name"] == created["name"]


@invented
def test_patch__body_outside_the_schema_is_400(sonarly: Sonarly, api: httpx.Client) -> None:
    created = _create(sonarly, api)
    path = f"{sonarly.audiences_path}/{created['id']}"
    assert "name" in str(_err(api.patch(path, json={"name": 7}), 400)["details"])
    _err(api.patch(path, content=b"{not json", headers={"Content-Type": "application/json"}), 400)


def test_patch__unknown_audience_is_404(sonarly: Sonarly, api: httpx.Client) -> None:
    _err(api.patch(f"{sonarly.audiences_path}/507f1f77bcf86cd799439011", json={"name": _name()}), 404)


def test_patch__type_is_not_patchable(sonarly: Sonarly, api: httpx.Client) -> None:
    # audiences-update takes name and description: `type` is no mutable field, so the body has none (422), and the
    # type stays. (400 naming `type` is the invented strict_validation answer, below.)
    created = _create(sonarly, api)
    resp = api.patch(f"{sonarly.audiences_path}/{created['id']}", json={"type": "monitoring"})
    assert resp.status_code in (400, 422)
    _err(resp, resp.status_code)
    assert _ok(api.get(f"{sonarly.audiences_path}/{created['id']}"))["type"] == "on_demand"


@needs_emulator
def test_patch__field_outside_the_schema_is_ignored_by_default_400_under_strict_validation(
        sonarly: Sonarly, api: httpx.Client) -> None:
    created = _create(sonarly, api)
    path = f"{sonarly.audiences_path}/{created['id']}"
    assert _ok(api.patch(path, json={"description": "d", "type": "monitoring"}))["type"] == "on_demand"
    sonarly.live.configure(strict_validation=True)  # invented option
    error = _err(api.patch(path, json={"description": "e", "type": "monitoring"}), 400)
    assert "type" in str(error["details"])
    assert _ok(api.get(path))["description"] == "d"


@needs_emulator
def test_create__unknown_field_is_ignored_by_default_400_under_strict_validation(sonarly: Sonarly,
                                                                                 api: httpx.Client) -> None:
    created = _create(sonarly, api, colour="blue")
    assert "colour" not in created
    sonarly.live.configure(strict_validation=True)  # invented option
    error = _err(api.post(sonarly.audiences_path, json={"name": _name(), "type": "on_demand", "colour": "blue"}), 400)
    assert "colour" in str(error["details"])


def test_get__unknown_audience_is_404(sonarly: Sonarly, api: httpx.Client) -> None:
    _err(api.get(f"{sonarly.audiences_path}/507f1f77bcf86cd799439011"), 404)


def test_delete__200_deleted_true_then_get_is_404(sonarly: Sonarly, api: httpx.Client) -> None:
    created = _create(sonarly, api)
    assert _ok(api.delete(f"{sonarly.audiences_path}/{created['id']}")) == {"deleted": True}
    _err(api.get(f"{sonarly.audiences_path}/{created['id']}"), 404)
    _err(api.delete(f"{sonarly.audiences_path}/{created['id']}"), 404)


# -- not-ready audiences (a prospecting job is populating them) ----------------------------------------

@needs_emulator
def test_list__audience_being_populated_is_excluded(sonarly: Sonarly, api: httpx.Client) -> None:
    busy, idle = _create(sonarly, api), _create(sonarly, api)
    sonarly.live.seed({"jobs": [{"audienceId": busy["id"], "seconds": 30, "prospects": 40}]})
    listed = {a["id"] for a in _all_listed(sonarly, api)}
    assert idle["id"] in listed and busy["id"] not in listed
    nav = _ok(api.get(f"{sonarly.audiences_path}/navigation"))
    assert busy["id"] not in {a["id"] for a in nav["ungroupedAudiences"]}
    assert sonarly.live.objects("audiences")[busy["id"]]["ready"] is False


@needs_emulator
def test_get__audience_being_populated_is_409_not_ready_then_200_once_the_job_ends(sonarly: Sonarly,
                                                                                   api: httpx.Client) -> None:
    busy = _create(sonarly, api)
    sonarly.live.seed({"jobs": [{"audienceId": busy["id"], "seconds": 0.5, "prospects": 3}]})
    error = _err(api.get(f"{sonarly.audiences_path}/{busy['id']}"), 409)  # audiences-get "Readiness guard"
    assert error["code"] == "AUDIENCE_NOT_READY"
    _wait_ready(sonarly, api, busy["id"])
    assert _ok(api.get(f"{sonarly.audiences_path}/{busy['id']}"))["prospectCount"] == 3


@needs_emulator
def test_patch__audience_being_populated_is_409_not_ready(sonarly: Sonarly, api: httpx.Client) -> None:
    busy = _create(sonarly, api)
    sonarly.live.seed({"jobs": [{"audienceId": busy["id"], "seconds": 30}]})
    error = _err(api.patch(f"{sonarly.audiences_path}/{busy['id']}", json={"name": _name()}), 409)
    assert error["code"] == "AUDIENCE_NOT_READY"


@needs_emulator
def test_delete__not_ready_is_409_then_succeeds_after_the_job_completes(sonarly: Sonarly,
                                                                         api: httpx.Client) -> None:
    busy = _create(sonarly, api)
    sonarly.live.seed({"jobs": [{"audienceId": busy["id"], "seconds": 0.5, "prospects": 40}]})
    error = _err(api.delete(f"{sonarly.audiences_path}/{busy['id']}"), 409)
    assert error["code"] == "AUDIENCE_NOT_READY"
    time.sleep(0.6)
    assert _ok(api.get(f"{sonarly.audiences_path}/{busy['id']}"))["prospectCount"] == 40
    assert busy["id"] in {a["id"] for a in _all_listed(sonarly, api)}
    assert _ok(api.delete(f"{sonarly.audiences_path}/{busy['id']}")) == {"deleted": True}


# -- prospecting jobs --------------------------------------------------------------------------------------

@billable
def test_prospecting_start__202_then_completes_and_adds_prospects(sonarly: Sonarly, api: httpx.Client) -> None:
    audience = _create(sonarly, api)
    started = _ok(_start_job(sonarly, api, audience["id"], max_results=40), 202)
    assert set(started) == {"jobId", "status", "createdAt"} and started["status"] == "queued"
    assert audience["id"] not in {a["id"] for a in _all_listed(sonarly, api)}
    _err(_start_job(sonarly, api, audience["id"]), 409)  # one job at a time per audience
    job = _wait_job(sonarly, api, started["jobId"])
    assert job["status"] == "completed" and job["stages"]["import"]["status"] == "completed"
    assert _ok(api.get(f"{sonarly.audiences_path}/{audience['id']}"))["prospectCount"] == 40


@billable
def test_prospecting_start__same_idempotency_key_replays_the_same_job(sonarly: Sonarly, api: httpx.Client) -> None:
    audience = _create(sonarly, api)
    key = uuid.uuid4().hex
    first = _ok(_start_job(sonarly, api, audience["id"], key), 202)
    again = _ok(_start_job(sonarly, api, audience["id"], key), 202)  # still in flight: same job, not a 409
    assert again["jobId"] == first["jobId"]
    _wait_job(sonarly, api, first["jobId"])
    replay = _ok(_start_job(sonarly, api, audience["id"], key), 200)  # documented: completed job replays as 200
    assert replay["jobId"] == first["jobId"]
    jobs = _ok(api.get(f"/accounts/{sonarly.group}/prospecting", params={"limit": 100}))["items"]
    assert [j["jobId"] for j in jobs].count(first["jobId"]) == 1 and len(jobs) == 1
    assert _ok(api.get(f"{sonarly.audiences_path}/{audience['id']}"))["prospectCount"] == 40


@billable
def test_prospecting_start__same_idempotency_key_other_body_is_409(sonarly: Sonarly, api: httpx.Client) -> None:
    audience = _create(sonarly, api)
    key = uuid.uuid4().hex
    _ok(_start_job(sonarly, api, audience["id"], key, max_results=40), 202)
    _err(_start_job(sonarly, api, audience["id"], key, max_results=41), 409)


@invented
def test_prospecting_start__source_without_its_required_field_is_400(sonarly: Sonarly, api: httpx.Client) -> None:
    audience = _create(sonarly, api)
    resp = api.post(f"/accounts/{sonarly.group}/prospecting",
                    json={"audienceId": audience["id"], "source": "post_commenters"})
    assert "postUrl" in str(_err(resp, 400)["details"])


@needs_emulator
def test_prospecting_cancel__makes_the_audience_ready_without_prospects(sonarly: Sonarly,
                                                                        api: httpx.Client) -> None:
    sonarly.live.configure(job_seconds=30)
    audience = _create(sonarly, api)
    started = _ok(_start_job(sonarly, api, audience["id"]), 202)
    cancelled = _ok(api.post(f"/accounts/{sonarly.group}/prospecting/{started['jobId']}/cancel"))
    assert cancelled == {"jobId": started["jobId"], "status": "cancelled"}  # ProspectingJobCancelSuccessResponse
    assert audience["id"] in {a["id"] for a in _all_listed(sonarly, api)}
    assert _ok(api.get(f"{sonarly.audiences_path}/{audience['id']}"))["prospectCount"] == 0
    # Only queued or running jobs can be cancelled; a cancelled one is neither (inferred from the same page).
    again = _err(api.post(f"/accounts/{sonarly.group}/prospecting/{started['jobId']}/cancel"), 422)
    assert again["code"] == "VALIDATION_ERROR"


@billable
def test_prospecting_cancel__completed_job_is_422_validation_error(sonarly: Sonarly, api: httpx.Client) -> None:
    audience = _create(sonarly, api)
    started = _ok(_start_job(sonarly, api, audience["id"]), 202)
    _wait_job(sonarly, api, started["jobId"])
    error = _err(api.post(f"/accounts/{sonarly.group}/prospecting/{started['jobId']}/cancel"), 422)
    assert error["code"] == "VALIDATION_ERROR"  # prospecting-jobs-cancel "Cancelable states"


@needs_emulator
def test_prospecting_get__status_object_has_the_documented_fields_only(sonarly: Sonarly, api: httpx.Client) -> None:
    audience = _create(sonarly, api)
    started = _ok(_start_job(sonarly, api, audience["id"]), 202)
    job = _ok(api.get(f"/accounts/{sonarly.group}/prospecting/{started['jobId']}"))
    # prospecting-jobs-get example: jobId, type, status, createdAt, updatedAt, stages, error.
    assert set(job) == {"jobId", "type", "status", "createdAt", "updatedAt", "stages", "error"}
    sonarly.live.configure(job_audience_id=True)  # invented option
    assert _ok(api.get(f"/accounts/{sonarly.group}/prospecting/{started['jobId']}"))["audienceId"] == audience["id"]


# -- plan caps and credits (prospecting-jobs-start "Result limits", "Credit consumption") --------------------

@needs_emulator
@pytest.mark.parametrize(("plan", "asked", "found"), [("tester", 500, 100), ("starter", 1500, 1000),
                                                      ("scale", 2500, 2000), ("starter", 40, 40)])
def test_prospecting_start__max_results_is_capped_by_plan_not_refused(sonarly: Sonarly, api: httpx.Client,
                                                                      plan: str, asked: int, found: int) -> None:
    sonarly.live.configure(plan=plan, job_seconds=0)
    audience = _create(sonarly, api)
    _ok(_start_job(sonarly, api, audience["id"], max_results=asked), 202)
    assert _ok(api.get(f"{sonarly.audiences_path}/{audience['id']}"))["prospectCount"] == found


@needs_emulator
def test_prospecting_start__default_plan_is_the_lowest_cap(sonarly: Sonarly, api: httpx.Client) -> None:
    # The account's plan is left open by the docs: the emulator takes the least generous one (Tester, 100).
    sonarly.live.configure(job_seconds=0)
    audience = _create(sonarly, api)
    _ok(_start_job(sonarly, api, audience["id"], max_results=2000), 202)
    assert _ok(api.get(f"{sonarly.audiences_path}/{audience['id']}"))["prospectCount"] == 100
    assert sonarly.live.state()["meta"]["plan"] == "tester"


@needs_emulator
@pytest.mark.parametrize("max_results", [0, "many", 1.5])
def test_prospecting_start__max_results_that_is_no_count_is_400(sonarly: Sonarly, api: httpx.Client,
                                                                max_results: Any) -> None:
    audience = _create(sonarly, api)
    error = _err(_start_job(sonarly, api, audience["id"], max_results=max_results), 400)
    assert "maxResults" in str(error["details"])


@needs_emulator
@pytest.mark.parametrize("max_results", [5000, 1, "whatever"])
def test_url_upload__ignores_max_results(sonarly: Sonarly, api: httpx.Client, max_results: Any) -> None:
    # "url_upload ignores maxResults and imports according to the supplied URL list", whatever the plan's cap.
    sonarly.live.configure(job_seconds=0)
    audience = _create(sonarly, api)
    urls = _profiles(120)
    _ok(api.post(f"/accounts/{sonarly.group}/prospecting",
                 json={"audienceId": audience["id"], "source": "url_upload", "urls": urls,
                       "maxResults": max_results}), 202)
    assert _ok(api.get(f"{sonarly.audiences_path}/{audience['id']}"))["prospectCount"] == 120


@needs_emulator
def test_url_upload__insufficient_credits_is_402_and_starts_nothing(sonarly: Sonarly, api: httpx.Client) -> None:
    sonarly.live.configure(credits=4, job_seconds=0)
    audience = _create(sonarly, api)
    error = _err(_upload(sonarly, api, audience["id"], _profiles(5)), 402)
    assert error["code"] == "INSUFFICIENT_CREDITS"  # documented code
    assert sonarly.live.objects("jobs") == {}
    assert _ok(api.get(f"{sonarly.audiences_path}/{audience['id']}"))["prospectCount"] == 0
    assert sonarly.live.state()["meta"]["credits"] == 4


@needs_emulator
def test_prospecting__each_imported_prospect_costs_one_credit_two_with_search_emails(sonarly: Sonarly,
                                                                                     api: httpx.Client) -> None:
    sonarly.live.configure(credits=100, job_seconds=0)
    audience = _create(sonarly, api)
    urls = _profiles(30)
    _ok(_upload(sonarly, api, audience["id"], urls), 202)
    assert sonarly.live.state()["meta"]["credits"] == 70
    # Profiles already in the audience are not imported again, so they cost nothing.
    _ok(_upload(sonarly, api, audience["id"], urls[:10] + _profiles(5)), 202)
    assert sonarly.live.state()["meta"]["credits"] == 65
    other = _create(sonarly, api)
    body = {"audienceId": other["id"], "source": "linkedin_search", "searchEmails": True,
            "searchUrl": "https://www.linkedin.com/search/results/people/?keywords=cfo", "maxResults": 30}
    _ok(api.post(f"/accounts/{sonarly.group}/prospecting", json=body), 202)  # 30 prospects x 2 credits
    assert sonarly.live.state()["meta"]["credits"] == 5
    body["maxResults"] = 3  # 6 credits, 5 left
    assert _err(api.post(f"/accounts/{sonarly.group}/prospecting", json=body), 402)["code"] == "INSUFFICIENT_CREDITS"


def test_prospecting_cancel__unknown_job_is_404(sonarly: Sonarly, api: httpx.Client) -> None:
    _err(api.post(f"/accounts/{sonarly.group}/prospecting/507f1f77bcf86cd799439011/cancel"), 404)


# -- folders -----------------------------------------------------------------------------------------------

def test_folder_create__201_with_the_folder_shape(sonarly: Sonarly, api: httpx.Client) -> None:
    folder = _create_folder(sonarly, api, "monitoring")
    assert {"id", "name", "audienceType", "isPinned", "position", "createdAt", "updatedAt"} <= set(folder)
    assert folder["audienceType"] == "monitoring"


def test_folder_create__bad_audience_type_is_400(sonarly: Sonarly, api: httpx.Client) -> None:
    error = _err(api.post(sonarly.folders_path, json={"name": _name(), "audienceType": "weekly"}), 400)
    assert "audienceType" in str(error["details"])


def test_folder_rename__200_new_name_same_type(sonarly: Sonarly, api: httpx.Client) -> None:
    folder = _create_folder(sonarly, api, "monitoring")
    new_name = _name()
    renamed = _ok(api.patch(f"{sonarly.folders_path}/{folder['id']}", json={"name": new_name}))
    assert (renamed["id"], renamed["name"], renamed["audienceType"]) == (folder["id"], new_name, "monitoring")
    nav = _ok(api.get(f"{sonarly.audiences_path}/navigation"))
    assert {f["id"]: f["name"] for f in nav["folders"]}[folder["id"]] == new_name


@needs_emulator
def test_folder_rename__audience_type_stays_ignored_by_default_400_under_strict_validation(
        sonarly: Sonarly, api: httpx.Client) -> None:
    # audience-folders-rename takes `name` only.
    folder = _create_folder(sonarly, api)
    renamed = _ok(api.patch(f"{sonarly.folders_path}/{folder['id']}",
                            json={"name": _name(), "audienceType": "monitoring"}))
    assert renamed["audienceType"] == "on_demand"
    sonarly.live.configure(strict_validation=True)  # invented option
    error = _err(api.patch(f"{sonarly.folders_path}/{folder['id']}",
                           json={"name": _name(), "audienceType": "monitoring"}), 400)
    assert "audienceType" in str(error["details"])


def test_move_to_folder__sets_folder_id_and_navigation_nests_it(sonarly: Sonarly, api: httpx.Client) -> None:
    folder, audience = _create_folder(sonarly, api), _create(sonarly, api)
    moved = _ok(api.post(f"{sonarly.audiences_path}/{audience['id']}/move-to-folder", json={"folderId": folder["id"]}))
    assert moved["folderId"] == folder["id"]
    assert _ok(api.get(f"{sonarly.audiences_path}/{audience['id']}"))["folderId"] == folder["id"]
    nav = _ok(api.get(f"{sonarly.audiences_path}/navigation"))
    nested = {f["id"]: [a["id"] for a in f["audiences"]] for f in nav["folders"]}
    assert audience["id"] in nested[folder["id"]]
    assert audience["id"] not in {a["id"] for a in nav["ungroupedAudiences"]}


def test_move_to_folder__folder_of_other_type_is_422(sonarly: Sonarly, api: httpx.Client) -> None:
    folder, audience = _create_folder(sonarly, api, "monitoring"), _create(sonarly, api, type_="on_demand")
    _err(api.post(f"{sonarly.audiences_path}/{audience['id']}/move-to-folder", json={"folderId": folder["id"]}), 422)
    assert _ok(api.get(f"{sonarly.audiences_path}/{audience['id']}"))["folderId"] is None


def test_move_to_folder__missing_folder_id_is_400(sonarly: Sonarly, api: httpx.Client) -> None:
    audience = _create(sonarly, api)
    error = _err(api.post(f"{sonarly.audiences_path}/{audience['id']}/move-to-folder", json={}), 400)
    assert "folderId" in str(error["details"])


def test_move_to_folder__unknown_folder_is_404(sonarly: Sonarly, api: httpx.Client) -> None:
    audience = _create(sonarly, api)
    _err(api.post(f"{sonarly.audiences_path}/{audience['id']}/move-to-folder",
                  json={"folderId": "507f1f77bcf86cd799439011"}), 404)


def test_remove_from_folder__clears_folder_id(sonarly: Sonarly, api: httpx.Client) -> None:
    folder, audience = _create_folder(sonarly, api), _create(sonarly, api)
    _ok(api.post(f"{sonarly.audiences_path}/{audience['id']}/move-to-folder", json={"folderId": folder["id"]}))
    removed = _ok(api.post(f"{sonarly.audiences_path}/{audience['id']}/remove-from-folder"))
    assert removed["folderId"] is None
    nav = _ok(api.get(f"{sonarly.audiences_path}/navigation"))
    assert audience["id"] in {a["id"] for a in nav["ungroupedAudiences"]}


@needs_emulator
def test_move_to_folder__audience_being_populated_is_409(sonarly: Sonarly, api: httpx.Client) -> None:
    folder, busy = _create_folder(sonarly, api), _create(sonarly, api)
    sonarly.live.seed({"jobs": [{"audienceId": busy["id"], "seconds": 30}]})
    error = _err(api.post(f"{sonarly.audiences_path}/{busy['id']}/move-to-folder", json={"folderId": folder["id"]}),
                 409)
    assert error["code"] == "AUDIENCE_NOT_READY"


@needs_emulator
def test_folder_delete__no_such_route_by_default(sonarly: Sonarly, api: httpx.Client) -> None:
    # No page documents a folder delete: the path answers like any unknown route, and the folder stays.
    folder = _create_folder(sonarly, api)
    assert _err(api.delete(f"{sonarly.folders_path}/{folder['id']}"), 404)["code"] == "NOT_FOUND"
    nav = _ok(api.get(f"{sonarly.audiences_path}/navigation"))
    assert folder["id"] in {f["id"] for f in nav["folders"]}


@needs_emulator
def test_folder_delete__non_empty_is_409_then_200_once_empty(sonarly: Sonarly, api: httpx.Client) -> None:
    sonarly.live.configure(folder_delete=True)  # the invented route
    folder, audience = _create_folder(sonarly, api), _create(sonarly, api)
    _ok(api.post(f"{sonarly.audiences_path}/{audience['id']}/move-to-folder", json={"folderId": folder["id"]}))
    error = _err(api.delete(f"{sonarly.folders_path}/{folder['id']}"), 409)
    assert error["code"] == "FOLDER_NOT_EMPTY" and audience["id"] in str(error["details"])
    _ok(api.post(f"{sonarly.audiences_path}/{audience['id']}/remove-from-folder"))
    assert _ok(api.delete(f"{sonarly.folders_path}/{folder['id']}")) == {"deleted": True}
    nav = _ok(api.get(f"{sonarly.audiences_path}/navigation"))
    assert folder["id"] not in {f["id"] for f in nav["folders"]}


# -- shared machinery through Sonarly ----------------------------------------------------------------------

@needs_emulator
def test_create__drop_after_commit_really_commits(sonarly: Sonarly) -> None:
    sonarly.live.fault(kind="drop_after_commit", route=r"POST /v1/accounts/[^/]+/audiences$")
    name = _name()
    with httpx.Client(base_url=sonarly.base_url, headers={"Authorization": f"Bearer {sonarly.key}"},
                      timeout=httpx.Timeout(5.0)) as c:
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            c.post(sonarly.audiences_path, json={"name": name, "type": "on_demand"})
        # The client never saw the 201, yet the audience exists: only a list by name can reconcile it.
        matches = [a for a in _all_listed(sonarly, c) if a["name"] == name]
    assert len(matches) == 1
    assert [a["name"] for a in sonarly.live.objects("audiences").values()] == [name]
    assert sonarly.live.requests()[0]["status"] == "dropped:201"


@needs_emulator
def test_rate_limit__429_in_the_envelope_without_retry_after(sonarly: Sonarly, api: httpx.Client) -> None:
    sonarly.live.configure(rate_limit_rpm=60, rate_limit_burst=1)
    assert api.get("/accounts").status_code == 200
    resp = api.get("/accounts")
    assert _err(resp, 429)["code"] == "RATE_LIMITED" and "Retry-After" not in resp.headers
    with sonarly.client(DEMO_READONLY_KEY) as other:  # the bucket is per API key
        assert other.get("/accounts").status_code == 200


# -- prospects of an audience (audiences-prospects-list) --------------------------------------------------

@needs_emulator
def test_prospects__cursor_pages_list_every_member_once_with_the_documented_shape(sonarly: Sonarly,
                                                                                   api: httpx.Client) -> None:
    urls = _profiles(7)
    audience = _create(sonarly, api)
    sonarly.live.seed({"jobs": [{"audienceId": audience["id"], "seconds": 0, "urls": urls}]})
    first = _ok(api.get(f"{sonarly.audiences_path}/{audience['id']}/prospects", params={"limit": 3}))
    assert len(first["items"]) == 3 and first["hasMore"] is True and isinstance(first["nextCursor"], str)
    members = _all_prospects(sonarly, api, audience["id"], limit=3)
    assert {"id", "firstName", "lastName", "name", "headline", "about", "photoUrl", "linkedinUrl",
            "publicIdentifier", "company"} <= set(members[0])
    assert len({m["id"] for m in members}) == 7
    assert sorted(m["publicIdentifier"] for m in members) == sorted(u.rsplit("/", 1)[1] for u in urls)
    assert _ok(api.get(f"{sonarly.audiences_path}/{audience['id']}"))["prospectCount"] == 7


def test_prospects__new_audience_has_none(sonarly: Sonarly, api: httpx.Client) -> None:
    audience = _create(sonarly, api)
    page = _ok(api.get(f"{sonarly.audiences_path}/{audience['id']}/prospects"))
    assert page == {"items": [], "nextCursor": None, "hasMore": False}


@needs_emulator
def test_prospects__audience_being_populated_is_409_not_ready(sonarly: Sonarly, api: httpx.Client) -> None:
    busy = _create(sonarly, api)
    sonarly.live.seed({"jobs": [{"audienceId": busy["id"], "seconds": 30}]})
    error = _err(api.get(f"{sonarly.audiences_path}/{busy['id']}/prospects"), 409)
    assert error["code"] == "AUDIENCE_NOT_READY"


def test_prospects__unknown_audience_is_404(sonarly: Sonarly, api: httpx.Client) -> None:
    _err(api.get(f"{sonarly.audiences_path}/507f1f77bcf86cd799439011/prospects"), 404)


def test_prospects__non_numeric_limit_is_400(sonarly: Sonarly, api: httpx.Client) -> None:
    audience = _create(sonarly, api)
    error = _err(api.get(f"{sonarly.audiences_path}/{audience['id']}/prospects", params={"limit": "all"}), 400)
    assert error["code"] == "VALIDATION_ERROR"


@needs_emulator
def test_prospects__key_without_prospects_read_is_403_even_with_audiences_read(sonarly: Sonarly) -> None:
    with sonarly.client() as api:
        audience = _create(sonarly, api)
    with sonarly.client(DEMO_READONLY_KEY) as ro:  # audiences:read only
        assert ro.get(f"{sonarly.audiences_path}/{audience['id']}/prospects").status_code == 403


# -- url_upload prospecting (prospecting-jobs-start "Source requirements", "Idempotency") -----------------

@billable
def test_url_upload__202_job_takes_time_then_adds_one_prospect_per_profile(sonarly: Sonarly,
                                                                           api: httpx.Client) -> None:
    sonarly.live.configure(job_seconds=1.0)
    audience = _create(sonarly, api)
    urls = _profiles(5)
    started = _ok(_upload(sonarly, api, audience["id"], urls + [urls[0]]), 202)
    assert started["status"] == "queued"
    status = _ok(api.get(f"/accounts/{sonarly.group}/prospecting/{started['jobId']}"))
    assert status["status"] in ("queued", "running") and set(status["stages"]) == {"import", "enrichment"}
    _err(api.get(f"{sonarly.audiences_path}/{audience['id']}"), 409)
    assert _wait_job(sonarly, api, started["jobId"])["status"] == "completed"
    assert _ok(api.get(f"{sonarly.audiences_path}/{audience['id']}"))["prospectCount"] == 5
    # Uploading profiles that are already members adds nothing (our choice: one prospect per profile).
    again = _ok(_upload(sonarly, api, audience["id"], urls[:2] + _profiles(1, "extra")), 202)
    _wait_job(sonarly, api, again["jobId"])
    assert len(_all_prospects(sonarly, api, audience["id"])) == 6


@pytest.mark.parametrize("count", [0, 1001])
def test_url_upload__outside_1_to_1000_urls_is_400(sonarly: Sonarly, api: httpx.Client, count: int) -> None:
    audience = _create(sonarly, api)
    error = _err(_upload(sonarly, api, audience["id"], _profiles(count)), 400)
    assert error["code"] == "VALIDATION_ERROR"


@billable
def test_url_upload__exactly_1000_urls_is_accepted(sonarly: Sonarly, api: httpx.Client) -> None:
    sonarly.live.configure(job_seconds=0)
    audience = _create(sonarly, api)
    _ok(_upload(sonarly, api, audience["id"], _profiles(1000)), 202)
    assert _ok(api.get(f"{sonarly.audiences_path}/{audience['id']}"))["prospectCount"] == 1000


@invented
def test_url_upload__url_that_is_not_a_linkedin_profile_is_400_naming_its_index(sonarly: Sonarly,
                                                                                 api: httpx.Client) -> None:
    audience = _create(sonarly, api)
    urls = _profiles(2) + ["https://example.com/in/someone"]
    error = _err(_upload(sonarly, api, audience["id"], urls), 400)
    assert "urls" in str(error["details"]) and "2" in str(error["details"])


@invented
def test_url_upload__unknown_audience_is_400_not_404(sonarly: Sonarly, api: httpx.Client) -> None:
    # The start page documents no 404.
    error = _err(_upload(sonarly, api, "507f1f77bcf86cd799439011", _profiles(1)), 400)
    assert "audienceId" in str(error["details"])


@billable
def test_url_upload__idempotency_key_replays_in_flight_then_completed_job_without_a_second_import(
        sonarly: Sonarly, api: httpx.Client) -> None:
    sonarly.live.configure(job_seconds=0.5)
    audience = _create(sonarly, api)
    urls, key = _profiles(3), uuid.uuid4().hex
    first = _ok(_upload(sonarly, api, audience["id"], urls, key), 202)
    assert _ok(_upload(sonarly, api, audience["id"], urls, key), 202)["jobId"] == first["jobId"]
    _wait_job(sonarly, api, first["jobId"])
    assert _ok(_upload(sonarly, api, audience["id"], urls, key), 200)["jobId"] == first["jobId"]
    jobs = _ok(api.get(f"/accounts/{sonarly.group}/prospecting", params={"limit": 100}))["items"]
    assert [j["jobId"] for j in jobs] == [first["jobId"]]
    # Without a key the same upload is a new request (nothing new to import here, but it is a second job).
    _ok(_upload(sonarly, api, audience["id"], urls), 202)


@needs_emulator
def test_url_upload__lost_answer_retried_with_the_same_key_is_one_job(sonarly: Sonarly) -> None:
    sonarly.live.fault(kind="drop_after_commit", route=r"POST /v1/accounts/[^/]+/prospecting$")
    with sonarly.client() as api:
        audience = _create(sonarly, api)
        urls, key = _profiles(2), uuid.uuid4().hex
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            _upload(sonarly, api, audience["id"], urls, key)
    with sonarly.client() as api:
        replay = _ok(_upload(sonarly, api, audience["id"], urls, key), 202)
    assert list(sonarly.live.objects("jobs")) == [replay["jobId"]]


def test_prospecting_get__unknown_job_is_404(sonarly: Sonarly, api: httpx.Client) -> None:
    _err(api.get(f"/accounts/{sonarly.group}/prospecting/507f1f77bcf86cd799439011"), 404)


def test_prospecting_list__unknown_status_filter_is_400(sonarly: Sonarly, api: httpx.Client) -> None:
    _err(api.get(f"/accounts/{sonarly.group}/prospecting", params={"status": "sleeping"}), 400)


# -- every route: the statuses each page documents that any request can meet --------------------------------

ID = "507f1f77bcf86cd799439011"
# (method, path under /accounts/{ag}, permission, documented statuses, JSON body); paths from the pages under
# https://app.sonarly.io/docs/api/ (see emulators/sonarly/COVERAGE.md for which page documents what).
ROUTES: list[tuple[str, str, str | None, set[int], Any]] = [
    ("GET", "/audiences", "audiences:read", {200, 400, 401, 403, 429, 500, 502}, None),
    ("POST", "/audiences", "audiences:write", {201, 400, 401, 403, 422, 429, 500}, {"name": "x", "type": "on_demand"}),
    ("GET", "/audiences/navigation", "audiences:read", {200, 400, 401, 403, 429, 500}, None),
    ("GET", f"/audiences/{ID}", "audiences:read", {200, 400, 401, 403, 404, 409, 429, 500, 502}, None),
    ("PATCH", f"/audiences/{ID}", "audiences:write", {200, 400, 401, 403, 404, 409, 422, 429, 500}, {"name": "x"}),
    ("DELETE", f"/audiences/{ID}", "audiences:write", {200, 400, 401, 403, 404, 409, 429, 500}, None),
    ("GET", f"/audiences/{ID}/prospects", "prospects:read", {200, 400, 401, 403, 404, 409, 429, 500, 502}, None),
    ("POST", f"/audiences/{ID}/move-to-folder", "audiences:write", {200, 400, 401, 403, 404, 409, 422, 429, 500},
     {"folderId": ID}),
    ("POST", f"/audiences/{ID}/remove-from-folder", "audiences:write", {200, 400, 401, 403, 404, 409, 429, 500},
     None),
    ("POST", "/audiences/folders", "audiences:write", {201, 400, 401, 403, 429, 500},
     {"name": "x", "audienceType": "on_demand"}),
    ("PATCH", f"/audiences/folders/{ID}", "audiences:write", {200, 400, 401, 403, 404, 429, 500}, {"name": "x"}),
    # 402 INSUFFICIENT_CREDITS is in the page's prose ("Credit consumption"), not its response list.
    ("POST", "/prospecting", "prospecting:write", {200, 202, 400, 401, 402, 403, 409, 429, 500, 502},
     {"audienceId": ID, "source": "url_upload", "urls": ["https://www.linkedin.com/in/x"]}),
    ("GET", "/prospecting", "prospecting:read", {200, 400, 401, 403, 429, 500}, None),
    ("GET", f"/prospecting/{ID}", "prospecting:read", {200, 400, 401, 403, 404, 429, 500}, None),
    ("POST", f"/prospecting/{ID}/cancel", "prospecting:write", {200, 400, 401, 403, 404, 422, 429, 500, 502}, None),
]
ROUTE_IDS = [f"{m} {p.replace(ID, '{id}')}" for m, p, *_ in ROUTES]


def _send(sonarly: Sonarly, client: httpx.Client, method: str, path: str, body: Any) -> httpx.Response:
    return client.request(method, f"/accounts/{sonarly.group}{path}", json=body)


@pytest.mark.parametrize(("method", "path", "permission", "documented", "body"), ROUTES, ids=ROUTE_IDS)
def test_every_route__unknown_key_is_401(sonarly: Sonarly, method: str, path: str, permission: str | None,
                                         documented: set[int], body: Any) -> None:
    assert 401 in documented
    with sonarly.client("sk_live_not_a_real_key") as bad:
        _err(_send(sonarly, bad, method, path, body), 401)


@needs_emulator
@pytest.mark.parametrize(("method", "path", "permission", "documented", "body"), ROUTES, ids=ROUTE_IDS)
def test_every_route__key_lacking_its_permission_is_403_naming_it(sonarly: Sonarly, method: str, path: str,
                                                                  permission: str, documented: set[int],
                                                                  body: Any) -> None:
    assert 403 in documented
    others = [p for p in ("audiences:read", "audiences:write", "prospects:read", "prospecting:read",
                          "prospecting:write") if p != permission]
    sonarly.live.seed({"keys": [{"key": "sk_live_all_but_one", "permissions": others}]})
    with sonarly.client("sk_live_all_but_one") as c:
        assert permission in _err(_send(sonarly, c, method, path, body), 403)["message"]


@needs_emulator
@pytest.mark.parametrize(("method", "path", "permission", "documented", "body"), ROUTES, ids=ROUTE_IDS)
def test_every_route__429_and_documented_5xx_answer_in_the_envelope(sonarly: Sonarly, api: httpx.Client,
                                                                    method: str, path: str, permission: str,
                                                                    documented: set[int], body: Any) -> None:
    assert 429 in documented and 500 in documented
    for status in sorted(documented & {500, 502}):
        sonarly.live.fault(kind="status", status=status, route=f"{method} /v1/accounts/[^/]+{path}$")
        _err(_send(sonarly, api, method, path, body), status)
    sonarly.live.configure(rate_limit_rpm=60, rate_limit_burst=1)
    _send(sonarly, api, method, path, body)
    assert _err(_send(sonarly, api, method, path, body), 429)["code"] == "RATE_LIMITED"


ID_ROUTES = [r for r in ROUTES if ID in r[1] and 404 in r[3] and r[1] != "/prospecting"]


@pytest.mark.parametrize(("method", "path", "permission", "documented", "body"), ID_ROUTES,
                         ids=[f"{m} {p.replace(ID, '{id}')}" for m, p, *_ in ID_ROUTES])
def test_every_route__unknown_id_is_404(sonarly: Sonarly, api: httpx.Client, method: str, path: str,
                                        permission: str, documented: set[int], body: Any) -> None:
    if "move-to-folder" in path:
        body = {"folderId": _create_folder(sonarly, api)["id"]}
    _err(_send(sonarly, api, method, path, body), 404)


GUARDED = [r for r in ROUTES if r[1].startswith(f"/audiences/{ID}") and 409 in r[3]]


@needs_emulator
@pytest.mark.parametrize(("method", "path", "permission", "documented", "body"), GUARDED,
                         ids=[f"{m} {p.replace(ID, '{id}')}" for m, p, *_ in GUARDED])
def test_every_route__audience_being_populated_is_409_audience_not_ready(sonarly: Sonarly, api: httpx.Client,
                                                                         method: str, path: str,
                                                                         permission: str, documented: set[int],
                                                                         body: Any) -> None:
    busy = _create(sonarly, api)
    if "move-to-folder" in path:
        body = {"folderId": _create_folder(sonarly, api)["id"]}
    sonarly.live.seed({"jobs": [{"audienceId": busy["id"], "seconds": 30}]})
    assert _err(_send(sonarly, api, method, path.replace(ID, busy["id"]), body), 409)["code"] == "AUDIENCE_NOT_READY"


# Statuses a route documents with no trigger the pages describe (or only an account state, like credits): a
# fault produces each, so a client's answer to it can be tested. Every other documented status has a natural
# trigger, tested above (401/403/404/409/429 per route, 400/422 per rule, 402 by credits).
NO_DOCUMENTED_TRIGGER = {("POST", "/audiences"): {422}, ("GET", "/audiences/navigation"): {400},
                         ("GET", f"/audiences/{ID}"): {400}, ("DELETE", f"/audiences/{ID}"): {400},
                         ("POST", f"/audiences/{ID}/remove-from-folder"): {400},
                         ("GET", f"/prospecting/{ID}"): {400}, ("POST", f"/prospecting/{ID}/cancel"): {400}}


@needs_emulator
@pytest.mark.parametrize(("method", "path", "permission", "documented", "body"), ROUTES, ids=ROUTE_IDS)
def test_every_route__every_documented_error_status_can_be_injected(sonarly: Sonarly, api: httpx.Client,
                                                                   method: str, path: str, permission: str,
                                                                   documented: set[int], body: Any) -> None:
    assert NO_DOCUMENTED_TRIGGER.get((method, path), set()) <= documented
    for status in sorted(s for s in documented if s >= 400):
        sonarly.live.fault(kind="status", status=status, route=f"{method} /v1/accounts/[^/]+{path}$")
        error = _err(_send(sonarly, api, method, path, body), status)
        if status == 402:
            assert error["code"] == "INSUFFICIENT_CREDITS"
        if status == 400:
            assert error["code"] == "VALIDATION_ERROR"
