"""One way to wait for asynchronous vendor states (indexing tokens, not-ready audiences, ...)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

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
) -> T:
    """Call ``probe`` until ``done(result)``; poll interval grows 1.5x up to ``max_interval``.

    Raises :class:`WaitTimeout` naming ``what`` was awaited and the last observed value.
    """
    deadline = time.monotonic() + timeout
    delay = interval
    while True:
        result = probe()
        if done(result):
            return result
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            message = f"timed out after {timeout:g}s waiting for {what} (last seen: {result!r})"
            if on_timeout:
                message += f". {on_timeout}"
            raise WaitTimeout(message)
        time.sleep(min(delay, remaining))
        delay = min(delay * 1.5, max_interval)
