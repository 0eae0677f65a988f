"""Remove test leftovers by name/reference prefix from a vendor (emulator or real tenant).

    .venv/bin/python scripts/sweep.py batch --prefix contract_ [--yes]
    .venv/bin/python scripts/sweep.py thrive --prefix e2e- [--yes]

Credentials come from the same environment variables the providers read (BATCH_API_KEY, THRIVE_TENANT_ID, ...).
Without --yes it only lists what it would delete.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from providers._core.config import ConfigSource  # noqa: E402
from providers._core.errors import NotFound  # noqa: E402
from providers.batch.resource import AudienceProvider as BatchProvider  # noqa: E402
from providers.thrive.resource import load_thrive_config  # noqa: E402


def sweep_batch(prefix: str, apply: bool) -> list[str]:
    client = BatchProvider().load_config(ConfigSource(None)).client
    names, start = [], None
    while True:
        page = client.list_audiences(start, 100)
        names += [a.name for a in page.audiences if a.name.startswith(prefix)]
        if not page.has_more or not page.next_from:
            break
        start = page.next_from
    for name in names if apply else []:
        try:
            client.remove_audience(name)
        except NotFound:
            pass
    return names


def sweep_thrive(prefix: str, apply: bool) -> list[str]:
    client = load_thrive_config(ConfigSource(None)).client
    found, page = [], 1
    while True:
        result = client.list_audiences(page=page, per_page=1000, api_controlled=True)
        found += [a for a in result.results if (a.reference or "").startswith(prefix)]
        if len(result.results) < 1000:
            break
        page += 1
    # Children first: Thrive refuses to delete a structure that still has child audiences.
    found.sort(key=lambda a: a.category == "structure")
    for aud in found if apply else []:
        try:
            client.delete_audience(aud.id)
        except NotFound:
            pass
    return [f"{a.category}:{a.reference}" for a in found]


SWEEPERS = {"batch": sweep_batch, "thrive": sweep_thrive}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("vendor", choices=sorted(SWEEPERS))
    parser.add_argument("--prefix", required=True, help="only names/references starting with this")
    parser.add_argument("--yes", action="store_true", help="really delete (default: list only)")
    args = parser.parse_args(argv)
    if len(args.prefix) < 3:
        parser.error("--prefix must be at least 3 characters, to avoid sweeping real audiences")
    items = SWEEPERS[args.vendor](args.prefix, args.yes)
    verb = "deleted" if args.yes else "would delete"
    for item in items:
        print(f"{verb} {args.vendor} {item}")
    print(f"{len(items)} {verb}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
