"""Bring an existing tenant under management: list what it holds, write an import file and a Python program.

    audience-providers discover thrive [--prefix P] [--under <structure>] [--stack dev] [--out DIR]
    python -m audience_providers.discover sonarly [--under <folder>] ...

Lists the vendor's objects through its documented list endpoints (read-only, paged, rate-limited like every
provider call) and writes two files into ``--out``:

- ``<vendor>-import.json``: for ``pulumi import --file`` with the provider plugins (YAML, TypeScript, Go, or
  ``pulumi.CustomResource`` in Python): one import of every object, the engine generating the code;
- ``adopt_<vendor>.py``: a Python program for the typed classes, each object taken over through its adoption
  input, so its first ``pulumi up`` sends the vendor only reads and the ``preview`` after it shows no changes.

Objects the vendor's API can't list, and objects that can't be managed, are named with the reason (on the
terminal and at the end of the program). Settings come from the environment (``THRIVE_TENANT_ID``, ...) or, with
``--stack``, from that stack's config first (``pulumi config --show-secrets``), as the providers read them.
See docs/discover.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ._core import vendors
from ._core.config import ConfigSource
from ._core.discovery import Inventory, Progress, import_file, python_program, summary
from ._core.errors import ProviderError, Unauthorized
from .recover import Pulumi


class DiscoverError(Exception):
    """What the command prints as its one line of error."""


@dataclass(frozen=True)
class Request:
    vendor: str
    prefix: str | None
    under: tuple[str, ...]
    people: bool
    workers: int


def _rejected(vendor: str, settings: str, exc: Unauthorized) -> DiscoverError:
    return DiscoverError(f"{vendors.vendor(vendor).name} rejected the configured credentials ({settings}): "
                         f"{exc.vendor_message or 'unauthorized'} (HTTP {exc.status} to {exc.operation}). Nothing was "
                         "read; fix those settings (environment variables, or `pulumi config set --secret ...` with "
                         "--stack)")


def _no_under(request: Request) -> None:
    if request.under:
        raise DiscoverError(f"--under applies to thrive (a structure), sonarly (a folder) and unleashx (a campaign), "
                            f"not to {request.vendor}")


def inventory(request: Request, source: ConfigSource, progress: Progress) -> Inventory:
    """Read the tenant (read-only) and return what a stack can take over. Raises ProviderError/DiscoverError."""
    vendor = request.vendor
    if vendor == "thrive":
        from .thrive import config as thrive_config
        from .thrive import inventory as thrive_inventory

        thrive = thrive_config.load(source)
        _verify(vendor, thrive.credential_settings(), thrive.client.verify_credentials)
        return thrive_inventory.discover(thrive, progress, prefix=request.prefix, under=request.under,
                                         people=request.people, workers=request.workers)
    if vendor == "sonarly":
        from .sonarly import config as sonarly_config
        from .sonarly import inventory as sonarly_inventory

        sonarly = sonarly_config.load(source)
        _verify(vendor, f"{sonarly_config.API_KEY.key} ({sonarly_config.API_KEY.env})",
                sonarly.client.verify_credentials)
        return sonarly_inventory.discover(sonarly, progress, prefix=request.prefix, under=request.under)
    if vendor == "batch":
        from .batch import config as batch_config
        from .batch import inventory as batch_inventory

        _no_under(request)
        batch = batch_config.load(source)
        _verify(vendor, batch_config.CREDENTIAL_SETTINGS, batch.client.verify_credentials)
        return batch_inventory.discover(batch, progress, prefix=request.prefix)
    from .unleashx import config as unleashx_config
    from .unleashx import inventory as unleashx_inventory

    unleashx = unleashx_config.load(source)
    _verify(vendor, f"{unleashx_config.TOKEN.key} ({unleashx_config.TOKEN.env})", unleashx.client.verify_credentials)
    return unleashx_inventory.discover(unleashx, progress, prefix=request.prefix, under=request.under)


def _verify(vendor: str, settings: str, probe: Callable[[], None]) -> None:
    """One cheap authenticated read first, so a wrong credential is named before anything is listed."""
    try:
        probe()
    except Unauthorized as exc:
        raise _rejected(vendor, settings, exc) from None


def stack_config(stack: str, cwd: str | None) -> dict[str, str]:
    """The stack's config, secrets decrypted, through the `pulumi` CLI (as the recover command reads it)."""
    try:
        return Pulumi(stack, cwd).config()
    except SystemExit as exc:  # the recover helper's way of failing: its message, then pulumi's stderr
        lines = [line.strip() for line in str(exc.code).splitlines()[1:] if line.strip()]
        raise DiscoverError(f"can't read the config of stack {stack!r} with `pulumi config --show-secrets`: "
                            f"{lines[-1] if lines else exc.code}") from None
    except FileNotFoundError:
        raise DiscoverError("--stack needs the `pulumi` CLI on PATH to read the stack's config") from None


