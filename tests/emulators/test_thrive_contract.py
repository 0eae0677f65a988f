"""Contract tests for the Thrive Learning audiences API, over HTTP only.

By default they run against the local emulator. Set THRIVE_BASE_URL (e.g.
``https://public.api.learnstaging.link/rest/v1``), THRIVE_TENANT_ID and THRIVE_API_SECRET to run the same
tests against the real vendor; THRIVE_TEST_USERS (comma-separated references or emails of at least three
existing users) enables the member/manager tests there. Tests that need the emulator's admin API, or that
pin behaviour we invented, skip with a reason in that mode.
"""

from __future__ import annotations

import math
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

REAL_BASE_URL = os.environ.get("THRIVE_BASE_URL", "")
REAL_TENANT = os.environ.get("THRIVE_TENANT_ID", "")
REAL_SECRET = os.environ.get("THRIVE_API_SECRET", "")
REAL_MODE = bool(REAL_BASE_URL and REAL_TENANT and REAL_SECRET)
REAL_USERS = [u.strip() for u in os.environ.get("THRIVE_TEST_USERS", "").split(",") if u.strip()]
REAL_CLIENT_ID = os.environ.get("THRIVE_CLIENT_ID", "")
REAL_CLIENT_SECRET = os.environ.get("THRIVE_CLIENT_SECRET", "")

DEMO_TENANT = "demo-tenant"
DEMO_SECRET = "demo-thrive-secret"
DEMO_CLIENT_ID = "demo-thrive-client"
DEMO_CLIENT_SECRET = "demo-thrive-client-secret"


@dataclass
class Thrive:
    """Where the API under test lives, how to authenticate, and what the test created (for cleanup)."""

    base_url: str
    root_url: str
    tenant_id: str
    secret: str
    live: Any  # tests.conftest.LiveEmulator in emulator mode, None against the real vendor
    users: list[str]
    created: list[str] = field(default_factory=list)

    def client(self, auth: httpx.Auth | tuple[str, str] | None = None, **headers: str) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, auth=auth, headers=headers, timeout=30)

    def basic(self) -> httpx.Client:
        return self.client(auth=(self.tenant_id, self.secret))

    def bearer(self, token: str) -> httpx.Client:
        return self.client(Authorization=f"Bearer {token}")

    @property
    def token_url(self) -> str:
        return f"{self.root_url}/oauth2/token/{self.tenant_id}"

    @property
    def client_id(self) -> str:
        if self.live is None and not REAL_CLIENT_ID:
            pytest.skip("set THRIVE_CLIENT_ID and THRIVE_CLIENT_SECRET for the OAuth tests against the real vendor")
        return REAL_CLIENT_ID if self.live is None else DEMO_CLIENT_ID

    @property
    def client_secret(self) -> str:
        return REAL_CLIENT_SECRET if self.live is None else DEMO_CLIENT_SECRET

    def token(self, scope: str | None = None) -> dict[str, Any]:
        data = {"grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self.client_secret}
        if scope is not None:
            data["scope"] = scope
        resp = httpx.post(self.token_url, data=data, timeout=30)
        assert resp.status_code == 200, resp.text
        body: dict[str, Any] = resp.json()
        return body

    def admin(self) -> Any:
        if self.live is None:
            pytest.skip("needs the emulator admin API (/_emulator/*); not available against the real vendor")
        return self.live

    def emulator_only(self, why: str) -> None:
        if self.live is None:
            pytest.skip(f"pins emulator-invented behaviour ({why}); not asserted against the real vendor")

    def need_users(self, n: int) -> list[str]:
        if len(self.users) < n:
            pytest.skip(f"needs {n} existing users; set THRIVE_TEST_USERS for the real vendor")
        return self.users[:n]

    def create(self, name: str, category: str, parent: str | None = None,
               reference: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"name": name, "reference": reference or unique_ref(), "category": category}
        if parent is not None:
            body["parentId"] = parent
        with self.basic() as c:
            resp = c.post("/audiences", json=body)
        assert resp.status_code in (200, 201), resp.text
        made: dict[str, Any] = resp.json()
        self.created.append(made["id"])
        return made

    def structure(self, name: str = "CT Structure") -> dict[str, Any]:
        return self.create(name, "structure")

    def child(self, parent: dict[str, Any], name: str = "CT Audience") -> dict[str, Any]:
        return self.create(name, "audience", parent=parent["id"])

    def cleanup(self) -> None:
        # Children were created after their parents, so deleting newest first never hits the 409 guard.
        with self.basic() as c:
            for audience_id in reversed(self.created):
                c.delete(f"/audiences/{audience_id}")


def unique_ref(prefix: str = "ct") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def thrive(request: pytest.FixtureRequest) -> Iterator[Thrive]:
    if REAL_MODE:
        base = httpx.URL(REAL_BASE_URL.rstrip("/"))
        target = Thrive(str(base), f"{base.scheme}://{base.netloc.decode()}", REAL_TENANT, REAL_SECRET,
                        None, REAL_USERS)
    else:
        get: Callable[[str], Any] = request.getfixturevalue("emulator")
        live = get("thrive")
        target = Thrive(live.base_url, live.root_url, DEMO_TENANT, DEMO_SECRET, live,
                        [f"user{n}" for n in range(1, 6)])
    yield target
    target.cleanup()


def assert_error(resp: httpx.Response, status: int) -> dict[str, Any]:
    """Every documented error has exactly the body {status, error, message}."""
    assert resp.status_code == status, resp.text
    body: dict[str, Any] = resp.json()
    assert set(body) == {"status", "error", "message"}, body
    assert body["status"] == status
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["message"], str) and body["message"]
    return body


