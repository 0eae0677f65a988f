"""UnleashX global API client: one method per documented endpoint, no Pulumi.

https://docs.unleashx.ai/api-reference/ (authentication, campaigns/*). UnleashX documents error *messages*, not
statuses, so errors are classified by message as well as by status (see :meth:`Client.call`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from .._core.errors import ApiError, Conflict, NotFound
from .._core.http import BaseClient, ClientSettings, ErrorDetails
from .models import AudiencePage, AudienceStats, CampaignObject, CampaignResponse

DEFAULT_BASE_URL = "https://www.tryunleashx.com/api/v1/global"

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

    def verify_credentials(self) -> None:
        """POST /verify, the documented token check (200 valid, 401 invalid; …/authentication). Changes nothing."""
        self.call("verify token", "POST", "/verify", idempotent=True)

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
    def list_audience(self, campaign_id: int, *, page: int = 1, limit: int = 100,
                      mobile_no: str | None = None) -> AudiencePage:
        """GET /audience-list; `mobile_no` is a documented partial (LIKE) match."""
        params: dict[str, Any] = {"campaign_id": campaign_id, "page": page, "limit": limit}
        if mobile_no:
            params["mobile_no"] = mobile_no
        return AudiencePage.model_validate(self.call("list audience", "GET", "/audience-list", params=params).json())

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
