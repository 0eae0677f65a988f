"""Long waits and retries show on the resource they belong to in `pulumi up`'s own output."""

from __future__ import annotations

import re

import pytest

from tests.conftest import Emulators, LiveEmulator

from .conftest import MakeStack, Stack
from .fleet import destroy_and_check

pytestmark = pytest.mark.e2e

APIKEY, PROJECT = "progress-batch-key-0c4e", "project_progress00000000000000000000000"


def _batch_stack(make_stack: MakeStack, emulator: Emulators,
                 indexing_seconds: float) -> tuple[LiveEmulator, Stack]:
    live = emulator("batch")
    live.seed({"credentials": [{"api_key": APIKEY, "project_key": PROJECT}]})
    live.configure(indexing_seconds=indexing_seconds)
    stack = make_stack("batch_lifecycle")
    stack.config("name", "progress_vip")
    stack.config("batch:baseUrl", live.base_url)
    stack.config("batch:projectKey", PROJECT)
    stack.config("batch:apiKey", APIKEY, secret=True)
    return live, stack


def _rows_of(output: str, resource: str) -> list[str]:
    """Lines of the non-interactive progress display that belong to the named resource's row."""
    return [line for line in output.splitlines() if re.search(rf"\b{re.escape(resource)}\b", line)]


def test_up__indexing_wait_shows_on_the_audience_row(make_stack: MakeStack, emulator: Emulators) -> None:
    live, stack = _batch_stack(make_stack, emulator, indexing_seconds=3.5)
    out = stack.up()
    rows = _rows_of(out.stdout, "aud")
    waits = [r for r in rows if "waiting for Batch audience 'progress_vip' to finish indexing" in r]
    assert waits, out.stdout
    assert any(re.search(r"INDEXING|IN_PROGRESS|PENDING", w) and re.search(r"\d+ s of 600 s", w) for w in waits), waits
    # The Stack's own row carries none of it.
    assert not any("waiting for" in line and "pulumi:pulumi:Stack" in line for line in out.stdout.splitlines())
    destroy_and_check(stack, live)


def test_up__retried_request_shows_on_the_audience_row(make_stack: MakeStack, emulator: Emulators) -> None:
    live, stack = _batch_stack(make_stack, emulator, indexing_seconds=0.05)
    live.fault(kind="status", status=503, route="GET /audiences/view", count=1)
    out = stack.up()
    retries = [r for r in _rows_of(out.stdout, "aud") if "retrying in" in r]
    assert retries, out.stdout
    assert "HTTP 503" in retries[0] and APIKEY not in out.stdout
    destroy_and_check(stack, live)


def test_up__debug_request_log_is_listed_under_the_resource(make_stack: MakeStack, emulator: Emulators) -> None:
    live, stack = _batch_stack(make_stack, emulator, indexing_seconds=0.05)
    stack.env["AUDIENCE_PROVIDERS_LOG"] = "debug"
    out = stack.up()
    diagnostics = out.stdout.split("Diagnostics:", 1)[1] if "Diagnostics:" in out.stdout else ""
    section = diagnostics.split("pulumi-python:dynamic/batch:Audience (aud):", 1)
    assert len(section) == 2, out.stdout
    line = "audience_providers.http DEBUG Batch POST /audiences/create -> 202"
    assert line in section[1].split("Outputs:")[0], out.stdout
    assert APIKEY not in out.stdout + out.stderr
    destroy_and_check(stack, live)
