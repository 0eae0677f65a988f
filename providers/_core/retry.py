"""Retry policy: which failures are retried, how long we back off, when we give up.

tenacity drives the loop (stop/wait/retry predicates composed, well kept, thread-safe); this module only
states our policy. A non-idempotent request is retried only when it provably never reached the server
(connect failure, or a 429 that the vendor answered without acting); anything else bubbles up so the
resource layer can reconcile by reading before it tries again (see ``dynamic.create_or_adopt``).

A 500 is retried on reads only (GET/HEAD: list, view, get). A read changes nothing, so asking again is always
safe, and vendors answer transient faults with a bare 500 as often as with 502-504. A 500 on a write is not
retried even when the write is idempotent: it is as likely a deterministic refusal of that body as a blip, and
the user should see it at once rather than after the retry deadline.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_delay
from tenacity.stop import stop_base

from . import progress
from .errors import ApiError, TransportFailure

T = TypeVar("T")

RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
# Statuses retried only on reads, which have no effect to repeat (see the module docstring).
READ_RETRYABLE_STATUSES = RETRYABLE_STATUSES | {500}


@dataclass(frozen=True)
class RetryPolicy:
    deadline: float = 60.0  # total seconds across attempts
    max_attempts: int = 8
    base_delay: float = 0.25
    max_delay: float = 10.0
    # A host that refuses connections or doesn't resolve is almost always a wrong base URL: fail within seconds.
    unreachable_attempts: int = 3


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as delay-seconds or HTTP-date (RFC 9110 §10.2.3); None when absent or unparseable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def is_retryable(exc: BaseException, idempotent: bool, read: bool = False) -> bool:
    """``read``: the request only reads (GET/HEAD); a read is idempotent whatever ``idempotent`` says."""
    idempotent = idempotent or read
    if isinstance(exc, TransportFailure):
        return idempotent or not exc.maybe_committed
    if isinstance(exc, ApiError):
        if exc.status == 429:
            return True
        if read:
            return exc.status in READ_RETRYABLE_STATUSES
        return idempotent and exc.status in RETRYABLE_STATUSES
    return False


def _wait(policy: RetryPolicy) -> Callable[[RetryCallState], float]:
    def compute(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        hinted = getattr(exc, "retry_after", None)
        if hinted is not None:
            return float(hinted)
        if isinstance(exc, ApiError) and exc.status == 429:
            # The client's shared pace (ratelimit.AdaptiveLimiter) spaces the next attempt; a long private
            # backoff here would only leave the vendor's budget unused.
            return random.uniform(0, policy.base_delay)
        # Full jitter: spreads retries of many threads hitting the same 429/503.
        ceiling = min(policy.max_delay, policy.base_delay * (2 ** (state.attempt_number - 1)))
        return random.uniform(0, ceiling)

    return compute


def run_with_retries(
    call: Callable[[], T],
    *,
    idempotent: bool,
    policy: RetryPolicy,
    read: bool = False,
    on_retry: Callable[[int, BaseException, float], None] | None = None,
) -> T:
    started = time.monotonic()
    wait = _wait(policy)

    def wait_within_deadline(state: RetryCallState) -> float:
        delay = wait(state)
        remaining = policy.deadline - (time.monotonic() - started)
        if delay > remaining:
            # A Retry-After past our deadline: give up now rather than sleep and fail anyway.
            exc = state.outcome.exception() if state.outcome else None
            if isinstance(exc, BaseException):
                raise exc
            raise RuntimeError("retry deadline exceeded")
        return delay

    def before_sleep(state: RetryCallState) -> None:
        if state.outcome is None:
            return
        exc = state.outcome.exception()
        assert exc is not None
        sleep = state.next_action.sleep if state.next_action else 0.0
        # Shown on the resource: a retried call is no longer silent.
        progress.report(f"retrying in {sleep:.1f} s (attempt {state.attempt_number} failed): {exc}")
        if on_retry:
            on_retry(state.attempt_number, exc, sleep)

    unreachable = [0]

    def retryable(exc: BaseException) -> bool:
        if isinstance(exc, TransportFailure) and exc.unreachable:
            unreachable[0] += 1
            if unreachable[0] >= policy.unreachable_attempts:
                return False
        return is_retryable(exc, idempotent, read)

    class out_of_attempts(stop_base):  # noqa: N801 (named like tenacity's own stop conditions)
        # A 429 is the vendor not acting yet, not a failure of the request: those retry until the deadline.
        def __call__(self, state: RetryCallState) -> bool:
            exc = state.outcome.exception() if state.outcome else None
            if isinstance(exc, ApiError) and exc.status == 429:
                return False
            return state.attempt_number >= policy.max_attempts

    retrying = Retrying(
        retry=retry_if_exception(retryable),
        stop=out_of_attempts() | stop_after_delay(policy.deadline),
        wait=wait_within_deadline,
        before_sleep=before_sleep,
        reraise=True,
    )
    return retrying(call)
