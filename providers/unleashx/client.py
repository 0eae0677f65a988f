"""UnleashX global API client: one method per documented endpoint, no Pulumi.

https://docs.unleashx.ai/api-reference/ (authentication, campaigns/*). UnleashX documents error *messages*, not
statuses, so errors are classified by message as well as by status (see :meth:`Client.call`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import httpx

from .._core.errors import ApiError, Conflict, NotFound
from .._core.http import BaseClient, ClientSettings, ErrorDetails
from .._core.paging import Paginator
from .models import (
    Agent,
    AgentsResponse,
    AudiencePage,
    AudienceRecord,
    AudienceStats,
    CampaignObject,
    CampaignResponse,
    canonical_phone,
)

DEFAULT_BASE_URL = "https://www.tryunleashx.com/api/v1/global"
# Records per audience-list page. The default is 10 and no maximum is documented; 100 stays modest.
PAGE_SIZE = 100

# Documented verbatim on delete-audience (seed 003); matched on, whatever status carries them.
CAMPAIGN_NOT_EXIST = "Campaign not exist"
AUDIENCE_REQUIRED = "Audience array is required"
DELETE_ALL_DRAFT_ONLY = "All audience can only be deleted when the campaign is in draft status"


def is_campaign_missing_message(message: str) -> bool:
    return CAMPAIGN_NOT_EXIST.lower() in message.lower()


def is_name_taken_message(message: str) -> bool:
    # Documented rule ("campaign_name must be unique within a workspace"), undocumented wording: match loosely.
    text = message.lower()
    return "already exist" in text or ("name" in text and ("unique" in text or "taken" in text))


def is_campaign_missing(exc: ApiError) -> bool:
    return is_campaign_missing_message(exc.vendor_message)


def is_name_taken(exc: ApiError) -> bool:
    return is_name_taken_message(exc.vendor_message)


def is_delete_all_refused(exc: ApiError) -> bool:
    return "only be deleted when the campaign is in draft" in exc.vendor_message.lower()


class Client(BaseClient):
    vendor = "UnleashX"

    def __init__(self, settings: ClientSettings, *, token: str) -> None:
        super().__init__(settings, secrets=(token,))
        self._headers = {"token": token}

    def auth_headers(self) -> Mapping[str, str]:
        return self._headers

    def parse_error(self, response: httpx.Response) -> ErrorDetails:
        body = response.json()
        return ErrorDetails(message=str(body.get("message") or body.get("error") or response.reason_phrase))

    def error_hint(self, operation: str, status: int, details: ErrorDetails) -> str | None:
        if status == 401:
            return ("Check unleashx:token: an API token of the workspace "
                    "(`pulumi config set --secret unleashx:token <token>`)")
        return None

    def classify_error(self, status: int, details: ErrorDetails) -> type[ApiError] | None:
        # Statuses are not documented, so "Campaign not exist" is a NotFound and a taken name a Conflict
        # whatever status the vendor sends them with.
        if is_campaign_missing_message(details.message):
            return NotFound
        if is_name_taken_message(details.message):
            return Conflict
        return None

    # -- agents ------------------------------------------------------------------------------------
    def get_agents(self, agent_type: int | None = None) -> list[Agent]:
        """GET /agents/get: every agent of the workspace (or of one documented `agent_type`)."""
        params = {"agent_type": agent_type} if agent_type is not None else None
        resp = self.call("get agents", "GET", "/agents/get", params=params)
        return AgentsResponse.model_validate(resp.json()).agents()

    def agents(self) -> list[Agent]:
        """The workspace's agents, read once per client (process and token): every campaign of a preview checks
        against one list."""
        return self.once("agents", self.get_agents)

    def verify_credentials(self) -> None:
        """The credential check at preview: the agent list, read once per process anyway for the campaigns' agent
        check (GET /agents/get), so a stack with a campaign pays no extra request; 401 for a rejected token."""
        self.agents()

    # -- campaigns ---------------------------------------------------------------------------------
    def create_campaign(self, body: Mapping[str, Any]) -> CampaignResponse:
        """POST /create-campaign. Not idempotent (a repeat is refused: names are unique); never auto-retried."""
        resp = self.call("create campaign", "POST", "/create-campaign", json_body=dict(body), idempotent=False)
        return CampaignResponse.model_validate(self.json_of(resp) or {})

    def update_campaign(self, campaign_id: int, fields: Mapping[str, Any]) -> CampaignObject | None:
        """POST /update-campaign: only the sent fields change; absolute values, so a repeat is harmless."""
        resp = self.call("update campaign", "POST", "/update-campaign",
                         json_body={"id": campaign_id, **fields}, idempotent=True)
        return CampaignResponse.model_validate(self.json_of(resp) or {}).data

    # -- audience ----------------------------------------------------------------------------------
    def iter_records(self, campaign_id: int, *, mobile_no: str | None = None,
                     start: int = 1) -> Paginator[AudiencePage]:
        """Every record of the campaign (or matching `mobile_no`, a documented partial match), from page ``start``."""
        only = {"mobile_no": mobile_no} if mobile_no else {}
        return self.pages("list audience", "/audience-list", AudiencePage,
                          {"campaign_id": campaign_id, "page": start, "limit": PAGE_SIZE, **only})

    def find_records(self, campaign_id: int, phones: Sequence[str]) -> dict[str, list[AudienceRecord]]:
        """The campaign's records for each phone number, keyed by the number's digits (read-only).

        One audience-list page first: if the campaign is small, or scanning it costs no more calls than one
        filtered search per number, every page is read; otherwise each number is searched with the documented
        `mobile_no` filter (a partial match, so results are compared digit for digit). Raises NotFound when the
        campaign is gone.
        """
        found: dict[str, list[AudienceRecord]] = {canonical_phone(p): [] for p in phones}

        def take(records: Iterable[AudienceRecord]) -> None:
            for rec in records:
                bucket = found.get(canonical_phone(rec.mobile_no))
                if bucket is not None and all(r.id != rec.id for r in bucket):
                    bucket.append(rec)

        every = self.iter_records(campaign_id)
        first = every.first_page()  # kept: walking `every` does not read it again
        pages, total = first.pagination.total_pages, first.pagination.total_records
        if pages <= 1 or not found or pages - 1 <= len(found):
            take(every if found else first.datalist)
            return found
        take(first.datalist)
        for digits in found:
            matching = self.iter_records(campaign_id, mobile_no=digits)
            if matching.first_page().pagination.total_records >= total:
                # The filter was ignored (it should match a handful of rows, not all): fall back to a full scan.
                take(self.iter_records(campaign_id, start=2))
                return found
            take(matching)
        return found

    def campaign_audience_stats(self, campaign_id: int) -> AudienceStats:
        resp = self.call("get campaign audience stats", "GET", "/campaign-audience-stats",
                         params={"campaign_id": campaign_id})
        return AudienceStats.model_validate(resp.json())

    def delete_audience(self, campaign_id: int, audience: list[int] | None = None, *,
                        delete_all: bool = False) -> str:
        """POST /delete-audience: hard delete of ids (or of all records, draft campaigns only).

        Deleting ids that are already gone is answered with success, so a repeat after a lost response is
        harmless.
        """
        body: dict[str, Any] = {"campaign_id": campaign_id}
        if delete_all:
            body["delete_all"] = True
        else:
            body["audience"] = list(audience or [])
        resp = self.call("delete audience", "POST", "/delete-audience", json_body=body, idempotent=True)
        return str((self.json_of(resp) or {}).get("message", ""))
