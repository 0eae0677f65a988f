"""Sonarly public API v1 routes (https://app.sonarly.io/docs/api/...): accounts, audiences, folders, prospecting."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .errors import SonarlyError, envelope, error_response, new_trace_id, validation
from .state import (
    AUDIENCE_TYPES,
    JOB_STATUSES,
    MAX_NAME_LENGTH,
    MAX_UPLOAD_URLS,
    PROSPECTING_SOURCES,
    ApiKey,
    AudiencePatch,
    JobRequest,
    SonarlyState,
    parse_limit,
    profile_slug,
)

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


class _Issues:
    """Collects validation problems so one 400 names every offending field.

    ``strict`` turns on the invented checks (admin ``strict_validation``): unknown body fields and names over
    MAX_NAME_LENGTH. Off, the body is held to what the pages document and nothing more.
    """

    def __init__(self, strict: bool = False) -> None:
        self.items: list[str] = []
        self.strict = strict

    def add(self, field_name: str, problem: str) -> None:
        self.items.append(f"{field_name}: {problem}")

    def raise_if_any(self, status: int = 400, message: str = "Request validation failed") -> None:
        if self.items:
            # 422s carry VALIDATION_ERROR too: prospecting-jobs-cancel documents "422 VALIDATION_ERROR".
            raise SonarlyError(status, message, "VALIDATION_ERROR", "; ".join(self.items))


def _check_name(issues: _Issues, body: dict[str, Any], field_name: str = "name", required: bool = True) -> None:
    if field_name not in body:
        if required:
            issues.add(field_name, "is required")
        return
    value = body[field_name]
    if not isinstance(value, str) or not value.strip():
        issues.add(field_name, "must be a non-empty string")
    elif len(value) > MAX_NAME_LENGTH and issues.strict:
        issues.add(field_name, f"must be at most {MAX_NAME_LENGTH} characters")


def _check_enum(issues: _Issues, body: dict[str, Any], field_name: str, allowed: tuple[str, ...]) -> None:
    if field_name not in body:
        issues.add(field_name, "is required")
    elif body[field_name] not in allowed:
        issues.add(field_name, f"must be one of {', '.join(allowed)}")


def _check_description(issues: _Issues, body: dict[str, Any]) -> None:
    if "description" in body and body["description"] is not None and not isinstance(body["description"], str):
        issues.add("description", "must be a string or null")


def _check_unknown(issues: _Issues, body: dict[str, Any], allowed: tuple[str, ...],
                   fixed: dict[str, str] | None = None) -> None:
    if not issues.strict:
        return  # the pages don't say what a field outside the schema gets: it is ignored
    for key in body:
        if key in allowed:
            continue
        issues.add(key, (fixed or {}).get(key, "is not an accepted field"))


# -- request bodies -> typed arguments of state.py (every problem of a body in one 400) ------------------
def _new_audience(body: dict[str, Any], strict: bool) -> tuple[str, str, str | None]:
    issues = _Issues(strict)
    _check_unknown(issues, body, ("name", "type", "description"))
    _check_name(issues, body)
    _check_enum(issues, body, "type", AUDIENCE_TYPES)
    _check_description(issues, body)
    issues.raise_if_any()
    return body["name"], body["type"], body.get("description")


def _audience_patch(body: dict[str, Any], strict: bool) -> AudiencePatch:
    # 400 when the body does not fit the documented schema (name/description are strings; fields outside it only
    # under strict_validation); 422 "Audience update failed validation" when it does but breaks an update rule
    # ("At least one mutable field is required", a blank name, and under strict_validation a too long one). The
    # split is our reading of audiences-update, which lists both.
    issues = _Issues(strict)
    _check_unknown(issues, body, ("name", "description"), {
        "type": "cannot be changed; create a new audience instead",
        "folderId": "cannot be patched; use move-to-folder or remove-from-folder",
    })
    if "name" in body and not isinstance(body["name"], str):
        issues.add("name", "must be a string")
    _check_description(issues, body)
    issues.raise_if_any()
    rules = _Issues(strict)
    if "name" not in body and "description" not in body:
        rules.add("body", "at least one mutable field (name, description) is required")
    if isinstance(body.get("name"), str):
        _check_name(rules, body)
    rules.raise_if_any(422, "Audience update failed validation")
    return AudiencePatch(body.get("name"), body.get("description"), "description" in body)


def _folder_id(body: dict[str, Any], strict: bool) -> str:
    issues = _Issues(strict)
    _check_unknown(issues, body, ("folderId",))
    folder_id = body.get("folderId")
    if not isinstance(folder_id, str) or not folder_id:
        issues.add("folderId", "is required" if "folderId" not in body else "must be a non-empty string")
    issues.raise_if_any()
    assert isinstance(folder_id, str)
    return folder_id


def _new_folder(body: dict[str, Any], strict: bool) -> tuple[str, str]:
    issues = _Issues(strict)
    _check_unknown(issues, body, ("name", "audienceType"))
    _check_name(issues, body)
    _check_enum(issues, body, "audienceType", AUDIENCE_TYPES)
    issues.raise_if_any()
    return body["name"], body["audienceType"]


def _folder_name(body: dict[str, Any], strict: bool) -> str:
    issues = _Issues(strict)
    _check_unknown(issues, body, ("name",), {"audienceType": "cannot be changed"})
    _check_name(issues, body)
    issues.raise_if_any()
    name: str = body["name"]
    return name


def _job_request(body: dict[str, Any]) -> JobRequest:
    issues = _Issues()
    audience_id = body.get("audienceId")
    if not isinstance(audience_id, str) or not audience_id:
        issues.add("audienceId", "is required")
    source = body.get("source")
    if source not in PROSPECTING_SOURCES:
        issues.add("source", f"must be one of {', '.join(PROSPECTING_SOURCES)}")
    elif source == "url_upload":
        urls = body.get("urls")
        if not isinstance(urls, list) or not 1 <= len(urls) <= MAX_UPLOAD_URLS:
            issues.add("urls", f"url_upload requires 1-{MAX_UPLOAD_URLS} LinkedIn profile URLs")
        else:
            bad = [i for i, u in enumerate(urls) if not isinstance(u, str) or profile_slug(u) is None]
            if bad:
                issues.add("urls", "not LinkedIn profile URLs (https://www.linkedin.com/in/<id>): indexes "
                                   + ", ".join(str(i) for i in bad[:20]) + (" ..." if len(bad) > 20 else ""))
    elif not any(isinstance(body.get(f), str) and body.get(f) for f in PROSPECTING_SOURCES[source]):
        issues.add(" or ".join(PROSPECTING_SOURCES[source]), f"is required for source {source}")
    # "url_upload ignores maxResults": whatever it carries. For the other sources it is "capped by plan", so a value
    # over the cap is not refused (the job stops at the cap); only a value that is no count at all is.
    max_results = body.get("maxResults") if source != "url_upload" else None
    if max_results is not None and (isinstance(max_results, bool) or not isinstance(max_results, int)
                                    or max_results < 1):
        issues.add("maxResults", "must be a positive whole number")
    if "searchEmails" in body and not isinstance(body["searchEmails"], bool):
        issues.add("searchEmails", "must be a boolean")
    issues.raise_if_any()
    assert isinstance(audience_id, str) and isinstance(source, str)
    slugs = [profile_slug(u) or "" for u in body["urls"]] if source == "url_upload" else None
    return JobRequest(audience_id, source, slugs, max_results,
                      hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest(),
                      search_emails=body.get("searchEmails") is True)


def _job_status(raw: str | None) -> str | None:
    if raw is not None and raw not in JOB_STATUSES:
        raise validation(f"status: must be one of {', '.join(JOB_STATUSES)}")
    return raw


def _endpoint(state: SonarlyState, permission: str | None, fn: Route) -> Handler:
    """Auth (401), permission (403), account-group access (403), then the route; every answer enveloped."""

    async def wrapped(request: web.Request) -> web.Response:
        trace = new_trace_id()
        try:
            key = state.authorize(credential_of(request), permission, request.match_info.get("accountGroupId"))
            status, data = await fn(request, key)
            resp = envelope(status, data, None, trace)
        except SonarlyError as err:
            resp = error_response(err.status, err.message, err.code, err.details, trace)
        if state.trace_id_header:
            resp.headers["X-Trace-Id"] = trace  # invented: the pages carry the trace id in the body only
        return resp

    return wrapped


async def _unknown_route(request: web.Request) -> web.Response:
    return error_response(404, f"No route for {request.method} {request.path}", "NOT_FOUND")


def add_routes(app: web.Application, state: SonarlyState) -> None:
    def ag(request: web.Request) -> str:
        return request.match_info["accountGroupId"]

    async def accounts(request: web.Request, key: ApiKey) -> tuple[int, Any]:
        return 200, state.accounts(key)

    async def list_audiences(request: web.Request, key: ApiKey) -> tuple[int, Any]:
        limit = parse_limit(request.query.get("limit"), state.strict_validation)
        return 200, state.list_audiences(ag(request), request.query.get("cursor") or None, limit)

    async def create_audience(request: web.Request, key: ApiKey) -> tuple[int, Any]:
        return 201, state.create_audience(ag(request), *_new_audience(await _body(request), state.strict_validation))

    async def navigation(request: web.Request, key: ApiKey) -> tuple[int, Any]:
        return 200, state.navigation(ag(request))

    async def get_audience(request: web.Request, key: ApiKey) -> tuple[int, Any]:
        return 200, state.get_audience(ag(request), request.match_info["audienceId"])

    async def list_prospects(request: web.Request, key: ApiKey) -> tuple[int, Any]:
        limit = parse_limit(request.query.get("limit"), state.strict_validation)
        return 200, state.list_prospects(ag(request), request.match_info["audienceId"],
                                         request.query.get("cursor") or None, limit)

    async def update_audience(request: web.Request, key: ApiKey) -> tuple[int, Any]:
        return 200, state.update_audience(ag(request), request.match_info["audienceId"],
                                          _audience_patch(await _body(request), state.strict_validation))

    async def delete_audience(request: web.Request, key: ApiKey) -> tuple[int, Any]:
        return 200, state.delete_audience(ag(request), request.match_info["audienceId"])

    async def move_to_folder(request: web.Request, key: ApiKey) -> tuple[int, Any]:
        return 200, state.move_to_folder(ag(request), request.match_info["audienceId"],
                                         _folder_id(await _body(request), state.strict_validation))

    async def remove_from_folder(request: web.Request, key: ApiKey) -> tuple[int, Any]:
        return 200, state.remove_from_folder(ag(request), request.match_info["audienceId"])

    async def create_folder(request: web.Request, key: ApiKey) -> tuple[int, Any]:
        return 201, state.create_folder(ag(request), *_new_folder(await _body(request), state.strict_validation))

    async def rename_folder(request: web.Request, key: ApiKey) -> tuple[int, Any]:
        return 200, state.rename_folder(ag(request), request.match_info["folderId"],
                                        _folder_name(await _body(request), state.strict_validation))

    async def delete_folder(request: web.Request, key: ApiKey) -> tuple[int, Any]:
        return 200, state.delete_folder(ag(request), request.match_info["folderId"])

    folder_delete = _endpoint(state, "audiences:write", delete_folder)

    async def delete_folder_if_on(request: web.Request) -> web.Response:
        # No page documents a folder delete: by default this path answers like any unknown route (404); admin
        # `folder_delete` turns the invented route on.
        if not state.folder_delete:
            return await _unknown_route(request)
        return await folder_delete(request)

    async def start_job(request: web.Request, key: ApiKey) -> tuple[int, Any]:
        idem = request.headers.get("Idempotency-Key") or None
        return state.start_job(key, ag(request), _job_request(await _body(request)), idem)

    async def list_jobs(request: web.Request, key: ApiKey) -> tuple[int, Any]:
        limit = parse_limit(request.query.get("limit"), state.strict_validation)
        return 200, state.list_jobs(ag(request), request.query.get("cursor") or None, limit,
                                    _job_status(request.query.get("status") or None))

    async def get_job(request: web.Request, key: ApiKey) -> tuple[int, Any]:
        return 200, state.get_job(ag(request), request.match_info["jobId"])

    async def cancel_job(request: web.Request, key: ApiKey) -> tuple[int, Any]:
        return 200, state.cancel_job(ag(request), request.match_info["jobId"])

    read, write = "audiences:read", "audiences:write"
    r = app.router
    r.add_get(PREFIX + "/accounts", _endpoint(state, None, accounts))  # documented: any valid key
    r.add_get(AG + "/audiences", _endpoint(state, read, list_audiences))
    r.add_post(AG + "/audiences", _endpoint(state, write, create_audience))
    # Fixed segments are registered before /audiences/{audienceId} so "navigation" is never taken for an id.
    r.add_get(AG + "/audiences/navigation", _endpoint(state, read, navigation))
    r.add_post(AG + "/audiences/folders", _endpoint(state, write, create_folder))
    r.add_patch(AG + "/audiences/folders/{folderId}", _endpoint(state, write, rename_folder))
    r.add_delete(AG + "/audiences/folders/{folderId}", delete_folder_if_on)
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
    r.add_route("*", PREFIX + "/{tail:.*}", _unknown_route)
