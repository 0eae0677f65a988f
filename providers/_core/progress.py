"""Progress of long provider calls (waits, retries), shown on the resource they belong to.

A provider call that waits 17 s for a vendor used to show nothing between ``updating (0s)`` and ``updated (17s)``.
:func:`report` sends one line to the engine through the SDK's ``pulumi.log``; our provider launcher
(tools/python-runtime/pulumi-dynamic-wide-server.py) attributes such lines to the resource whose call is being
served, so an ephemeral line becomes that resource's status in the progress display and a lasting one is listed
under the resource in the diagnostics. Without an engine connection (the SDK's own launcher, unit tests) the line
goes to the ``audience_providers.progress`` logger instead (stderr with ``AUDIENCE_PROVIDERS_LOG``).
"""

from __future__ import annotations

import logging

import pulumi
from pulumi.runtime import settings

from .redact import redact

log = logging.getLogger("audience_providers.progress")


def engine_attached() -> bool:
    """Whether a message logged now reaches the engine (inside a resource call served by our launcher)."""
    return settings.get_engine() is not None


def report(message: str, *, ephemeral: bool = True) -> None:
    """Show ``message`` on the resource being served: as its status (ephemeral) or in its diagnostics."""
    text = redact(message)
    if not engine_attached():
        log.info("%s", text)
        return
    try:
        pulumi.log.info(text, ephemeral=ephemeral)
    except Exception:  # noqa: BLE001 - a progress line must never fail the call it describes
        log.info("%s", text)


class EngineHandler(logging.Handler):
    """Our request/debug logs (``AUDIENCE_PROVIDERS_LOG``) on the resource they concern, else on stderr."""

    def __init__(self, fallback: logging.Handler) -> None:
        super().__init__()
        self.fallback = fallback

    def emit(self, record: logging.LogRecord) -> None:
        if not engine_attached():
            self.fallback.handle(record)
            return
        try:
            pulumi.log.info(redact(self.format(record)), ephemeral=False)
        except Exception:  # noqa: BLE001
            self.fallback.handle(record)