def write(inv: Inventory, out: Path, command: str, *, protect: bool) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    import_path = out / f"{inv.vendor}-import.json"
    program_path = out / f"adopt_{inv.vendor}.py"
    import_path.write_text(json.dumps(import_file(inv), indent=2) + "\n")
    program_path.write_text(python_program(inv, command=command, protect=protect))
    return import_path, program_path


def _one_line(text: str) -> str:
    """A message of several lines (e.g. a "set it with:" list of commands) as one: its lines joined by "; "."""
    head, *rest = [" ".join(line.split()) for line in text.splitlines() if line.strip()] or [""]
    return " ".join([head, "; ".join(rest)]).strip()


def run(argv: Sequence[str] | None = None, *, prog: str = "audience-providers discover") -> int:
    parser = argparse.ArgumentParser(prog=prog, description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("vendor", choices=sorted(vendors.KEYS))
    parser.add_argument("--prefix", help="only objects whose natural key starts with this (Thrive reference, "
                                         "Batch or Sonarly name, UnleashX phone number)")
    parser.add_argument("--under", action="append", default=[], metavar="KEY",
                        help="only this Thrive structure (id or reference), Sonarly folder (id or name) or UnleashX "
                             "campaign (id; UnleashX has no campaign list); repeatable")
    parser.add_argument("--out", default=".", help="directory for the import file and the program (default: .)")
    parser.add_argument("--stack", help="read settings from this stack's config first (environment otherwise)")
    parser.add_argument("--cwd", help="the Pulumi project of --stack (default: the current directory)")
    parser.add_argument("--no-members", action="store_true",
                        help="Thrive: don't read or declare members and managers")
    parser.add_argument("--no-protect", action="store_true",
                        help="don't protect the adopted resources in the program (`pulumi import` protects them)")
    parser.add_argument("--workers", type=int, default=8,
                        help="audiences whose members are read at once (default 8; the rate limit still holds)")
    args = list(sys.argv[1:] if argv is None else argv)
    opts = parser.parse_args(args)
    request = Request(opts.vendor, opts.prefix or None, tuple(opts.under), not opts.no_members, opts.workers)
    command = " ".join([prog, *args])
    progress = Progress(lambda line: print(line, file=sys.stderr, flush=True), opts.vendor)
    started = time.monotonic()
    try:
        source = ConfigSource(stack_config(opts.stack, opts.cwd) if opts.stack else None)
        inv = inventory(request, source, progress)
        import_path, program_path = write(inv, Path(opts.out), command, protect=not opts.no_protect)
    except (ProviderError, DiscoverError) as exc:
        print(f"discover {opts.vendor}: {_one_line(str(exc))}", file=sys.stderr)
        return 1
    except OSError as exc:  # the files could not be written
        print(f"discover {opts.vendor}: can't write into {opts.out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"discover {opts.vendor}: interrupted; nothing was written", file=sys.stderr)
        return 130
    took = time.monotonic() - started
    for line in summary(inv):
        print(line)
    print(f"Read in {took:.1f} s. Wrote {import_path} ({len(inv.imported())} resource(s)) and {program_path} "
          f"({len(inv.found)} resource(s)).")
    if inv.imported():
        print(f"Plugin path (YAML, TypeScript, Go): pulumi import --file {import_path} --out <file for the code>")
    print(f"Python: `import {program_path.stem}` in __main__.py (or use it as __main__.py), then `pulumi up`.")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """`audience-providers <command> ...` (console script): `discover` is the one command."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print("usage: audience-providers discover <vendor> [options]   (audience-providers discover --help)")
        return 0 if args else 2
    if args[0] != "discover":
        print(f"audience-providers: unknown command {args[0]!r}; the command is `discover`", file=sys.stderr)
        return 2
    return run(args[1:])


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:], prog="python -m audience_providers.discover"))
