"""Thrive Learning public API v1 client (audiences), Basic or OAuth2 client-credentials auth. No Pulumi."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable, Generator, Mapping
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import httpx

from .._core.http import BaseClient, ClientSettings, ErrorDetails
from .._core.paging import Paginator
from .models import (
    AudienceObject,
    AudiencePage,
    Manager,
    MemberPage,
    MembersOutcome,
    TokenResponse,
    UserPage,
)

# Hosts per region (shared/vendors/thrive.md §1); API under /rest/v1, tokens at /oauth2/token/{tenantId}.
REGION_HOSTS = {
    "production": "public.api.learn.link",
    "production-mea": "public.api.mea.learn.tech",
    "staging": "public.api.learnstaging.link",
    "staging-mea": "public.api.meastaging.learn.tech",
}


def api_base_url(region: str) -> str:
    return f"https://{REGION_HOSTS[region]}/rest/v1"


def token_url(region: str, tenant_id: str) -> str:
    return f"https://{REGION_HOSTS[region]}/oauth2/token/{quote(tenant_id, safe='')}"


def token_url_beside(base_url: str, tenant_id: str) -> str:
    """The token endpoint that goes with a custom API base: ``https://h/p/rest/v1`` -> ``https://h/p/oauth2/token/{t}``.

    Thrive serves both from one host (`/rest/v1` and `/oauth2/token/{tenantId}`), so a base URL pointed at a proxy,
    a regional host or an emulator must take the token request along; before, it went to the production token
    host. A base URL not ending in `/rest/v1` keeps only its origin.
    """
    parts = urlsplit(base_url.rstrip("/"))
    prefix = parts.path[: -len("/rest/v1")] if parts.path.endswith("/rest/v1") else ""
    return urlunsplit((parts.scheme, parts.netloc, f"{prefix}/oauth2/token/{quote(tenant_id, safe='')}", "", ""))


class ClientCredentials(httpx.Auth):
    """OAuth2 client-credentials bearer auth: the cached token on every request, renewed on expiry or on a 401.

    ``fetch`` asks the token endpoint for a new token; ``admit`` waits for the rate limit before a resend (the
    first send was admitted by the request path). One instance per client, shared by its threads: the lock makes
    them wait for one token request rather than each send their own.
    """

    def __init__(self, fetch: Callable[[], TokenResponse], admit: Callable[[], None]) -> None:
        self._fetch = fetch
        self._admit = admit
        self._token = ""
        self._expires = 0.0
        self._lock = threading.Lock()

    def _renew(self) -> str:
        token = self._fetch()
        # Refresh a minute early (or at 80% of a short lifetime) so no request carries a token about to expire.
        margin = min(60.0, token.expires_in * 0.2)
        self._token, self._expires = token.access_token, time.monotonic() + token.expires_in - margin
        return self._token

    def _current(self) -> tuple[str, bool]:
        """The token to send, and whether it was issued just now (a rejected fresh token is final)."""
        with self._lock:
            if not self._token or time.monotonic() >= self._expires:
                return self._renew(), True
            return self._token, False

    def _replace(self, rejected: str) -> str:
        with self._lock:
            # Another request may have replaced it already: one new token for all of them.
            return self._renew() if self._token == rejected else self._token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token, fresh = self._current()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401 and not fresh:
            # Expired or revoked before our margin said so: fetch a new token once and resend.
            request.headers["Authorization"] = f"Bearer {self._replace(token)}"
            self._admit()
            yield request


class Client(BaseClient):
    vendor = "Thrive"

    def __init__(self, settings: ClientSettings, *, tenant_id: str, api_secret: str = "",
                 client_id: str = "", client_secret: str = "", token_endpoint: str = "",
                 scope: str = "api/all", token_setting: str = "") -> None:
        super().__init__(settings, secrets=(api_secret or None, client_secret or None), identity=(tenant_id, client_id))
        self.oauth = bool(client_secret)
        self._basic = "Basic " + base64.b64encode(f"{tenant_id}:{api_secret}".encode()).decode()
        if client_secret and not client_id:
            # Client id, client secret and tenant id are issued as three values (OAuth overview page).
            raise ValueError("Thrive OAuth needs the client id issued with the client secret")
        self._client_id = client_id
        self._client_secret = client_secret
        self._token_endpoint = token_endpoint
        # Where the token endpoint came from, named when it can't be reached.
        self._token_setting = token_setting or None
        self._scope = scope
        # The client is one per credential per process (BaseClient.shared), so this is that credential's token.
        self.auth = ClientCredentials(self._fetch_token, self.admit) if self.oauth else None

    # -- auth ------------------------------------------------------------------------------------
    def _fetch_token(self) -> TokenResponse:
        # Unauthenticated, through the one request path: retries, rate limit and errors naming the settings.
        resp = self.call("obtain OAuth token", "POST", self._token_endpoint, authenticate=False, idempotent=True,
                         setting=self._token_setting,
                         form={"grant_type": "client_credentials", "client_id": self._client_id,
                               "client_secret": self._client_secret, "scope": self._scope})
        return TokenResponse.model_validate(resp.json())

    def auth_headers(self) -> Mapping[str, str]:
        # With OAuth the bearer token comes from ``self.auth`` (ClientCredentials).
        return {} if self.oauth else {"Authorization": self._basic}

    def verify_credentials(self) -> None:
        """One cheap authenticated read (a one-item audience page; with OAuth, after the token request)."""
        self.iter_audiences(per_page=1).first_page()

    def parse_error(self, response: httpx.Response) -> ErrorDetails:
        body = response.json()
        return ErrorDetails(message=str(body.get("message") or body.get("error") or response.reason_phrase),
                            code=body.get("error"))

    def error_hint(self, operation: str, status: int, details: ErrorDetails) -> str | None:
        if status == 403 and self.oauth and operation != "get audience":
            return ("Writes need an OAuth token with scope api/write or api/all; "
                    "set `pulumi config set thrive:scope api/all` or use a client allowed that scope")
        if status == 401:
            if self.oauth:
                return ("Check thrive:clientId and thrive:clientSecret (issued together, not the tenant id and API "
                        "secret) and thrive:tenantId, which names the token URL")
            return "Check thrive:tenantId and thrive:apiSecret (Basic auth)"
        return None

    # -- audiences -------------------------------------------------------------------------------
    @staticmethod
    def _path(key: str) -> str:
        return "/audiences/" + quote(key, safe="")

    def iter_audiences(self, per_page: int = 1000, api_controlled: bool | None = None) -> Paginator[AudiencePage]:
        """Every audience of the tenant (structures and children), page by page (up to 1,000 per page)."""
        only = {"apiControlled": str(api_controlled).lower()} if api_controlled is not None else {}
        return self.pages("list audiences", "/audiences", AudiencePage, {"page": 1, "perPage": per_page, **only})

    def create_audience(self, name: str, reference: str, category: str, parent_id: str | None) -> AudienceObject:
        body: dict[str, Any] = {"name": name, "reference": reference, "category": category}
        if parent_id:
            body["parentId"] = parent_id
        resp = self.call("create audience", "POST", "/audiences", json_body=body, idempotent=False)
        return AudienceObject.model_validate(resp.json())

    def get_audience(self, key: str) -> AudienceObject:
        """By Thrive id or external reference (both documented)."""
        return AudienceObject.model_validate(self.call("get audience", "GET", self._path(key)).json())

    def update_audience(self, key: str, *, name: str | None = None, reference: str | None = None,
                        parent_id: str | None = None) -> AudienceObject:
        body = {k: v for k, v in {"name": name, "reference": reference, "parentId": parent_id}.items() if v}
        # Setting absolute values: repeating the PATCH is harmless.
        resp = self.call("update audience", "PATCH", self._path(key), json_body=body, idempotent=True)
        return AudienceObject.model_validate(resp.json())

    def delete_audience(self, key: str) -> None:
        self.call("delete audience", "DELETE", self._path(key))

    # -- users -----------------------------------------------------------------------------------
    def iter_users(self, per_page: int = 1000) -> Paginator[UserPage]:
        """Every user of the tenant, page by page (GET /users; 1000 per page is the documented maximum)."""
        return self.pages("list users", "/users", UserPage, {"page": 1, "perPage": per_page})

    # -- members ---------------------------------------------------------------------------------
    def iter_audience_members(self, key: str, per_page: int = 1000) -> Paginator[MemberPage]:
        """Every member of the audience, page by page."""
        return self.pages("list audience members", self._path(key) + "/members", MemberPage,
                          {"page": 1, "perPage": per_page})

    def add_audience_members(self, key: str, users: list[str]) -> MembersOutcome:
        """POST: 1-100 users; 207 reports the ones that failed. Adding a member twice is harmless."""
        resp = self.call("add audience members", "POST", self._path(key) + "/members", json_body=users,
                         idempotent=True)
        return MembersOutcome.model_validate(resp.json())

    def replace_audience_members(self, key: str, users: list[str]) -> MembersOutcome:
        """PATCH: the whole list becomes ``users`` (1-100; an empty array is refused)."""
        resp = self.call("replace audience members", "PATCH", self._path(key) + "/members", json_body=users)
        return MembersOutcome.model_validate(resp.json())

    def remove_audience_member(self, key: str, user: str) -> None:
        self.call("remove audience member", "DELETE", self._path(key) + "/members/" + quote(user, safe=""))

    # -- managers --------------------------------------------------------------------------------
    def list_audience_managers(self, key: str) -> list[Manager]:
        """A bare array, unpaged (gets-an-audience-managers-list)."""
        resp = self.call("list audience managers", "GET", self._path(key) + "/managers")
        return [Manager.model_validate(item) for item in resp.json()]

    def add_audience_managers(self, key: str, managers: list[dict[str, Any]]) -> MembersOutcome:
        resp = self.call("add audience managers", "POST", self._path(key) + "/managers", json_body=managers,
                         idempotent=True)
        return MembersOutcome.model_validate(resp.json())

    def replace_audience_managers(self, key: str, managers: list[dict[str, Any]]) -> MembersOutcome:
        resp = self.call("replace audience managers", "PATCH", self._path(key) + "/managers", json_body=managers)
        return MembersOutcome.model_validate(resp.json())

    def remove_audience_manager(self, key: str, user: str) -> None:
        self.call("remove audience manager", "DELETE", self._path(key) + "/managers/" + quote(user, safe=""))