# -- authentication ------------------------------------------------------------------------------


def test_basic_auth__valid_credentials_are_accepted(thrive: Thrive) -> None:
    with thrive.basic() as c:
        resp = c.get("/audiences")
    assert resp.status_code == 200
    body = resp.json()
    assert isinstance(body["results"], list)
    assert set(body["pagination"]) >= {"totalResults", "totalPages", "page", "perPage"}


def test_basic_auth__wrong_secret_is_401(thrive: Thrive) -> None:
    with thrive.client(auth=(thrive.tenant_id, "not-the-secret")) as c:
        body = assert_error(c.get("/audiences"), 401)
    assert body["error"] == "Unauthorized"


def test_request__without_authorization_is_401(thrive: Thrive) -> None:
    with thrive.client() as c:
        assert_error(c.get("/audiences"), 401)


def test_oauth_token__form_body_issues_bearer_token(thrive: Thrive) -> None:
    token = thrive.token("api/all")
    assert token["token_type"].lower() == "bearer"
    assert token["expires_in"] == 3600
    assert token["scope"] == "api/all"
    with thrive.bearer(token["access_token"]) as c:
        assert c.get("/audiences").status_code == 200


def test_oauth_token__json_body_is_accepted(thrive: Thrive) -> None:
    resp = httpx.post(thrive.token_url, json={"grant_type": "client_credentials", "client_id": thrive.client_id,
                                              "client_secret": thrive.client_secret, "scope": "api/read"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["scope"] == "api/read"


def test_oauth_token__basic_header_credentials_are_accepted(thrive: Thrive) -> None:
    resp = httpx.post(thrive.token_url, data={"grant_type": "client_credentials"},
                      auth=(thrive.client_id, thrive.client_secret))
    assert resp.status_code == 200, resp.text
    assert resp.json()["access_token"]


def test_oauth_token__wrong_secret_is_401(thrive: Thrive) -> None:
    resp = httpx.post(thrive.token_url, data={"grant_type": "client_credentials", "client_id": thrive.client_id,
                                              "client_secret": "wrong"})
    assert resp.status_code == 401


def test_oauth_token__client_id_is_its_own_value_not_the_tenant_id(thrive: Thrive) -> None:
    # OAuth overview: "Client ID", "Client Secret" and "Tenant ID (used in the token URL)" are issued separately;
    # the tenant id and its Basic API secret are not client credentials.
    thrive.emulator_only("the demo tenant's Basic pair is known not to be an OAuth client")
    for client_id, secret in ((thrive.tenant_id, thrive.secret), (thrive.tenant_id, thrive.client_secret)):
        resp = httpx.post(thrive.token_url, data={"grant_type": "client_credentials", "client_id": client_id,
                                                  "client_secret": secret})
        assert_error(resp, 401)


def test_oauth_token__missing_client_id_is_401(thrive: Thrive) -> None:
    resp = httpx.post(thrive.token_url, data={"grant_type": "client_credentials",
                                              "client_secret": thrive.client_secret})
    assert resp.status_code == 401


def test_oauth_token__client_of_another_tenant_is_401(thrive: Thrive) -> None:
    thrive.admin().seed({"tenants": [{"tenantId": "other-tenant", "apiSecret": "x"}],
                         "oauthClients": [{"clientId": "other-client", "clientSecret": "s",
                                           "tenantId": "other-tenant"}]})
    resp = httpx.post(thrive.token_url, data={"grant_type": "client_credentials", "client_id": "other-client",
                                              "client_secret": "s"})
    assert resp.status_code == 401
    other = httpx.post(f"{thrive.root_url}/oauth2/token/other-tenant",
                       data={"grant_type": "client_credentials", "client_id": "other-client", "client_secret": "s"})
    assert other.status_code == 200


def test_oauth_token__unsupported_grant_type_is_400(thrive: Thrive) -> None:
    resp = httpx.post(thrive.token_url, data={"grant_type": "password", "client_id": thrive.client_id,
                                              "client_secret": thrive.client_secret})
    assert resp.status_code == 400


def test_bearer__read_scope_can_read(thrive: Thrive) -> None:
    structure = thrive.structure()
    with thrive.bearer(thrive.token("api/read")["access_token"]) as c:
        resp = c.get(f"/audiences/{structure['id']}")
    assert resp.status_code == 200
    assert resp.json()["reference"] == structure["reference"]


def test_write__read_only_scope_is_403(thrive: Thrive) -> None:
    reference = unique_ref()
    with thrive.bearer(thrive.token("api/read")["access_token"]) as c:
        assert c.get("/audiences").status_code == 200
        resp = c.post("/audiences", json={"name": "Nope", "reference": reference, "category": "structure"})
    body = assert_error(resp, 403)
    assert body["error"] == "Forbidden"
    with thrive.basic() as c:
        assert_error(c.get(f"/audiences/{reference}"), 404)


def test_read__write_only_scope_is_403(thrive: Thrive) -> None:
    # Inferred: api/write does not imply api/read (see COVERAGE.md); clients should ask for api/all.
    with thrive.bearer(thrive.token("api/write")["access_token"]) as c:
        assert_error(c.get("/audiences"), 403)
        resp = c.post("/audiences", json={"name": "W", "reference": unique_ref(), "category": "structure"})
    assert resp.status_code in (200, 201), resp.text
    thrive.created.append(resp.json()["id"])


def test_bearer__expired_token_is_401(thrive: Thrive) -> None:
    live = thrive.admin()
    live.configure(token_ttl_seconds=0)
    token = thrive.token()
    assert token["expires_in"] == 0
    with thrive.bearer(token["access_token"]) as c:
        body = assert_error(c.get("/audiences"), 401)
    assert "expired" in body["message"]


def test_bearer__unknown_token_is_401(thrive: Thrive) -> None:
    with thrive.bearer("definitely-not-a-token") as c:
        assert_error(c.get("/audiences"), 401)


def test_rate_limit__basic_and_bearer_count_as_one_tenant(thrive: Thrive) -> None:
    live = thrive.admin()
    token = thrive.token()["access_token"]
    live.configure(rate_limit_rpm=1, rate_limit_burst=1)
    with thrive.basic() as c:
        assert c.get("/audiences").status_code == 200
    with thrive.bearer(token) as c:
        resp = c.get("/audiences")
    assert_error(resp, 429)
    assert "Retry-After" not in resp.headers  # undocumented for Thrive, so off by default


# -- audiences: create ---------------------------------------------------------------------------


def test_create__structure_returns_201_with_audience_object(thrive: Thrive) -> None:
    reference = unique_ref()
    with thrive.basic() as c:
        resp = c.post("/audiences", json={"name": "Tech Team", "reference": reference, "category": "structure"})
    assert resp.status_code == 201, resp.text
    made = resp.json()
    thrive.created.append(made["id"])
    assert len(made["id"]) == 24 and int(made["id"], 16) >= 0
    assert made["name"] == "Tech Team"
    assert made["reference"] == reference
    assert made["apiControlled"] is True
    assert made["category"] == "structure"
    assert made["type"] == "manual"
    assert made["parent"] is None
    assert made["createdAt"] and made["updatedAt"]


def test_create__child_audience_carries_parent_info(thrive: Thrive) -> None:
    structure = thrive.structure("Parent S")
    child = thrive.child(structure, "Kid")
    assert child["category"] == "audience"
    assert child["parent"] == {"name": "Parent S", "reference": structure["reference"], "id": structure["id"]}


def test_create__parent_given_by_reference(thrive: Thrive) -> None:
    structure = thrive.structure()
    child = thrive.create("By ref", "audience", parent=structure["reference"])
    assert child["parent"]["id"] == structure["id"]


def test_create__duplicate_reference_is_409(thrive: Thrive) -> None:
    structure = thrive.structure()
    with thrive.basic() as c:
        resp = c.post("/audiences", json={"name": "Again", "reference": structure["reference"],
                                          "category": "structure"})
    body = assert_error(resp, 409)
    assert body["error"] == "Conflict"


def test_create__audience_without_parent_is_400(thrive: Thrive) -> None:
    with thrive.basic() as c:
        assert_error(c.post("/audiences", json={"name": "Orphan", "reference": unique_ref(),
                                                "category": "audience"}), 400)


def test_create__structure_with_parent_is_400(thrive: Thrive) -> None:
    structure = thrive.structure()
    with thrive.basic() as c:
        assert_error(c.post("/audiences", json={"name": "Nested", "reference": unique_ref(),
                                                "category": "structure", "parentId": structure["id"]}), 400)


def test_create__parent_that_is_a_child_audience_is_422(thrive: Thrive) -> None:
    child = thrive.child(thrive.structure())
    with thrive.basic() as c:
        assert_error(c.post("/audiences", json={"name": "Grandchild", "reference": unique_ref(),
                                                "category": "audience", "parentId": child["id"]}), 422)


def test_create__parent_not_api_controlled_is_422(thrive: Thrive) -> None:
    live = thrive.admin()
    live.seed({"audiences": [{"name": "UI Structure", "reference": "ui-structure", "category": "structure",
                              "apiControlled": False}]})
    with thrive.basic() as c:
        body = assert_error(c.post("/audiences", json={"name": "Inside UI", "reference": unique_ref(),
                                                       "category": "audience", "parentId": "ui-structure"}), 422)
    assert "API controlled" in body["message"]


def test_create__name_longer_than_100_is_400(thrive: Thrive) -> None:
    with thrive.basic() as c:
        assert_error(c.post("/audiences", json={"name": "x" * 101, "reference": unique_ref(),
                                                "category": "structure"}), 400)


def test_create__drop_after_commit_still_commits(thrive: Thrive) -> None:
    live = thrive.admin()
    live.fault(kind="drop_after_commit", route="POST /audiences/?$")
    reference = unique_ref()
    with thrive.basic() as c:
        with pytest.raises(httpx.TransportError):
            c.post("/audiences", json={"name": "Ghost", "reference": reference, "category": "structure"})
    with thrive.basic() as c:
        resp = c.get(f"/audiences/{reference}")
    assert resp.status_code == 200
    assert resp.json()["name"] == "Ghost"
    assert any(r["status"] == "dropped:201" for r in live.requests())


# -- audiences: read -----------------------------------------------------------------------------


def test_get__by_id_and_by_reference_return_same_audience(thrive: Thrive) -> None:
    structure = thrive.structure()
    with thrive.basic() as c:
        by_id = c.get(f"/audiences/{structure['id']}")
        by_ref = c.get(f"/audiences/{structure['reference']}")
    assert by_id.status_code == by_ref.status_code == 200
    assert by_id.json() == by_ref.json() == structure


def test_get__trailing_slash_is_accepted(thrive: Thrive) -> None:
    structure = thrive.structure()
    with thrive.basic() as c:
        assert c.get(f"/audiences/{structure['id']}/").json()["id"] == structure["id"]
        assert c.get("/audiences/").status_code == 200


def test_get__unknown_audience_is_404(thrive: Thrive) -> None:
    with thrive.basic() as c:
        body = assert_error(c.get(f"/audiences/{unique_ref('missing')}"), 404)
    assert body["error"] == "Not Found"


def test_list__pages_with_perPage(thrive: Thrive) -> None:
    mine = {thrive.structure(f"Page {i}")["id"] for i in range(3)}
    seen: list[str] = []
    with thrive.basic() as c:
        first = c.get("/audiences", params={"perPage": 2, "page": 1}).json()
        total = first["pagination"]["totalResults"]
        assert first["pagination"]["perPage"] == 2
        assert first["pagination"]["page"] == 1
        assert first["pagination"]["totalPages"] == math.ceil(total / 2)
        for page in range(1, first["pagination"]["totalPages"] + 1):
            body = c.get("/audiences", params={"perPage": 2, "page": page}).json()
            assert len(body["results"]) <= 2
            seen.extend(a["id"] for a in body["results"])
    assert len(seen) == len(set(seen)) == total
    assert mine <= set(seen)


def test_list__perPage_wins_over_limit(thrive: Thrive) -> None:
    for i in range(3):
        thrive.structure(f"Limit {i}")
    with thrive.basic() as c:
        body = c.get("/audiences", params={"perPage": 2, "limit": 1}).json()
        legacy = c.get("/audiences", params={"limit": 1}).json()
    assert body["pagination"]["perPage"] == 2 and len(body["results"]) == 2
    assert legacy["pagination"]["perPage"] == 1 and len(legacy["results"]) == 1


def test_list__perPage_above_1000_is_400(thrive: Thrive) -> None:
    with thrive.basic() as c:
        assert_error(c.get("/audiences", params={"perPage": 1001}), 400)


def test_list__apiControlled_filter(thrive: Thrive) -> None:
    live = thrive.admin()
    live.seed({"audiences": [{"name": "UI made", "reference": "ui-made", "category": "structure",
                              "apiControlled": False, "type": "manual"}]})
    api_made = thrive.structure()
    with thrive.basic() as c:
        only_api = c.get("/audiences", params={"apiControlled": "true"}).json()["results"]
        only_ui = c.get("/audiences", params={"apiControlled": "false"}).json()["results"]
        everything = c.get("/audiences").json()["results"]
    assert [a["reference"] for a in only_api] == [api_made["reference"]]
    assert [a["reference"] for a in only_ui] == ["ui-made"]
    assert {a["reference"] for a in everything} == {"ui-made", api_made["reference"]}


# -- audiences: update ---------------------------------------------------------------------------


def test_patch__rename_keeps_id_and_reports_no_member_operations(thrive: Thrive) -> None:
    structure = thrive.structure("Old name")
    new_ref = unique_ref()
    with thrive.basic() as c:
        resp = c.patch(f"/audiences/{structure['reference']}/", json={"name": "New name", "reference": new_ref})
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert body["id"] == structure["id"]
        assert body["name"] == "New name" and body["reference"] == new_ref
        assert body["memberOperations"] is None
        assert c.get(f"/audiences/{new_ref}").json()["name"] == "New name"
        assert_error(c.get(f"/audiences/{structure['reference']}"), 404)


def test_patch__move_to_other_structure_changes_parent(thrive: Thrive) -> None:
    first, second = thrive.structure("First"), thrive.structure("Second")
    child = thrive.child(first)
    with thrive.basic() as c:
        resp = c.patch(f"/audiences/{child['id']}", json={"parentId": second["id"]})
        assert resp.status_code == 200, resp.text
        assert resp.json()["parent"]["id"] == second["id"]
        assert resp.json()["memberOperations"] is not None
        assert c.get(f"/audiences/{child['id']}").json()["parent"]["reference"] == second["reference"]
        # With its only child gone, the first structure can now be deleted.
        assert c.delete(f"/audiences/{first['id']}").status_code == 200
    thrive.created.remove(first["id"])


def test_patch__duplicate_reference_is_409(thrive: Thrive) -> None:
    one, two = thrive.structure("One"), thrive.structure("Two")
    with thrive.basic() as c:
        assert_error(c.patch(f"/audiences/{two['id']}", json={"reference": one["reference"]}), 409)


def test_patch__category_is_not_an_update_field_and_is_ignored_by_default(thrive: Thrive) -> None:
    live = thrive.admin()
    structure = thrive.structure()
    with thrive.basic() as c:
        resp = c.patch(f"/audiences/{structure['id']}", json={"name": "x", "category": "audience"})
        assert resp.status_code == 200 and resp.json()["category"] == "structure" and resp.json()["name"] == "x"
        # Refusing it (422) is the invented strict_validation answer.
        live.configure(strict_validation=True)
        assert_error(c.patch(f"/audiences/{structure['id']}", json={"name": "y", "category": "audience"}), 422)


def test_patch__body_with_no_update_field_changes_nothing_by_default(thrive: Thrive) -> None:
    live = thrive.admin()
    structure = thrive.structure("Unchanged")
    with thrive.basic() as c:
        resp = c.patch(f"/audiences/{structure['id']}", json={})
        assert resp.status_code == 200 and resp.json()["name"] == "Unchanged"
        assert resp.json()["memberOperations"] is None
        live.configure(strict_validation=True)  # invented option
        assert_error(c.patch(f"/audiences/{structure['id']}", json={}), 400)


def test_create__without_category_the_parent_id_decides(thrive: Thrive) -> None:
    # adds-a-new-audience marks no field required: a structure is "Created without a parentId", an audience
    # "Created with a parentId".
    thrive.admin()
    with thrive.basic() as c:
        top = c.post("/audiences", json={"name": "No category", "reference": unique_ref()})
        assert top.status_code == 201, top.text
        thrive.created.append(top.json()["id"])
        kid = c.post("/audiences", json={"name": "Kid", "reference": unique_ref(), "parentId": top.json()["id"]})
        assert kid.status_code == 201, kid.text
        thrive.created.append(kid.json()["id"])
    assert top.json()["category"] == "structure" and top.json()["parent"] is None
    assert kid.json()["category"] == "audience" and kid.json()["parent"]["id"] == top.json()["id"]


def test_create__missing_category_is_400_under_strict_validation(thrive: Thrive) -> None:
    thrive.admin().configure(strict_validation=True)  # invented option
    with thrive.basic() as c:
        body = assert_error(c.post("/audiences", json={"name": "No category", "reference": unique_ref()}), 400)
    assert "category" in body["message"]


def test_patch__not_api_controlled_is_403(thrive: Thrive) -> None:
    live = thrive.admin()
    live.seed({"audiences": [{"name": "UI", "reference": "ui-only", "category": "structure",
                              "apiControlled": False}]})
    with thrive.basic() as c:
        assert_error(c.patch("/audiences/ui-only", json={"name": "Hijack"}), 403)
        assert_error(c.delete("/audiences/ui-only"), 403)
        assert c.get("/audiences/ui-only").json()["name"] == "UI"


# -- audiences: delete ---------------------------------------------------------------------------


def test_delete__refused_while_children_exist(thrive: Thrive) -> None:
    structure = thrive.structure()
    kids = [thrive.child(structure, "Kid A"), thrive.child(structure, "Kid B")]
    with thrive.basic() as c:
        body = assert_error(c.delete(f"/audiences/{structure['id']}"), 409)
        assert c.get(f"/audiences/{structure['id']}").status_code == 200
    for kid in kids:
        assert kid["reference"] in body["message"]


def test_delete__childless_audience_succeeds_then_404(thrive: Thrive) -> None:
    structure = thrive.structure()
    child = thrive.child(structure)
    with thrive.basic() as c:
        resp = c.delete(f"/audiences/{child['reference']}")
        assert resp.status_code == 200
        if resp.content:
            assert resp.json() == {"success": True}
        assert_error(c.get(f"/audiences/{child['id']}"), 404)
        assert c.delete(f"/audiences/{structure['id']}/").status_code == 200
    thrive.created.clear()


# -- members -------------------------------------------------------------------------------------


def _members(c: httpx.Client, audience_id: str) -> list[str]:
    return [m["reference"] for m in c.get(f"/audiences/{audience_id}/members", params={"perPage": 1000})
            .json()["results"]]


def test_members__add_known_users_is_200(thrive: Thrive) -> None:
    users = thrive.need_users(2)
    child = thrive.child(thrive.structure())
    with thrive.basic() as c:
        resp = c.post(f"/audiences/{child['id']}/members", json=users)
        assert resp.status_code == 200, resp.text
        assert resp.json() == {"success": {"count": 2, "entities": [{"reference": u} for u in users]}}
        listed = c.get(f"/audiences/{child['reference']}/members").json()["results"]
    assert {"userId", "reference", "email"} <= set(listed[0])
    assert len(listed) == 2


def test_members__add_with_unknown_user_is_207_partial(thrive: Thrive) -> None:
    (user,) = thrive.need_users(1)
    ghost = unique_ref("no-such-user")
    child = thrive.child(thrive.structure())
    with thrive.basic() as c:
        resp = c.post(f"/audiences/{child['id']}/members", json=[user, ghost])
    assert resp.status_code == 207, resp.text
    body = resp.json()
    assert body["success"] == {"count": 1, "entities": [{"reference": user}]}
    assert body["failure"]["count"] == 1
    assert body["failure"]["entities"][0]["reference"] == ghost
    assert body["failure"]["entities"][0]["reason"]


def test_members__list_is_paged(thrive: Thrive) -> None:
    users = thrive.need_users(3)
    child = thrive.child(thrive.structure())
    with thrive.basic() as c:
        c.post(f"/audiences/{child['id']}/members", json=users).raise_for_status()
        first = c.get(f"/audiences/{child['id']}/members", params={"perPage": 2}).json()
        second = c.get(f"/audiences/{child['id']}/members", params={"perPage": 2, "page": 2}).json()
    assert first["pagination"] == {"totalResults": 3, "totalPages": 2, "page": 1, "perPage": 2}
    assert len(first["results"]) == 2 and len(second["results"]) == 1


def test_members__replace_swaps_whole_list(thrive: Thrive) -> None:
    a, b, c_user = thrive.need_users(3)
    child = thrive.child(thrive.structure())
    with thrive.basic() as c:
        c.post(f"/audiences/{child['id']}/members", json=[a, b]).raise_for_status()
        resp = c.patch(f"/audiences/{child['id']}/members", json=[c_user])
        assert resp.status_code == 200, resp.text
        assert resp.json()["success"]["count"] == 1
        assert len(_members(c, child["id"])) == 1


def test_members__replace_with_empty_array_is_400(thrive: Thrive) -> None:
    child = thrive.child(thrive.structure())
    with thrive.basic() as c:
        assert_error(c.patch(f"/audiences/{child['id']}/members", json=[]), 400)


def test_members__more_than_100_is_400(thrive: Thrive) -> None:
    child = thrive.child(thrive.structure())
    with thrive.basic() as c:
        assert_error(c.post(f"/audiences/{child['id']}/members", json=[f"u{i}" for i in range(101)]), 400)


def test_members__remove_single_member(thrive: Thrive) -> None:
    a, b = thrive.need_users(2)
    child = thrive.child(thrive.structure())
    with thrive.basic() as c:
        c.post(f"/audiences/{child['id']}/members", json=[a, b]).raise_for_status()
        assert c.delete(f"/audiences/{child['id']}/members/{a}").status_code == 200
        remaining = c.get(f"/audiences/{child['id']}/members").json()["results"]
    assert len(remaining) == 1
    assert b in (remaining[0]["reference"], remaining[0]["email"], remaining[0]["userId"])


# -- managers ------------------------------------------------------------------------------------

CHILD_PERMS = {"audienceManager": {"manageContent": True, "assignments": False},
               "peopleManager": {"canViewLearnPage": True, "insights": False, "manage": True}}


def test_managers__add_then_list_returns_permissions(thrive: Thrive) -> None:
    (user,) = thrive.need_users(1)
    child = thrive.child(thrive.structure())
    with thrive.basic() as c:
        resp = c.post(f"/audiences/{child['id']}/managers", json=[{"reference": user, "permissions": CHILD_PERMS}])
        assert resp.status_code == 200, resp.text
        assert resp.json()["success"]["count"] == 1
        managers = c.get(f"/audiences/{child['id']}/managers").json()
    assert isinstance(managers, list) and len(managers) == 1
    perms = managers[0]["permissions"]
    assert perms["audienceManager"]["manageContent"] is True
    assert perms["audienceManager"]["assignments"] is False
    assert perms["peopleManager"] == {"canViewLearnPage": True, "insights": False, "manage": True}
    assert "administrator" not in perms


def test_managers__structure_managers_have_administrator_block(thrive: Thrive) -> None:
    (user,) = thrive.need_users(1)
    structure = thrive.structure()
    perms = {**CHILD_PERMS, "administrator": {"canAddAudienceManagers": True}}
    with thrive.basic() as c:
        c.post(f"/audiences/{structure['id']}/managers",
               json=[{"reference": user, "permissions": perms}]).raise_for_status()
        managers = c.get(f"/audiences/{structure['id']}/managers").json()
    assert managers[0]["permissions"]["administrator"]["canAddAudienceManagers"] is True


def test_managers__unknown_user_is_207_partial(thrive: Thrive) -> None:
    (user,) = thrive.need_users(1)
    ghost = unique_ref("no-such-user")
    child = thrive.child(thrive.structure())
    with thrive.basic() as c:
        resp = c.post(f"/audiences/{child['id']}/managers",
                      json=[{"reference": user, "permissions": CHILD_PERMS}, {"reference": ghost}])
    assert resp.status_code == 207, resp.text
    assert resp.json()["failure"]["entities"][0]["reference"] == ghost


def test_managers__replace_swaps_whole_list(thrive: Thrive) -> None:
    a, b = thrive.need_users(2)
    child = thrive.child(thrive.structure())
    with thrive.basic() as c:
        c.post(f"/audiences/{child['id']}/managers", json=[{"reference": a}]).raise_for_status()
        resp = c.patch(f"/audiences/{child['id']}/managers", json=[{"reference": b, "permissions": CHILD_PERMS}])
        assert resp.status_code == 200, resp.text
        managers = c.get(f"/audiences/{child['id']}/managers").json()
    assert len(managers) == 1
    assert b in (managers[0]["reference"], managers[0]["email"], managers[0]["userId"])


def test_managers__structure_group_on_a_child_is_dropped_by_default_400_under_strict_validation(
        thrive: Thrive) -> None:
    (user,) = thrive.need_users(1)
    live = thrive.admin()
    child = thrive.child(thrive.structure())
    perms = {**CHILD_PERMS, "administrator": {"canAddAudienceManagers": True}}
    with thrive.basic() as c:
        resp = c.post(f"/audiences/{child['id']}/managers", json=[{"reference": user, "permissions": perms}])
        assert resp.status_code == 200, resp.text
        assert "administrator" not in c.get(f"/audiences/{child['id']}/managers").json()[0]["permissions"]
        live.configure(strict_validation=True)  # invented option
        assert_error(c.post(f"/audiences/{child['id']}/managers", json=[{"reference": user, "permissions": perms}]),
                     400)


def test_managers__replace_with_empty_array_is_400(thrive: Thrive) -> None:
    child = thrive.child(thrive.structure())
    with thrive.basic() as c:
        assert_error(c.patch(f"/audiences/{child['id']}/managers", json=[]), 400)


def test_managers__remove_single_manager(thrive: Thrive) -> None:
    (user,) = thrive.need_users(1)
    child = thrive.child(thrive.structure())
    with thrive.basic() as c:
        c.post(f"/audiences/{child['id']}/managers", json=[{"reference": user}]).raise_for_status()
        assert c.delete(f"/audiences/{child['id']}/managers/{user}").status_code == 200
        assert c.get(f"/audiences/{child['id']}/managers").json() == []


# -- error shape and emulator state --------------------------------------------------------------


def test_error_body__unknown_route_uses_vendor_shape(thrive: Thrive) -> None:
    thrive.emulator_only("catch-all 404/405 bodies for unknown routes and methods")
    with thrive.basic() as c:
        assert_error(c.get("/no-such-thing"), 404)
        assert_error(c.put("/audiences"), 405)


def test_error_body__invalid_json_is_400(thrive: Thrive) -> None:
    with thrive.basic() as c:
        assert_error(c.post("/audiences", content=b"{not json", headers={"Content-Type": "application/json"}), 400)


def test_state__dump_lists_members_managers_and_demo_users(thrive: Thrive) -> None:
    live = thrive.admin()
    child = thrive.child(thrive.structure())
    with thrive.basic() as c:
        c.post(f"/audiences/{child['id']}/members", json=["user1", "user2@example.com"]).raise_for_status()
        c.post(f"/audiences/{child['id']}/managers", json=[{"reference": "user3"}]).raise_for_status()
    state = live.all_objects()
    assert len(state["users"]) == 50
    dumped = next(a for a in state["audiences"].values() if a["id"] == child["id"])
    assert dumped["members"] == ["user1", "user2"]
    assert [m["reference"] for m in dumped["managers"]] == ["user3"]
    live.reset()
    assert live.objects("audiences") == {}


# -- every route, every documented status ------------------------------------------------------------------------
# errors-error-handling documents 400, 401, 403, 404, 409, 422, 429 and 500 in one body shape; each route's own
# statuses are tested above (400/409/422 on create and PATCH, 207 on members/managers, 404 on get, ...). These
# cover the statuses every route shares.
ROUTES = [
    ("GET", "/audiences", None), ("POST", "/audiences", {"name": "X", "reference": "ct-x", "category": "structure"}),
    ("GET", "/audiences/{a}", None), ("PATCH", "/audiences/{a}", {"name": "Y"}), ("DELETE", "/audiences/{a}", None),
    ("GET", "/audiences/{a}/members", None), ("POST", "/audiences/{a}/members", ["user1"]),
    ("PATCH", "/audiences/{a}/members", ["user1"]), ("DELETE", "/audiences/{a}/members/user1", None),
    ("GET", "/audiences/{a}/managers", None), ("POST", "/audiences/{a}/managers", [{"reference": "user1"}]),
    ("PATCH", "/audiences/{a}/managers", [{"reference": "user1"}]), ("DELETE", "/audiences/{a}/managers/user1", None),
]
ROUTE_IDS = [f"{m} {p}" for m, p, _ in ROUTES]


def _call(client: httpx.Client, method: str, path: str, body: Any, audience: str) -> httpx.Response:
    return client.request(method, path.replace("{a}", audience), json=body)


@pytest.mark.parametrize(("method", "path", "body"), ROUTES, ids=ROUTE_IDS)
def test_every_route__401_without_credentials(thrive: Thrive, method: str, path: str, body: Any) -> None:
    with thrive.client() as c:
        assert_error(_call(c, method, path, body, "ct-none"), 401)


@pytest.mark.parametrize(("method", "path", "body"), ROUTES, ids=ROUTE_IDS)
def test_every_route__429_in_the_error_shape(thrive: Thrive, method: str, path: str, body: Any) -> None:
    thrive.admin().configure(rate_limit_rpm=1, rate_limit_burst=1)
    with thrive.basic() as c:
        _call(c, method, path, body, "ct-none")
        assert_error(_call(c, method, path, body, "ct-none"), 429)


@pytest.mark.parametrize(("method", "path", "body"), ROUTES, ids=ROUTE_IDS)
def test_every_route__500_in_the_error_shape(thrive: Thrive, method: str, path: str, body: Any) -> None:
    thrive.admin().fault(kind="status", status=500, route=f"{method} /rest/v1/")
    with thrive.basic() as c:
        assert_error(_call(c, method, path, body, "ct-none"), 500)


@pytest.mark.parametrize(("method", "path", "body"), [r for r in ROUTES if "{a}" in r[1]],
                         ids=[i for i, r in zip(ROUTE_IDS, ROUTES, strict=True) if "{a}" in r[1]])
def test_every_audience_route__unknown_audience_is_404(thrive: Thrive, method: str, path: str, body: Any) -> None:
    with thrive.basic() as c:
        assert_error(_call(c, method, path, body, "ct-no-such-audience"), 404)


@pytest.mark.parametrize(("method", "path", "body"), [r for r in ROUTES if r[0] != "GET" and "{a}" in r[1]],
                         ids=[i for i, r in zip(ROUTE_IDS, ROUTES, strict=True) if r[0] != "GET" and "{a}" in r[1]])
def test_every_audience_write__ui_made_audience_is_403(thrive: Thrive, method: str, path: str, body: Any) -> None:
    thrive.admin().seed({"audiences": [{"name": "UI made", "reference": "ct-ui", "apiControlled": False,
                                        "category": "structure", "members": ["user1"]}]})
    with thrive.basic() as c:
        assert_error(_call(c, method, path, body, "ct-ui"), 403)


# errors-error-handling documents 400, 401, 403, 404, 409, 422, 429 and 500 for the API; most have a trigger
# tested above (per rule or per route). The rest (e.g. 409 on a member write, 422 on a read) have none described:
# a fault produces each one in the documented {status, error, message} body, so a client's answer can be tested.
DOCUMENTED_ERRORS = (400, 401, 403, 404, 409, 422, 429, 500)


@pytest.mark.parametrize(("method", "path", "body"), ROUTES, ids=ROUTE_IDS)
def test_every_route__every_documented_error_status_can_be_injected(thrive: Thrive, method: str, path: str,
                                                                   body: Any) -> None:
    live = thrive.admin()
    with thrive.basic() as c:
        for status in DOCUMENTED_ERRORS:
            live.fault(kind="status", status=status, route=f"{method} /rest/v1/")
            assert_error(_call(c, method, path, body, "ct-none"), status)
