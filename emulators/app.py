"""Shared emulator machinery: request log, latency, faults, per-credential rate limit, admin API.

Every vendor emulator is an aiohttp application built by :func:`build_app` from a :class:`VendorSpec`.
The admin API lives under ``/_emulator/`` on every emulator and is never subject to faults, latency,
rate limits or the request log, so tests can always inspect and reset state.

aiohttp was chosen as the server library because it gives handlers the raw transport, which the
"connection reset" and "commit then drop the response" faults need; an ASGI stack hides it.

``GET /_emulator/state`` (and the answer of ``POST /_emulator/seed``) has one shape for every vendor::

    {"vendor": "<vendor>",
     "objects": {"<kind>": {"<id>": {...}}},
     "meta": {...}}

``objects`` holds what the vendor API manages, by kind (the API's own collection name: ``audiences``,
``folders``, ``campaigns``, ...) and then by the id the API addresses the object by (Batch's audience name,
UnleashX's campaign id as a string, Thrive's and Sonarly's object ids). Each object is the vendor's own view of
it plus what a test needs to see (e.g. members, a pending removal); children the API only reaches through their
parent stay inside it (UnleashX records under their campaign's ``audience``). ``meta`` holds what only the
emulator has: credentials, knobs, counters — never vendor objects. :class:`emulators.admin.Admin` reads it.
"""

from __future__ import annotations

import asyncio
import re
import socket
import struct
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

FAULT_KINDS = ("status", "reset", "timeout", "drop_after_commit")


class VendorState(Protocol):
    def reset(self) -> None: ...

    def dump(self) -> dict[str, Any]:
        """``{"objects": {kind: {id: object}}, "meta": {...}}`` (the module docstring)."""
        ...

    def seed(self, data: dict[str, Any]) -> None: ...

    def configure(self, options: dict[str, Any]) -> None: ...


@dataclass
class VendorSpec:
    """What a vendor emulator plugs into the shared machinery."""

    name: str
    make_state: Callable[[], VendorState]
    add_routes: Callable[[web.Application, Any], None]
    # Builds the vendor's own error body for a given status (used by faults and the rate limiter too).
    error_response: Callable[[int, str, str | None], web.Response]
    # Which credential a request carries; the rate limiter counts per credential.
    credential_of: Callable[[web.Request], str | None]
    demo_credentials: dict[str, str] = field(default_factory=dict)
    # Path prefix of the vendor API (e.g. "/2.8"), printed in the base URL table.
    base_path: str = ""
    # Whether the vendor documents a Retry-After header on 429 (drives the rate limiter's default). None of the four
    # does, so the default is the least helpful answer: a 429 without it (admin `rate_limit_retry_after` adds it).
    retry_after_on_429: bool = False


@dataclass
class Fault:
    kind: str
    route: str = ""  # "METHOD /path-regex" or "/path-regex" or "" for every API request
    status: int = 503
    retry_after: str | None = None
    count: int = 1
    after: int = 0  # let this many matching requests through first
    seconds: float = 30.0  # for "timeout": how long to hold the request
    seen: int = 0
    fired: int = 0

    def matches(self, method: str, path: str) -> bool:
        if not self.route:
            return True
        want_method, _, pattern = self.route.partition(" ")
        if not pattern:
            pattern, want_method = want_method, ""
        if want_method and want_method.upper() != method.upper():
            return False
        return re.search(pattern, path) is not None


