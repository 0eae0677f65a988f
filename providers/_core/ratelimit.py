"""Client-side rate limiting shared by every thread of the provider process, one bucket per credential."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TypeVar

K = TypeVar("K")
L = TypeVar("L")


class RateLimiter:
    """Token bucket: ``requests_per_minute`` sustained, bursts of up to ``burst`` requests.

    A bucket (and not a fixed window) so that a 500-audience ``up`` spreads its calls evenly instead of
    emptying a window in one second and then idling; the burst stays at one second's worth of calls so we
    never run ahead of a vendor that counts per second.
    """

    def __init__(self, requests_per_minute: float, burst: float | None = None) -> None:
        if requests_per_minute <= 0:
            raise ValueError("requests_per_minute must be positive")
        self.rate = requests_per_minute / 60.0
        self.capacity = max(1.0, burst if burst is not None else self.rate)
        self._tokens = self.capacity
        self._stamp = time.monotonic()
        self._lock = threading.Lock()

    def _reserve(self) -> float:
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            self._tokens -= 1.0  # reserve now, even if it goes negative: callers queue fairly
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def acquire(self) -> float:
        """Block until a request may be sent; returns the seconds waited."""
        delay = self._reserve()
        if delay > 0:
            time.sleep(delay)
        return delay


_LIMITERS: dict[tuple[str, str, float], RateLimiter] = {}
_ADAPTIVE: dict[tuple[str, str], AdaptiveLimiter] = {}
_LIMITERS_LOCK = threading.Lock()


def _process_wide(registry: dict[K, L], key: K, make: Callable[[], L]) -> L:
    with _LIMITERS_LOCK:
        limiter = registry.get(key)
        if limiter is None:
            limiter = registry[key] = make()
        return limiter


def shared_limiter(vendor: str, credential_key: str, requests_per_minute: float) -> RateLimiter:
    """The process-wide limiter for one vendor credential (``credential_key`` is a digest, never a secret)."""
    return _process_wide(_LIMITERS, (vendor, credential_key, requests_per_minute),
                         lambda: RateLimiter(requests_per_minute))


class AdaptiveLimiter:
    """Paces one credential's requests to the rate the vendor accepts, learnt from its 429 answers.

    Thrive, Sonarly and UnleashX answer 429 without a Retry-After and document no limit, so a fixed retry
    schedule lets eight parallel calls keep missing the same refilled bucket until some run out of attempts
    (load held before this: 329-371 of 500 creates failed at R=600/min). This starts unpaced; the first 429 sets
    the pace to the rate accepted over the last few seconds, each later 429 (at most one per second: the
    calls in flight answer together) lowers it by 10%, and every success raises it a little, so the pace
    settles just under the vendor's limit.
    """

    WINDOW_S = 5.0
    DECREASE = 0.9
    # Requests/second added per accepted request: 1% of the pace (at 10/s, +1/s per second), at least 0.02.
    INCREASE = 0.01
    START = 1.0  # requests/second when the very first request was refused (nothing accepted to go by)
    FLOOR = 0.1  # requests/second: never stop altogether

    def __init__(self) -> None:
        self.rate: float | None = None  # requests/second; None until the vendor first says 429
        self._next = 0.0  # monotonic time at which the next request may go
        self._accepted: deque[float] = deque()
        self._first = 0.0
        self._last_decrease = float("-inf")
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Block until this credential's pace lets a request go; returns the seconds waited."""
        with self._lock:
            now = time.monotonic()
            if not self._first:
                self._first = now
            slot = max(now, self._next)
            if self.rate is not None:
                self._next = slot + 1.0 / self.rate
            delay = slot - now
        if delay > 0:
            time.sleep(delay)
        return delay

    def _trim(self, now: float) -> None:
        while self._accepted and self._accepted[0] < now - self.WINDOW_S:
            self._accepted.popleft()

    def succeeded(self) -> None:
        with self._lock:
            now = time.monotonic()
            self._accepted.append(now)
            self._trim(now)
            if self.rate is not None:
                self.rate += max(0.02, self.rate * self.INCREASE)

    def throttled(self) -> None:
        """The vendor answered 429. (A Retry-After is honoured by the retry of that call, see retry.py.)"""
        with self._lock:
            now = time.monotonic()
            self._trim(now)
            if now - self._last_decrease >= 1.0:
                self._last_decrease = now
                span = max(1.0, min(self.WINDOW_S, now - self._first))
                accepted = len(self._accepted) / span
                if self.rate is None:
                    self.rate = accepted * self.DECREASE if accepted else self.START
                else:
                    self.rate *= self.DECREASE
                    if accepted:
                        self.rate = min(self.rate, accepted * self.DECREASE)
                self.rate = max(self.FLOOR, self.rate)


def adaptive_limiter(vendor: str, credential_key: str) -> AdaptiveLimiter:
    """The process-wide adaptive limiter for one vendor credential (``credential_key`` is a digest)."""
    return _process_wide(_ADAPTIVE, (vendor, credential_key), AdaptiveLimiter)
