"""Thrive tenant state: users, two-level audience hierarchy, members, managers and OAuth tokens."""

from __future__ import annotations

import math
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .errors import ThriveError

DEMO_TENANT_ID = "demo-tenant"
DEMO_API_SECRET = "demo-thrive-secret"
# The OAuth overview issues "Client ID", "Client Secret" and "Tenant ID" as three values
# (https://docs.thrivelearning.com/apidocs/oauth-api-authentication): the demo client is its own pair.
DEMO_CLIENT_ID = "demo-thrive-client"
DEMO_CLIENT_SECRET = "demo-thrive-client-secret"
DEMO_USER_COUNT = 50

MAX_TEXT = 100
MAX_PER_PAGE = 1000
MAX_LIMIT = 100
DEFAULT_PER_PAGE = 100
MAX_ENTITIES = 100
DEFAULT_TOKEN_TTL = 3600.0

API_SCOPES = ("api/all", "api/read", "api/write")
READ_SCOPES = frozenset({"api/all", "api/read"})
WRITE_SCOPES = frozenset({"api/all", "api/write"})

CATEGORIES = ("structure", "audience")

# Manager permission flags per group. `manageMembers` and `canManageAudiences` only appear in the documented
# GET output; they are reported always and accepted on input when sent (inferred), defaulting to false.
CHILD_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "audienceManager": ("manageMembers", "manageContent", "assignments"),
    "peopleManager": ("canViewLearnPage", "insights", "manage"),
}
STRUCTURE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "administrator": ("canManageAudiences", "canAddAudienceManagers"),
    **CHILD_PERMISSIONS,
}


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _object_id() -> str:
    # Mongo-style: 4-byte timestamp then random bytes, so ids look like the docs' examples and sort by age.
    return f"{int(time.time()):08x}{secrets.token_hex(8)}"


def demo_user_id(n: int) -> str:
    """Stable ids for the seeded demo users, so tests can address them by id too."""
    return f"65a0000000000000{n:08x}"


@dataclass
class User:
    id: str
    reference: str
    email: str

    def as_member(self) -> dict[str, Any]:
        return {"userId": self.id, "reference": self.reference, "email": self.email}


@dataclass
class Audience:
    id: str
    name: str
    reference: str
    category: str
    api_controlled: bool = True
    type: str = "manual"
    parent_id: str | None = None
    created_at: datetime = field(default_factory=_now)
    updated_at: datetime = field(default_factory=_now)
    # Ordered sets keyed by user id (dicts keep insertion order; values unused for members).
    members: dict[str, None] = field(default_factory=dict)
    managers: dict[str, dict[str, dict[str, bool]]] = field(default_factory=dict)


@dataclass(frozen=True)
class NewAudience:
    """A parsed POST /audiences body."""

    name: str
    reference: str
    category: str
    parent_key: str | None  # "" or None for a structure


@dataclass(frozen=True)
class AudienceChanges:
    """A parsed PATCH /audiences/{id} body; None: the field was not sent."""

    name: str | None = None
    reference: str | None = None
    # A category that is not a string is sent as "" (it never equals the audience's, so it is refused).
    category: str | None = None
    # A parentId that is not a non-empty string is sent as "" (refused once the audience is known).
    parent_key: str | None = None


@dataclass
class Token:
    value: str
    tenant_id: str
    scopes: frozenset[str]
    expires_at: float  # time.monotonic() deadline


