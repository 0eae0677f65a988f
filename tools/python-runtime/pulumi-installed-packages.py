"""Print the installed distributions as `pip list -v --format json` does: name, version, location, installer.

Used by pulumi-python-cmd in place of that pip command (see there for why). Only the standard library is imported,
so this starts in a fraction of pip's time. Where two distributions share a name (a user site and a venv), the
first one on sys.path wins, as for pip.
"""

from __future__ import annotations

import json
import sys
from importlib import metadata


def installed() -> list[dict[str, str]]:
    seen: set[str] = set()
    rows: list[dict[str, str]] = []
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if not name:
            continue
        key = name.lower().replace("_", "-").replace(".", "-")
        if key in seen:
            continue
        seen.add(key)
        installer = (dist.read_text("INSTALLER") or "").strip()
        rows.append({"name": name, "version": dist.version, "location": str(dist.locate_file("")),
                     "installer": installer})
    rows.sort(key=lambda row: row["name"].lower())
    return rows


if __name__ == "__main__":
    json.dump(installed(), sys.stdout)
    sys.stdout.write("\n")
