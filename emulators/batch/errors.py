"""Batch error bodies: ``{"error_code": ..., "error_message": ...}`` (documented shape; codes are ours)."""

from __future__ import annotations

from aiohttp import web

# The docs name the shape (`Error` schema: required error_code, error_message) and the statuses per route (400,
# 401, 429, 500, 503 on every route, 404 on view only) but not the code strings: these codes are invented.
DEFAULT_CODES = {
    400: "INVALID_REQUEST",
    401: "AUTHENTICATION_INVALID",
    404: "AUDIENCE_NOT_FOUND",
    429: "TOO_MANY_REQUESTS",
    500: "SERVER_ERROR",
    502: "BAD_GATEWAY",
    503: "MAINTENANCE",
    504: "GATEWAY_TIMEOUT",
}


def error_response(status: int, message: str, code: str | None = None) -> web.Response:
    body = {"error_code": code or DEFAULT_CODES.get(status, "ERROR"), "error_message": message}
    return web.json_response(body, status=status)


class BatchError(Exception):
    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
