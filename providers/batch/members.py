"""Member lists: loading (inline or file), digests, diffs and the local snapshot store.

Kept free of Pulumi so the program, the provider and the tests share one definition of a member list.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .models import Member, MembersSpec

SNAPSHOT_DIR_ENV = "BATCH_SNAPSHOT_DIR"
DEFAULT_SNAPSHOT_DIR = ".pulumi-audience-cache/batch"

MemberMap = dict[str, dict[str, Any] | None]


def _canonical(members: Mapping[str, dict[str, Any] | None]) -> bytes:
    return json.dumps(sorted(members.items(), key=lambda kv: kv[0]), separators=(",", ":"),
                      sort_keys=True).encode()


def digest_of(members: Mapping[str, dict[str, Any] | None]) -> str:
    return "sha256:" + hashlib.sha256(_canonical(members)).hexdigest()


def normalize(items: Iterable[str | Mapping[str, Any] | Member]) -> MemberMap:
    """Ids in order of first appearance; a later duplicate wins (as Batch applies the last action)."""
    out: MemberMap = {}
    for item in items:
        if isinstance(item, str):
            member = Member(id=item)
        elif isinstance(item, Member):
            member = item
        else:
            member = Member.model_validate(item)
        out[member.id] = member.attributes
    return out


def read_file(path: str | os.PathLike[str]) -> MemberMap:
    """``.jsonl``: one ``{"id": ..., "attributes": {...}}`` per line; anything else: one id per line."""
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    if p.suffix == ".jsonl":
        return normalize(json.loads(line) for line in text.splitlines() if line.strip())
    return normalize(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


class Members:
    """A member list as the program declares it: ``Members.of([...])`` or ``Members.from_file(path)``."""

    def __init__(self, members: MemberMap, file: str | None = None) -> None:
        self.members = members
        self.file = file

    @classmethod
    def of(cls, items: Iterable[str | Mapping[str, Any]]) -> Members:
        return cls(normalize(items))

    @classmethod
    def from_file(cls, path: str) -> Members:
        return cls(read_file(path), file=path)

    def spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"digest": digest_of(self.members), "count": len(self.members)}
        if self.file is not None:
            spec["file"] = self.file
        else:
            spec["inline"] = [{"id": k, **({"attributes": v} if v else {})} for k, v in self.members.items()]
        return spec


def resolve(spec: MembersSpec) -> MemberMap:
    """The actual ids behind a spec; the file must still match the digest seen at preview."""
    if spec.inline is not None:
        members = normalize(spec.inline)
    elif spec.file is not None:
        members = read_file(spec.file)
    else:
        members = {}
    if digest_of(members) != spec.digest:
        where = f"file {spec.file!r}" if spec.file else "inline list"
        raise ValueError(f"members {where} changed since it was planned (digest mismatch); run `pulumi up` again")
    return members


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
