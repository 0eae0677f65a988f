"""Fixtures shared by every test layer."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from emulators._server import EmulatorThread, Running  # noqa: E402


class LiveEmulator:
    """A running vendor emulator plus helpers to drive its admin API."""

    def __init__(self, running: Running) -> None:
        self.running = running
        self.admin = httpx.Client(base_url=running.root_url + "/_emulator", timeout=10)

    @property
    def base_url(self) -> str:
        return self.running.base_url

    @property
    def root_url(self) -> str:
        return self.running.root_url

    def reset(self) -> None:
        self.admin.post("/reset").raise_for_status()

    def state(self) -> dict:  # type: ignore[type-arg]
        return self.admin.get("/state").json()

    def seed(self, data: dict) -> dict:  # type: ignore[type-arg]
        resp = self.admin.post("/seed", json=data)
        resp.raise_for_status()
        return resp.json()

    def fault(self, **spec: object) -> None:
        self.admin.post("/faults", json=spec).raise_for_status()

    def configure(self, **options: object) -> None:
        self.admin.post("/config", json=options).raise_for_status()

    def requests(self) -> list[dict]:  # type: ignore[type-arg]
        return self.admin.get("/requests").json()["requests"]

    def clear_requests(self) -> None:
        self.admin.delete("/requests").raise_for_status()


@pytest.fixture(scope="session")
def _emulator_threads() -> Iterator[dict[str, EmulatorThread]]:
    threads: dict[str, EmulatorThread] = {}
    yield threads
    for thread in threads.values():
        thread.stop()


@pytest.fixture
def emulator(_emulator_threads: dict[str, EmulatorThread]) -> Callable[[str], LiveEmulator]:
    """``emulator("batch")`` -> a reset, running emulator on a free 127.0.0.1 port (one per session)."""

    def get(vendor: str) -> LiveEmulator:
        thread = _emulator_threads.get(vendor)
        if thread is None:
            thread = _emulator_threads[vendor] = EmulatorThread((vendor,)).start()
        live = LiveEmulator(thread.running[vendor])
        live.reset()
        return live

    return get


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--full", action="store_true", default=False,
                     help="run long trials (fault matrix, killed runs) at their full counts")


@pytest.fixture(scope="session")
def full_run(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--full"))
