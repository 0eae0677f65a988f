"""Batch audience state: name-keyed custom-id audiences with asynchronous indexing."""

from __future__ import annotations

import base64
import binascii
import itertools
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .errors import BatchError

NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
MAX_IDS_PER_CALL = 10_000
MAX_ATTRIBUTES = 15
# list: "limit integer · max: 100 · Default: 10" (https://doc.batch.com/developer/api/cep/audiences/list).
LIST_DEFAULT_LIMIT = 10
LIST_MAX_LIMIT = 100
CREATE_FIELDS = frozenset({"name", "type", "display_name"})
# How remove answers a name that does not exist: the remove page lists 400/401/429/500/503 and no 404, and says
# nothing of this case, so both readings are offered (COVERAGE.md): "error" -> 400 (the body's `name` must be
# "the name of the existing audience"), "accepted" -> 202 with a token, as if the removal were a no-op.
REMOVE_UNKNOWN_MODES = ("error", "accepted")


def _now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Operation:
    token: str
    apply_at: float
    kind: str  # create | update | replace | remove
    ids: list[dict[str, Any]]
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


DEMO_API_KEY = "demo-batch-rest-key"
DEMO_PROJECT_KEY = "project_demo0000000000000000000000000"


class BatchState:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        # (api key, project key) pairs that authenticate; seed can add more (e.g. canary keys in tests).
        self.credentials: set[tuple[str, str]] = {(DEMO_API_KEY, DEMO_PROJECT_KEY)}
        self.indexing_seconds = 0.2
        self.remove_unknown = "error"
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
            self.credentials = {(DEMO_API_KEY, DEMO_PROJECT_KEY)}

    def configure(self, options: dict[str, Any]) -> None:
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
            }, "meta": {}}

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
            for item in op.ids:
                if item.get("action", "add") == "remove":
                    aud.members.pop(item["id"], None)
                else:
                    aud.members[item["id"]] = item.get("attributes") or {}
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

    def _enqueue(self, aud: Audience, kind: str, ids: list[dict[str, Any]]) -> str:
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

    @staticmethod
    def _check_name(body: dict[str, Any]) -> str:
        name = body.get("name")
        if not isinstance(name, str) or not name:
            raise BatchError(400, "name is required", "MISSING_PARAMETER")
        if not NAME_RE.match(name):
            raise BatchError(400, "name must be 1-255 characters among [A-Za-z0-9_-]", "INVALID_PARAMETER")
        return name

    @staticmethod
    def _check_ids(body: dict[str, Any], with_action: bool) -> list[dict[str, Any]]:
        ids = body.get("ids")
        if not isinstance(ids, list) or not ids:
            raise BatchError(400, "ids must be a non-empty array", "MISSING_PARAMETER")
        if len(ids) > MAX_IDS_PER_CALL:
            raise BatchError(400, f"ids supports up to {MAX_IDS_PER_CALL} elements", "TOO_MANY_IDS")
        cleaned = []
        for item in ids:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
                raise BatchError(400, "each ids element needs a string id", "INVALID_PARAMETER")
            action = item.get("action")
            if with_action and action not in ("add", "remove"):
                raise BatchError(400, "action must be add or remove", "INVALID_PARAMETER")
            attrs = item.get("attributes")
            if attrs is not None:
                if action == "remove":
                    raise BatchError(400, "attributes are only accepted for add action", "INVALID_PARAMETER")
                if not isinstance(attrs, dict) or len(attrs) > MAX_ATTRIBUTES:
                    raise BatchError(400, f"attributes supports up to {MAX_ATTRIBUTES} elements",
                                     "INVALID_PARAMETER")
            cleaned.append(item)
        return cleaned

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

    def create(self, body: dict[str, Any]) -> str:
        name = self._check_name(body)
        unknown = sorted(set(body) - CREATE_FIELDS)
        if unknown:
            raise BatchError(400, f"unknown field(s): {', '.join(unknown)}", "INVALID_PARAMETER")
        if "type" not in body:
            raise BatchError(400, "type is required", "MISSING_PARAMETER")
        if body["type"] != "custom_ids":
            raise BatchError(400, "type must be custom_ids", "INVALID_PARAMETER")
        display_name = body.get("display_name")
        if display_name is not None and not isinstance(display_name, str):
            raise BatchError(400, "display_name must be a string", "INVALID_PARAMETER")
        with self.lock:
            existing = self.audiences.get(name)
            if existing is not None:
                self._settle(existing)
            if name in self.audiences:
                raise BatchError(400, f"Audience '{name}' already exists", "AUDIENCE_ALREADY_EXISTS")
            aud = self.audiences[name] = Audience(name, display_name)
            return self._enqueue(aud, "create", [])

    def update(self, body: dict[str, Any]) -> str:
        name = self._check_name(body)
        ids = self._check_ids(body, True)
        with self.lock:
            return self._enqueue(self._writable(name), "update", ids)

    def replace(self, body: dict[str, Any]) -> str:
        name = self._check_name(body)
        ids = self._check_ids(body, False)
        with self.lock:
            return self._enqueue(self._writable(name), "replace", ids)

    def remove(self, body: dict[str, Any]) -> str:
        name = self._check_name(body)
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

    def view(self, name: str | None, token: str | None) -> dict[str, Any]:
        if not name:
            raise BatchError(400, "name is required", "MISSING_PARAMETER")
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
        if limit < 1 or limit > LIST_MAX_LIMIT:
            raise BatchError(400, f"limit must be between 1 and {LIST_MAX_LIMIT}", "INVALID_PARAMETER")
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
