"""Issue #34 point 2: `preview` checks every configured vendor's credential, and the four reads run together.

The engine makes its checks one at a time, and each vendor's first check used to read that vendor's credential in
its turn: four round trips in series. Now the first credential read of any of our checks starts every configured
vendor's read at once (providers/_core/dynamic.py, _read_credentials_ahead; not for invalid inputs, refresh or
destroy, which read no credential). Seen in the emulators' request logs:
each vendor's first request arrives before any of them has been answered. The dual: a rejected key still fails
that vendor's check at preview, and nothing is written.
"""

from __future__ import annotations

import pytest

from tests.conftest import Emulators, LiveEmulator

from .conftest import MakeStack, Stack
from .fleet import DEMO_SETTINGS, SECRET_SETTINGS

pytestmark = pytest.mark.e2e

VENDORS = ("thrive", "sonarly", "unleashx", "batch")
DEMO = DEMO_SETTINGS
SECRETS = SECRET_SETTINGS
LATENCY_MS = 400


def _stack(make_stack: MakeStack, emulator: Emulators) -> tuple[Stack, dict[str, LiveEmulator]]:
    stack = make_stack("four_vendors")
    lives: dict[str, LiveEmulator] = {}
    for vendor in VENDORS:
        live = lives[vendor] = emulator(vendor)
        stack.config(f"{vendor}:baseUrl", live.base_url)
        for key, value in DEMO[vendor].items():
            stack.config(f"{vendor}:{key}", value, secret=key in SECRETS)
    return stack, lives


def test_preview__the_credential_reads_of_all_vendors_run_together(make_stack: MakeStack,
                                                                   emulator: Emulators) -> None:
    stack, lives = _stack(make_stack, emulator)
    for live in lives.values():
        live.configure(latency_ms=LATENCY_MS)
        live.clear_requests()
    stack.preview()
    firsts: dict[str, tuple[float, float]] = {}
    for vendor, live in lives.items():
        requests = live.requests()
        assert requests, f"{vendor}: no credential read at preview"
        first = min(requests, key=lambda r: r["t"])
        firsts[vendor] = (first["t"], first["t"] + first["ms"] / 1000)
    latest_start = max(start for start, _ in firsts.values())
    earliest_end = min(end for _, end in firsts.values())
    # Overlapping, not one after the other: every read had started before the first one was answered.
    assert latest_start < earliest_end, firsts
    for live in lives.values():
        live.configure(latency_ms=0)


def test_preview__a_rejected_key_still_fails_its_vendors_check_and_writes_nothing(make_stack: MakeStack,
                                                                                emulator: Emulators) -> None:
    stack, lives = _stack(make_stack, emulator)
    stack.config("sonarly:apiKey", "sk_live_revoked_canary", secret=True)
    failed = stack.preview(check=False)
    out = failed.stdout + failed.stderr
    assert failed.returncode != 0
    assert "resource 'folder' has a problem: Sonarly rejected the configured credentials" in out, out
    assert "sk_live_revoked_canary" not in out
    for live in lives.values():
        assert [r for r in live.requests() if r["method"] != "GET"] == []
