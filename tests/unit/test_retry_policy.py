"""Which failures the one request path retries: 500 on reads (GET list/view/get) like the other 5xx, never on writes."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from audience_providers._core.errors import ServerError, ValidationFailed
from audience_providers._core.http import BaseClient, ClientSettings
from audience_providers._core.retry import RetryPolicy, is_retryable


class Plain(BaseClient):
    vendor = "Plain"


def scripted(*statuses: int) -> tuple[Callable[[httpx.Request], httpx.Response], list[str]]:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        return httpx.Response(statuses[min(len(seen) - 1, len(statuses) - 1)], json={})

    return handler, seen


def client_for(handler: Callable[[httpx.Request], httpx.Response], attempts: int = 6) -> Plain:
    retry = RetryPolicy(deadline=5.0, max_attempts=attempts, base_delay=0.001, max_delay=0.01)
    return Plain(ClientSettings(base_url="https://plain.test", transport=httpx.MockTransport(handler), retry=retry))


def test_get__500_is_retried_then_succeeds() -> None:
    handler, seen = scripted(500, 500, 200)
    assert client_for(handler).call("view thing", "GET", "/things/1").status_code == 200
    assert seen == ["GET", "GET", "GET"]


def test_get__persistent_500_fails_after_the_attempt_budget_naming_the_status() -> None:
    handler, seen = scripted(500)
    with pytest.raises(ServerError) as info:
        client_for(handler, attempts=3).call("list things", "GET", "/things")
    assert info.value.status == 500 and len(seen) == 3
    assert "list things" in str(info.value)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_write__500_is_not_retried_even_when_idempotent(method: str) -> None:
    handler, seen = scripted(500, 200)
    with pytest.raises(ServerError):
        client_for(handler).call("write thing", method, "/things/1", json_body={}, idempotent=True)
    assert len(seen) == 1


def test_post__500_is_not_retried_because_it_may_have_committed() -> None:
    # The lost-create reconciliation (dynamic.create_or_adopt) relies on seeing this 500 itself.
    handler, seen = scripted(500, 201)
    with pytest.raises(ServerError):
        client_for(handler).call("create thing", "POST", "/things", json_body={})
    assert len(seen) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
def test_is_retryable__every_transient_5xx_on_a_read(status: int) -> None:
    exc = ServerError("Plain", "view thing", status, "boom")
    assert is_retryable(exc, idempotent=False, read=True)


def test_is_retryable__400_on_a_read_is_final() -> None:
    assert not is_retryable(ValidationFailed("Plain", "view thing", 400, "bad"), idempotent=True, read=True)
