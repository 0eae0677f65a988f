"""Waits and retries report progress (shown on the resource by the launcher; on the logger without an engine)."""

from __future__ import annotations

import pytest


def test_wait_until__long_waits_report_their_state_once_a_second(monkeypatch: pytest.MonkeyPatch) -> None:
    from audience_providers._core import progress, wait

    lines: list[str] = []
    monkeypatch.setattr(progress, "report", lambda message, ephemeral=True: lines.append(message))
    clock = iter(range(0, 100))
    # attr-defined below: `wait.time` is wait's own `import time`, which mypy strict treats as not re-exported.
    monkeypatch.setattr(wait.time, "monotonic", lambda: float(next(clock)) / 2)  # type: ignore[attr-defined]
    monkeypatch.setattr(wait.time, "sleep", lambda _s: None)  # type: ignore[attr-defined]
    states = iter(["IN_PROGRESS"] * 6 + ["APPLIED"])
    wait.wait_until(lambda: next(states), lambda s: s == "APPLIED", timeout=600, what="Batch indexing",
                    describe=str)
    assert lines and all(line.startswith("waiting for Batch indexing: IN_PROGRESS, ") for line in lines)
    assert lines[0].endswith("1 s of 600 s") and len(set(lines)) == len(lines)


def test_report__without_an_engine_goes_to_the_providers_logger(caplog: pytest.LogCaptureFixture) -> None:
    from audience_providers._core import progress

    with caplog.at_level("INFO", logger="audience_providers.progress"):
        progress.report("waiting for something: PENDING, 3 s of 600 s")
    assert "waiting for something" in caplog.text
