"""Progress and warnings of provider calls (waits, retries, what a destroy left), shown on their resource.

A provider call that waits 17 s for a vendor used to show nothing between ``updating (0s)`` and ``updated (17s)``.
:func:`report` and :func:`warn` hand one line to the *sink* the running adapter installed: the dynamic adapter's
sink sends it through the SDK's ``pulumi.log``, which our launcher (tools/python-runtime/
pulumi-dynamic-wide-server.py) attributes to the resource being served, so an ephemeral line becomes that
resource's status and a lasting one is listed under it in the diagnostics. Without a sink, or when the sink has no
engine to talk to (unit tests, the SDK's own launcher), the line goes to the ``audience_providers.progress``
logger instead (stderr with ``AUDIENCE_PROVIDERS_LOG``). This module imports nothing from ``pulumi``, so the
lifecycle code that calls it doesn't either.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Literal, Protocol

from .redact import redact

log = logging.getLogger("audience_providers.progress")

Level = Literal["info", "warning"]


class Sink(Protocol):
    def __call__(self, level: Level, text: str, *, ephemeral: bool) -> bool:
        """Deliver one line; False when there is no engine to take it (the caller then logs it)."""


_sink: Sink | None = None


def install(sink: Sink | None) -> None:
    """Where lines go from now on (set once by the adapter serving this process)."""
    global _sink
    _sink = sink


def _deliver(level: Level, text: str, *, ephemeral: bool) -> bool:
    sink = _sink
    if sink is None:
        return False
    try:
        return sink(level, text, ephemeral=ephemeral)
    except Exception:  # noqa: BLE001 - a progress line must never fail the call it describes
        return False


def report(message: str, *, ephemeral: bool = True) -> None:
    """Show ``message`` on the resource being served: as its status (ephemeral) or in its diagnostics."""
    text = redact(message)
    if not _deliver("info", text, ephemeral=ephemeral):
        log.info("%s", text)


def warn(message: str) -> None:
    """A warning on the resource being served (e.g. what a destroy left at the vendor, and why)."""
    text = redact(message)
    if not _deliver("warning", text, ephemeral=False):
        log.warning("%s", text)


def log_requests_if_asked() -> None:
    """With ``AUDIENCE_PROVIDERS_LOG=<level>``, our request/debug logs go to the engine (on the resource being
    served) or to stderr (the engine's plugin log). Called once by the adapter serving the process."""
    level = os.environ.get("AUDIENCE_PROVIDERS_LOG", "").upper()
    if not level:
        return
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    handler = EngineHandler(stderr)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger("audience_providers")
    root.addHandler(handler)
    root.setLevel(getattr(logging, level, logging.DEBUG))


class EngineHandler(logging.Handler):
    """Our request/debug logs (``AUDIENCE_PROVIDERS_LOG``) on the resource they concern, else on stderr."""

    def __init__(self, fallback: logging.Handler) -> None:
        super().__init__()
        self.fallback = fallback

    def emit(self, record: logging.LogRecord) -> None:
        if not _deliver("info", redact(self.format(record)), ephemeral=False):
            self.fallback.handle(record)
