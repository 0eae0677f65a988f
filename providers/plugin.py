"""``python -m audience_providers.plugin``: serve a vendor's provider plugin, or pack it for ``pulumi plugin install``.

``pip install`` of the project already puts ``pulumi-resource-<vendor>`` on PATH, where the engine finds it (and
says so in a warning on every command). To install it like any other plugin instead, offline:

    python -m audience_providers.plugin archive thrive --out dist/
    pulumi plugin install resource thrive 0.1.0 --file dist/pulumi-resource-thrive-v0.1.0.tar.gz

The archive holds one executable, ``pulumi-resource-<vendor>``, that runs this module with the Python that built
the archive (so the installed package is the one served); its version is the package's.
"""

from __future__ import annotations

import argparse
import io
import shlex
import sys
import tarfile
from pathlib import Path

from . import __version__

VENDORS = ("thrive", "sonarly", "unleashx", "batch")


def launcher(vendor: str, python: str) -> str:
    return (f"#!/bin/sh\n# {vendor} provider plugin of pulumi-audience-providers {__version__}\n"
            f"exec {shlex.quote(python)} -m audience_providers.plugin serve {vendor} \"$@\"\n")


def archive(vendor: str, out: Path, python: str | None = None) -> Path:
    """Write ``pulumi-resource-<vendor>-v<version>.tar.gz`` into ``out`` and return its path."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"pulumi-resource-{vendor}-v{__version__}.tar.gz"
    body = launcher(vendor, python or sys.executable).encode()
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo(f"pulumi-resource-{vendor}")
        info.size, info.mode = len(body), 0o755
        tar.addfile(info, io.BytesIO(body))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m audience_providers.plugin", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the plugin (the engine starts it)")
    serve.add_argument("vendor", choices=VENDORS)
    pack = commands.add_parser("archive", help="pack the plugin for `pulumi plugin install --file`")
    pack.add_argument("vendor", choices=(*VENDORS, "all"))
    pack.add_argument("--out", type=Path, default=Path("dist"))
    args, rest = parser.parse_known_args(argv)
    if args.command == "serve":
        from ._core import native

        native.serve(args.vendor, rest)
        return 0
    for vendor in VENDORS if args.vendor == "all" else (args.vendor,):
        path = archive(vendor, args.out)
        print(f"{path}  ->  pulumi plugin install resource {vendor} {__version__} --file {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
