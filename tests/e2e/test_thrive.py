"""Thrive structures and audiences through the real engine, with Basic auth and with OAuth2."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx
import pytest

from .fleet import destroy_and_check

if TYPE_CHECKING:
    from tests.conftest import Emulators, LiveEmulator

    from .conftest import MakeStack

pytestmark = pytest.mark.e2e

TENANT, SECRET = "demo-tenant", "demo-thrive-secret"


def _by_ref(live: LiveEmulator) -> dict[str, dict[str, Any]]:
    return {a["reference"]: a for a in live.objects("audiences").values()}


@pytest.mark.parametrize("auth", ["basic", "oauth"])
def test_tree__create_rename_move_refresh_adopt_destroy(make_stack: MakeStack, emulator: Emulators, auth: str) -> None:
    live = emulator("thrive")
    stack = make_stack("thrive_tree")
    stack.config("thrive:baseUrl", live.base_url)
    stack.config("thrive:tenantId", TENANT)
    if auth == "basic":
        stack.config("thrive:apiSecret", SECRET, secret=True)
    else:
        live.configure(token_ttl_seconds=2)  # forces refreshes during the run
        stack.config("thrive:clientId", "demo-thrive-client")
        stack.config("thrive:clientSecret", "demo-thrive-client-secret", secret=True)
        stack.config("thrive:tokenUrl", f"{live.root_url}/oauth2/token/{TENANT}")

    stack.up()
    refs = _by_ref(live)
    assert {"e2e-eng", "e2e-ops", "e2e-a1", "e2e-a2", "e2e-a3"} <= set(refs)
    assert refs["e2e-a1"]["parent"]["reference"] == "e2e-eng" and refs["e2e-a1"]["category"] == "audience"
    if auth == "oauth":
        assert any(r["path"].startswith("/oauth2/token/") for r in live.requests())

    stack.config("name1", "Platform team")
    stack.config("parent3", "ops")
    out = stack.up()
    assert "replaced" not in out.stdout  # rename and move are in place (PATCH)
    refs = _by_ref(live)
    assert refs["e2e-a1"]["name"] == "Platform team"
    assert refs["e2e-a3"]["parent"]["reference"] == "e2e-ops"

    # Out-of-band delete of a2, then refresh drops it from state.
    basic = httpx.BasicAuth(TENANT, SECRET)
    assert httpx.delete(f"{live.base_url}/audiences/e2e-a2", auth=basic).status_code in (200, 204)
    assert "deleted" in stack.refresh().stdout

    # Adopt an audience made outside the stack (API-controlled) by its reference.
    eng_id = refs["e2e-eng"]["id"]
    made = httpx.post(f"{live.base_url}/audiences", auth=basic,
                      json={"name": "Made elsewhere", "reference": "e2e-existing", "parentId": eng_id,
                            "category": "audience"})
    assert made.status_code == 201
    stack.config("adoptRef", "e2e-existing")
    stack.up()
    refs = _by_ref(live)
    assert stack.outputs()["adopted_id"] == made.json()["id"]
    assert refs["e2e-existing"]["name"] == "Adopted team"
    assert "e2e-a2" in refs  # recreated by the up after refresh
    assert len([a for a in live.objects("audiences").values() if a["reference"] == "e2e-existing"]) == 1

    destroy_and_check(stack, live)
    assert live.objects("audiences") == {}


def test_adopt__ui_created_audience_fails_at_preview_with_reason(make_stack: MakeStack, emulator: Emulators) -> None:
    live = emulator("thrive")
    live.seed({"audiences": [{"name": "UI structure", "reference": "e2e-ui", "category": "structure",
                              "apiControlled": False}]})
    stack = make_stack("thrive_tree")
    stack.config("thrive:baseUrl", live.base_url)
    stack.config("thrive:tenantId", TENANT)
    stack.config("thrive:apiSecret", SECRET, secret=True)
    stack.up()
    stack.config("adoptRef", "e2e-ui")
    out = stack.preview(check=False)
    text = out.stdout + out.stderr
    assert out.returncode != 0 and "apiControlled=false" in text and "thrive:Audience" in text
    destroy_and_check(stack, live)


def test_delete__structure_with_foreign_child_names_the_blocker(make_stack: MakeStack, emulator: Emulators) -> None:
    live = emulator("thrive")
    stack = make_stack("thrive_tree")
    stack.config("thrive:baseUrl", live.base_url)
    stack.config("thrive:tenantId", TENANT)
    stack.config("thrive:apiSecret", SECRET, secret=True)
    stack.up()
    basic = httpx.BasicAuth(TENANT, SECRET)
    ops_id = _by_ref(live)["e2e-ops"]["id"]
    httpx.post(f"{live.base_url}/audiences", auth=basic, json={
        "name": "Foreign", "reference": "foreign-child", "parentId": ops_id, "category": "audience"})
    out = stack.run("destroy", "--yes", "--non-interactive", "--skip-preview", "--stack", "e2e", check=False)
    text = out.stdout + out.stderr
    assert out.returncode != 0 and "409" in text and "foreign-child" in text and "rerun `pulumi destroy`" in text
    httpx.delete(f"{live.base_url}/audiences/foreign-child", auth=basic)
    destroy_and_check(stack, live)
    assert live.objects("audiences") == {}


def test_preview__wrong_base_url_fails_naming_the_url_and_the_setting(make_stack: MakeStack) -> None:
    stack = make_stack("fleet")
    stack.config("vendor", "thrive")
    stack.config("count", "2")
    stack.config("thrive:baseUrl", "http://127.0.0.1:9/rest/v1")  # nothing listens on the discard port
    stack.config("thrive:tenantId", "demo-tenant")
    stack.config("thrive:apiSecret", "demo-thrive-secret", secret=True)
    out = stack.preview(check=False)
    text = out.stdout + out.stderr
    assert out.returncode != 0
    assert "could not connect to http://127.0.0.1:9/rest/v1/audiences" in text, text
    assert "check thrive:baseUrl (THRIVE_BASE_URL)" in text
