"""UnleashX error bodies: ``{"error": true, "message": "..."}`` (documented shape; statuses mostly inferred)."""

from __future__ import annotations

from aiohttp import web

# Documented verbatim on https://docs.unleashx.ai/api-reference/campaigns/delete-audience (seed 003); the
# provider matches on these strings, so they live in one place.
CAMPAIGN_NOT_EXIST = "Campaign not exist"
AUDIENCE_REQUIRED = "Audience array is required"
DELETE_ALL_DRAFT_ONLY = "All audience can only be deleted when the campaign is in draft status"
# Documented on https://docs.unleashx.ai/api-reference/campaigns/audience-format.
FORMAT_NOT_AVAILABLE = "Campaign not exist Or Agent is not assigned to campaign"
# Not documented for API tokens: modelled on the documented login-token errors (LOGIN_TOKEN_REQUIRED,
# INVALID_LOGIN_TOKEN on https://docs.unleashx.ai/api-reference/token/generate-token).
TOKEN_REQUIRED = "TOKEN_REQUIRED"
INVALID_TOKEN = "INVALID_TOKEN"


def error_response(status: int, message: str, code: str | None = None) -> web.Response:
    # The vendor body has no machine-readable code; `code` from the shared machinery is dropped so injected
    # faults and 429s look like the vendor's own errors.
    del code
    return web.json_response({"error": True, "message": message}, status=status)


class UnleashXError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
