"""Batch Audience API 2.8 contract: runs against the emulator, or the real API when credentials are set.

Real-vendor mode: BATCH_BASE_URL (https://api.batch.com/2.8), BATCH_API_KEY, BATCH_PROJECT_KEY. Audience names
are prefixed `contract_` so `sweep` can remove leftovers.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import httpx
import pytest

if TYPE_CHECKING:
    from tests.conftest import Emulators

REAL = all(os.environ.get(k) for k in ("BATCH_BASE_URL", "BATCH_API_KEY", "BATCH_PROJECT_KEY"))


@pytest.fixture
def api(emulator: Emulators) -> Iterator[httpx.Client]:
    if REAL:
        base, key, project = (os.environ[k] for k in ("BATCH_BASE_URL", "BATCH_API_KEY", "BATCH_PROJECT_KEY"))
    else:
        live = emulator("batch")
        live.configure(indexing_seconds=0.05)
        base, key, project = live.base_url, "demo-batch-rest-key", "project_demo0000000000000000000000000"
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}", "X-Batch-Project": project},
                      timeout=30) as client:
        yield client


def _name() -> str:
    return f"contract_{uuid.uuid4().hex[:10]}"


def _settle(api: httpx.Client, name: str, token: str) -> dict[str, Any]:
    for _ in range(200):
        view: dict[str, Any] = api.get("/audiences/view", params={"name": name, "indexing_token": token}).json()
        if view["indexing_state"] in ("APPLIED", "REPLACED"):
            return view
        time.sleep(0.05)
    raise AssertionError(f"{name} never settled")


def test_create__202_with_indexing_token_then_view(api: httpx.Client) -> None:
    name = _name()
    resp = api.post("/audiences/create", json={"name": name, "type": "custom_ids", "display_name": "Contract"})
    assert resp.status_code == 202 and resp.json()["indexing_token"]
    view = _settle(api, name, resp.json()["indexing_token"])
    assert view["name"] == name and view["display_name"] == "Contract" and view["nb_ids"] == 0
    api.post("/audiences/remove", json={"name": name})


def test_create__invalid_name_is_400_with_error_body(api: httpx.Client) -> None:
    resp = api.post("/audiences/create", json={"name": "has space", "type": "custom_ids"})
    assert resp.status_code == 400
    assert set(resp.json()) >= {"error_code", "error_message"}


def test_update__adds_and_removes_are_applied_asynchronously(api: httpx.Client) -> None:
    name = _name()
    created = api.post("/audiences/create", json={"name": name, "type": "custom_ids"}).json()
    _settle(api, name, created["indexing_token"])
    tok = api.post("/audiences/update", json={"name": name, "ids": [
        {"action": "add", "id": "a", "attributes": {"tier": "gold"}}, {"action": "add", "id": "b"}]}).json()
    assert _settle(api, name, tok["indexing_token"])["nb_ids"] == 2
    tok = api.post("/audiences/update", json={"name": name, "ids": [{"action": "remove", "id": "a"}]}).json()
    assert _settle(api, name, tok["indexing_token"])["nb_ids"] == 1
    api.post("/audiences/remove", json={"name": name})


def test_update__sent_before_the_create_settles_applies_after_it(api: httpx.Client) -> None:
    """What the provider's create relies on, behind its guard (order inferred; see COVERAGE.md)."""
    name = _name()
    created = api.post("/audiences/create", json={"name": name, "type": "custom_ids"}).json()
    resp = api.post("/audiences/update", json={"name": name, "ids": [{"action": "add", "id": "a"},
                                                                      {"action": "add", "id": "b"}]})
    assert resp.status_code == 202
    assert _settle(api, name, resp.json()["indexing_token"])["nb_ids"] == 2
    assert _settle(api, name, created["indexing_token"])["nb_ids"] == 2
    api.post("/audiences/remove", json={"name": name})


def test_update__more_than_10000_ids_is_400(api: httpx.Client) -> None:
    name = _name()
    api.post("/audiences/create", json={"name": name, "type": "custom_ids"})
    ids = [{"action": "add", "id": str(i)} for i in range(10_001)]
    assert api.post("/audiences/update", json={"name": name, "ids": ids}).status_code == 400
    api.post("/audiences/remove", json={"name": name})


def test_replace__swaps_the_whole_membership(api: httpx.Client) -> None:
    name = _name()
    api.post("/audiences/create", json={"name": name, "type": "custom_ids"})
    api.post("/audiences/update", json={"name": name, "ids": [{"action": "add", "id": "x"}]})
    tok = api.post("/audiences/replace", json={"name": name, "ids": [{"id": "y"}, {"id": "z"}]}).json()
    assert _settle(api, name, tok["indexing_token"])["nb_ids"] == 2
    api.post("/audiences/remove", json={"name": name})


