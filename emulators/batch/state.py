"""Batch audience state: name-keyed custom-id audiences with asynchronous indexing.

Typed operations only; routes.py turns request bodies into their arguments (and answers malformed ones).
"""

from __future__ import annotations

import base64
import binascii
import itertools
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .errors import BatchError

# How remove answers a name that does not exist: the remove page lists 400/401/429/500/503 and no 404, and says
# nothing of this case, so both readings are offered (COVERAGE.md): "error" -> 400 (the body's `name` must be
# "the name of the existing audience"), "accepted" -> 202 with a token, as if the removal were a no-op.
REMOVE_UNKNOWN_MODES = ("error", "accepted")


def _now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class IdChange:
    """One element of an update/replace ``ids`` array."""

    id: str
    remove: bool = False
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class Operation:
    token: str
    apply_at: float
    kind: str  # create | update | replace | remove
    ids: list[IdChange]
    applied: bool = False
    replaced: bool = False


@dataclass
class Audience:
    name: str
    display_name: str | None
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    created: str = field(default_factory=_now_iso)
    updated: str = field(default_factory=_now_iso)
    ops: list[Operation] = field(default_factory=list)
    # The pending removal, if any: the audience stays visible (IN_PROGRESS) until it applies.
    removing: Operation | None = None


CONFIG_OPTIONS = frozenset({"indexing_seconds", "remove_unknown", "strict_validation"})
DEMO_API_KEY = "demo-batch-rest-key"
DEMO_PROJECT_KEY = "project_demo0000000000000000000000000"


