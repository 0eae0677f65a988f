"""UnleashX global API routes (https://docs.unleashx.ai/api-reference/...), under /api/v1/global."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .errors import INVALID_TOKEN, TOKEN_REQUIRED, UnleashXError, error_response
from .state import UnleashXState, as_int

PREFIX = "/api/v1/global"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# A handler gets the request and the caller's workspace (resolved from the token).
Endpoint = Callable[[web.Request, str], Awaitable[web.StreamResponse]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


# How a request may carry the API token. `token` is the header every API reference page names, on every route.
# Two more forms appear on some pages, and are accepted where a page shows them (and nowhere else):
# - `api_access_token: <token>`: "some endpoints also accept api_access_token" (authentication page, which names
#   none); agents/get's page lists it beside `token`.
# - `Authorization: <token>` (no scheme): the "Example cURL" of create-campaign, campaign-audience-stats and
#   audience-format.
TOKEN = ("token",)
AUTH_FORMS: dict[str, tuple[str, ...]] = {
    "/agents/get": ("token", "api_access_token"),
    "/create-campaign": ("token", "Authorization"),
    "/campaign-audience-stats": ("token", "Authorization"),
    "/audience-format": ("token", "Authorization"),
}


def _forms(request: web.Request) -> tuple[str, ...]:
    return AUTH_FORMS.get(request.path.removeprefix(PREFIX), TOKEN)


def credential_of(request: web.Request) -> str | None:
    for header in _forms(request):
        value = request.headers.get(header, "").strip()
        if value:
            return value
    return None


def _authenticate(state: UnleashXState, request: web.Request) -> str:
    token = credential_of(request)
    if token is None:
        raise UnleashXError(401, TOKEN_REQUIRED)
    workspace = state.workspace_of(token)
    if workspace is None:
        raise UnleashXError(401, INVALID_TOKEN)
    return workspace


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise UnleashXError(400, "Invalid JSON body") from None
    if not isinstance(body, dict):
        raise UnleashXError(400, "Invalid JSON body")
    return body


def _query(request: web.Request) -> dict[str, list[str]]:
    """Query params as lists: `status=0&status=1`, `status[]=0` and `status=0,1` all mean the set {0, 1}.

    The docs type several filters "number | array" without saying how an array is spelled in a query string,
    so every common spelling is accepted.
    """
    out: dict[str, list[str]] = {}
    for key, value in request.query.items():
        name = key[:-2] if key.endswith("[]") else key
        out.setdefault(name, []).extend(v for v in value.split(",") if v != "")
    return out


def _first(query: dict[str, list[str]], key: str) -> str | None:
    values = query.get(key)
    return values[0] if values else None


def _agents_query(params: dict[str, Any]) -> tuple[int | None, int | None]:
    raw_id, raw_type = params.get("agent_id"), params.get("agent_type")
    agent_id = as_int(raw_id) if raw_id not in (None, "") else None
    agent_type = as_int(raw_type) if raw_type not in (None, "") else None
    if raw_id not in (None, "") and agent_id is None:
        raise UnleashXError(400, "agent_id must be an integer")
    if raw_type not in (None, "") and agent_type is None:
        raise UnleashXError(400, "agent_type must be an integer")
    return agent_id, agent_type


def _paging(query: dict[str, list[str]]) -> tuple[int, int, bool]:
    """audience-list's page, limit and is_new (the "simplified format")."""
    page = as_int(query["page"][0]) if query.get("page") else 1
    limit = as_int(query["limit"][0]) if query.get("limit") else 10
    if page is None or limit is None or page < 1 or limit < 1:
        raise UnleashXError(400, "page and limit must be positive numbers")
    return page, limit, bool(query.get("is_new")) and query["is_new"][0].lower() in ("true", "1")


def _endpoint(state: UnleashXState, fn: Endpoint) -> Handler:
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await fn(request, _authenticate(state, request))
        except UnleashXError as err:
            return error_response(err.status, err.message)

    return wrapped


def add_routes(app: web.Application, state: UnleashXState) -> None:
    async def verify(request: web.Request, workspace: str) -> web.Response:
        del request, workspace  # reaching here means the token authenticated
        return web.json_response({"message": "Token is valid"})

    async def get_agents(request: web.Request, workspace: str) -> web.Response:
        # Documented as GET with query parameters or POST with the same fields in a JSON body.
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.body_exists:
            params = await _body(request)
        return web.json_response(state.get_agents(workspace, *_agents_query(params)))

    async def create_campaign(request: web.Request, workspace: str) -> web.Response:
        return web.json_response(state.create_campaign(workspace, await _body(request)))

    async def update_campaign(request: web.Request, workspace: str) -> web.Response:
        return web.json_response(state.update_campaign(workspace, await _body(request)))

    async def audience_list(request: web.Request, workspace: str) -> web.Response:
        query = _query(request)
        page, limit, simple = _paging(query)
        return web.json_response(state.audience_list(workspace, as_int(_first(query, "campaign_id")), page, limit,
                                                     simple, query))

    async def audience_stats(request: web.Request, workspace: str) -> web.Response:
        query = _query(request)
        return web.json_response(state.audience_stats(workspace, as_int(_first(query, "campaign_id")), query))

    async def audience_format(request: web.Request, workspace: str) -> web.Response:
        data = state.audience_format(workspace, as_int(request.query.get("campaign_id")))
        name = f"audience_format_{int(time.time() * 1000)}.xlsx"
        return web.Response(body=data, content_type=XLSX,
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})

    async def delete_audience(request: web.Request, workspace: str) -> web.Response:
        return web.json_response({"message": state.delete_audience(workspace, await _body(request))})

    app.router.add_post(PREFIX + "/verify", _endpoint(state, verify))
    app.router.add_get(PREFIX + "/agents/get", _endpoint(state, get_agents))
    app.router.add_post(PREFIX + "/agents/get", _endpoint(state, get_agents))
    app.router.add_post(PREFIX + "/create-campaign", _endpoint(state, create_campaign))
    app.router.add_post(PREFIX + "/update-campaign", _endpoint(state, update_campaign))
    app.router.add_get(PREFIX + "/audience-list", _endpoint(state, audience_list))
    app.router.add_get(PREFIX + "/campaign-audience-stats", _endpoint(state, audience_stats))
    app.router.add_get(PREFIX + "/audience-format", _endpoint(state, audience_format))
    app.router.add_post(PREFIX + "/delete-audience", _endpoint(state, delete_audience))