class TokenBucket:
    """Per-credential limiter: ``rpm`` requests per minute with a burst of ``burst`` requests."""

    def __init__(self, rpm: float, burst: float) -> None:
        self.rate = rpm / 60.0
        self.capacity = max(1.0, burst)
        self.tokens = self.capacity
        self.stamp = time.monotonic()

    def take(self) -> float:
        """Take one token; returns 0 when allowed, else seconds until one is available."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate


class Emulator:
    """Runtime context shared by the middleware and the admin routes of one vendor app."""

    def __init__(self, spec: VendorSpec) -> None:
        self.spec = spec
        self.state = spec.make_state()
        self.faults: list[Fault] = []
        self.latency_ms = 0.0
        self.rate_limit_rpm: float | None = None
        self.rate_limit_burst: float | None = None
        self.rate_limit_retry_after = spec.retry_after_on_429
        self.buckets: dict[str, TokenBucket] = {}
        self.log: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        # Vendor options this process was started with (`python -m emulators --set ...`): a reset comes back to
        # them, not to the bare defaults, so a demo's invented answers survive a test's reset.
        self.startup_options: dict[str, Any] = {}

    def start_with(self, options: dict[str, Any]) -> None:
        self.state.configure(options)
        self.startup_options = dict(options)

    def reset(self) -> None:
        self.state.reset()
        if self.startup_options:
            self.state.configure(dict(self.startup_options))
        self.faults.clear()
        self.latency_ms = 0.0
        self.rate_limit_rpm = None
        self.rate_limit_burst = None
        self.rate_limit_retry_after = self.spec.retry_after_on_429
        self.buckets.clear()
        self.log.clear()

    def take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.fired >= fault.count or not fault.matches(method, path):
                continue
            fault.seen += 1
            if fault.seen <= fault.after:
                continue
            fault.fired += 1
            return fault
        return None

    def rate_limited(self, credential: str | None) -> float:
        if not self.rate_limit_rpm:
            return 0.0
        key = credential or "<anonymous>"
        bucket = self.buckets.get(key)
        if bucket is None:
            burst = self.rate_limit_burst if self.rate_limit_burst else self.rate_limit_rpm / 60.0
            bucket = self.buckets[key] = TokenBucket(self.rate_limit_rpm, burst)
        return bucket.take()


EMULATOR_KEY = web.AppKey("emulator", Emulator)


def _reset_connection(request: web.Request) -> None:
    """Close the socket with SO_LINGER=0 so the peer sees ECONNRESET, not a clean EOF."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    transport.abort()


BODY_LOG_LIMIT = 4096


@web.middleware
async def _emulate(request: web.Request, handler: Handler) -> web.StreamResponse:
    emu = request.app[EMULATOR_KEY]
    if request.path.startswith("/_emulator/"):
        return await handler(request)

    started = time.monotonic()
    entry: dict[str, Any] = {"method": request.method, "path": request.path, "query": request.query_string,
                             "t": round(time.time(), 4)}
    if request.method not in ("GET", "HEAD") and request.can_read_body:
        # Kept (bounded) so tests can tell which object a write named when the path doesn't (Batch, UnleashX).
        entry["body"] = (await request.text())[:BODY_LOG_LIMIT]
    emu.log.append(entry)

    def finish(status: int | str) -> None:
        entry["status"] = status
        entry["ms"] = round((time.monotonic() - started) * 1000, 2)

    if emu.latency_ms:
        await asyncio.sleep(emu.latency_ms / 1000.0)

    wait = emu.rate_limited(emu.spec.credential_of(request))
    if wait:
        resp = emu.spec.error_response(429, "Too many requests", None)
        if emu.rate_limit_retry_after:
            resp.headers["Retry-After"] = str(max(1, int(wait + 0.999)))
        finish(429)
        return resp

    fault = emu.take_fault(request.method, request.path)
    if fault is not None and fault.kind == "status":
        resp = emu.spec.error_response(fault.status, f"Injected fault {fault.status}", None)
        if fault.retry_after is not None:
            resp.headers["Retry-After"] = fault.retry_after
        finish(fault.status)
        return resp
    if fault is not None and fault.kind == "reset":
        finish("reset")
        _reset_connection(request)
        raise asyncio.CancelledError()
    if fault is not None and fault.kind == "timeout":
        finish("timeout")
        await asyncio.sleep(fault.seconds)
        _reset_connection(request)
        raise asyncio.CancelledError()

    response = await handler(request)
    if fault is not None and fault.kind == "drop_after_commit":
        # The handler has already changed state; the client never learns it.
        finish(f"dropped:{response.status}")
        _reset_connection(request)
        raise asyncio.CancelledError()
    finish(response.status)
    return response


