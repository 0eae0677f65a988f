"""Unit tests exercise one provider method at a time: the once-per-process credential read is off unless a test
turns it on (tests/unit/test_credentials.py does)."""

from __future__ import annotations

import pytest

from audience_providers._core import ratelimit, siblings
from audience_providers._core.http import BaseClient


@pytest.fixture(autouse=True)
def _no_credential_read(monkeypatch: pytest.MonkeyPatch) -> None:
    for vendor in ("BATCH", "THRIVE", "SONARLY", "UNLEASHX"):
        monkeypatch.setenv(f"{vendor}_SKIP_CREDENTIALS_VALIDATION", "true")
    BaseClient.forget_everywhere()


@pytest.fixture(autouse=True)
def _fresh_pace() -> None:
    # The adaptive pace is process-wide per credential (as in the provider); tests share credentials, so a
    # pace learnt from one test's 429s must not slow the next.
    ratelimit._ADAPTIVE.clear()


@pytest.fixture(autouse=True)
def _fresh_deployment() -> None:
    # A provider process serves one deployment, so what a program declares is kept for the process
    # (siblings.py); each test is a deployment of its own.
    siblings.DECLARED.clear()
