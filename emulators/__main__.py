"""`python -m emulators`: start the vendor emulators on 127.0.0.1 and print where they are."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from .server import DEFAULT_PORTS, VENDORS, serve_forever


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emulators", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--only", nargs="*", choices=VENDORS, help="start only these vendors")
    for vendor in VENDORS:
        parser.add_argument(f"--{vendor}-port", type=int, default=DEFAULT_PORTS[vendor])
    args = parser.parse_args(argv)
    vendors = tuple(args.only) if args.only else VENDORS
    ports = {v: getattr(args, f"{v}_port") for v in vendors}

    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    running = loop.run_until_complete(serve_forever(vendors, args.host, ports))
    print(f"{'vendor':<10} {'base URL':<36} demo credentials")
    for r in running:
        creds = ", ".join(f"{k}={v}" for k, v in r.spec.demo_credentials.items())
        print(f"{r.vendor:<10} {r.base_url:<36} {creds}")
    print("admin API: <root>/_emulator/{reset,state,seed,faults,config,requests}; Ctrl-C stops", flush=True)
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    loop.run_until_complete(stop.wait())
    print("emulators stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
