"""What a member list is: the one rule for ids, loading (inline or file), the digest, and ``Members``.

The program builds ``Members`` when it declares an audience (a broken list fails there, naming the resource,
file and line); the provider reads the same list again at apply time (``resolve``) and checks it against the
digest seen at preview. What only the provider needs — the last applied list and the changes from it — is in
``snapshots.py``. Free of Pulumi, so the program, the provider and the tests share one definition.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._core.errors import InputError

if TYPE_CHECKING:
    from pydantic import ValidationError

    from .models import Member, MembersSpec

MemberMap = dict[str, dict[str, Any] | None]


def _canonical(members: Mapping[str, dict[str, Any] | None]) -> bytes:
    return json.dumps(sorted(members.items(), key=lambda kv: kv[0]), separators=(",", ":"),
                      sort_keys=True).encode()


def digest_of(members: Mapping[str, dict[str, Any] | None]) -> str:
    return "sha256:" + hashlib.sha256(_canonical(members)).hexdigest()


class MembersError(InputError):
    """A member list that breaks the rule below; the message names the file and line (or the list item)."""


# The one rule for every source (inline list, text file, .jsonl file): an id is trimmed of surrounding whitespace;
# an id that is empty after trimming is an error; an id listed twice is an error (Batch applies a list as a set,
# and the other vendors' APIs refuse duplicates, so a repeat is almost always a mistake); in a text file, blank
# lines and lines starting with `#` are skipped. Errors name the file and its 1-based line, or the list item.
MAX_REPORTED = 10


class _BadJson:
    """A .jsonl line that isn't JSON, reported with the other broken entries."""

    def __init__(self, message: str) -> None:
        self.message = message


def _member(item: Any) -> tuple[str, dict[str, Any] | None]:
    """One entry as (id, attributes), or ValueError saying what is wrong with it."""
    if isinstance(item, _BadJson):
        raise ValueError(item.message)
    if isinstance(item, str):
        # Plain ids, the common case, need no model: the program declaring an audience then imports no pydantic
        # (issue #20, import time).
        if not item.strip():
            raise ValueError("id: is empty")
        return item.strip(), None
    from pydantic import ValidationError

    from .models import Member

    try:
        if isinstance(item, Member):
            member = Member(id=item.id.strip(), attributes=item.attributes)
        elif isinstance(item, Mapping):
            raw = dict(item)
            if isinstance(raw.get("id"), str):
                raw["id"] = raw["id"].strip()
            member = Member.model_validate(raw)
        else:
            raise ValueError(f"expected an id string or an object {{\"id\": ..., \"attributes\": {{...}}}}, got "
                             f"{type(item).__name__}")
    except ValidationError as exc:
        raise ValueError(_describe(exc)) from None
    return member.id, member.attributes


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err.get("loc", ())) or "entry"
        msg = "is empty" if field == "id" and err.get("type") == "string_too_short" else err["msg"]
        parts.append(f"{field}: {msg}")
    return "; ".join(parts)


def collect(entries: Iterable[tuple[str, Any]], source: str) -> MemberMap:
    """Members from ``(where, item)`` pairs in order, or a :class:`MembersError` listing every broken entry."""
    out: MemberMap = {}
    first: dict[str, str] = {}
    problems: list[str] = []
    for where, item in entries:
        try:
            member_id, attributes = _member(item)
        except ValueError as exc:
            problems.append(f"{where}: {exc}")
            continue
        if member_id in first:
            problems.append(f"{where}: id {member_id!r} is listed twice (first at {first[member_id]}); "
                            "remove one")
            continue
        first[member_id] = where
        out[member_id] = attributes
    if problems:
        more = f" (and {len(problems) - MAX_REPORTED} more)" if len(problems) > MAX_REPORTED else ""
        raise MembersError(f"members {source}: " + "; ".join(problems[:MAX_REPORTED]) + more)
    return out


