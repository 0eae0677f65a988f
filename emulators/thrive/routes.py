"""Thrive public API v1 audience routes (https://docs.thrivelearning.com/apidocs/...) plus its OAuth token URL."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import Any

from aiohttp import web

from ..app import EMULATOR_KEY
from .errors import ThriveError, error_response
from .state import (
    CATEGORIES,
    DEFAULT_PER_PAGE,
    MAX_ENTITIES,
    MAX_LIMIT,
    MAX_PER_PAGE,
    MAX_TEXT,
    AudienceChanges,
    NewAudience,
    ThriveState,
)

PREFIX = "/rest/v1"
TOKEN_PATH = "/oauth2/token/{tenantId}"

Handler = Callable[[web.Request], Awaitable[web.Response]]


def _state_of(request: web.Request) -> ThriveState | None:
    state = request.app[EMULATOR_KEY].state
    return state if isinstance(state, ThriveState) else None


def _split_auth(header: str) -> tuple[str, str]:
    scheme, _, value = header.strip().partition(" ")
    return scheme.lower(), value.strip()


def _decode_basic(value: str) -> tuple[str, str] | None:
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def credential_of(request: web.Request) -> str | None:
    """The tenant behind a request, whichever way it authenticates, so rate limits are per tenant."""
    scheme, value = _split_auth(request.headers.get("Authorization", ""))
    if request.path.startswith("/oauth2/token/"):
        return request.path.rsplit("/", 1)[-1] or None
    if scheme == "basic":
        pair = _decode_basic(value)
        return pair[0] if pair else None
    if scheme == "bearer":
        state = _state_of(request)
        return state.tenant_of_token(value) if state else None
    return None


def _authenticate(request: web.Request, state: ThriveState) -> str:
    scheme, value = _split_auth(request.headers.get("Authorization", ""))
    write = request.method not in ("GET", "HEAD")
    if scheme == "basic":
        pair = _decode_basic(value)
        if pair is None or not state.check_basic(*pair):
            raise ThriveError(401, "Invalid Tenant ID or API secret")
        # Basic auth carries the tenant's full key, so no scope applies.
        return pair[0]
    if scheme == "bearer" and value:
        return state.check_bearer(value, write)
    raise ThriveError(401, "Missing or malformed Authorization header")


async def _json(request: web.Request) -> Any:
    try:
        return await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ThriveError(400, "The request body is not valid JSON") from None


async def _object(request: web.Request) -> dict[str, Any]:
    body = await _json(request)
    if not isinstance(body, dict):
        raise ThriveError(400, "The request body must be a JSON object")
    return body


def _text(body: dict[str, Any], key: str, required: bool) -> str | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ThriveError(400, f"{key} must be a non-empty string")
    if len(value) > MAX_TEXT:
        raise ThriveError(400, f"{key} must be at most {MAX_TEXT} characters")
    return value


def _new_audience(body: dict[str, Any], strict: bool) -> NewAudience:
    name = _text(body, "name", True)
    reference = _text(body, "reference", True)
    parent_key = body.get("parentId")
    if parent_key is not None and not isinstance(parent_key, str):
        raise ThriveError(400, "parentId must be a string")
    category = body.get("category")
    if category is None and not strict:
        # The create page marks no field required and describes a structure as "Created without a parentId", an
        # audience as "Created with a parentId": without a category, the parentId decides (inferred). Requiring
        # it is the invented strict_validation check.
        category = "audience" if parent_key else "structure"
    if category not in CATEGORIES:
        raise ThriveError(400, "category must be one of: structure, audience")
    # The docs say parentId "will be blank" for a structure, so an empty string counts as absent.
    if category == "structure" and parent_key:
        raise ThriveError(400, "parentId must be empty for a structure")
    if category == "audience" and not parent_key:
        raise ThriveError(400, "parentId is required for an audience")
    assert name is not None and reference is not None and isinstance(category, str)
    return NewAudience(name, reference, category, parent_key)


def _audience_changes(body: dict[str, Any], strict: bool) -> AudienceChanges:
    # Both update pages take name, reference (and parentId); nothing says what an empty body or a `category` gets.
    # By default an empty body changes nothing and `category` is ignored; refusing them (400, 422) is the invented
    # strict_validation answer.
    if strict and not any(k in body for k in ("name", "reference", "parentId")):
        raise ThriveError(400, "Provide at least one of name, reference, parentId")
    category, parent_key = body.get("category"), body.get("parentId")
    return AudienceChanges(
        name=_text(body, "name", False), reference=_text(body, "reference", False),
        category=None if "category" not in body or not strict else category if isinstance(category, str) else "",
        parent_key=None if "parentId" not in body else parent_key if isinstance(parent_key, str) else "")


def _entities(items: Any) -> list[Any]:
    if not isinstance(items, list):
        raise ThriveError(400, "The request body must be a JSON array")
    if not items:
        raise ThriveError(400, "The array must contain at least 1 item; an empty array is not supported")
    if len(items) > MAX_ENTITIES:
        raise ThriveError(400, f"The array must contain at most {MAX_ENTITIES} items")
    return items


def _member_refs(items: Any) -> list[str]:
    refs = _entities(items)
    if not all(isinstance(r, str) and r for r in refs):
        raise ThriveError(400, "Each item must be a non-empty string (user email, reference or id)")
    return refs


def _int_param(request: web.Request, key: str, low: int, high: int | None) -> int | None:
    raw = request.query.get(key)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ThriveError(400, f"{key} must be an integer") from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ThriveError(400, f"{key} must be {bound}")
    return value


def _paging(request: web.Request) -> tuple[int, int]:
    page = _int_param(request, "page", 1, None) or 1
    per_page = _int_param(request, "perPage", 1, MAX_PER_PAGE)
    limit = _int_param(request, "limit", 1, MAX_LIMIT)
    # `limit` is the legacy alias; when both are sent perPage wins.
    return page, per_page or limit or DEFAULT_PER_PAGE


def _bool_param(request: web.Request, key: str) -> bool | None:
    raw = request.query.get(key)
    if raw is None:
        return None
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise ThriveError(400, f"{key} must be true or false")


def _datetime_param(request: web.Request, key: str) -> datetime | None:
    raw = request.query.get(key)
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ThriveError(400, f"{key} must be an ISO-8601 date/time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _endpoint(state: ThriveState, fn: Handler) -> Handler:
    async def wrapped(request: web.Request) -> web.Response:
        try:
            _authenticate(request, state)
            return await fn(request)
        except ThriveError as err:
            return error_response(err.status, err.message)
        except Exception as exc:  # an emulator bug must still answer in the vendor's shape
            return error_response(500, f"Internal error: {exc!r}")

    return wrapped


async def _method_not_allowed(request: web.Request) -> web.Response:
    return error_response(405, f"{request.method} is not supported on {request.path}")


async def _not_found(request: web.Request) -> web.Response:
    return error_response(404, f"No route for {request.method} {request.path}")


def _route(app: web.Application, path: str, handlers: dict[str, Handler]) -> None:
    # The newer PATCH page shows a trailing slash and clients omit it, so every path answers both ways.
    for variant in (PREFIX + path, PREFIX + path + "/"):
        for method, handler in handlers.items():
            app.router.add_route(method, variant, handler)
        # Registered last on the same resource, so it only sees methods the path does not support.
        app.router.add_route("*", variant, _method_not_allowed)


def add_routes(app: web.Application, state: ThriveState) -> None:
    async def token(request: web.Request) -> web.Response:
        try:
            return await _issue_token(request, state)
        except ThriveError as err:
            return error_response(err.status, err.message)

    async def list_audiences(request: web.Request) -> web.Response:
        page, per_page = _paging(request)
        return web.json_response(state.list_audiences(
            page, per_page, _bool_param(request, "apiControlled"), _datetime_param(request, "updatedSince")))

    async def list_users(request: web.Request) -> web.Response:
        page, per_page = _paging(request)
        return web.json_response(state.list_users(page, per_page))

    async def create_audience(request: web.Request) -> web.Response:
        new = _new_audience(await _object(request), state.strict_validation)
        return web.json_response(state.create_audience(new), status=201)

    async def get_audience(request: web.Request) -> web.Response:
        return web.json_response(state.get_audience(request.match_info["audienceId"]))

    async def update_audience(request: web.Request) -> web.Response:
        changes = _audience_changes(await _object(request), state.strict_validation)
        return web.json_response(state.update_audience(request.match_info["audienceId"], changes))

    async def delete_audience(request: web.Request) -> web.Response:
        state.delete_audience(request.match_info["audienceId"])
        return web.json_response({"success": True})

    async def list_members(request: web.Request) -> web.Response:
        page, per_page = _paging(request)
        return web.json_response(state.list_members(request.match_info["audienceId"], page, per_page))

    async def add_members(request: web.Request) -> web.Response:
        status, body = state.set_members(request.match_info["audienceId"], _member_refs(await _json(request)),
                                         replace=False)
        return web.json_response(body, status=status)

    async def replace_members(request: web.Request) -> web.Response:
        status, body = state.set_members(request.match_info["audienceId"], _member_refs(await _json(request)),
                                         replace=True)
        return web.json_response(body, status=status)

    async def remove_member(request: web.Request) -> web.Response:
        state.remove_member(request.match_info["audienceId"], request.match_info["userRef"])
        return web.json_response({"success": True})

    async def list_managers(request: web.Request) -> web.Response:
        return web.json_response(state.list_managers(request.match_info["audienceId"]))

    async def add_managers(request: web.Request) -> web.Response:
        status, body = state.set_managers(request.match_info["audienceId"], _entities(await _json(request)),
                                          replace=False)
        return web.json_response(body, status=status)

    async def replace_managers(request: web.Request) -> web.Response:
        status, body = state.set_managers(request.match_info["audienceId"], _entities(await _json(request)),
                                          replace=True)
        return web.json_response(body, status=status)

    async def remove_manager(request: web.Request) -> web.Response:
        state.remove_manager(request.match_info["audienceId"], request.match_info["userId"])
        return web.json_response({"success": True})

    def ep(fn: Handler) -> Handler:
        return _endpoint(state, fn)

    app.router.add_post(TOKEN_PATH, token)
    _route(app, "/audiences", {"GET": ep(list_audiences), "POST": ep(create_audience)})
    _route(app, "/users", {"GET": ep(list_users)})
    _route(app, "/audiences/{audienceId}", {
        "GET": ep(get_audience), "PATCH": ep(update_audience), "DELETE": ep(delete_audience)})
    _route(app, "/audiences/{audienceId}/members", {
        "GET": ep(list_members), "POST": ep(add_members), "PATCH": ep(replace_members)})
    _route(app, "/audiences/{audienceId}/members/{userRef}", {"DELETE": ep(remove_member)})
    _route(app, "/audiences/{audienceId}/managers", {
        "GET": ep(list_managers), "POST": ep(add_managers), "PATCH": ep(replace_managers)})
    _route(app, "/audiences/{audienceId}/managers/{userId}", {"DELETE": ep(remove_manager)})
    # Anything else under the API prefix still answers in the vendor's error shape.
    app.router.add_route("*", PREFIX + "/{tail:.*}", _not_found)


async def _issue_token(request: web.Request, state: ThriveState) -> web.Response:
    fields: dict[str, Any]
    if request.content_type == "application/json":
        body = await _json(request)
        if not isinstance(body, dict):
            raise ThriveError(400, "The request body must be a JSON object")
        fields = body
    else:
        fields = dict(await request.post())
    client_id = fields.get("client_id")
    client_secret = fields.get("client_secret")
    scheme, value = _split_auth(request.headers.get("Authorization", ""))
    if scheme == "basic":
        # Standard client_secret_basic; the header wins over body fields, as OAuth servers commonly do.
        pair = _decode_basic(value)
        if pair is None:
            raise ThriveError(401, "invalid_client: malformed Basic credentials")
        client_id, client_secret = pair
    scope = fields.get("scope")
    grant_type = fields.get("grant_type")
    issued = state.issue_token(
        request.match_info["tenantId"],
        client_id if isinstance(client_id, str) else None,
        client_secret if isinstance(client_secret, str) else None,
        grant_type if isinstance(grant_type, str) else None,
        scope if isinstance(scope, str) else None,
    )
    # RFC 6749 section 5.1: token responses must not be cached.
    return web.json_response(issued, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})
