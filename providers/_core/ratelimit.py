"""Client-side rate limiting shared by every thread of the provider process, one bucket per credential."""

from __future__ import annotations

import threading
import time


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
_LIMITERS_LOCK = threading.Lock()


def shared_limiter(vendor: str, credential_key: str, requests_per_minute: float) -> RateLimiter:
    """The process-wide limiter for one vendor credential (``credential_key`` is a digest, never a secret)."""
    key = (vendor, credential_key, requests_per_minute)
    with _LIMITERS_LOCK:
        limiter = _LIMITERS.get(key)
        if limiter is None:
            limiter = _LIMITERS[key] = RateLimiter(requests_per_minute)
        return limiter