class ThriveState:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.tenants: dict[str, str] = {}
        # client id -> (client secret, tenant id the client belongs to)
        self.oauth_clients: dict[str, tuple[str, str]] = {}
        self.users: dict[str, User] = {}
        self.audiences: dict[str, Audience] = {}
        self.tokens: dict[str, Token] = {}
        self.token_ttl_seconds = DEFAULT_TOKEN_TTL
        # Invented, off by default: checks stricter than the pages (COVERAGE.md, "strict_validation").
        self.strict_validation = False
        self.reset()

    # -- admin hooks -------------------------------------------------------------------------
    def reset(self) -> None:
        with self.lock:
            self.tenants = {DEMO_TENANT_ID: DEMO_API_SECRET}
            self.oauth_clients = {DEMO_CLIENT_ID: (DEMO_CLIENT_SECRET, DEMO_TENANT_ID)}
            self.users = {}
            for n in range(1, DEMO_USER_COUNT + 1):
                user = User(demo_user_id(n), f"user{n}", f"user{n}@example.com")
                self.users[user.id] = user
            self.audiences = {}
            self.tokens = {}
            self.token_ttl_seconds = DEFAULT_TOKEN_TTL
            self.strict_validation = False

    def configure(self, options: dict[str, Any]) -> None:
        unknown = sorted(set(options) - {"token_ttl_seconds", "strict_validation"})
        if unknown:
            raise ValueError(f"unknown Thrive emulator option(s) {unknown}; "
                             "expected some of ['strict_validation', 'token_ttl_seconds']")
        with self.lock:
            if "token_ttl_seconds" in options:
                self.token_ttl_seconds = float(options["token_ttl_seconds"])
            if "strict_validation" in options:
                self.strict_validation = bool(options["strict_validation"])

    def dump(self) -> dict[str, Any]:
        with self.lock:
            audiences = {}
            for aud in self.audiences.values():
                item = self._view(aud)
                item["members"] = [self.users[uid].reference for uid in aud.members if uid in self.users]
                item["managers"] = self._managers_view(aud)
                audiences[aud.id] = item
            return {
                "objects": {"audiences": audiences, "users": {u.id: u.as_member() for u in self.users.values()}},
                "meta": {
                    "tenants": sorted(self.tenants),
                    "oauth_clients": {cid: tenant for cid, (_, tenant) in sorted(self.oauth_clients.items())},
                    "token_ttl_seconds": self.token_ttl_seconds,
                    "strict_validation": self.strict_validation,
                    "active_tokens": sum(1 for t in self.tokens.values() if t.expires_at > time.monotonic()),
                },
            }

    def seed(self, data: dict[str, Any]) -> None:
        """Add users and audiences as if made elsewhere (e.g. in the Thrive UI), bypassing API rules."""
        with self.lock:
            for item in data.get("tenants", []):
                self.tenants[item["tenantId"]] = item["apiSecret"]
            for item in data.get("oauthClients", []):
                self.oauth_clients[item["clientId"]] = (item["clientSecret"], item.get("tenantId", DEMO_TENANT_ID))
            for item in data.get("users", []):
                ref = item["reference"]
                user = User(item.get("id") or _object_id(), ref, item.get("email") or f"{ref}@example.com")
                self.users[user.id] = user
            for item in data.get("audiences", []):
                parent_id = None
                if item.get("parentId"):
                    parent_id = self._find(item["parentId"]).id
                category = item.get("category") or ("audience" if parent_id else "structure")
                aud = Audience(
                    id=item.get("id") or _object_id(),
                    name=item["name"],
                    reference=item["reference"],
                    category=category,
                    api_controlled=bool(item.get("apiControlled", True)),
                    type=item.get("type", "manual"),
                    parent_id=parent_id,
                )
                self.audiences[aud.id] = aud
                for ref in item.get("members", []):
                    aud.members[self._user(ref).id] = None
                for mgr in item.get("managers", []):
                    user = self._user(mgr["reference"])
                    aud.managers[user.id] = self._permissions(mgr.get("permissions"), aud)

    # -- auth ----------------------------------------------------------------------------------
    def check_basic(self, tenant_id: str, secret: str) -> bool:
        with self.lock:
            return secrets.compare_digest(self.tenants.get(tenant_id, "\0"), secret)

    def issue_token(self, path_tenant: str, client_id: str | None, client_secret: str | None,
                    grant_type: str | None, scope: str | None) -> dict[str, Any]:
        if grant_type != "client_credentials":
            raise ThriveError(400, "unsupported_grant_type: grant_type must be client_credentials")
        # Client id, client secret and tenant id are three issued values (OAuth overview): the client must be
        # one of the path tenant's, with its own secret. The tenant's Basic API secret is not a client secret.
        with self.lock:
            known = self.oauth_clients.get(client_id or "")
        if (not client_id or not client_secret or known is None or known[1] != path_tenant
                or not secrets.compare_digest(known[0], client_secret)):
            raise ThriveError(401, "invalid_client: client authentication failed")
        requested = scope.split() if scope else ["api/all"]
        unknown = [s for s in requested if s not in API_SCOPES]
        if unknown:
            raise ThriveError(400, f"invalid_scope: {' '.join(unknown)}")
        with self.lock:
            now = time.monotonic()
            # Drop dead tokens so a long-running emulator does not grow without bound.
            self.tokens = {k: t for k, t in self.tokens.items() if t.expires_at > now}
            value = secrets.token_urlsafe(32)
            ttl = self.token_ttl_seconds
            self.tokens[value] = Token(value, path_tenant, frozenset(requested), now + ttl)
        return {"access_token": value, "token_type": "Bearer", "expires_in": max(0, int(ttl)),
                "scope": " ".join(dict.fromkeys(requested))}

    def tenant_of_token(self, value: str) -> str | None:
        with self.lock:
            token = self.tokens.get(value)
            return token.tenant_id if token else None

    def check_bearer(self, value: str, write: bool) -> str:
        with self.lock:
            token = self.tokens.get(value)
            if token is None:
                raise ThriveError(401, "The access token is invalid")
            if token.expires_at <= time.monotonic():
                raise ThriveError(401, "The access token has expired")
            needed = WRITE_SCOPES if write else READ_SCOPES
            if not token.scopes & needed:
                raise ThriveError(403, f"The access token lacks a required scope: one of {' '.join(sorted(needed))}")
            return token.tenant_id

    # -- lookups -------------------------------------------------------------------------------
    def _find(self, key: str) -> Audience:
        """Resolve an id first, then a reference (the docs: "Filter by audienceId or audience reference")."""
        aud = self.audiences.get(key)
        if aud is not None:
            return aud
        for aud in self.audiences.values():
            if aud.reference == key:
                return aud
        raise ThriveError(404, f"Audience '{key}' not found")

    def _find_user(self, key: str) -> User | None:
        user = self.users.get(key)
        if user is not None:
            return user
        lowered = key.lower()
        for user in self.users.values():
            if user.reference == key or user.email.lower() == lowered:
                return user
        return None

    def _user(self, key: str) -> User:
        user = self._find_user(key)
        if user is None:
            raise ThriveError(404, f"User '{key}' not found")
        return user

    def _view(self, aud: Audience) -> dict[str, Any]:
        parent = self.audiences.get(aud.parent_id) if aud.parent_id else None
        return {
            "id": aud.id,
            "name": aud.name,
            "reference": aud.reference,
            "apiControlled": aud.api_controlled,
            "category": aud.category,
            "type": aud.type,
            "parent": {"name": parent.name, "reference": parent.reference, "id": parent.id} if parent else None,
            "createdAt": _iso(aud.created_at),
            "updatedAt": _iso(aud.updated_at),
        }

    def _children(self, aud: Audience) -> list[Audience]:
        return [a for a in self.audiences.values() if a.parent_id == aud.id]

    # -- validation ----------------------------------------------------------------------------
    def _check_reference_free(self, reference: str, owner: Audience | None) -> None:
        for aud in self.audiences.values():
            if aud.reference == reference and aud is not owner:
                raise ThriveError(409, f"An audience with reference '{reference}' already exists")

    def _parent_for(self, key: str) -> Audience:
        try:
            parent = self._find(key)
        except ThriveError:
            raise ThriveError(422, f"Parent '{key}' not found") from None
        if parent.category != "structure":
            raise ThriveError(422, f"Parent '{key}' is not a structure; audiences can only live in structures")
        if not parent.api_controlled:
            raise ThriveError(422, f"Parent '{key}' is not API controlled; "
                                   "API-created audiences can only exist within API-created structures")
        return parent

    @staticmethod
    def _require_api_controlled(aud: Audience) -> None:
        if not aud.api_controlled:
            raise ThriveError(403, f"Audience '{aud.reference}' is not API controlled; "
                                   "it can only be changed in the Thrive UI")

    # -- audiences -----------------------------------------------------------------------------
    def list_audiences(self, page: int, per_page: int, api_controlled: bool | None,
                       updated_since: datetime | None) -> dict[str, Any]:
        with self.lock:
            items = [a for a in self.audiences.values()
                     if (api_controlled is None or a.api_controlled == api_controlled)
                     and (updated_since is None or a.updated_at >= updated_since)]
            return _paged([self._view(a) for a in items], page, per_page)

    def list_users(self, page: int, per_page: int) -> dict[str, Any]:
        """GET /users: the documented basic user object (id, ref, email, ...); the other fields are left out."""
        with self.lock:
            items = [{"id": u.id, "ref": u.reference, "email": u.email, "isActive": True}
                     for u in self.users.values()]
            return _paged(items, page, per_page)

    def get_audience(self, key: str) -> dict[str, Any]:
        with self.lock:
            return self._view(self._find(key))

    def create_audience(self, new: NewAudience) -> dict[str, Any]:
        with self.lock:
            self._check_reference_free(new.reference, None)
            parent = self._parent_for(new.parent_key) if new.category == "audience" and new.parent_key else None
            aud = Audience(_object_id(), new.name, new.reference, new.category, parent_id=parent.id if parent else None)
            self.audiences[aud.id] = aud
            return self._view(aud)

    def update_audience(self, key: str, changes: AudienceChanges) -> dict[str, Any]:
        name, reference = changes.name, changes.reference
        with self.lock:
            aud = self._find(key)
            self._require_api_controlled(aud)
            if changes.category is not None and changes.category != aud.category:
                raise ThriveError(422, "category cannot be changed")
            new_parent: Audience | None = None
            if changes.parent_key is not None:
                if aud.category == "structure":
                    raise ThriveError(422, "A structure cannot be moved under a parent")
                if not changes.parent_key:
                    raise ThriveError(422, "An audience must keep a parent structure; parentId cannot be empty")
                new_parent = self._parent_for(changes.parent_key)
            if reference is not None:
                self._check_reference_free(reference, aud)
            member_ops: dict[str, Any] | None = None
            if new_parent is not None and new_parent.id != aud.parent_id:
                old = self.audiences.get(aud.parent_id) if aud.parent_id else None
                # The documented field exists but its shape is not; this summary is our invention.
                member_ops = {
                    "from": {"id": old.id, "reference": old.reference, "name": old.name} if old else None,
                    "to": {"id": new_parent.id, "reference": new_parent.reference, "name": new_parent.name},
                    "membersMoved": len(aud.members),
                }
                aud.parent_id = new_parent.id
            if name is not None:
                aud.name = name
            if reference is not None:
                aud.reference = reference
            aud.updated_at = _now()
            return {**self._view(aud), "memberOperations": member_ops}

    def delete_audience(self, key: str) -> None:
        with self.lock:
            aud = self._find(key)
            self._require_api_controlled(aud)
            children = self._children(aud)
            if children:
                names = ", ".join(f"{c.name} ({c.reference})" for c in children)
                raise ThriveError(409, f"Audience '{aud.reference}' has {len(children)} child audience(s) "
                                       f"and cannot be deleted until they are removed: {names}")
            del self.audiences[aud.id]

    # -- members -------------------------------------------------------------------------------
    def list_members(self, key: str, page: int, per_page: int) -> dict[str, Any]:
        with self.lock:
            aud = self._find(key)
            users = [self.users[uid].as_member() for uid in aud.members if uid in self.users]
            return _paged(users, page, per_page)

    def set_members(self, key: str, refs: list[str], replace: bool) -> tuple[int, dict[str, Any]]:
        with self.lock:
            aud = self._find(key)
            self._require_api_controlled(aud)
            found: list[tuple[str, User]] = []
            failed: list[str] = []
            for ref in refs:
                user = self._find_user(ref)
                if user is None:
                    failed.append(ref)
                else:
                    found.append((ref, user))
            if replace and not found:
                # Replace refuses an empty array; an array in which nobody resolves would empty it just the same.
                raise ThriveError(422, "None of the given users exist; the member list was left unchanged")
            if replace:
                aud.members = {}
            for _, user in found:
                aud.members[user.id] = None
            return _outcome([ref for ref, _ in found], failed)

    def remove_member(self, key: str, user_ref: str) -> None:
        with self.lock:
            aud = self._find(key)
            self._require_api_controlled(aud)
            user = self._user(user_ref)
            if user.id not in aud.members:
                raise ThriveError(404, f"User '{user_ref}' is not a member of audience '{aud.reference}'")
            del aud.members[user.id]

    # -- managers ------------------------------------------------------------------------------
    def _permissions(self, raw: Any, aud: Audience) -> dict[str, dict[str, bool]]:
        shape = STRUCTURE_PERMISSIONS if aud.category == "structure" else CHILD_PERMISSIONS
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise ThriveError(400, "permissions must be an object")
        extra = set(raw) - set(shape)
        # The body is oneOf a child-audience or a structure manager list, and a structure's `administrator` group
        # is valid there: a group the audience has no use for is dropped by default, refused (400) only under the
        # invented strict_validation.
        if extra and self.strict_validation:
            kind = "a structure" if aud.category == "structure" else "a child audience"
            raise ThriveError(400, f"Unknown permission group(s) for {kind}: {', '.join(sorted(extra))}")
        out: dict[str, dict[str, bool]] = {}
        for group, flags in shape.items():
            given = raw.get(group) or {}
            if not isinstance(given, dict):
                raise ThriveError(400, f"permissions.{group} must be an object")
            out[group] = {}
            for flag in flags:
                value = given.get(flag, False)
                if not isinstance(value, bool):
                    raise ThriveError(400, f"permissions.{group}.{flag} must be a boolean")
                out[group][flag] = value
        return out

    def _managers_view(self, aud: Audience) -> list[dict[str, Any]]:
        return [{**self.users[uid].as_member(), "permissions": perms}
                for uid, perms in aud.managers.items() if uid in self.users]

    def list_managers(self, key: str) -> list[dict[str, Any]]:
        with self.lock:
            return self._managers_view(self._find(key))

    def set_managers(self, key: str, items: list[Any], replace: bool) -> tuple[int, dict[str, Any]]:
        """``items`` as sent (a checked array): their shape is judged after the audience, as Thrive does."""
        with self.lock:
            aud = self._find(key)
            self._require_api_controlled(aud)
            parsed: list[tuple[str, dict[str, dict[str, bool]]]] = []
            for item in items:
                if not isinstance(item, dict):
                    raise ThriveError(400, "Each item must be an object with reference and permissions")
                # The docs' examples also carry userId/email, so any of the three identifies the user.
                ref = item.get("reference") or item.get("email") or item.get("userId")
                if not isinstance(ref, str) or not ref:
                    raise ThriveError(400, "Each item needs a reference (user email or reference)")
                parsed.append((ref, self._permissions(item.get("permissions"), aud)))
            found: list[tuple[str, User, dict[str, dict[str, bool]]]] = []
            failed: list[str] = []
            for ref, perms in parsed:
                user = self._find_user(ref)
                if user is None:
                    failed.append(ref)
                else:
                    found.append((ref, user, perms))
            if replace and not found:
                raise ThriveError(422, "None of the given users exist; the manager list was left unchanged")
            if replace:
                aud.managers = {}
            for _, user, perms in found:
                aud.managers[user.id] = perms
            return _outcome([ref for ref, _, _ in found], failed)

    def remove_manager(self, key: str, user_ref: str) -> None:
        with self.lock:
            aud = self._find(key)
            self._require_api_controlled(aud)
            user = self._user(user_ref)
            if user.id not in aud.managers:
                raise ThriveError(404, f"User '{user_ref}' is not a manager of audience '{aud.reference}'")
            del aud.managers[user.id]


def _outcome(succeeded: list[str], failed: list[str]) -> tuple[int, dict[str, Any]]:
    body: dict[str, Any] = {"success": {"count": len(succeeded), "entities": [{"reference": r} for r in succeeded]}}
    if not failed:
        return 200, body
    body["failure"] = {"count": len(failed),
                       "entities": [{"reason": "User not found", "reference": r} for r in failed]}
    return 207, body


def _paged(items: list[dict[str, Any]], page: int, per_page: int) -> dict[str, Any]:
    start = (page - 1) * per_page
    return {
        "results": items[start:start + per_page],
        "pagination": {
            "totalResults": len(items),
            "totalPages": math.ceil(len(items) / per_page),
            "page": page,
            "perPage": per_page,
        },
    }
