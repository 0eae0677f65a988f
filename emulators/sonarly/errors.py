"""Sonarly response envelope: ``{"success", "data", "error": {"code", "message", "details"}, "traceId"}``.

Every response, success or failure, uses the documented envelope. Only ``VALIDATION_ERROR``,
``AUDIENCE_NOT_READY`` and ``INSUFFICIENT_CREDITS`` are documented code strings; the others are ours (see
COVERAGE.md).
"""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

# Fallback codes per status, used when the shared machinery (faults, rate limiter) builds an error and when
# a handler does not name a more specific code. Invented except VALIDATION_ERROR and INSUFFICIENT_CREDITS.
DEFAULT_CODES = {
    400: "VALIDATION_ERROR",
    401: "UNAUTHORIZED",
    402: "INSUFFICIENT_CREDITS",  # documented (prospecting-jobs-start "Credit consumption")
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    409: "CONFLICT",
    422: "UNPROCESSABLE_ENTITY",
    429: "RATE_LIMITED",
    500: "INTERNAL_ERROR",
    502: "UPSTREAM_ERROR",
    503: "SERVICE_UNAVAILABLE",
    504: "GATEWAY_TIMEOUT",
}


def new_trace_id() -> str:
    # The docs' examples are 24 hex digits (a Mongo ObjectId); random keeps them unique across resets.
    return secrets.token_hex(12)


def envelope(status: int, data: Any, error: dict[str, Any] | None, trace_id: str | None = None) -> web.Response:
    trace = trace_id or new_trace_id()
    body = {"success": error is None, "data": data, "error": error, "traceId": trace}
    return web.json_response(body, status=status)


def error_response(status: int, message: str, code: str | None = None, details: str | None = None,
                   trace_id: str | None = None) -> web.Response:
    error = {"code": code or DEFAULT_CODES.get(status, "ERROR"), "message": message, "details": details}
    return envelope(status, None, error, trace_id)


class SonarlyError(Exception):
    def __init__(self, status: int, message: str, code: str | None = None, details: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or DEFAULT_CODES.get(status, "ERROR")
        self.details = details


def validation(details: str, message: str = "Request validation failed") -> SonarlyError:
    """400 VALIDATION_ERROR; ``details`` names the offending field(s) as ``field: problem``."""
    return SonarlyError(400, message, "VALIDATION_ERROR", details)
