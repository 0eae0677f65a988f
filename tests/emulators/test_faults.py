"""The shared fault machinery (emulators/app.py) produces each fault it promises, on the Batch emulator."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import httpx
import pytest

from emulators.admin import EmulatorProcess

if TYPE_CHECKING:
    from tests.conftest import Emulators, LiveEmulator

H = {"Authorization": "Bearer demo-batch-rest-key", "X-Batch-Project": "project_demo0000000000000000000000000"}


def _client(live: LiveEmulator) -> httpx.Client:
    return httpx.Client(base_url=live.base_url, headers=H, timeout=httpx.Timeout(2.0))


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_fault__status_answers_with_vendor_error_body(emulator: Emulators, status: int) -> None:
    live = emulator("batch")
    live.fault(kind="status", status=status, route="GET /audiences/list")
    with _client(live) as c:
        first, second = c.get("/audiences/list"), c.get("/audiences/list")
    assert first.status_code == status and set(first.json()) == {"error_code", "error_message"}
    assert second.status_code == 200  # count=1: only the next request


@pytest.mark.parametrize("retry_after", ["3", None])
def test_fault__429_with_and_without_retry_after(emulator: Emulators, retry_after: str | None) -> None:
    live = emulator("batch")
    live.fault(kind="status", status=429, retry_after=retry_after)
    with _client(live) as c:
        resp = c.get("/audiences/list")
    assert resp.status_code == 429
    assert resp.headers.get("Retry-After") == retry_after


def test_fault__after_skips_matching_requests_and_count_bounds_it(emulator: Emulators) -> None:
    live = emulator("batch")
    live.fault(kind="status", status=503, after=2, count=2, route="GET /audiences/list")
    with _client(live) as c:
        codes = [c.get("/audiences/list").status_code for _ in range(6)]
    assert codes == [200, 200, 503, 503, 200, 200]


def test_fault__connection_reset(emulator: Emulators) -> None:
    live = emulator("batch")
    live.fault(kind="reset")
    with _client(live) as c, pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        c.get("/audiences/list")


def test_fault__read_timeout(emulator: Emulators) -> None:
    live = emulator("batch")
    live.fault(kind="timeout", seconds=3)
    with httpx.Client(base_url=live.base_url, headers=H, timeout=httpx.Timeout(0.5)) as c:
        with pytest.raises(httpx.ReadTimeout):
            c.get("/audiences/list")


def test_fault__drop_after_commit_really_commits(emulator: Emulators) -> None:
    live = emulator("batch")
    live.fault(kind="drop_after_commit", route="POST /audiences/create")
    with _client(live) as c:
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            c.post("/audiences/create", json={"name": "dropped", "type": "custom_ids"})
    assert "dropped" in live.objects("audiences")
    assert live.requests()[-1]["status"] == "dropped:202"


def test_config__latency_is_added_to_each_request(emulator: Emulators) -> None:
    live = emulator("batch")
    live.configure(latency_ms=200)
    with _client(live) as c:
        started = time.monotonic()
        c.get("/audiences/list")
    assert time.monotonic() - started >= 0.19


def test_rate_limit__per_credential_429_without_retry_after_by_default(emulator: Emulators) -> None:
    live = emulator("batch")
    live.configure(rate_limit_rpm=60, rate_limit_burst=3)
    with _client(live) as c:
        codes = [c.get("/audiences/list") for _ in range(5)]
    assert [r.status_code for r in codes] == [200, 200, 200, 429, 429]
    # No vendor documents a Retry-After header: the default 429 is the bare one.
    assert codes[3].json()["error_code"] == "TOO_MANY_REQUESTS" and "Retry-After" not in codes[3].headers
    # Another credential has its own bucket (the 401 is the vendor's, not the limiter's).
    other = httpx.get(live.base_url + "/audiences/list", headers={"Authorization": "Bearer other"})
    assert other.status_code == 401


def test_rate_limit__retry_after_only_when_turned_on(emulator: Emulators) -> None:
    live = emulator("batch")
    live.configure(rate_limit_rpm=60, rate_limit_burst=1, rate_limit_retry_after=True)
    with _client(live) as c:
        codes = [c.get("/audiences/list") for _ in range(2)]
    assert [r.status_code for r in codes] == [200, 429] and int(codes[1].headers["Retry-After"]) >= 1
    live.reset()  # back to the documented default
    live.configure(rate_limit_rpm=60, rate_limit_burst=1)
    with _client(live) as c:
        codes = [c.get("/audiences/list") for _ in range(2)]
    assert codes[1].status_code == 429 and "Retry-After" not in codes[1].headers


def test_config__unknown_vendor_option_is_refused(emulator: Emulators) -> None:
    # A misspelt option must not pass silently (a test would then run on the default it meant to change).
    live = emulator("batch")
    with pytest.raises(httpx.HTTPStatusError):
        live.configure(strict_validaton=True)


def test_admin__not_subject_to_faults_or_log(emulator: Emulators) -> None:
    live = emulator("batch")
    live.fault(kind="status", status=503, count=100)
    assert live.state()["objects"] == {"audiences": {}}
    assert live.requests() == []


def test_startup_options__survive_reset_while_admin_config_does_not() -> None:
    # `python -m emulators --set ...` (scripts/emulators uses it for the demo): a reset comes back to them.
    with EmulatorProcess(("unleashx", "batch"), options={"unleashx": {"return_campaign_data": True}}) as proc:
        unleashx, batch = proc["unleashx"], proc["batch"]
        unleashx.reset()
        assert unleashx.state()["meta"]["return_campaign_data"] is True
        batch.configure(strict_validation=True)
        batch.reset()
        assert batch.state()["meta"]["strict_validation"] is False  # admin config is undone by a reset
