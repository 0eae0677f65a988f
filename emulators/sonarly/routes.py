"""Sonarly public API v1 routes (https://app.sonarly.io/docs/api/...): accounts, audiences, folders, prospecting."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .errors import SonarlyError, envelope, error_response, new_trace_id, validation
from .state import ApiKey, SonarlyState, parse_limit

PREFIX = "/v1"
AG = PREFIX + "/accounts/{accountGroupId}"

# A route body returns (HTTP status, envelope data); errors are raised as SonarlyError.
Route = Callable[[web.Request, ApiKey], Awaitable[tuple[int, Any]]]
Handler = Callable[[web.Request], Awaitable[web.Response]]


def credential_of(request: web.Request) -> str | None:
    """The bearer API key: Sonarly rate limits are per key."""
    scheme, _, value = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


async def _body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw.strip():
        return {}  # an absent body is validated field by field, so the 400 names what is missing
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise validation("body: is not valid JSON") from None
    if not isinstance(body, dict):
        raise validation("body: must be a JSON object")
    return body


def _endpoint(state: SonarlyState, permission: str | None, fn: Route) -> Handler:
    """Auth (401), permission (403), account-group access (403), then the route; every answer enveloped."""

    async def wrapped(request: web.Request) -> web.Response:
        trace = new_trace_id()
        try:
            key = state.authorize(credential_of(request), permission, request.match_info.get("accountGroupId"))
            status, data = await fn(request, key)
            return envelope(status, data, None, trace)
        except SonarlyError as err:
            return error_response(err.status, err.message, err.code, err.details, trace)

    return wrapped


def add_routes(app: web.Application, state: SonarlyState) -> None:
    def ag(request: web.Request) -> str:
        return request.match_info["accountGroupId"]

    async def accounts(request: web.Request, key: ApiKey) -> tuple[int, Any]:
        return 200, state.accounts(key)

    async def list_audiences(request: web.Request, key: ApiKey) -> tuple[int, Any]:
        limit = parse_limit(request.query.get("limit"))
        return 200, state.list_audiences(ag(request), request.query.get("cursor") or None, limit)

    async def create_audience(request: web.Request, key: ApiKey) -> tuple[int, Any]:
        return 201, state.create_audience(ag(request), await _body(request))

    async def navigation(request: web.Request, key: ApiKey) -> tuple[int, Any]:
        return 200, state.navigation(ag(request))

    async def get_audience(request: web.Request, key: ApiKey) -> tuple[int, Any]:
        return 200, state.get_audience(ag(request), request.match_info["audienceId"])

    async def list_prospects(request: web.Request, key: ApiKey) -> tuple[int, Any]:
        limit = parse_limit(request.query.get("limit"))
        return 200, state.list_prospects(ag(request), request.match_info["audienceId"],
                                         request.query.get("cursor") or None, limit)

    async def update_audience(request: web.Request, key: ApiKey) -> tuple[int, Any]:
        return 200, state.update_audience(ag(request), request.match_info["audienceId"], await _body(request))

    async def delete_audience(request: web.Request, key: ApiKey) -> tuple[int, Any]:
        return 200, state.delete_audience(ag(request), request.match_info["audienceId"])

    async def move_to_folder(request: web.Request, key: ApiKey) -> tuple[int, Any]:
        return 200, state.move_to_folder(ag(request), request.match_info["audienceId"], await _body(request))

    async def remove_from_folder(request: web.Request, key: ApiKey) -> tuple[int, Any]:
        return 200, state.remove_from_folder(ag(request), request.match_info["audienceId"])

    async def create_folder(request: web.Request, key: ApiKey) -> tuple[int, Any]:
        return 201, state.create_folder(ag(request), await _body(request))

    async def rename_folder(request: web.Request, key: ApiKey) -> tuple[int, Any]:
        return 200, state.rename_folder(ag(request), request.match_info["folderId"], await _body(request))

    async def delete_folder(request: web.Request, key: ApiKey) -> tuple[int, Any]:
        return 200, state.delete_folder(ag(request), request.match_info["folderId"])

    async def start_job(request: web.Request, key: ApiKey) -> tuple[int, Any]:
        idem = request.headers.get("Idempotency-Key") or None
        return state.start_job(key, ag(request), await _body(request), idem)

    async def list_jobs(request: web.Request, key: ApiKey) -> tuple[int, Any]:
        limit = parse_limit(request.query.get("limit"))
        return 200, state.list_jobs(ag(request), request.query.get("cursor") or None, limit,
                                    request.query.get("status") or None)

    async def get_job(request: web.Request, key: ApiKey) -> tuple[int, Any]:
        return 200, state.get_job(ag(request), request.match_info["jobId"])

    async def cancel_job(request: web.Request, key: ApiKey) -> tuple[int, Any]:
        return 200, state.cancel_job(ag(request), request.match_info["jobId"])

    async def unknown_route(request: web.Request) -> web.Response:
        return error_response(404, f"No route for {request.method} {request.path}", "NOT_FOUND")

    read, write = "audiences:read", "audiences:write"
    r = app.router
    r.add_get(PREFIX + "/accounts", _endpoint(state, None, accounts))  # documented: any valid key
    r.add_get(AG + "/audiences", _endpoint(state, read, list_audiences))
    r.add_post(AG + "/audiences", _endpoint(state, write, create_audience))
    # Fixed segments are registered before /audiences/{audienceId} so "navigation" is never taken for an id.
    r.add_get(AG + "/audiences/navigation", _endpoint(state, read, navigation))
    r.add_post(AG + "/audiences/folders", _endpoint(state, write, create_folder))
    r.add_patch(AG + "/audiences/folders/{folderId}", _endpoint(state, write, rename_folder))
    r.add_delete(AG + "/audiences/folders/{folderId}", _endpoint(state, write, delete_folder))
    r.add_get(AG + "/audiences/{audienceId}", _endpoint(state, read, get_audience))
    r.add_patch(AG + "/audiences/{audienceId}", _endpoint(state, write, update_audience))
    r.add_delete(AG + "/audiences/{audienceId}", _endpoint(state, write, delete_audience))
    # "prospects:read for listing prospects in an audience" (audiences-prospects-list integration notes).
    r.add_get(AG + "/audiences/{audienceId}/prospects", _endpoint(state, "prospects:read", list_prospects))
    r.add_post(AG + "/audiences/{audienceId}/move-to-folder", _endpoint(state, write, move_to_folder))
    r.add_post(AG + "/audiences/{audienceId}/remove-from-folder", _endpoint(state, write, remove_from_folder))
    r.add_post(AG + "/prospecting", _endpoint(state, "prospecting:write", start_job))
    r.add_get(AG + "/prospecting", _endpoint(state, "prospecting:read", list_jobs))
    r.add_get(AG + "/prospecting/{jobId}", _endpoint(state, "prospecting:read", get_job))
    r.add_post(AG + "/prospecting/{jobId}/cancel", _endpoint(state, "prospecting:write", cancel_job))
    # Anything else under /v1 answers in the envelope too, so clients never have to parse aiohttp's text 404.
    r.add_route("*", PREFIX + "/{tail:.*}", unknown_route)
