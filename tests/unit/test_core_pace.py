"""The adaptive pace (ratelimit.AdaptiveLimiter) and 429 retries: a vendor that answers 429 without Retry-After.

The dual of every test that the pace settles: a vendor that never says 429 is never paced.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx
import pytest

from audience_providers._core.errors import RateLimited
from audience_providers._core.http import BaseClient, ClientSettings
from audience_providers._core.ratelimit import AdaptiveLimiter
from audience_providers._core.retry import RetryPolicy


class PacedClient(BaseClient):
    vendor = "paced"

    def auth_headers(self) -> dict[str, str]:
        return {}


class Bucket:
    """A vendor's token bucket: ``rate`` requests/second, bursts of one second's worth; 429 without Retry-After."""

    def __init__(self, rate: float) -> None:
        self.rate, self.tokens, self.stamp = rate, rate, time.monotonic()
        self.accepted: list[float] = []
        self.refused = 0
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.rate, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens < 1:
                self.refused += 1
                return httpx.Response(429, json={"message": "Too many requests"})
            self.tokens -= 1
            self.accepted.append(now)
        return httpx.Response(201, json={"id": "x"})


def client(handler: Callable[[httpx.Request], httpx.Response], attempts: int = 3, deadline: float = 30) -> PacedClient:
    return PacedClient(ClientSettings(base_url="https://paced.test", transport=httpx.MockTransport(handler),
                                      retry=RetryPolicy(deadline=deadline, max_attempts=attempts, base_delay=0.01)))


def test_pace__parallel_creates_against_a_bucket_all_succeed_near_its_rate() -> None:
    bucket = Bucket(rate=40.0)
    paced = client(bucket, attempts=3)  # 3 attempts: without the pace, most of 8 parallel callers fail
    failures: list[BaseException] = []

    def worker(count: int) -> None:
        for _ in range(count):
            try:
                paced.call("create", "POST", "/things", json_body={}, ok=(201,))
            except RateLimited as exc:
                failures.append(exc)

    threads = [threading.Thread(target=worker, args=(25,)) for _ in range(8)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.monotonic() - started
    assert failures == [] and len(bucket.accepted) == 200
    # 200 requests at 40/s with a 40-request first burst: 4 s at the bucket's rate; well under its double.
    assert took < 8.0, took
    assert paced.pace.rate is not None and bucket.refused > 0


def test_pace__a_vendor_that_never_refuses_is_never_paced() -> None:
    handler_calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        handler_calls.append(1)
        return httpx.Response(200, json={})

    paced = client(handler)
    for _ in range(50):
        paced.call("get", "GET", "/x")
    assert paced.pace.rate is None and len(handler_calls) == 50


def test_retry__a_429_is_retried_past_max_attempts_until_it_is_accepted() -> None:
    answers = iter([429] * 6 + [201])
    seen: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        status = next(answers)
        seen.append(status)
        return httpx.Response(status, json={"message": "m"})

    paced = client(handler, attempts=2)
    paced.call("create", "POST", "/things", json_body={}, ok=(201,))
    assert seen == [429] * 6 + [201]


def test_retry__a_429_still_stops_at_the_deadline() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, json={"message": "Too many requests"})

    started = time.monotonic()
    with pytest.raises(RateLimited, match="429"):
        client(handler, attempts=2, deadline=1.0).call("create", "POST", "/things", json_body={}, ok=(201,))
    assert time.monotonic() - started < 5


def test_limiter__first_429_sets_the_pace_from_what_was_accepted_and_successes_raise_it() -> None:
    pace = AdaptiveLimiter()
    for _ in range(20):
        pace.acquire()
        pace.succeeded()
    pace.throttled()
    assert pace.rate is not None and 0 < pace.rate <= 20 * AdaptiveLimiter.DECREASE
    first = pace.rate
    pace.throttled()  # within the same second: the calls in flight answer together, one decrease only
    assert pace.rate == first
    pace.succeeded()
    assert pace.rate > first