async def _admin_reset(request: web.Request) -> web.Response:
    request.app[EMULATOR_KEY].reset()
    return web.json_response({"reset": True})


def _dump(emu: Emulator) -> dict[str, Any]:
    return {"vendor": emu.spec.name, **emu.state.dump()}


async def _admin_state(request: web.Request) -> web.Response:
    return web.json_response(_dump(request.app[EMULATOR_KEY]))


async def _admin_seed(request: web.Request) -> web.Response:
    request.app[EMULATOR_KEY].state.seed(await request.json())
    return web.json_response(_dump(request.app[EMULATOR_KEY]))


async def _admin_faults_add(request: web.Request) -> web.Response:
    body = await request.json()
    items = body if isinstance(body, list) else [body]
    emu = request.app[EMULATOR_KEY]
    for item in items:
        if item.get("kind") not in FAULT_KINDS:
            return web.json_response({"error": f"kind must be one of {FAULT_KINDS}"}, status=400)
        emu.faults.append(Fault(**item))
    return web.json_response({"faults": [f.__dict__ for f in emu.faults]})


async def _admin_faults_list(request: web.Request) -> web.Response:
    return web.json_response({"faults": [f.__dict__ for f in request.app[EMULATOR_KEY].faults]})


async def _admin_faults_clear(request: web.Request) -> web.Response:
    request.app[EMULATOR_KEY].faults.clear()
    return web.json_response({"faults": []})


async def _admin_config(request: web.Request) -> web.Response:
    body = await request.json()
    emu = request.app[EMULATOR_KEY]
    if "latency_ms" in body:
        emu.latency_ms = float(body.pop("latency_ms") or 0)
    if "rate_limit_rpm" in body:
        emu.rate_limit_rpm = body.pop("rate_limit_rpm")
        emu.buckets.clear()
    if "rate_limit_burst" in body:
        emu.rate_limit_burst = body.pop("rate_limit_burst")
        emu.buckets.clear()
    if "rate_limit_retry_after" in body:
        emu.rate_limit_retry_after = bool(body.pop("rate_limit_retry_after"))
    try:
        emu.state.configure(body)
    except (ValueError, TypeError) as exc:
        # An unknown or malformed vendor option: say so, so a test never runs on the default it meant to change.
        return web.json_response({"error": str(exc)}, status=400)
    return web.json_response({"latency_ms": emu.latency_ms, "rate_limit_rpm": emu.rate_limit_rpm})


async def _admin_requests(request: web.Request) -> web.Response:
    return web.json_response({"requests": request.app[EMULATOR_KEY].log})


async def _admin_requests_clear(request: web.Request) -> web.Response:
    request.app[EMULATOR_KEY].log.clear()
    return web.json_response({"requests": []})


def build_app(spec: VendorSpec) -> web.Application:
    app = web.Application(middlewares=[_emulate], client_max_size=64 * 1024 * 1024)
    emu = Emulator(spec)
    app[EMULATOR_KEY] = emu
    app.router.add_post("/_emulator/reset", _admin_reset)
    app.router.add_get("/_emulator/state", _admin_state)
    app.router.add_post("/_emulator/seed", _admin_seed)
    app.router.add_get("/_emulator/faults", _admin_faults_list)
    app.router.add_post("/_emulator/faults", _admin_faults_add)
    app.router.add_delete("/_emulator/faults", _admin_faults_clear)
    app.router.add_post("/_emulator/config", _admin_config)
    app.router.add_get("/_emulator/requests", _admin_requests)
    app.router.add_delete("/_emulator/requests", _admin_requests_clear)
    spec.add_routes(app, emu.state)
    return app
