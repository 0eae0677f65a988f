"""How many requests/s each emulator serves on loopback (so it is never a benchmark's bottleneck).

Bounded: a fixed number of requests per vendor from a few keep-alive clients against 127.0.0.1 only.
Run: .venv/bin/python -m bench.emulator_load [--requests 5000] [--clients 8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from datetime import datetime, timezone
from pathlib import Path

import aiohttp

from emulators.admin import EmulatorProcess
from emulators.server import DEFAULT_PORTS

RESULTS = Path(__file__).resolve().parent / "results"
# One cheap authenticated read per vendor (what a refresh or a wait loop mostly sends).
PROBES = {
    "batch": ("/audiences/list", {"Authorization": "Bearer demo-batch-rest-key",
                                  "X-Batch-Project": "project_demo0000000000000000000000000"}),
    "thrive": ("/audiences", {"Authorization": "Basic ZGVtby10ZW5hbnQ6ZGVtby10aHJpdmUtc2VjcmV0"}),
    "sonarly": ("/accounts", {"Authorization": "Bearer sk_live_demo_full"}),
    "unleashx": ("/campaign-audience-stats?campaign_id=1", {"token": "demo-unleashx-token"}),
}


def measure(vendor: str, requests: int, clients: int) -> dict[str, float]:
    # The server runs in its own process, as in `python -m emulators`: sharing this process's GIL with the
    # load threads would measure the load generator, not the emulator.
    server = EmulatorProcess((vendor,))
    base = server.base_urls[vendor]
    if vendor == "unleashx":
        server[vendor].seed({"campaigns": [{"id": 1, "agent_id": 101, "campaign_name": "load"}]})
    path, headers = PROBES[vendor]
    # asyncio + aiohttp client: a threaded httpx client would hit this process's GIL long before the server.
    async def run() -> list[int]:
        connector = aiohttp.TCPConnector(limit=clients)
        async with aiohttp.ClientSession(base_url=base.rstrip("/") + "/", headers=headers,
                                         connector=connector) as session:
            async def one(_: int) -> int:
                async with session.get(path.lstrip("/")) as resp:
                    await resp.read()
                    return resp.status

            results: list[int] = []
            for start in range(0, requests, 500):
                results += await asyncio.gather(*(one(i) for i in range(start, min(requests, start + 500))))
            return results

    started = time.perf_counter()
    statuses = asyncio.run(run())
    elapsed = time.perf_counter() - started
    server.stop()
    return {"requests": len(statuses), "seconds": round(elapsed, 3), "requests_per_s": round(len(statuses) / elapsed),
            "default_port": DEFAULT_PORTS[vendor],
            "non_2xx": sum(1 for s in statuses if s >= 300)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    report = {"benchmark": "emulator-load", "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "clients": args.clients,
              "vendors": {v: measure(v, args.requests, args.clients) for v in PROBES}}
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"emulator-load-{datetime.now(timezone.utc):%Y-%m-%d}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
