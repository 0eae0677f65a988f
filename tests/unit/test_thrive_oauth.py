"""Thrive OAuth2 client credentials as an httpx auth flow (thrive/client.py ClientCredentials), MockTransport."""

from __future__ import annotations

import threading
from collections.abc import Callable

import httpx
import pytest

from audience_providers._core.errors import TransportFailure, Unauthorized
from audience_providers._core.http import ClientSettings
from audience_providers.thrive.client import Client

SECRET = "cs-unit-canary-0042"
TOKEN_PATH = "/oauth2/token/t1"


class Vendor:
    """Issues tok1, tok2, ... and accepts the tokens in ``valid`` on the API (the last one issued by default)."""

    def __init__(self, expires_in: float = 3600) -> None:
        self.expires_in = expires_in
        self.issued: list[str] = []
        self.revoked: set[str] = set()
        self.reject_fresh = False
        self.seen: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            auth = request.headers.get("Authorization", "")
            self.seen.append(f"{request.method} {request.url.path} {auth}".strip())
            if request.url.path == TOKEN_PATH:
                self.issued.append(f"tok{len(self.issued) + 1}")
                return httpx.Response(200, json={"access_token": self.issued[-1], "token_type": "Bearer",
                                                 "expires_in": self.expires_in})
            token = auth.removeprefix("Bearer ")
            if self.reject_fresh or token not in self.issued or token in self.revoked:
                return httpx.Response(401, json={"error": "invalid_token", "message": "token not accepted"})
            return httpx.Response(200, json={"id": "1", "name": "A", "category": "Team"})


def _client(vendor: Callable[[httpx.Request], httpx.Response]) -> Client:
    settings = ClientSettings(base_url="https://thrive.test/rest/v1", transport=httpx.MockTransport(vendor))
    return Client(settings, tenant_id="t1", client_id="c1", client_secret=SECRET,
                  token_endpoint=f"https://thrive.test{TOKEN_PATH}")


def test_oauth__one_token_serves_every_request_while_valid() -> None:
    vendor = Vendor()
    client = _client(vendor)
    client.get_audience("a")
    client.get_audience("b")
    assert vendor.seen == [f"POST {TOKEN_PATH}", "GET /rest/v1/audiences/a Bearer tok1",
                           "GET /rest/v1/audiences/b Bearer tok1"]


def test_oauth__the_token_request_itself_carries_no_authorization() -> None:
    vendor = Vendor()
    _client(vendor).get_audience("a")
    assert vendor.seen[0] == f"POST {TOKEN_PATH}"


def test_oauth__a_cached_token_rejected_with_401_is_renewed_once_and_the_request_resent() -> None:
    vendor = Vendor()
    client = _client(vendor)
    client.get_audience("a")
    vendor.revoked.add("tok1")  # expired or revoked before our margin said so
    client.get_audience("b")
    assert vendor.seen[1:] == ["GET /rest/v1/audiences/a Bearer tok1", "GET /rest/v1/audiences/b Bearer tok1",
                               f"POST {TOKEN_PATH}", "GET /rest/v1/audiences/b Bearer tok2"]
    client.get_audience("c")  # the new token is the cached one now
    assert vendor.seen[-1] == "GET /rest/v1/audiences/c Bearer tok2" and len(vendor.issued) == 2


def test_oauth__a_renewed_token_rejected_again_fails_once_with_the_oauth_settings_named() -> None:
    vendor = Vendor()
    client = _client(vendor)
    client.get_audience("a")
    vendor.reject_fresh = True
    with pytest.raises(Unauthorized) as info:
        client.get_audience("b")
    assert vendor.seen[2:] == ["GET /rest/v1/audiences/b Bearer tok1", f"POST {TOKEN_PATH}",
                               "GET /rest/v1/audiences/b Bearer tok2"]  # one renewal, one resend, no loop
    text = str(info.value)
    assert "thrive:clientId" in text and "thrive:clientSecret" in text and SECRET not in text


def test_oauth__a_token_just_issued_and_rejected_is_not_fetched_again() -> None:
    vendor = Vendor()
    vendor.reject_fresh = True
    with pytest.raises(Unauthorized):
        _client(vendor).get_audience("a")
    assert vendor.seen == [f"POST {TOKEN_PATH}", "GET /rest/v1/audiences/a Bearer tok1"]


def test_oauth__a_token_past_its_lifetime_is_renewed_before_the_request() -> None:
    vendor = Vendor(expires_in=0)  # expired on arrival: every request needs a new one, and no 401 is met
    client = _client(vendor)
    client.get_audience("a")
    client.get_audience("b")
    assert vendor.seen == [f"POST {TOKEN_PATH}", "GET /rest/v1/audiences/a Bearer tok1",
                           f"POST {TOKEN_PATH}", "GET /rest/v1/audiences/b Bearer tok2"]


def test_oauth__concurrent_requests_share_one_token_request() -> None:
    vendor = Vendor()
    client = _client(vendor)
    errors: list[BaseException] = []

    def read(n: int) -> None:
        try:
            client.get_audience(f"a{n}")
        except BaseException as exc:  # noqa: BLE001 (reported by the assertion below)
            errors.append(exc)

    threads = [threading.Thread(target=read, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == [] and vendor.issued == ["tok1"]
    assert sum(1 for line in vendor.seen if line.startswith("GET") and line.endswith("Bearer tok1")) == 8


def test_oauth__concurrent_401s_renew_the_token_once() -> None:
    vendor = Vendor()
    client = _client(vendor)
    client.get_audience("warm")
    vendor.revoked.add("tok1")
    threads = [threading.Thread(target=client.get_audience, args=(f"a{n}",)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert vendor.issued == ["tok1", "tok2"]
    resent = [line for line in vendor.seen if line.endswith("Bearer tok2")]
    assert len(resent) == 6


def test_oauth__an_unreachable_token_endpoint_names_its_setting() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    settings = ClientSettings(base_url="https://thrive.test/rest/v1", transport=httpx.MockTransport(down))
    client = Client(settings, tenant_id="t1", client_id="c1", client_secret=SECRET,
                    token_endpoint="https://thrive.test/oauth2/token/t1", token_setting="thrive:tokenUrl")
    with pytest.raises(TransportFailure) as info:
        client.get_audience("a")
    text = str(info.value)
    assert "could not connect to https://thrive.test/oauth2/token/t1" in text and "thrive:tokenUrl" in text


def test_basic__sends_the_api_secret_and_never_asks_for_a_token() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(401, json={"message": "bad secret"})

    settings = ClientSettings(base_url="https://thrive.test/rest/v1", transport=httpx.MockTransport(handler))
    client = Client(settings, tenant_id="t1", api_secret="api-unit")
    with pytest.raises(Unauthorized) as info:
        client.get_audience("a")
    assert [r.url.path for r in seen] == ["/rest/v1/audiences/a"]  # a 401 is final: nothing to renew
    assert seen[0].headers["Authorization"].startswith("Basic ") and "thrive:apiSecret" in str(info.value)


def test_oauth__the_resend_after_a_renewal_waits_for_the_pace_like_every_request() -> None:
    vendor = Vendor()
    client = _client(vendor)
    admitted: list[int] = []
    pace_acquire = client.pace.acquire

    def counted() -> float:
        admitted.append(len(vendor.seen))  # requests already sent when this one was admitted
        return pace_acquire()

    client.pace.acquire = counted  # type: ignore[method-assign]
    client.get_audience("a")
    vendor.revoked.add("tok1")
    client.get_audience("b")
    assert len(vendor.seen) == 5 and admitted == [0, 0, 2, 3, 4]  # one admission per request, the resend too