def _gone(api: httpx.Client, name: str, token: str) -> None:
    for _ in range(200):
        resp = api.get("/audiences/view", params={"name": name, "indexing_token": token})
        if resp.status_code == 404:
            return
        assert resp.status_code == 200 and resp.json()["indexing_state"] == "IN_PROGRESS", resp.text
        time.sleep(0.05)
    raise AssertionError(f"{name} never went away")


def test_remove__token_is_reported_by_view_until_the_audience_is_gone(api: httpx.Client) -> None:
    # remove page: "Once you get your indexing token, you can use it to check the indexing state with the view
    # action"; view: indexing_token is "returned by the create, replace, update or remove routes".
    name = _name()
    api.post("/audiences/create", json={"name": name, "type": "custom_ids"})
    resp = api.post("/audiences/remove", json={"name": name})
    assert resp.status_code == 202 and resp.json()["indexing_token"]
    _gone(api, name, resp.json()["indexing_token"])
    assert api.get("/audiences/view", params={"name": name}).status_code == 404


def test_remove__unknown_name_is_400_by_default(api: httpx.Client) -> None:
    if REAL:
        pytest.skip("undocumented case; the emulator's default reading is checked here")
    resp = api.post("/audiences/remove", json={"name": _name()})
    assert resp.status_code == 400 and set(resp.json()) >= {"error_code", "error_message"}


def test_remove__unknown_name_accepted_when_configured(api: httpx.Client, emulator: Emulators) -> None:
    if REAL:
        pytest.skip("needs the emulator's config API")
    emulator("batch").configure(remove_unknown="accepted", indexing_seconds=0.05)
    name = _name()
    resp = api.post("/audiences/remove", json={"name": name})
    assert resp.status_code == 202 and resp.json()["indexing_token"]
    assert api.get("/audiences/view", params={"name": name,
                                              "indexing_token": resp.json()["indexing_token"]}).status_code == 404


def test_create__type_is_required(api: httpx.Client) -> None:
    # create page: "type string · enum · Required".
    resp = api.post("/audiences/create", json={"name": _name()})
    assert resp.status_code == 400 and set(resp.json()) >= {"error_code", "error_message"}


def test_create__undocumented_fields_are_ignored_by_default(api: httpx.Client) -> None:
    if REAL:
        pytest.skip("undocumented case; the emulator's default reading is checked here")
    # The create body documents name, type, display_name; `ids` is not one of them and adds no member.
    name = _name()
    resp = api.post("/audiences/create", json={"name": name, "type": "custom_ids", "ids": [{"id": "x"}]})
    assert resp.status_code == 202
    assert _settle(api, name, resp.json()["indexing_token"])["nb_ids"] == 0
    api.post("/audiences/remove", json={"name": name})


def test_create__undocumented_fields_are_400_under_strict_validation(api: httpx.Client, emulator: Emulators) -> None:
    if REAL:
        pytest.skip("an invented check of the emulator (admin option strict_validation)")
    emulator("batch").configure(strict_validation=True, indexing_seconds=0.05)
    name = _name()
    resp = api.post("/audiences/create", json={"name": name, "type": "custom_ids", "ids": [{"id": "x"}]})
    assert resp.status_code == 400 and "ids" in resp.json()["error_message"]
    assert api.get("/audiences/view", params={"name": name}).status_code == 404


def test_create__existing_name_is_400(api: httpx.Client) -> None:
    name = _name()
    api.post("/audiences/create", json={"name": name, "type": "custom_ids"})
    resp = api.post("/audiences/create", json={"name": name, "type": "custom_ids"})
    assert resp.status_code == 400 and "error_code" in resp.json()
    api.post("/audiences/remove", json={"name": name})


@pytest.mark.parametrize("route", ["update", "replace"])
def test_write__unknown_name_is_400_not_404(api: httpx.Client, route: str) -> None:
    # update/replace list 400, 401, 429, 500, 503 and no 404.
    ids = [{"action": "add", "id": "x"}] if route == "update" else [{"id": "x"}]
    resp = api.post(f"/audiences/{route}", json={"name": _name(), "ids": ids})
    assert resp.status_code == 400 and set(resp.json()) >= {"error_code", "error_message"}


def test_view__missing_name_is_400_unknown_is_404(api: httpx.Client) -> None:
    assert api.get("/audiences/view").status_code == 400
    resp = api.get("/audiences/view", params={"name": _name()})
    assert resp.status_code == 404 and set(resp.json()) >= {"error_code", "error_message"}


