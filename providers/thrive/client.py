"""Thrive Learning public API v1 client (audiences), Basic or OAuth2 client-credentials auth. No Pulumi."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote

import httpx

from .._core.http import BaseClient, ClientSettings, ErrorDetails, Numbered
from .models import AudienceObject, AudiencePage, Manager, Member, MemberPage, MembersOutcome, TokenResponse

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


class Client(BaseClient):
    vendor = "Thrive"

    def __init__(self, settings: ClientSettings, *, tenant_id: str, api_secret: str = "",
                 client_id: str = "", client_secret: str = "", token_endpoint: str = "",
                 scope: str = "api/all") -> None:
        super().__init__(settings, secrets=(api_secret or None, client_secret or None), identity=(tenant_id, client_id))
        self.oauth = bool(client_secret)
        self._basic = "Basic " + base64.b64encode(f"{tenant_id}:{api_secret}".encode()).decode()
        if client_secret and not client_id:
            # Client id, client secret and tenant id are issued as three values (OAuth overview page).
            raise ValueError("Thrive OAuth needs the client id issued with the client secret")
        self._client_id = client_id
        self._client_secret = client_secret
        self._token_endpoint = token_endpoint
        self._scope = scope
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = threading.Lock()

    # -- auth ------------------------------------------------------------------------------------
    def _fetch_token(self) -> None:
        resp = self.call("obtain OAuth token", "POST", self._token_endpoint, authenticate=False, idempotent=True,
                         form={"grant_type": "client_credentials", "client_id": self._client_id,
                               "client_secret": self._client_secret, "scope": self._scope})
        token = TokenResponse.model_validate(resp.json())
        # Refresh a minute early (or at 80% of a short lifetime) so no request carries a token about to expire.
        margin = min(60.0, token.expires_in * 0.2)
        self._token, self._token_expires = token.access_token, time.monotonic() + token.expires_in - margin

    def auth_headers(self) -> Mapping[str, str]:
        if not self.oauth:
            return {"Authorization": self._basic}
        with self._token_lock:
            if self._token is None or time.monotonic() >= self._token_expires:
                self._fetch_token()
            return {"Authorization": f"Bearer {self._token}"}

    def on_unauthorized(self) -> bool:
        if not self.oauth:
            return False
        with self._token_lock:
            self._token = None  # expired or revoked early: fetch a new one once
        return True

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

    def list_audiences(self, page: int = 1, per_page: int = 1000, api_controlled: bool | None = None) -> AudiencePage:
        params: dict[str, Any] = {"page": page, "perPage": per_page}
        if api_controlled is not None:
            params["apiControlled"] = str(api_controlled).lower()
        return AudiencePage.model_validate(self.call("list audiences", "GET", "/audiences", params=params).json())

    def iter_audiences(self, per_page: int = 1000, api_controlled: bool | None = None) -> Iterator[AudienceObject]:
        """Every audience of the tenant (structures and children), page by page (up to 1,000 per page)."""
        return self.paginate(lambda page: self.list_audiences(page, per_page, api_controlled),
                             lambda result: result.results,
                             Numbered[AudiencePage](per_page, total_pages=_total_pages), what="list audiences")

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

    # -- members ---------------------------------------------------------------------------------
    def list_audience_members(self, key: str, page: int = 1, per_page: int = 1000) -> MemberPage:
        resp = self.call("list audience members", "GET", self._path(key) + "/members",
                         params={"page": page, "perPage": per_page})
        return MemberPage.model_validate(resp.json())

    def iter_audience_members(self, key: str, per_page: int = 1000) -> Iterator[Member]:
        """Every member of the audience, page by page."""
        return self.paginate(lambda page: self.list_audience_members(key, page, per_page),
                             lambda result: result.results,
                             Numbered[MemberPage](per_page, total_pages=_total_pages), what="list audience members")

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


def _total_pages(page: AudiencePage | MemberPage) -> int | None:
    # `pagination.totalPages` (the envelope seen on gets-audiences); absent, a short page ends the list.
    total = (page.pagination or {}).get("totalPages")
    return int(total) if isinstance(total, (int, float)) else None
