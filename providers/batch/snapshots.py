"""What the provider last applied to an audience, and the changes from it to the next list (apply time only).

Batch lists no member ids and state must not hold them, so each applied list is kept on the machine that ran
`pulumi up`, by digest; the next update diffs against it and sends only the changes. The program never needs
this module: it declares a list (``members.py``), the provider applies it.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Any

from .members import MemberMap, digest_of

SNAPSHOT_DIR_ENV = "BATCH_SNAPSHOT_DIR"
DEFAULT_SNAPSHOT_DIR = ".pulumi-audience-cache/batch"


class SnapshotStore:
    """What the provider last applied, by digest, so the next update can send only the changes.

    The vendor cannot list member ids, and state must not hold them; a missing snapshot (fresh machine)
    is not an error, just a full rewrite.
    """

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = Path(root or os.environ.get(SNAPSHOT_DIR_ENV) or DEFAULT_SNAPSHOT_DIR)

    def _path(self, digest: str) -> Path:
        return self.root / (digest.replace(":", "-") + ".json.gz")

    def load(self, digest: str | None) -> MemberMap | None:
        if not digest:
            return None
        try:
            with gzip.open(self._path(digest), "rt", encoding="utf-8") as fh:
                members = {k: v for k, v in json.load(fh)}
        except (OSError, ValueError):
            return None
        return members if digest_of(members) == digest else None

    def save(self, members: MemberMap) -> str:
        digest = digest_of(members)
        path = self._path(digest)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".tmp{os.getpid()}")
            with gzip.open(tmp, "wt", encoding="utf-8") as fh:
                json.dump(sorted(members.items(), key=lambda kv: kv[0]), fh, separators=(",", ":"))
            os.replace(tmp, path)
        return digest


def plan_changes(old: MemberMap, new: MemberMap, *, additive: bool) -> list[dict[str, Any]]:
    """Update actions turning ``old`` into ``new``: removes first, then adds (attribute changes re-add)."""
    actions: list[dict[str, Any]] = []
    if not additive:
        actions.extend({"action": "remove", "id": i} for i in old if i not in new)
    for i, attrs in new.items():
        if i not in old or old[i] != attrs:
            actions.append({"action": "add", "id": i, **({"attributes": attrs} if attrs else {})})
    return actions
