"""Core HTTP behaviour with httpx.MockTransport: retries, Retry-After, deadlines, reconcile, redaction."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from audience_providers._core.errors import ApiError, Conflict, RateLimited, ServerError, TransportFailure, Unauthorized
from audience_providers._core.http import USER_AGENT, BaseClient, ClientSettings, ErrorDetails
from audience_providers._core.lifecycle import create_or_adopt
from audience_providers._core.ratelimit import RateLimiter
from audience_providers._core.retry import RetryPolicy, parse_retry_after

SECRET = "sk_live_canary_123456789"


class EchoClient(BaseClient):
    vendor = "Echo"

    def __init__(self, settings: ClientSettings) -> None:
        super().__init__(settings, secrets=(SECRET,))

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {SECRET}"}

    def parse_error(self, response: httpx.Response) -> ErrorDetails:
        body = response.json()
        return ErrorDetails(body.get("message", ""), body.get("code"), response.headers.get("X-Request-Id"))


def client_for(handler: Callable[[httpx.Request], httpx.Response], **policy: float) -> EchoClient:
    retry = RetryPolicy(deadline=policy.get("deadline", 5.0), max_attempts=int(policy.get("attempts", 6)),
                        base_delay=0.001, max_delay=0.01)
    return EchoClient(ClientSettings(base_url="https://echo.test", transport=httpx.MockTransport(handler),
                                     retry=retry))


def scripted(*responses: int | Exception) -> tuple[Callable[[httpx.Request], httpx.Response], list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        item = responses[min(len(seen) - 1, len(responses) - 1)]
        if isinstance(item, Exception):
            raise item
        return httpx.Response(item, json={"message": f"status {item}", "code": f"C{item}"})

    return handler, seen


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_get__retries_transient_status_then_succeeds(status: int) -> None:
    handler, seen = scripted(status, status, 200)
    resp = client_for(handler).call("get thing", "GET", "/things/1")
    assert resp.status_code == 200 and len(seen) == 3


def test_get__connect_error_is_retried() -> None:
    handler, seen = scripted(httpx.ConnectError("refused"), 200)
    assert client_for(handler).call("get thing", "GET", "/x").status_code == 200
    assert len(seen) == 2


def test_put__500_is_not_retried() -> None:
    # Reads retry a 500 (tests/unit/test_retry_policy.py); an idempotent write does not.
    handler, seen = scripted(500, 200)
    with pytest.raises(ServerError) as info:
        client_for(handler).call("put thing", "PUT", "/x", json_body={})
    assert len(seen) == 1 and info.value.status == 500


def test_post__502_not_retried_because_it_may_have_committed() -> None:
    handler, seen = scripted(502, 201)
    with pytest.raises(ServerError):
        client_for(handler).call("create thing", "POST", "/things", json_body={}, idempotent=False)
    assert len(seen) == 1


def test_post__read_timeout_not_retried_and_marked_maybe_committed() -> None:
    handler, seen = scripted(httpx.ReadTimeout("slow"), 201)
    with pytest.raises(TransportFailure) as info:
        client_for(handler).call("create thing", "POST", "/things", json_body={}, idempotent=False)
    assert info.value.maybe_committed and len(seen) == 1


def test_post__429_and_connect_error_are_retried() -> None:
    handler, seen = scripted(429, httpx.ConnectError("refused"), 201)
    resp = client_for(handler).call("create thing", "POST", "/things", json_body={}, idempotent=False)
    assert resp.status_code == 201 and len(seen) == 3


def test_retry_after__seconds_is_honoured() -> None:
    calls: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(time.monotonic())
        if len(calls) == 1:
            return httpx.Response(429, headers={"Retry-After": "1"}, json={"message": "slow down"})
        return httpx.Response(200, json={})

    client_for(handler).call("get", "GET", "/x")
    assert calls[1] - calls[0] >= 0.95


def test_retry_after__http_date_is_parsed() -> None:
    when = datetime.now(timezone.utc) + timedelta(seconds=30)
    delay = parse_retry_after(format_datetime(when, usegmt=True))
    assert delay is not None and 25 <= delay <= 31
    assert parse_retry_after("garbage") is None and parse_retry_after("2.5") == 2.5


def test_retry_after__beyond_deadline_gives_up_at_once() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "120"}, json={"message": "later"})

    started = time.monotonic()
    with pytest.raises(RateLimited) as info:
        client_for(handler, deadline=2).call("get", "GET", "/x")
    assert time.monotonic() - started < 10  # did not sleep the 120 s
    assert info.value.retry_after == 120


def test_deadline__exhaustion_raises_last_error() -> None:
    handler, seen = scripted(503)
    with pytest.raises(ServerError) as info:
        client_for(handler, attempts=4).call("get", "GET", "/x")
    assert len(seen) == 4 and "HTTP 503" in str(info.value)


def test_error__names_vendor_operation_status_code_message_and_request_id() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(409, headers={"X-Request-Id": "req-77"},
                              json={"message": "name taken", "code": "DUPLICATE"})

    with pytest.raises(Conflict) as info:
        client_for(handler).call("create audience", "POST", "/a", json_body={}, idempotent=False)
    text = str(info.value)
    for part in ("Echo", "create audience", "409", "DUPLICATE", "name taken", "req-77"):
        assert part in text


def test_error__vendor_echoing_the_credential_is_redacted(caplog: pytest.LogCaptureFixture) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"message": f"bad key {SECRET}"})

    caplog.set_level(logging.DEBUG, logger="audience_providers")
    with pytest.raises(Unauthorized) as info:
        client_for(handler).call("get", "GET", "/x")
    assert SECRET not in str(info.value) and "[redacted]" in str(info.value)
    assert SECRET not in caplog.text


def test_request__sends_user_agent_and_logs_without_credentials(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    caplog.set_level(logging.DEBUG, logger="audience_providers")
    client_for(handler).call("get", "GET", "/x")
    assert seen[0].headers["User-Agent"] == USER_AGENT and "pulumi-audience-providers/" in USER_AGENT
    assert "GET /x -> 200" in caplog.text
    assert SECRET not in caplog.text and "Authorization" not in caplog.text


def test_create_or_adopt__lost_response_is_reconciled_not_duplicated() -> None:
    server: dict[str, int] = {}
    calls = {"create": 0}

    def create() -> int:
        calls["create"] += 1
        server["a"] = len(server) + 1  # the server commits ...
        raise TransportFailure("Echo", "create", "reset", maybe_committed=True)  # ... the client never hears

    def find() -> int | None:
        return server.get("a")

    assert create_or_adopt(create, find) == 1
    assert calls["create"] == 1 and len(server) == 1


def test_create_or_adopt__not_committed_is_created_again() -> None:
    attempts: list[int] = []

    def create() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise ServerError("Echo", "create", 503, "down")
        return "made"

    assert create_or_adopt(create, lambda: None) == "made" and len(attempts) == 2


def test_create_or_adopt__client_error_is_not_retried() -> None:
    def create() -> str:
        raise ApiError("Echo", "create", 400, "bad")

    with pytest.raises(ApiError):
        create_or_adopt(create, lambda: "never")


def test_rate_limiter__holds_rate_across_threads() -> None:
    limiter = RateLimiter(requests_per_minute=600, burst=1)  # 10 per second
    stamps: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(5):
            limiter.acquire()
            with lock:
                stamps.append(time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 20 requests at 10/s with a burst of 1 need at least 1.9 s; an unlimited run would take ~0.
    assert len(stamps) == 20
    assert max(stamps) - started >= 1.8
    window = sorted(stamps)
    for i in range(len(window) - 10):
        assert window[i + 10] - window[i] >= 0.95  # never more than 10 in any second


def test_repeat_while_refused__waits_out_refusals_then_returns() -> None:
    from audience_providers._core.errors import Conflict
    from audience_providers._core.wait import repeat_while_refused

    answers = iter([Conflict("V", "delete", 409, "busy", code="NOT_READY")] * 2 + ["deleted"])

    def call() -> str:
        item = next(answers)
        if isinstance(item, Exception):
            raise item
        return item

    assert repeat_while_refused(call, lambda e: isinstance(e, Conflict), timeout=5, interval=0.01,
                                what="it") == "deleted"


def test_repeat_while_refused__timeout_names_what_and_last_refusal() -> None:
    from audience_providers._core.errors import Conflict, WaitTimeout
    from audience_providers._core.wait import repeat_while_refused

    def call() -> str:
        raise Conflict("V", "delete audience", 409, "job running", code="NOT_READY")

    with pytest.raises(WaitTimeout) as info:
        repeat_while_refused(call, lambda e: isinstance(e, Conflict), timeout=0.05, interval=0.01,
                             what="audience a1 to be ready", on_timeout="rerun `pulumi destroy`")
    text = str(info.value)
    assert "audience a1 to be ready" in text and "job running" in text and "rerun `pulumi destroy`" in text


def test_repeat_while_refused__other_errors_propagate_at_once() -> None:
    from audience_providers._core.errors import NotFound
    from audience_providers._core.wait import repeat_while_refused

    calls = []

    def call() -> str:
        calls.append(1)
        raise NotFound("V", "delete", 404, "gone")

    with pytest.raises(NotFound):
        repeat_while_refused(call, lambda e: False, timeout=5, what="x")
    assert len(calls) == 1


def test_create_or_adopt__taken_key_without_a_lost_attempt_is_raised_not_found() -> None:
    looked: list[int] = []

    def create() -> str:
        raise Conflict("Echo", "create", 409, "exists")

    def find() -> str:
        looked.append(1)
        return "someone else's"

    with pytest.raises(Conflict):
        create_or_adopt(create, find)
    assert looked == []  # not even read: an object that existed before this call is never adopted


def test_create_or_adopt__taken_key_after_a_lost_attempt_is_our_own_create() -> None:
    attempts: list[int] = []

    def create() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise TransportFailure("Echo", "create", "reset", maybe_committed=True)
        raise Conflict("Echo", "create", 409, "exists")

    found = iter([None, "ours"])  # not visible yet on the first read, then there
    assert create_or_adopt(create, lambda: next(found)) == "ours" and len(attempts) == 2


def test_create_or_adopt__connect_failure_never_reads() -> None:
    attempts: list[int] = []

    def create() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise TransportFailure("Echo", "create", "refused", maybe_committed=False)
        return "made"

    assert create_or_adopt(create, lambda: "never") == "made"


def test_call__refused_connection_fails_after_three_attempts_naming_url_and_setting() -> None:
    attempts: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        raise httpx.ConnectError("[Errno 111] Connection refused")

    settings = ClientSettings(base_url="https://echo.test/v1", transport=httpx.MockTransport(handler),
                              retry=RetryPolicy(deadline=60, max_attempts=8, base_delay=0.001, max_delay=0.01),
                              base_url_setting="echo:baseUrl (ECHO_BASE_URL)")
    with pytest.raises(TransportFailure) as info:
        EchoClient(settings).call("get thing", "GET", "/things/1")
    assert len(attempts) == 3  # not 8, not 60 s: a wrong URL is said within seconds
    text = str(info.value)
    assert "could not connect to https://echo.test/v1/things/1" in text and "check echo:baseUrl (ECHO_BASE_URL)" in text


def _self_signed_https_server(tmp_path: Any) -> tuple[str, Callable[[], None]]:
    """An HTTPS server on 127.0.0.1 whose certificate no CA signed: a verifying client must refuse it."""
    import http.server
    import ssl
    import subprocess

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return f"https://127.0.0.1:{server.server_address[1]}", stop


def test_clients__share_one_tls_context_that_still_verifies_certificates(tmp_path: Any) -> None:
    import ssl

    from audience_providers._core.http import tls_context

    one = EchoClient(ClientSettings(base_url="https://one.test"))
    other = EchoClient(ClientSettings(base_url="https://other.test/v2"))
    shared = tls_context()
    # One context for every real client in the process: the CA bundle is loaded once, not per client.
    assert one.http._transport._pool._ssl_context is shared  # type: ignore[attr-defined]
    assert other.http._transport._pool._ssl_context is shared  # type: ignore[attr-defined]
    assert shared.verify_mode == ssl.CERT_REQUIRED and shared.check_hostname
    assert shared.cert_store_stats()["x509_ca"] > 0

    # Dual: sharing weakened nothing. A server with a certificate no CA signed is refused, and no request
    # reaches it with our credentials.
    base, stop = _self_signed_https_server(tmp_path)
    try:
        client = EchoClient(ClientSettings(base_url=base, retry=RetryPolicy(deadline=2.0, max_attempts=1)))
        with pytest.raises(TransportFailure) as info:
            client.call("read echo", "GET", "/echo")
        assert "CERTIFICATE_VERIFY_FAILED" in str(info.value) or "certificate verify failed" in str(info.value)
        assert SECRET not in str(info.value)
    finally:
        stop()
