"""One way to wait for asynchronous vendor states (indexing tokens, not-ready audiences, ...)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Generic, TypeVar

from . import progress
from .errors import WaitTimeout

T = TypeVar("T")


def wait_until(
    probe: Callable[[], T],
    done: Callable[[T], bool],
    *,
    timeout: float,
    interval: float = 0.25,
    max_interval: float = 5.0,
    what: str,
    on_timeout: str = "",
    describe: Callable[[T], str] = repr,
    report_after: float = 1.0,
) -> T:
    """Call ``probe`` until ``done(result)``; poll interval grows 1.5x up to ``max_interval``.

    A wait longer than ``report_after`` seconds shows on the resource as it goes ("waiting for <what>: <state>,
    4 s of 600 s", see :mod:`.progress`), at most once a second. Raises :class:`WaitTimeout` naming ``what`` was
    awaited and the last observed value.
    """
    started = time.monotonic()
    deadline = started + timeout
    delay = interval
    reported = -1
    while True:
        result = probe()
        if done(result):
            return result
        now = time.monotonic()
        elapsed = int(now - started)
        if now - started >= report_after and elapsed > reported:
            reported = elapsed
            progress.report(f"waiting for {what}: {describe(result)}, {elapsed} s of {timeout:g} s")
        remaining = deadline - now
        if remaining <= 0:
            message = f"timed out after {timeout:g}s waiting for {what} (last seen: {result!r})"
            if on_timeout:
                message += f". {on_timeout}"
            raise WaitTimeout(message)
        time.sleep(min(delay, remaining))
        delay = min(delay * 1.5, max_interval)


class _Attempt(Generic[T]):
    """One try of a guarded call: its value, or the refusal it met (shown in the timeout message)."""

    def __init__(self, value: T | None = None, refusal: Exception | None = None) -> None:
        self.value = value
        self.refusal = refusal

    def __repr__(self) -> str:
        return str(self.refusal) if self.refusal is not None else "done"

    def state(self) -> str:
        """The refusal in a progress line: its vendor code when it has one (e.g. AUDIENCE_NOT_READY)."""
        code = getattr(self.refusal, "code", None)
        return str(code) if code else repr(self)


def repeat_while_refused(
    call: Callable[[], T],
    refused: Callable[[Exception], bool],
    *,
    timeout: float,
    interval: float = 0.5,
    max_interval: float = 5.0,
    what: str,
    on_timeout: str = "",
) -> T:
    """Run ``call``; while it raises an error ``refused`` accepts (e.g. 409 "not ready"), wait and repeat it.

    For vendor guards that refuse an operation until an asynchronous job ends; other errors propagate at once.
    """

    def attempt() -> _Attempt[T]:
        try:
            return _Attempt(value=call())
        except Exception as exc:
            if not refused(exc):
                raise
            return _Attempt(refusal=exc)

    outcome = wait_until(attempt, lambda a: a.refusal is None, timeout=timeout, interval=interval,
                         max_interval=max_interval, what=what, on_timeout=on_timeout, describe=_Attempt.state)
    return outcome.value  # type: ignore[return-value]  # set whenever refusal is None
