"""Fixtures shared by every test layer."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from emulators.admin import Admin  # noqa: E402
from emulators.server import EmulatorThread  # noqa: E402

# The name the tests have always used for a running emulator's admin client (emulators/admin.py), and the
# type of the `emulator` fixture.
LiveEmulator = Admin
Emulators = Callable[[str], LiveEmulator]


@pytest.fixture(scope="session")
def _emulator_threads() -> Iterator[dict[str, tuple[EmulatorThread, Admin]]]:
    threads: dict[str, tuple[EmulatorThread, Admin]] = {}
    yield threads
    for thread, admin in threads.values():
        admin.close()
        thread.stop()


@pytest.fixture
def emulator(_emulator_threads: dict[str, tuple[EmulatorThread, Admin]]) -> Emulators:
    """``emulator("batch")`` -> a reset, running emulator on a free 127.0.0.1 port (one per session)."""

    def get(vendor: str) -> LiveEmulator:
        if vendor not in _emulator_threads:
            thread = EmulatorThread((vendor,)).start()
            _emulator_threads[vendor] = thread, Admin(vendor, thread.running[vendor].base_url)
        live = _emulator_threads[vendor][1]
        live.reset()
        return live

    return get


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--full", action="store_true", default=False,
                     help="run long trials (fault matrix, killed runs) at their full counts")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Trials marked ``full_only`` run with --full; otherwise they are deselected (not counted, not skipped)."""
    if config.getoption("--full"):
        return
    kept = [item for item in items if item.get_closest_marker("full_only") is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept


@pytest.fixture(scope="session")
def full_run(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--full"))
