"""Run vendor emulators as real HTTP servers on 127.0.0.1, in a thread (tests) or in the foreground (CLI)."""

from __future__ import annotations

import asyncio
import importlib
import os
import threading
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .app import EMULATOR_KEY, Emulator, VendorSpec, build_app

# Fixed default ports for `python -m emulators`; tests use free ports (port 0). AUDIENCE_EMULATOR_PORT_BASE moves
# the four (base, base+1, base+2, base+3) so two checkouts on one machine don't share emulators; scripts/env.sh
# points the `local` stack at the same ports.
PORT_BASE_DEFAULT = 18081


def port_base() -> int:
    raw = os.environ.get("AUDIENCE_EMULATOR_PORT_BASE", "") or str(PORT_BASE_DEFAULT)
    if not raw.isdigit() or not 1024 <= int(raw) <= 65532:
        raise SystemExit(f"AUDIENCE_EMULATOR_PORT_BASE={raw!r}: expected a port from 1024 to 65532")
    return int(raw)


DEFAULT_PORTS = {vendor: port_base() + i for i, vendor in enumerate(("thrive", "sonarly", "unleashx", "batch"))}
VENDORS = tuple(DEFAULT_PORTS)


def load_spec(vendor: str) -> VendorSpec:
    module = importlib.import_module(f"emulators.{vendor}")
    spec: VendorSpec = module.SPEC
    return spec


@dataclass
class Running:
    vendor: str
    host: str
    port: int
    spec: VendorSpec
    emulator: Emulator

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return self.root_url + self.spec.base_path


async def _start(vendor: str, host: str, port: int) -> tuple[web.AppRunner, Running]:
    spec = load_spec(vendor)
    app = build_app(spec)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port, reuse_address=True)
    await site.start()
    # Port 0 means "any free port": the one bound is only known from the listening socket.
    sockets = getattr(site._server, "sockets", None)
    assert sockets
    bound = int(sockets[0].getsockname()[1])
    return runner, Running(vendor, host, bound, spec, app[EMULATOR_KEY])


class EmulatorThread:
    """All requested emulators in one background event loop; ``stop()`` shuts them down."""

    def __init__(self, vendors: tuple[str, ...] = VENDORS, host: str = "127.0.0.1",
                 ports: dict[str, int] | None = None) -> None:
        self.vendors = vendors
        self.host = host
        self.ports = ports or {}
        self.running: dict[str, Running] = {}
        self._loop = asyncio.new_event_loop()
        self._runners: list[web.AppRunner] = []
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="emulators", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            for vendor in self.vendors:
                runner, running = self._loop.run_until_complete(
                    _start(vendor, self.host, self.ports.get(vendor, 0)))
                self._runners.append(runner)
                self.running[vendor] = running
        except BaseException as exc:  # surfaced to the caller of start()
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self._loop.run_forever()
        for runner in self._runners:
            self._loop.run_until_complete(runner.cleanup())
        self._loop.close()

    def start(self) -> EmulatorThread:
        self._thread.start()
        self._ready.wait(30)
        if self._error is not None:
            raise self._error
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


async def serve_forever(vendors: tuple[str, ...], host: str, ports: dict[str, int],
                        options: dict[str, dict[str, Any]] | None = None) -> list[Running]:
    """Start ``vendors``; ``options`` are vendor options (as for admin config) kept across resets."""
    started = []
    for vendor in vendors:
        _, running = await _start(vendor, host, ports.get(vendor, DEFAULT_PORTS[vendor]))
        if options and options.get(vendor):
            running.emulator.start_with(options[vendor])
        started.append(running)
    return started
