"""Batch Audience API 2.8 contract: runs against the emulator, or the real API when credentials are set.

Real-vendor mode: BATCH_BASE_URL (https://api.batch.com/2.8), BATCH_API_KEY, BATCH_PROJECT_KEY. Audience names
are prefixed `contract_` so `sweep` can remove leftovers.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

REAL = all(os.environ.get(k) for k in ("BATCH_BASE_URL", "BATCH_API_KEY", "BATCH_PROJECT_KEY"))


@pytest.fixture
def api(emulator) -> Iterator[httpx.Client]:  # type: ignore[no-untyped-def]
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


def _settle(api: httpx.Client, name: str, token: str) -> dict:  # type: ignore[type-arg]
    for _ in range(200):
        view = api.get("/audiences/view", params={"name": name, "indexing_token": token}).json()
        if view["indexing_state"] in ("APPLIED", "REPLACED"):
            return view  # type: ignore[no-any-return]
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


def test_remove__then_view_is_404(api: httpx.Client) -> None:
    name = _name()
    api.post("/audiences/create", json={"name": name, "type": "custom_ids"})
    assert api.post("/audiences/remove", json={"name": name}).status_code == 202
    assert api.get("/audiences/view", params={"name": name}).status_code == 404


def test_list__pages_of_at_most_100(api: httpx.Client, emulator) -> None:  # type: ignore[no-untyped-def]
    if REAL:
        pytest.skip("needs the emulator's seed API (would create 120 audiences in a real project)")
    emulator("batch").seed({"audiences": [{"name": f"a{i:03d}"} for i in range(120)]})
    assert api.get("/audiences/list", params={"limit": 101}).status_code == 400
    first = api.get("/audiences/list", params={"limit": 100}).json()
    assert first["has_more"] and len(first["audiences"]) == 100
    rest = api.get("/audiences/list", params={"limit": 100, "from": first["next_from"]}).json()
    assert not rest["has_more"] and len(rest["audiences"]) == 20


def test_auth__wrong_key_is_401(api: httpx.Client) -> None:
    resp = httpx.get(str(api.base_url).rstrip("/") + "/audiences/list", headers={"Authorization": "Bearer nope",
                                                                     "X-Batch-Project": "nope"})
    assert resp.status_code == 401 and "error_message" in resp.json()
