"""Thrive error bodies: ``{"status": 404, "error": "Not Found", "message": "..."}`` (documented shape)."""

from __future__ import annotations

from http import HTTPStatus

from aiohttp import web

# The docs' examples spell these phrases; 422 follows the docs ("Unprocessable Content"), which older
# Pythons' HTTPStatus calls "Unprocessable Entity".
PHRASES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


def phrase(status: int) -> str:
    if status in PHRASES:
        return PHRASES[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def error_response(status: int, message: str, code: str | None = None) -> web.Response:
    # Thrive's body has no machine code field; `code` (from the shared machinery) is deliberately dropped
    # so faults and 429s look exactly like the vendor's own errors.
    del code
    return web.json_response({"status": status, "error": phrase(status), "message": message}, status=status)


class ThriveError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