def test_list__default_limit_10_count_on_first_page_only(api: httpx.Client, emulator: Emulators) -> None:
    if REAL:
        pytest.skip("needs the emulator's seed API (would create 25 audiences in a real project)")
    emulator("batch").seed({"audiences": [{"name": f"a{i:03d}"} for i in range(25)]})
    first = api.get("/audiences/list").json()
    assert len(first["audiences"]) == 10 and first["has_more"] and first["count"] == 25
    second = api.get("/audiences/list", params={"from": first["next_from"]}).json()
    assert len(second["audiences"]) == 10 and "count" not in second
    third = api.get("/audiences/list", params={"from": second["next_from"]}).json()
    assert len(third["audiences"]) == 5 and not third["has_more"]
    names = [a["name"] for page in (first, second, third) for a in page["audiences"]]
    assert names == [f"a{i:03d}" for i in range(25)]


def test_list__pages_of_at_most_100(api: httpx.Client, emulator: Emulators) -> None:
    if REAL:
        pytest.skip("needs the emulator's seed API (would create 120 audiences in a real project)")
    emulator("batch").seed({"audiences": [{"name": f"a{i:03d}"} for i in range(120)]})
    assert api.get("/audiences/list", params={"limit": 101}).status_code == 400
    assert api.get("/audiences/list", params={"limit": "ten"}).status_code == 400
    first = api.get("/audiences/list", params={"limit": 100}).json()
    assert first["has_more"] and len(first["audiences"]) == 100
    rest = api.get("/audiences/list", params={"limit": 100, "from": first["next_from"]}).json()
    assert not rest["has_more"] and len(rest["audiences"]) == 20


ROUTES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "create": ("POST", "/audiences/create", {"name": "contract_status", "type": "custom_ids"}),
    "update": ("POST", "/audiences/update", {"name": "contract_status", "ids": [{"action": "add", "id": "x"}]}),
    "replace": ("POST", "/audiences/replace", {"name": "contract_status", "ids": [{"id": "x"}]}),
    "remove": ("POST", "/audiences/remove", {"name": "contract_status"}),
    "view": ("GET", "/audiences/view", {"name": "contract_status"}),
    "list": ("GET", "/audiences/list", {}),
}


def _send(client: httpx.Client, route: str) -> httpx.Response:
    method, path, body = ROUTES[route]
    if method == "GET":
        return client.get(path, params=body)  # the GET routes' bodies are query dicts
    return client.post(path, json=body)


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_every_route__401_with_the_documented_text(api: httpx.Client, route: str) -> None:
    bad = httpx.Client(base_url=api.base_url, headers={"Authorization": "Bearer nope", "X-Batch-Project": "nope"})
    resp = _send(bad, route)
    assert resp.status_code == 401
    assert resp.json()["error_message"] == "The Rest API Key is not valid for this project"


@pytest.mark.parametrize("status", [500, 503])
@pytest.mark.parametrize("route", sorted(ROUTES))
def test_every_route__5xx_in_the_error_schema(api: httpx.Client, emulator: Emulators, route: str, status: int) -> None:
    if REAL:
        pytest.skip("needs the emulator's fault API")
    live = emulator("batch")
    live.seed({"audiences": [{"name": "contract_status"}]})
    live.fault(kind="status", status=status, route=f"{ROUTES[route][0]} {ROUTES[route][1]}$")
    resp = _send(api, route)
    assert resp.status_code == status and set(resp.json()) == {"error_code", "error_message"}


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_every_route__429_when_over_the_rate_limit(api: httpx.Client, emulator: Emulators, route: str) -> None:
    if REAL:
        pytest.skip("needs the emulator's rate limiter")
    live = emulator("batch")
    live.seed({"audiences": [{"name": "contract_status"}]})
    live.configure(rate_limit_rpm=1, rate_limit_burst=1)
    _send(api, route)
    resp = _send(api, route)
    assert resp.status_code == 429 and set(resp.json()) == {"error_code", "error_message"}
    # The pages list 429 "Too Many Requests" and no header: none by default (admin rate_limit_retry_after adds it).
    assert "Retry-After" not in resp.headers


def test_every_route__400_on_a_malformed_body(api: httpx.Client) -> None:
    for route in ("create", "update", "replace", "remove"):
        resp = api.post(ROUTES[route][1], content=b"{not json", headers={"Content-Type": "application/json"})
        assert resp.status_code == 400, route


def test_auth__wrong_key_is_401(api: httpx.Client) -> None:
    resp = httpx.get(str(api.base_url).rstrip("/") + "/audiences/list", headers={"Authorization": "Bearer nope",
                                                                     "X-Batch-Project": "nope"})
    assert resp.status_code == 401 and "error_message" in resp.json()
