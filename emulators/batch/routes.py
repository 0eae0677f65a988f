"""Batch Audience API 2.8 routes (https://doc.batch.com/developer/api/cep/audiences/...)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .errors import BatchError, error_response
from .state import LIST_DEFAULT_LIMIT, BatchState

PREFIX = "/2.8"

Handler = Callable[[web.Request], Awaitable[web.Response]]


def credential_of(request: web.Request) -> str | None:
    auth = request.headers.get("Authorization", "")
    return auth[7:] if auth.startswith("Bearer ") else None


def _authenticate(state: BatchState, request: web.Request) -> None:
    pair = (credential_of(request) or "", request.headers.get("X-Batch-Project", ""))
    if pair not in state.credentials:
        # Documented 401 text: "The Rest API Key is not valid for this project".
        raise BatchError(401, "The Rest API Key is not valid for this project", "AUTHENTICATION_INVALID")


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BatchError(400, "The request body is not valid JSON", "MALFORMED_JSON") from None
    if not isinstance(body, dict):
        raise BatchError(400, "The request body must be a JSON object", "MALFORMED_JSON")
    return body


def _endpoint(state: BatchState, fn: Callable[[web.Request], Awaitable[web.Response]]) -> Handler:
    async def wrapped(request: web.Request) -> web.Response:
        try:
            _authenticate(state, request)
            return await fn(request)
        except BatchError as err:
            return error_response(err.status, err.message, err.code)

    return wrapped


def add_routes(app: web.Application, state: BatchState) -> None:
    async def create(request: web.Request) -> web.Response:
        return web.json_response({"indexing_token": state.create(await _body(request))}, status=202)

    async def update(request: web.Request) -> web.Response:
        return web.json_response({"indexing_token": state.update(await _body(request))}, status=202)

    async def replace(request: web.Request) -> web.Response:
        return web.json_response({"indexing_token": state.replace(await _body(request))}, status=202)

    async def remove(request: web.Request) -> web.Response:
        return web.json_response({"indexing_token": state.remove(await _body(request))}, status=202)

    async def view(request: web.Request) -> web.Response:
        return web.json_response(state.view(request.query.get("name"), request.query.get("indexing_token")))

    async def list_(request: web.Request) -> web.Response:
        try:
            limit = int(request.query.get("limit", str(LIST_DEFAULT_LIMIT)))
        except ValueError:
            raise BatchError(400, "limit must be an integer", "INVALID_PARAMETER") from None
        return web.json_response(state.list(request.query.get("from"), limit))

    app.router.add_post(PREFIX + "/audiences/create", _endpoint(state, create))
    app.router.add_post(PREFIX + "/audiences/update", _endpoint(state, update))
    app.router.add_post(PREFIX + "/audiences/replace", _endpoint(state, replace))
    app.router.add_post(PREFIX + "/audiences/remove", _endpoint(state, remove))
    app.router.add_get(PREFIX + "/audiences/view", _endpoint(state, view))
    app.router.add_get(PREFIX + "/audiences/list", _endpoint(state, list_))
