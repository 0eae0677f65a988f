"""Sonarly public API v1 client: account groups, audiences, audience folders. No Pulumi.

https://app.sonarly.io/docs/api/ — every answer is the envelope ``{success, data, error: {code, message, details},
traceId}``; auth is ``Authorization: Bearer sk_live_...``; each key carries permissions (``audiences:read``,
``audiences:write``, ...). Audience endpoints are not idempotent ("check the current resource state before
retrying"), so creates are sent once and reconciled by the resource layer.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

import httpx

from .._core.http import BaseClient, ClientSettings, ErrorDetails
from .._core.paging import PageT, Paginator
from .models import (
    AccountGroup,
    AccountGroupPage,
    AudienceObject,
    AudiencePage,
    FolderObject,
    JobPage,
    JobStart,
    JobStatus,
    ListPage,
    Navigation,
    ProspectPage,
)

DEFAULT_BASE_URL = "https://api.sonarly.io/v1"
PAGE_LIMIT = 100  # the docs give no maximum; the emulator caps at 100
NOT_READY = "AUDIENCE_NOT_READY"  # documented code: a prospecting job is still populating the audience

READ, WRITE = "audiences:read", "audiences:write"
# "Required API permission" per operation (audience pages); listing account groups needs none.
PERMISSIONS = {
    "list audiences": READ,
    "get audience": READ,
    "get audience navigation": READ,
    "create audience": WRITE,
    "update audience": WRITE,
    "delete audience": WRITE,
    "move audience to folder": WRITE,
    "remove audience from folder": WRITE,
    "create audience folder": WRITE,
    "rename audience folder": WRITE,
    "delete audience folder": WRITE,
    # audiences-prospects-list and the prospecting pages' "Permissions" notes.
    "list audience prospects": "prospects:read",
    "start prospecting job": "prospecting:write",
    "get prospecting job": "prospecting:read",
    "list prospecting jobs": "prospecting:read",
}
PROSPECT_PERMISSIONS = ("prospects:read", "prospecting:read", "prospecting:write")
_REQUIRED_PERMISSION = re.compile(r"requiredPermission:\s*([a-z_]+:[a-z_]+)")


def _seg(value: str) -> str:
    return quote(value, safe="")


def server_time(response: httpx.Response) -> datetime | None:
    """The vendor's clock from the `Date` header (RFC 9110 §6.6.1), second precision; None if absent."""
    raw = response.headers.get("Date")
    if not raw:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class Client(BaseClient):
    vendor = "Sonarly"

    def __init__(self, settings: ClientSettings, *, api_key: str) -> None:
        super().__init__(settings, secrets=(api_key,))
        self._headers = {"Authorization": f"Bearer {api_key}"}

    def auth_headers(self) -> Mapping[str, str]:
        return self._headers

    def parse_error(self, response: httpx.Response) -> ErrorDetails:
        trace = response.headers.get("X-Trace-Id")
        try:
            body = response.json()
        except ValueError:
            return ErrorDetails(message=response.text[:500] or response.reason_phrase, request_id=trace)
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return ErrorDetails(message=response.text[:500], request_id=trace)
        message = str(error.get("message") or response.reason_phrase)
        details = error.get("details")
        if details:
            # `details` carries the useful part (`requiredPermission: ...`, `jobId: ...`, `name: is required`).
            message = f"{message} ({details})"
        code = error.get("code")
        return ErrorDetails(message=message, code=str(code) if code else None,
                            request_id=str(body.get("traceId") or trace or "") or None)

    def error_hint(self, operation: str, status: int, details: ErrorDetails) -> str | None:
        if status == 401:
            return ("Check sonarly:apiKey: Sonarly expects an API key (sk_live_...) that is valid and not revoked; "
                    "set it with `pulumi config set --secret sonarly:apiKey <key>`")
        if status == 403:
            if "accountGroupId" in details.message:
                return ("this API key cannot use that account group: check sonarly:accountGroupId "
                        "(GET /v1/accounts lists the groups the key can use)")
            named = _REQUIRED_PERMISSION.search(details.message)
            permission = named.group(1) if named else PERMISSIONS.get(operation)
            if permission in PROSPECT_PERMISSIONS:
                return (f"the API key lacks the `{permission}` permission needed to {operation}; filling an "
                        f"audience from `prospect_urls` needs a key with `{READ}`, `{WRITE}`, "
                        + ", ".join(f"`{p}`" for p in PROSPECT_PERMISSIONS)
                        + " - set it with `pulumi config set --secret sonarly:apiKey <key>`")
            if permission:
                return (f"the API key lacks the `{permission}` permission needed to {operation}; managing audiences "
                        f"needs a key with `{READ}` and `{WRITE}` - set it with "
                        "`pulumi config set --secret sonarly:apiKey <key>`")
        if status == 402:
            # prospecting-jobs-start "Credit consumption": 1 credit per imported prospect (2 with searchEmails);
            # "Insufficient credits return 402 INSUFFICIENT_CREDITS". Not retried: only more credits change it.
            return ("the Sonarly account has too few credits for this import (each imported prospect costs 1 "
                    "credit): add credits in Sonarly, or declare fewer prospect_urls, then rerun")
        if status == 422 and details.code == "FOLDER_TYPE_MISMATCH":
            return "an audience can only be kept in a folder whose audience_type equals the audience's type"
        return None

    @staticmethod
    def _data(response: httpx.Response) -> Any:
        body = BaseClient.json_of(response)
        return body.get("data") if isinstance(body, dict) else None

    def page_of(self, page: type[PageT], response: httpx.Response) -> PageT:
        parsed = page.model_validate(self._data(response))
        if isinstance(parsed, ListPage):  # every Sonarly list page is one; the check tells mypy so
            parsed.server_time = server_time(response)
        return parsed

    @staticmethod
    def _ag(account_group_id: str) -> str:
        return "/accounts/" + _seg(account_group_id)

    def _audience(self, account_group_id: str, audience_id: str) -> str:
        return f"{self._ag(account_group_id)}/audiences/{_seg(audience_id)}"

    def _folder(self, account_group_id: str, folder_id: str) -> str:
        return f"{self._ag(account_group_id)}/audiences/folders/{_seg(folder_id)}"

    # -- accounts --------------------------------------------------------------------------------
    def list_accounts(self) -> list[AccountGroup]:
        """Every account group this key can use (any valid key may call it)."""
        return list(self.pages("list account groups", "/accounts", AccountGroupPage))

    def verify_credentials(self) -> None:
        """One cheap authenticated read: the first page of GET /v1/accounts, which any valid key may call."""
        self.call("list account groups", "GET", "/accounts")

    # -- audiences -------------------------------------------------------------------------------
    def iter_audience_pages(self, account_group_id: str) -> Iterator[AudiencePage]:
        """Whole pages, not audiences: callers read each page's server time (``Date``) beside its items."""
        return self.pages("list audiences", f"{self._ag(account_group_id)}/audiences", AudiencePage,
                          {"limit": PAGE_LIMIT}).pages()

    def create_audience(self, account_group_id: str, name: str, type_: str,
                        description: str | None) -> AudienceObject:
        body: dict[str, Any] = {"name": name, "type": type_}
        if description is not None:
            body["description"] = description
        # Not idempotent (documented): never resent blindly; the resource layer reconciles a lost answer.
        resp = self.call("create audience", "POST", f"{self._ag(account_group_id)}/audiences", json_body=body,
                         idempotent=False)
        return AudienceObject.model_validate(self._data(resp))

    def get_audience(self, account_group_id: str, audience_id: str) -> AudienceObject:
        resp = self.call("get audience", "GET", self._audience(account_group_id, audience_id))
        return AudienceObject.model_validate(self._data(resp))

    def update_audience(self, account_group_id: str, audience_id: str, **fields: str | None) -> AudienceObject:
        """PATCH ``name`` and/or ``description`` (at least one; ``description=None`` clears it)."""
        # Absolute values: sending the same PATCH twice changes nothing, so it may be retried.
        resp = self.call("update audience", "PATCH", self._audience(account_group_id, audience_id),
                         json_body=fields, idempotent=True)
        return AudienceObject.model_validate(self._data(resp))

    def delete_audience(self, account_group_id: str, audience_id: str) -> None:
        self.call("delete audience", "DELETE", self._audience(account_group_id, audience_id))

    def move_audience_to_folder(self, account_group_id: str, audience_id: str, folder_id: str) -> AudienceObject:
        resp = self.call("move audience to folder", "POST",
                         self._audience(account_group_id, audience_id) + "/move-to-folder",
                         json_body={"folderId": folder_id}, idempotent=True)
        return AudienceObject.model_validate(self._data(resp))

    def remove_audience_from_folder(self, account_group_id: str, audience_id: str) -> AudienceObject:
        resp = self.call("remove audience from folder", "POST",
                         self._audience(account_group_id, audience_id) + "/remove-from-folder", idempotent=True)
        return AudienceObject.model_validate(self._data(resp))

    def get_navigation(self, account_group_id: str) -> Navigation:
        resp = self.call("get audience navigation", "GET", f"{self._ag(account_group_id)}/audiences/navigation")
        nav = Navigation.model_validate(self._data(resp))
        nav.server_time = server_time(resp)
        return nav

    def iter_prospects(self, account_group_id: str, audience_id: str) -> Paginator[ProspectPage]:
        """The audience's members; 409 AUDIENCE_NOT_READY while a prospecting job fills it."""
        return self.pages("list audience prospects", self._audience(account_group_id, audience_id) + "/prospects",
                          ProspectPage, {"limit": PAGE_LIMIT})

    # -- prospecting -----------------------------------------------------------------------------
    def start_url_upload(self, account_group_id: str, audience_id: str, urls: list[str],
                         idempotency_key: str) -> JobStart:
        """Start a ``url_upload`` job (1-1000 profile URLs) filling ``audience_id``.

        prospecting-jobs-start: "send a stable Idempotency-Key header when retrying this request"; the same key
        and body answer with the same job (200 once it completed), so with a key the POST may be resent.
        """
        body = {"audienceId": audience_id, "source": "url_upload", "urls": urls}
        resp = self.call("start prospecting job", "POST", f"{self._ag(account_group_id)}/prospecting",
                         json_body=body, idempotent=True, headers={"Idempotency-Key": idempotency_key})
        start = JobStart.model_validate(self._data(resp))
        start.replayed = resp.status_code == 200
        return start

    def get_job(self, account_group_id: str, job_id: str) -> JobStatus:
        resp = self.call("get prospecting job", "GET", f"{self._ag(account_group_id)}/prospecting/{_seg(job_id)}")
        return JobStatus.model_validate(self._data(resp))

    def iter_jobs(self, account_group_id: str, status: str | None = None) -> Paginator[JobPage]:
        return self.pages("list prospecting jobs", f"{self._ag(account_group_id)}/prospecting", JobPage,
                          {"limit": PAGE_LIMIT, **({"status": status} if status else {})})

    # -- folders ---------------------------------------------------------------------------------
    def create_folder(self, account_group_id: str, name: str, audience_type: str) -> FolderObject:
        resp = self.call("create audience folder", "POST", f"{self._ag(account_group_id)}/audiences/folders",
                         json_body={"name": name, "audienceType": audience_type}, idempotent=False)
        return FolderObject.model_validate(self._data(resp))

    def rename_folder(self, account_group_id: str, folder_id: str, name: str) -> FolderObject:
        resp = self.call("rename audience folder", "PATCH", self._folder(account_group_id, folder_id),
                         json_body={"name": name}, idempotent=True)
        return FolderObject.model_validate(self._data(resp))

    def delete_folder(self, account_group_id: str, folder_id: str) -> None:
        # Not in the public docs (the emulator invents it): a 404/405 here means the vendor lacks it.
        self.call("delete audience folder", "DELETE", self._folder(account_group_id, folder_id))
