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

from audience_providers._core.config import ConfigSource  # noqa: E402
from audience_providers._core.errors import ApiError, NotFound  # noqa: E402
from audience_providers._core.wait import wait_until  # noqa: E402
from audience_providers.batch import config as batch_config  # noqa: E402
from audience_providers.batch.client import Client as BatchClient  # noqa: E402
from audience_providers.sonarly import config as sonarly_config  # noqa: E402
from audience_providers.thrive import config as thrive_config  # noqa: E402


def sweep_batch(prefix: str, apply: bool) -> list[str]:
    client = batch_config.load(ConfigSource(None)).client
    # Through the paged list (`next_from` while `has_more`): Batch answers 10 per page unless asked for more.
    names = [a.name for a in client.iter_audiences() if a.name.startswith(prefix)]
    if not apply:
        return names
    for name in names:
        try:
            client.remove_audience(name)
        except ApiError as exc:
            # Batch documents no answer for a name already gone (400 is the likeliest); view's 404 tells.
            if exc.status not in (400, 404) or _batch_exists(client, name):
                raise
    # Removal is applied asynchronously, like every Batch write: wait until view no longer finds them.
    for name in names:
        wait_until(lambda n=name: _batch_exists(client, n), lambda exists: not exists, timeout=600, interval=0.1,
                   max_interval=2.0, what=f"Batch to remove audience {name!r}")
    return names


def _batch_exists(client: BatchClient, name: str) -> bool:
    try:
        client.view_audience(name)
    except NotFound:
        return False
    return True


def sweep_thrive(prefix: str, apply: bool) -> list[str]:
    client = thrive_config.load(ConfigSource(None)).client
    found = [a for a in client.iter_audiences(api_controlled=True) if (a.reference or "").startswith(prefix)]
    # Children first: Thrive refuses to delete a structure that still has child audiences.
    found.sort(key=lambda a: a.category == "structure")
    for aud in found if apply else []:
        try:
            client.delete_audience(aud.id)
        except NotFound:
            pass
    return [f"{a.category}:{a.reference}" for a in found]


def sweep_sonarly(prefix: str, apply: bool) -> list[str]:
    cfg = sonarly_config.load(ConfigSource(None))
    group, client = cfg.account_group(), cfg.client
    audiences = [a for page in client.iter_audience_pages(group) for a in page.items if a.name.startswith(prefix)]
    folders = [f for f in client.get_navigation(group).folders if f.name.startswith(prefix)]
    # Audiences first: a folder that still holds audiences can't be deleted. Not-ready audiences are not
    # listed by Sonarly; run the sweep again once their prospecting jobs finish.
    for aud in audiences if apply else []:
        try:
            client.delete_audience(group, aud.id)
        except NotFound:
            pass
    kept: list[str] = []
    for folder in folders if apply else []:
        try:
            client.delete_folder(group, folder.id)
        except NotFound:
            # No Sonarly page documents a folder delete: a 404 while the folder is still listed means the API
            # has none (the emulator's default), not that it is gone.
            if any(f.id == folder.id for f in client.get_navigation(group).folders):
                kept.append(folder.id)
                print(f"kept sonarly folder:{folder.name} ({folder.id}): this Sonarly API offers no folder delete; "
                      "delete it in the Sonarly app", file=sys.stderr)
    return [f"audience:{a.name}" for a in audiences] + [f"folder:{f.name}" for f in folders if f.id not in kept]


# UnleashX is absent on purpose: it documents no way to list campaigns, so there is nothing to sweep by prefix.
SWEEPERS = {"batch": sweep_batch, "thrive": sweep_thrive, "sonarly": sweep_sonarly}


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
