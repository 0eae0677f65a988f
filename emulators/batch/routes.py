"""Batch Audience API 2.8 routes (https://doc.batch.com/developer/api/cep/audiences/...)."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .errors import BatchError, error_response
from .state import BatchState, IdChange

PREFIX = "/2.8"
NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
MAX_IDS_PER_CALL = 10_000
MAX_ATTRIBUTES = 15
# list: "limit integer · max: 100 · Default: 10" (https://doc.batch.com/developer/api/cep/audiences/list).
LIST_DEFAULT_LIMIT = 10
LIST_MAX_LIMIT = 100
CREATE_FIELDS = frozenset({"name", "type", "display_name"})

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


def _name(body: dict[str, Any]) -> str:
    name = body.get("name")
    if not isinstance(name, str) or not name:
        raise BatchError(400, "name is required", "MISSING_PARAMETER")
    if not NAME_RE.match(name):
        raise BatchError(400, "name must be 1-255 characters among [A-Za-z0-9_-]", "INVALID_PARAMETER")
    return name


def _ids(body: dict[str, Any], with_action: bool) -> list[IdChange]:
    """update's ids need an action (add | remove); replace's are all kept, so theirs is not checked."""
    ids = body.get("ids")
    if not isinstance(ids, list) or not ids:
        raise BatchError(400, "ids must be a non-empty array", "MISSING_PARAMETER")
    if len(ids) > MAX_IDS_PER_CALL:
        raise BatchError(400, f"ids supports up to {MAX_IDS_PER_CALL} elements", "TOO_MANY_IDS")
    changes = []
    for item in ids:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
            raise BatchError(400, "each ids element needs a string id", "INVALID_PARAMETER")
        action = item.get("action")
        if with_action and action not in ("add", "remove"):
            raise BatchError(400, "action must be add or remove", "INVALID_PARAMETER")
        attrs = item.get("attributes")
        if attrs is not None:
            if action == "remove":
                raise BatchError(400, "attributes are only accepted for add action", "INVALID_PARAMETER")
            if not isinstance(attrs, dict) or len(attrs) > MAX_ATTRIBUTES:
                raise BatchError(400, f"attributes supports up to {MAX_ATTRIBUTES} elements", "INVALID_PARAMETER")
        changes.append(IdChange(item["id"], remove=action == "remove", attributes=attrs or {}))
    return changes


def _create_args(body: dict[str, Any], strict: bool) -> tuple[str, str | None]:
    name = _name(body)
    unknown = sorted(set(body) - CREATE_FIELDS)
    # The create page documents three fields and says nothing of others: by default they are ignored (a client
    # that sends `ids` here gets no members and no error). Refusing them is an invented check, on request only.
    if unknown and strict:
        raise BatchError(400, f"unknown field(s): {', '.join(unknown)}", "INVALID_PARAMETER")
    if "type" not in body:
        raise BatchError(400, "type is required", "MISSING_PARAMETER")
    if body["type"] != "custom_ids":
        raise BatchError(400, "type must be custom_ids", "INVALID_PARAMETER")
    display_name = body.get("display_name")
    if display_name is not None and not isinstance(display_name, str):
        raise BatchError(400, "display_name must be a string", "INVALID_PARAMETER")
    return name, display_name


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
        args = _create_args(await _body(request), state.strict_validation)
        return web.json_response({"indexing_token": state.create(*args)}, status=202)

    async def update(request: web.Request) -> web.Response:
        body = await _body(request)
        return web.json_response({"indexing_token": state.update(_name(body), _ids(body, True))}, status=202)

    async def replace(request: web.Request) -> web.Response:
        body = await _body(request)
        return web.json_response({"indexing_token": state.replace(_name(body), _ids(body, False))}, status=202)

    async def remove(request: web.Request) -> web.Response:
        return web.json_response({"indexing_token": state.remove(_name(await _body(request)))}, status=202)

    async def view(request: web.Request) -> web.Response:
        name = request.query.get("name")
        if not name:
            raise BatchError(400, "name is required", "MISSING_PARAMETER")
        return web.json_response(state.view(name, request.query.get("indexing_token")))

    async def list_(request: web.Request) -> web.Response:
        try:
            limit = int(request.query.get("limit", str(LIST_DEFAULT_LIMIT)))
        except ValueError:
            raise BatchError(400, "limit must be an integer", "INVALID_PARAMETER") from None
        if limit < 1 or limit > LIST_MAX_LIMIT:
            raise BatchError(400, f"limit must be between 1 and {LIST_MAX_LIMIT}", "INVALID_PARAMETER")
        return web.json_response(state.list(request.query.get("from"), limit))

    app.router.add_post(PREFIX + "/audiences/create", _endpoint(state, create))
    app.router.add_post(PREFIX + "/audiences/update", _endpoint(state, update))
    app.router.add_post(PREFIX + "/audiences/replace", _endpoint(state, replace))
    app.router.add_post(PREFIX + "/audiences/remove", _endpoint(state, remove))
    app.router.add_get(PREFIX + "/audiences/view", _endpoint(state, view))
    app.router.add_get(PREFIX + "/audiences/list", _endpoint(state, list_))