class BatchState:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        # (api key, project key) pairs that authenticate; seed can add more (e.g. canary keys in tests).
        self.credentials: set[tuple[str, str]] = {(DEMO_API_KEY, DEMO_PROJECT_KEY)}
        self.indexing_seconds = 0.2
        self.remove_unknown = "error"
        # Invented, off by default: checks stricter than the pages (see COVERAGE.md, "strict_validation").
        self.strict_validation = False
        self.audiences: dict[str, Audience] = {}
        self.tokens: dict[str, tuple[str, Operation]] = {}
        self._seq = itertools.count(1)

    # -- admin hooks -------------------------------------------------------------------------
    def reset(self) -> None:
        with self.lock:
            self.audiences.clear()
            self.tokens.clear()
            self.indexing_seconds = 0.2
            self.remove_unknown = "error"
            self.strict_validation = False
            self.credentials = {(DEMO_API_KEY, DEMO_PROJECT_KEY)}

    def configure(self, options: dict[str, Any]) -> None:
        unknown = sorted(set(options) - CONFIG_OPTIONS)
        if unknown:
            raise ValueError(f"unknown Batch emulator option(s) {unknown}; expected some of {sorted(CONFIG_OPTIONS)}")
        if "strict_validation" in options:
            self.strict_validation = bool(options["strict_validation"])
        if "indexing_seconds" in options:
            self.indexing_seconds = float(options["indexing_seconds"])
        if "remove_unknown" in options:
            mode = options["remove_unknown"]
            if mode not in REMOVE_UNKNOWN_MODES:
                raise ValueError(f"remove_unknown must be one of {REMOVE_UNKNOWN_MODES}")
            self.remove_unknown = mode

    def dump(self) -> dict[str, Any]:
        with self.lock:
            self._settle_all()
            return {"objects": {
                "audiences": {
                    a.name: {
                        "name": a.name,
                        "display_name": a.display_name,
                        "nb_ids": len(a.members),
                        "ids": sorted(a.members) if len(a.members) <= 1000 else None,
                        "pending_operations": sum(1 for op in a.ops if not op.applied),
                        "removing": a.removing is not None,
                    }
                    for a in self.audiences.values()
                }
            }, "meta": {"indexing_seconds": self.indexing_seconds, "remove_unknown": self.remove_unknown,
                         "strict_validation": self.strict_validation}}

    def seed(self, data: dict[str, Any]) -> None:
        with self.lock:
            for cred in data.get("credentials", []):
                self.credentials.add((cred["api_key"], cred["project_key"]))
            for item in data.get("audiences", []):
                aud = Audience(item["name"], item.get("display_name"))
                aud.members = {i: {} for i in item.get("ids", [])}
                self.audiences[aud.name] = aud

    # -- behaviour ---------------------------------------------------------------------------
    def _token(self) -> str:
        return f"idx_{next(self._seq):08d}_{int(time.time() * 1000) % 1_000_000:06d}"

    def _settle(self, aud: Audience) -> None:
        now = time.monotonic()
        for op in [o for o in aud.ops if not o.applied]:
            if op.apply_at > now:
                break  # operations apply in order
            if op.kind == "remove":
                op.applied = True
                self._drop(aud.name)
                return
            if op.kind == "replace":
                aud.members = {}
            for change in op.ids:
                if change.remove:
                    aud.members.pop(change.id, None)
                else:
                    aud.members[change.id] = change.attributes
            op.applied = True
            aud.updated = _now_iso()
        aud.ops = [op for op in aud.ops if not op.applied] + [op for op in aud.ops if op.applied][-5:]

    def _settle_all(self) -> None:
        for aud in list(self.audiences.values()):
            self._settle(aud)

    def _drop(self, name: str) -> None:
        del self.audiences[name]
        for token, (owner, _) in list(self.tokens.items()):
            if owner == name:
                del self.tokens[token]

    def _enqueue(self, aud: Audience, kind: str, ids: list[IdChange]) -> str:
        op = Operation(self._token(), time.monotonic() + self.indexing_seconds, kind, ids)
        if kind == "replace":
            for older in aud.ops:
                if not older.applied:
                    older.replaced = True
        aud.ops.append(op)
        self.tokens[op.token] = (aud.name, op)
        if self.indexing_seconds <= 0:
            self._settle(aud)
        return op.token

    def _get(self, name: str, status: int = 404) -> Audience:
        """The audience, settled; ``status`` is how the route reports an unknown name (view 404, writes 400)."""
        aud = self.audiences.get(name)
        if aud is not None:
            self._settle(aud)
            aud = self.audiences.get(name)
        if aud is None:
            raise BatchError(status, f"Audience '{name}' not found", "AUDIENCE_NOT_FOUND")
        return aud

    def _writable(self, name: str) -> Audience:
        # update/replace document 400 and no 404, and name "the name of the existing audience": 400.
        aud = self._get(name, status=400)
        if aud.removing is not None:
            raise BatchError(400, f"Audience '{name}' is being removed", "AUDIENCE_BEING_REMOVED")
        return aud

    def create(self, name: str, display_name: str | None) -> str:
        with self.lock:
            existing = self.audiences.get(name)
            if existing is not None:
                self._settle(existing)
            if name in self.audiences:
                raise BatchError(400, f"Audience '{name}' already exists", "AUDIENCE_ALREADY_EXISTS")
            aud = self.audiences[name] = Audience(name, display_name)
            return self._enqueue(aud, "create", [])

    def update(self, name: str, ids: list[IdChange]) -> str:
        with self.lock:
            return self._enqueue(self._writable(name), "update", ids)

    def replace(self, name: str, ids: list[IdChange]) -> str:
        with self.lock:
            return self._enqueue(self._writable(name), "replace", ids)

    def remove(self, name: str) -> str:
        with self.lock:
            aud = self.audiences.get(name)
            if aud is not None:
                self._settle(aud)
                aud = self.audiences.get(name)
            if aud is None:
                if self.remove_unknown == "accepted":
                    return self._token()
                raise BatchError(400, f"Audience '{name}' not found", "AUDIENCE_NOT_FOUND")
            if aud.removing is not None:
                return aud.removing.token  # removing twice is one removal
            token = self._enqueue(aud, "remove", [])
            aud.removing = self.tokens[token][1] if token in self.tokens else None
            return token

    def _view_of(self, aud: Audience, op: Operation | None) -> dict[str, Any]:
        pending = [o for o in aud.ops if not o.applied]
        if op is not None:
            state = "REPLACED" if op.replaced and op.applied else ("APPLIED" if op.applied else "IN_PROGRESS")
        else:
            state = "IN_PROGRESS" if pending else "APPLIED"
        return {
            "name": aud.name,
            "display_name": aud.display_name,
            "type": "CUSTOM_ID",
            "nb_ids": len(aud.members),
            "indexing_state": state,
            "created": aud.created,
            "updated": aud.updated,
        }

    def view(self, name: str, token: str | None) -> dict[str, Any]:
        with self.lock:
            aud = self._get(name)
            op = None
            if token:
                found = self.tokens.get(token)
                if found is None or found[0] != name:
                    raise BatchError(404, f"Indexing token '{token}' not found for audience '{name}'",
                                     "INDEXING_TOKEN_NOT_FOUND")
                op = found[1]
            return self._view_of(aud, op)

    @staticmethod
    def _cursor(name: str) -> str:
        # The docs call `from` "an opaque value returned by a previous call": ours hides the name it encodes.
        return base64.urlsafe_b64encode(name.encode()).decode().rstrip("=")

    @staticmethod
    def _after(cursor: str) -> str:
        try:
            return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise BatchError(400, "from is not a value returned by a previous list call", "INVALID_PARAMETER") from None

    def list(self, start: str | None, limit: int) -> dict[str, Any]:
        after = self._after(start) if start else None
        with self.lock:
            self._settle_all()
            names = sorted(self.audiences)
            if after is not None:
                names = [n for n in names if n > after]
            page = names[:limit]
            has_more = len(names) > limit
            out: dict[str, Any] = {
                "audiences": [self._view_of(self.audiences[n], None) for n in page],
                "has_more": has_more,
                "next_from": self._cursor(page[-1]) if has_more and page else None,
            }
            if not start:
                out["count"] = len(self.audiences)  # "count is only returned for the first page"
            return out