def list_of_items(items: Any) -> list[Any]:
    """``items`` as a list of member entries, or a :class:`MembersError` saying what was given instead.

    Python iterates a string by character and a mapping by key, so either would pass for a list of ids and write
    ids nobody declared. A file name belongs in ``Members.from_file``.
    """
    if isinstance(items, (str, bytes)):
        text = items.decode(errors="replace") if isinstance(items, bytes) else items
        shown = text if len(text) <= 60 else text[:57] + "..."
        raise MembersError(f"members: expected a list of ids, got the string {shown!r}; write [{shown!r}] for one "
                           f"id, or batch.Members.from_file({shown!r}) to read the ids from a file")
    if isinstance(items, Mapping):
        raise MembersError("members: expected a list of ids, got a mapping; write a list of ids or of "
                           "{\"id\": ..., \"attributes\": {...}} objects")
    try:
        return list(items)
    except TypeError:
        raise MembersError(f"members: expected a list of ids, got {type(items).__name__}") from None


def normalize(items: Iterable[str | Mapping[str, Any] | Member]) -> MemberMap:
    """An inline list: ids in order (see the rule above)."""
    return collect(((f"item {i}", item) for i, item in enumerate(items)), "inline list")


def _jsonl_entries(lines: list[str]) -> Iterable[tuple[str, Any]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield f"line {number}", json.loads(line)
        except json.JSONDecodeError as exc:
            yield f"line {number}", _BadJson(f"not valid JSON ({exc.msg} at column {exc.colno})")


def read_file(path: str | os.PathLike[str]) -> MemberMap:
    """``.jsonl``: one ``{"id": ..., "attributes": {...}}`` per line; anything else: one id per line."""
    p = Path(path)
    source = f"file {str(path)!r}"
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise MembersError(f"members {source}: cannot be read: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise MembersError(f"members {source}: cannot be read: {exc.strerror or exc}") from None
    lines = text.splitlines()
    if p.suffix == ".jsonl":
        entries: Iterable[tuple[str, Any]] = _jsonl_entries(lines)
    else:
        entries = ((f"line {n}", line) for n, line in enumerate(lines, start=1)
                   if line.strip() and not line.lstrip().startswith("#"))
    return collect(entries, source)


class Members:
    """A member list as the program declares it: ``Members.of([...])`` or ``Members.from_file(path)``.

    The ids are read when the resource is declared (``spec``), so that a broken list is reported with the
    resource's name as well as the file and line.
    """

    def __init__(self, members: MemberMap | None, file: str | None = None,
                 items: list[str | Mapping[str, Any]] | None = None, problem: MembersError | None = None) -> None:
        self._members = members
        self._items = items
        self._problem = problem
        self.file = file

    @property
    def members(self) -> MemberMap:
        if self._problem is not None:
            raise self._problem
        if self._members is None:
            self._members = read_file(self.file) if self.file is not None else normalize(self._items or [])
        return self._members

    @classmethod
    def of(cls, items: Iterable[str | Mapping[str, Any]]) -> Members:
        """A list of ids (strings, or ``{"id": ..., "attributes": {...}}``). A string or a mapping is refused, not
        split into characters or keys (``members="gold"`` used to create ids g, o, l, d), when the ids are read
        (``spec()``, where the Resource names itself in the error), like every other broken list."""
        try:
            return cls(None, items=list_of_items(items))
        except MembersError as exc:
            return cls(None, problem=exc)

    @classmethod
    def from_file(cls, path: str) -> Members:
        return cls(None, file=path)

    def spec(self) -> dict[str, Any]:
        members = self.members
        spec: dict[str, Any] = {"digest": digest_of(members), "count": len(members)}
        if self.file is not None:
            spec["file"] = self.file
        else:
            spec["inline"] = [{"id": k, "attributes": v} if v else k for k, v in members.items()]
        return spec


def spec_of(members: Members | Iterable[str | Mapping[str, Any]]) -> dict[str, Any]:
    """What the Python class sends for ``members=``: the spec of ``Members``, or of a list as ``Members.of``
    reads it. MembersError (an InputError) for a broken list."""
    return (members if isinstance(members, Members) else Members.of(members)).spec()


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
