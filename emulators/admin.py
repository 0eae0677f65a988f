"""The one client of the emulators' admin API (``/_emulator/``), shared by the tests and the benchmarks.

:class:`Admin` drives one vendor emulator that is already running, wherever it runs (a thread of the test
process, ``python -m emulators``, ``scripts/emulators``); :class:`EmulatorProcess` starts ``python -m emulators``
in a process of its own on free ports (the benchmarks do, so the emulators don't share the harness's GIL) and
hands out one :class:`Admin` per vendor. The state dump's shape is documented in :mod:`emulators.app`.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from .server import VENDORS

# Every object the emulator holds, by kind then by the id the vendor API addresses it by.
Objects = dict[str, dict[str, dict[str, Any]]]


def root_of(base_url: str) -> str:
    """http://127.0.0.1:PORT/rest/v1 -> http://127.0.0.1:PORT (the admin API sits at the server's root)."""
    scheme, _, rest = base_url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


class Admin:
    """One running vendor emulator: its API base URL and its admin API (reset, seed, state, log, knobs)."""

    def __init__(self, vendor: str, base_url: str, *, timeout: float = 30) -> None:
        self.vendor = vendor
        self.base_url = base_url
        self.root_url = root_of(base_url)
        self.http = httpx.Client(base_url=self.root_url + "/_emulator", timeout=timeout)

    def __repr__(self) -> str:
        return f"Admin({self.vendor!r}, {self.base_url!r})"

    def close(self) -> None:
        self.http.close()

    def reset(self) -> None:
        """Objects, faults, latency, rate limit and request log back to the vendor's start."""
        self.http.post("/reset").raise_for_status()

    def state(self) -> dict[str, Any]:
        """``{"vendor", "objects": {kind: {id: object}}, "meta"}``."""
        resp = self.http.get("/state")
        resp.raise_for_status()
        dumped: dict[str, Any] = resp.json()
        return dumped

    def all_objects(self) -> Objects:
        """Every object the emulator holds: ``{kind: {id: object}}``."""
        objects: Objects = self.state()["objects"]
        return objects

    def objects(self, kind: str) -> dict[str, dict[str, Any]]:
        """``objects("audiences")`` -> ``{id: audience}`` ({} when the vendor holds none of that kind)."""
        return self.all_objects().get(kind, {})

    def seed(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Add objects as if made elsewhere (the vendor UI, another tool); returns the new state dump."""
        resp = self.http.post("/seed", json=dict(data))
        resp.raise_for_status()
        dumped: dict[str, Any] = resp.json()
        return dumped

    def fault(self, **spec: object) -> None:
        """Inject one fault: ``kind`` (status | reset | timeout | drop_after_commit), ``route``, ``count``, ..."""
        self.http.post("/faults", json=spec).raise_for_status()

    def faults(self) -> list[dict[str, Any]]:
        """The injected faults with how often each was seen and fired."""
        faults: list[dict[str, Any]] = self.http.get("/faults").json()["faults"]
        return faults

    def clear_faults(self) -> None:
        self.http.delete("/faults").raise_for_status()

    def configure(self, **options: object) -> None:
        """``latency_ms``, ``rate_limit_rpm``, ``rate_limit_burst``, ``rate_limit_retry_after`` and vendor options."""
        self.http.post("/config", json=options).raise_for_status()

    def requests(self) -> list[dict[str, Any]]:
        """The request log: method, path, query, body (writes, bounded), status, ms, t."""
        log: list[dict[str, Any]] = self.http.get("/requests").json()["requests"]
        return log

    def clear_requests(self) -> None:
        self.http.delete("/requests").raise_for_status()

    def take_requests(self) -> list[dict[str, Any]]:
        """The request log since the last clear, then cleared."""
        log = self.requests()
        self.clear_requests()
        return log


class EmulatorProcess:
    """``python -m emulators --only <vendors>`` in its own process on free ports; ``process[vendor]`` -> Admin."""

    def __init__(self, vendors: tuple[str, ...] = VENDORS, *, cwd: Path | None = None,
                 timeout: float = 30, options: Mapping[str, Mapping[str, object]] | None = None) -> None:
        """``options``: vendor options kept across resets (``python -m emulators --set vendor.option=value``)."""
        unknown = sorted(set(vendors) - set(VENDORS))
        if unknown:
            raise ValueError(f"unknown vendor(s) {unknown}; expected some of {VENDORS}")
        ports = [arg for vendor in vendors for arg in (f"--{vendor}-port", "0")]
        sets = [arg for vendor, chosen in (options or {}).items() for key, value in chosen.items()
                for arg in ("--set", f"{vendor}.{key}={json.dumps(value)}")]
        self.vendors = vendors
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "emulators", "--only", *vendors, *ports, *sets],
            cwd=cwd or Path(__file__).resolve().parent.parent, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True)
        assert self.proc.stdout is not None
        self.base_urls: dict[str, str] = {}
        # `python -m emulators` prints one "<vendor> <base URL> <credentials>" line per vendor once it listens.
        for line in self.proc.stdout:
            words = line.split()
            if words and words[0] in vendors:
                self.base_urls[words[0]] = words[1]
            if len(self.base_urls) == len(vendors):
                break
        if len(self.base_urls) != len(vendors):
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError(f"the emulators did not start (got {sorted(self.base_urls)} of {vendors})")
        self.admins = {v: Admin(v, url, timeout=timeout) for v, url in self.base_urls.items()}

    @property
    def pid(self) -> int:
        return self.proc.pid

    def __getitem__(self, vendor: str) -> Admin:
        return self.admins[vendor]

    def take_requests(self) -> list[dict[str, Any]]:
        """Every vendor's request log since the last call (then cleared), each entry tagged with its vendor."""
        return [{**r, "vendor": vendor} for vendor, admin in self.admins.items() for r in admin.take_requests()]

    def stop(self) -> None:
        for admin in self.admins.values():
            admin.close()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
