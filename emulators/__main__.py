"""`python -m emulators`: start the vendor emulators on 127.0.0.1 and print where they are."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from typing import Any

from .server import DEFAULT_PORTS, VENDORS, serve_forever


def _option(text: str) -> tuple[str, str, Any]:
    """``vendor.option=value`` (value as JSON, else a string) -> (vendor, option, value)."""
    target, sep, raw = text.partition("=")
    vendor, dot, option = target.partition(".")
    if not sep or not dot or vendor not in VENDORS or not option:
        raise argparse.ArgumentTypeError(f"{text!r}: expected VENDOR.OPTION=VALUE with VENDOR one of {VENDORS}")
    try:
        value: Any = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return vendor, option, value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emulators", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--only", nargs="*", choices=VENDORS, help="start only these vendors")
    for vendor in VENDORS:
        parser.add_argument(f"--{vendor}-port", type=int, default=DEFAULT_PORTS[vendor])
    parser.add_argument("--set", dest="options", type=_option, action="append", default=[],
                        metavar="VENDOR.OPTION=VALUE",
                        help="a vendor option of the admin config (e.g. unleashx.return_campaign_data=true), kept "
                             "across resets; the invented ones are named in emulators/<vendor>/COVERAGE.md")
    args = parser.parse_args(argv)
    vendors = tuple(args.only) if args.only else VENDORS
    ports = {v: getattr(args, f"{v}_port") for v in vendors}
    options: dict[str, dict[str, Any]] = {}
    for vendor, option, value in args.options:
        options.setdefault(vendor, {})[option] = value

    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    try:
        running = loop.run_until_complete(serve_forever(vendors, args.host, ports, options))
    except ValueError as exc:  # an unknown or malformed --set option
        parser.error(str(exc))
    print(f"{'vendor':<10} {'base URL':<36} demo credentials")
    for r in running:
        creds = ", ".join(f"{k}={v}" for k, v in r.spec.demo_credentials.items())
        print(f"{r.vendor:<10} {r.base_url:<36} {creds}")
    for vendor, chosen in options.items():
        if vendor in vendors:
            # Said at start-up: these answers are not the vendor's documented default.
            print(f"options of {vendor}: {json.dumps(chosen, sort_keys=True)}")
    print("admin API: <root>/_emulator/{reset,state,seed,faults,config,requests}; Ctrl-C stops", flush=True)
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    loop.run_until_complete(stop.wait())
    print("emulators stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
