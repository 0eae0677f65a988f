"""Thrive ``Structure`` (top-level) and ``Audience`` (child of a structure)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import Resource
from pydantic import BaseModel

from .._core.config import ConfigSource, Setting, client_settings, missing
from .._core.dynamic import ReadableResource, VendorProvider, contains_unknown, create_or_adopt, user_inputs
from .._core.errors import ApiError, ConfigurationError, Conflict, Forbidden, InputError, NotFound, ProviderError
from .._core.lifecycle import Checked as CheckResult
from .._core.lifecycle import Failure as CheckFailure
from .._core.util import chunks, remove_quietly
from .client import REGION_HOSTS, Client, api_base_url, token_url, token_url_beside
from .models import (
    MAX_USERS_PER_CALL,
    PERMISSION_FLAGS,
    AudienceArgs,
    AudienceManagersArgs,
    AudienceMembersArgs,
    AudienceObject,
    ManagerSpec,
    Member,
    MembersOutcome,
    StructureArgs,
)

TENANT_ID = Setting("thrive:tenantId", "THRIVE_TENANT_ID", help="Tenant ID (Basic username; names the token URL)")
API_SECRET = Setting("thrive:apiSecret", "THRIVE_API_SECRET", secret=True, help="API secret (Basic auth)")
# The OAuth overview issues "Client ID", "Client Secret" and "Tenant ID" as three values
# (https://docs.thrivelearning.com/apidocs/oauth-api-authentication), so the client id has no default.
CLIENT_ID = Setting("thrive:clientId", "THRIVE_CLIENT_ID",
                    help="OAuth client id, issued with the client secret (not the tenant id)")
CLIENT_SECRET = Setting("thrive:clientSecret", "THRIVE_CLIENT_SECRET", secret=True,
                        help="OAuth client secret; setting it selects OAuth2 client credentials")
REGION = Setting("thrive:region", "THRIVE_REGION", default="production",
                 help="production | staging | production-mea | staging-mea")
BASE_URL = Setting("thrive:baseUrl", "THRIVE_BASE_URL", help="override the API base (…/rest/v1)")
TOKEN_URL = Setting("thrive:tokenUrl", "THRIVE_TOKEN_URL",
                    help="override the OAuth token endpoint (default: beside thrive:baseUrl, else the region's)")
SCOPE = Setting("thrive:scope", "THRIVE_SCOPE", default="api/all")


@dataclass(frozen=True)
class ThriveConfig:
    client: Client


def _token_endpoint(source: ConfigSource, region: str, tenant: str, custom_base: str | None) -> tuple[str, str]:
    """The OAuth token URL and the setting it comes from: thrive:tokenUrl, else beside thrive:baseUrl, else the
    region's host. (`pulumi config set` takes thrive:tokenUrl only with --plaintext: the CLI refuses plain values
    of keys containing "token" that look random, and a URL does.)"""
    explicit = source.get(TOKEN_URL)
    if explicit:
        return explicit, f"{TOKEN_URL.key} ({TOKEN_URL.env})"
    if custom_base:
        return (token_url_beside(custom_base, tenant),
                f"{BASE_URL.key} ({BASE_URL.env}; the token URL follows it unless {TOKEN_URL.key} is set)")
    return token_url(region, tenant), f"{REGION.key} ({REGION.env}) or {TOKEN_URL.key}"


def load_thrive_config(source: ConfigSource) -> ThriveConfig:
    tenant = source.get(TENANT_ID)
    secret, client_secret = source.get(API_SECRET), source.get(CLIENT_SECRET)
    if tenant is None or (secret is None and client_secret is None):
        raise missing(*([TENANT_ID] if tenant is None else []),
                      *([API_SECRET] if secret is None and client_secret is None else []))
    assert tenant is not None
    client_id = source.get(CLIENT_ID)
    if client_secret is not None and client_id is None:
        raise missing(CLIENT_ID)
    region = source.require(REGION)
    if region not in REGION_HOSTS:
        raise ConfigurationError(f"thrive:region must be one of {', '.join(REGION_HOSTS)}, got {region!r}")
    custom_base = source.get(BASE_URL)
    base = custom_base or api_base_url(region)
    settings = client_settings(source, "thrive", "THRIVE", base)
    token_endpoint, token_setting = _token_endpoint(source, region, tenant, custom_base)
    client = Client.shared(settings, tenant_id=tenant, api_secret=secret or "",
                           client_id=client_id or "", client_secret=client_secret or "",
                           token_endpoint=token_endpoint if client_secret else "",
                           scope=source.require(SCOPE), token_setting=token_setting)
    return ThriveConfig(client)


class _ThriveBase(VendorProvider[Any, ThriveConfig]):
    """What every Thrive resource shares: the vendor name and how its configuration is read."""

    vendor = "Thrive"

    def load_config(self, source: ConfigSource) -> ThriveConfig:
        return load_thrive_config(source)

    def credential_settings(self) -> str:
        if self.config.client.oauth:
            return (f"OAuth client {CLIENT_ID.key} ({CLIENT_ID.env}) with {CLIENT_SECRET.key} "
                    f"({CLIENT_SECRET.env})")
        return f"{TENANT_ID.key} ({TENANT_ID.env}) with {API_SECRET.key} ({API_SECRET.env})"


class _ThriveProvider(_ThriveBase):
    category: ClassVar[str]
    key_field = "reference"  # unique in the tenant
    adopt_field = "adopt"
    create_only_fields = frozenset({"adopt"})

    @staticmethod
    def _describe(obj: AudienceObject) -> str:
        made = f", created {obj.created_at}" if obj.created_at else ""
        return f"{obj.category} {obj.id} (name {obj.name!r}{made})"

    def find_existing(self, key: str) -> str | None:
        client = self.config.client
        # Structures and child audiences share one reference space (GET /audiences/{reference} finds either).
        held = client.once("references", lambda: {a.reference: self._describe(a) for a in client.iter_audiences()
                                                  if a.reference})
        return held.get(key)

    def adopt_hint(self) -> str:
        return ("set adopt=True on this resource (it is then renamed/moved to match and deleted by "
                "`pulumi destroy`)")

    def locate(self, inputs: Mapping[str, Any], held: set[str]) -> list[tuple[str, str]] | None:
        args = self.parse(inputs)
        try:
            obj = self.config.client.get_audience(args.reference)
        except NotFound:
            return []
        return [(obj.id, self._describe(obj))] if self._made_by(obj, args) and obj.id not in held else []

    def _parent_of(self, args: Any) -> str | None:
        return None

    def extra_checks(self, args: BaseModel, olds: Mapping[str, Any]) -> list[CheckFailure]:
        if not getattr(args, "adopt", False):
            return []
        # Adoption is the one check that reads the API: whether the audience may be managed at all.
        try:
            existing = self.config.client.get_audience(args.reference)  # type: ignore[attr-defined]
        except NotFound:
            return [CheckFailure("reference", f"{self.resource_label}: adopt=True but no audience has reference "
                                              f"{args.reference!r}")]  # type: ignore[attr-defined]
        if not existing.api_controlled:
            return [CheckFailure("adopt", f"{self.resource_label}: audience {args.reference!r} was created in the "  # type: ignore[attr-defined]
                                 "Thrive UI (apiControlled=false); Thrive only lets the API change API-controlled "
                                 "audiences, so it can't be managed here. Reference it by id/reference instead.")]
        if existing.category != self.category:
            return [CheckFailure("adopt", f"{self.resource_label}: {args.reference!r} is a {existing.category}, "  # type: ignore[attr-defined]
                                 f"not a {self.category}")]
        return []

    def _outputs(self, args: BaseModel, obj: AudienceObject) -> dict[str, Any]:
        return {**args.model_dump(mode="json"), **obj.outputs()}

    def create_resource(self, args: Any) -> tuple[str, dict[str, Any]]:
        client = self.config.client
        if args.adopt:
            obj = client.get_audience(args.reference)
            if not obj.api_controlled:
                raise InputError(f"{self.resource_label} {args.reference!r} is not API-controlled; Thrive only "
                                 "allows API changes to API-created audiences")
            if obj.name != args.name or (self._parent_of(args) and not self._same_parent(obj, args)):
                obj = client.update_audience(obj.id, name=args.name if obj.name != args.name else None,
                                             parent_id=self._parent_of(args) if not self._same_parent(obj, args)
                                             else None)
            return obj.id, self._outputs(args, obj)

        def create() -> AudienceObject:
            try:
                return client.create_audience(args.name, args.reference, self.category, self._parent_of(args))
            except Conflict as exc:
                raise exc.with_hint(f"reference {args.reference!r} is taken by an audience this stack did not "
                                    "create; nothing was changed. Set adopt=True to manage it on purpose, or "
                                    "choose another reference") from None

        def find() -> AudienceObject | None:
            # Called only after an attempt of this create whose outcome was unknown.
            try:
                found = client.get_audience(args.reference)
            except NotFound:
                return None
            # The reference is unique; keep only what is identical to our lost create.
            return found if self._made_by(found, args) else None

        obj = create_or_adopt(create, find)
        _PARENTS.remember(client, obj)  # its children's checks need not read back what this process just made
        return obj.id, self._outputs(args, obj)

    def _made_by(self, obj: AudienceObject, args: Any) -> bool:
        """Whether ``obj`` is exactly what a create of ``args`` makes (a lost or interrupted create's result)."""
        return (obj.category == self.category and obj.name == args.name and obj.api_controlled
                and self._same_parent(obj, args))

    def _same_parent(self, obj: AudienceObject, args: Any) -> bool:
        want = self._parent_of(args)
        return want is None or (obj.parent is not None and want in (obj.parent.id, obj.parent.reference))

    def read_resource(self, id_: str, props: Mapping[str, Any]) -> dict[str, Any] | None:
        obj = self.config.client.get_audience(id_)
        outs = {k: props.get(k) for k in self.args_model.model_fields}
        outs.update(name=obj.name, reference=obj.reference)
        if "parent" in self.args_model.model_fields and obj.parent is not None:
            # Keep the user's spelling (id or reference) when it still points at the same parent.
            if props.get("parent") not in (obj.parent.id, obj.parent.reference):
                outs["parent"] = obj.parent.id
        return {**outs, **obj.outputs()}

    def update_resource(self, id_: str, olds: Mapping[str, Any], args: Any) -> dict[str, Any]:
        parent = self._parent_of(args)
        try:
            obj = self.config.client.update_audience(
                id_,
                name=args.name if args.name != olds.get("name") else None,
                reference=args.reference if args.reference != olds.get("reference") else None,
                parent_id=parent if parent and parent != olds.get("parent") else None,
            )
        except ApiError as exc:
            if exc.status in (404, 405) and self._exists(id_):
                raise exc.with_hint("this tenant does not offer audience updates (documented as 'coming soon'); "
                                    "replace the resource instead: `pulumi up --replace <urn>`") from None
            raise
        return self._outputs(args, obj)

    def _exists(self, id_: str) -> bool:
        try:
            self.config.client.get_audience(id_)
        except NotFound:
            return False
        return True

    def delete_resource(self, id_: str, props: Mapping[str, Any]) -> None:
        try:
            self.config.client.delete_audience(id_)
        except Conflict as exc:
            raise exc.with_hint("child audiences not managed by this stack block the delete; move or delete them "
                                "in Thrive, then rerun `pulumi destroy`") from None


class StructureProvider(_ThriveProvider):
    resource_label = "thrive:Structure"
    args_model = StructureArgs
    category = "structure"


class AudienceProvider(_ThriveProvider):
    resource_label = "thrive:Audience"
    args_model = AudienceArgs
    category = "audience"

    def _parent_of(self, args: Any) -> str | None:
        return str(args.parent)

    def check(self, _olds: Mapping[str, Any], news: Mapping[str, Any]) -> CheckResult:  # type: ignore[override]
        result = super().check(_olds, news)
        parent = result.inputs.get("parent")
        if (result.failures or not isinstance(parent, str) or contains_unknown(parent) or result.inputs.get("adopt")
                or user_inputs(_olds).get("parent") == parent):
            return result  # a parent still unknown at preview is made by this stack, so it will be API-controlled
        problem = self._parent_problem(parent)
        return CheckResult(result.inputs, [CheckFailure("parent", problem)] if problem else [])

    def _parent_problem(self, parent: str) -> str | None:
        """Read-only, at preview: Thrive lets the API create an audience only inside an API-made structure."""
        try:
            obj = _PARENTS.get(self.config.client, parent)
        except NotFound:
            return (f"{self.resource_label}: parent {parent!r}: Thrive has no structure with this id or reference. "
                    "Nothing was changed.")
        if obj.category != "structure":
            return (f"{self.resource_label}: parent {parent!r} is a child audience ({obj.id}), not a structure; "
                    "Thrive audiences live only in structures (two levels). Nothing was changed.")
        if not obj.api_controlled:
            return (f"{self.resource_label}: parent {parent!r} was made in the Thrive UI (apiControlled=false), and "
                    "Thrive lets the API create audiences only inside API-created structures. Declare the structure "
                    "with thrive.Structure in this stack (or create it through the API) and use its id. Nothing was "
                    "changed.")
        return None


class _ParentCache:
    """Parents looked up at preview, one GET per distinct parent and process; only settled answers are kept."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._found: dict[tuple[int, str], AudienceObject] = {}

    def get(self, client: Client, key: str) -> AudienceObject:
        with self._lock:
            cached = self._found.get((id(client), key))
        if cached is not None:
            return cached
        obj = client.get_audience(key)  # NotFound is not kept: the parent may be created later in the run
        with self._lock:
            self._found[(id(client), key)] = obj
        return obj

    def remember(self, client: Client, obj: AudienceObject) -> None:
        with self._lock:
            for key in (obj.id, obj.reference):
                if key:
                    self._found[(id(client), key)] = obj


_PARENTS = _ParentCache()


_OUTPUTS = {"thrive_id": None, "api_controlled": None, "category": None, "type": None, "parent_info": None,
            "created_at": None, "updated_at": None}


class Structure(ReadableResource, Resource, module="thrive", name="Structure"):
    """A Thrive structure: a top-level audience (category `structure`). See docs/thrive/structure.md."""

    provider_class = StructureProvider

    name: pulumi.Output[str]
    reference: pulumi.Output[str]
    api_controlled: pulumi.Output[bool]
    category: pulumi.Output[str]
    type: pulumi.Output[str]
    created_at: pulumi.Output[str]
    updated_at: pulumi.Output[str]

    def __init__(self, resource_name: str, *, name: pulumi.Input[str], reference: pulumi.Input[str],
                 adopt: bool = False, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(StructureProvider(), resource_name,
                         {"name": name, "reference": reference, "adopt": adopt, **_OUTPUTS}, opts)


class Audience(ReadableResource, Resource, module="thrive", name="Audience"):
    """A Thrive child audience inside a structure (category `audience`). See docs/thrive/audience.md."""

    provider_class = AudienceProvider

    name: pulumi.Output[str]
    reference: pulumi.Output[str]
    parent: pulumi.Output[str]
    parent_info: pulumi.Output[dict[str, Any]]
    api_controlled: pulumi.Output[bool]
    category: pulumi.Output[str]
    type: pulumi.Output[str]
    created_at: pulumi.Output[str]
    updated_at: pulumi.Output[str]

    def __init__(self, resource_name: str, *, name: pulumi.Input[str], reference: pulumi.Input[str],
                 parent: pulumi.Input[str], adopt: bool = False,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(AudienceProvider(), resource_name,
                         {"name": name, "reference": reference, "parent": parent, "adopt": adopt, **_OUTPUTS}, opts)




class PartialFailure(ProviderError):
    """Thrive answered 207: some users were applied, these were not."""


def _failures(outcome: MembersOutcome) -> list[str]:
    if outcome.failure is None:
        return []
    return [f"{e.get('reference', '?')}: {e.get('reason', 'failed')}" for e in outcome.failure.entities]


def _raise_partial(operation: str, verb: str, audience: str, errors: list[str]) -> None:
    """Thrive's 207: the listed users failed, the others were applied."""
    if errors:
        raise PartialFailure(f"Thrive {operation}: {len(errors)} user(s) could not be {verb} {audience!r}: "
                             + "; ".join(errors) + ". The others were applied; fix the list (users must exist in "
                             "Thrive) and rerun `pulumi up`")


def _foreign_message(label: str, audience: str, kind: str, foreign: list[str]) -> str:
    shown = ", ".join(foreign[:10]) + (f" and {len(foreign) - 10} more" if len(foreign) > 10 else "")
    return (f"{label}: audience {audience!r} already has {len(foreign)} {kind}(s) that are not in the list and "
            f"that this stack did not add: {shown}. Nothing was changed. An authoritative list would remove them: "
            f"set adopt=True to take the audience's {kind}s over on purpose"
            + (", or membership=\"additive\" to leave them alone" if kind == "member" else "") + ".")


class _UserDirectory:
    """Who exists in the tenant, read once per process (GET /users, 1000 a page) to check lists at preview."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known: dict[int, set[str]] = {}

    def missing(self, client: Client, users: list[str]) -> list[str]:
        with self._lock:
            known = self._known.get(id(client))
            if known is None:
                known = self._known[id(client)] = set().union(*(u.known_as() for u in client.iter_users()))
        return [u for u in users if u.lower() not in known]


_USERS = _UserDirectory()


def _unknown_users_failure(provider: _ThriveBase, field: str, declared: list[str],
                           before: list[str]) -> CheckFailure | None:
    """At preview, read-only: users newly listed that Thrive does not have (the write would answer 207 for them)."""
    had = {u.lower() for u in before}
    new = [u for u in dict.fromkeys(declared) if u.lower() not in had]
    if not new:
        return None
    try:
        missing = _USERS.missing(provider.config.client, new)
    except (Forbidden, NotFound):
        return None  # this tenant or token can't list users: the write reports them instead
    if not missing:
        return None
    shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
    return CheckFailure(field, f"{provider.resource_label}: {len(missing)} user(s) in {field} do not exist in "
                               f"Thrive: {shown}. Thrive only adds users that already exist (by email, reference or "
                               "id); create them in Thrive or fix the list. Nothing was changed.")


class AudienceMembersProvider(_ThriveBase):
    resource_label = "thrive:AudienceMembers"
    read_by_id_unsupported = ("its inputs are the members the program declares, which Thrive can't tell from the "
                              "others in the audience")
    args_model = AudienceMembersArgs
    replace_fields = frozenset({"audience"})
    create_only_fields = frozenset({"adopt"})

    def locate(self, inputs: Mapping[str, Any], held: set[str]) -> list[tuple[str, str]] | None:
        audience, id_ = str(inputs.get("audience")), f"{inputs.get('audience')}/members"
        try:
            count = len(self._current(audience))
        except NotFound:
            return []
        return [] if id_ in held else [(id_, f"members of audience {audience!r} ({count} now)")]

    def check(self, _olds: Mapping[str, Any], news: Mapping[str, Any]) -> CheckResult:  # type: ignore[override]
        result = super().check(_olds, news)
        members = result.inputs.get("members")
        if result.failures or not isinstance(members, list) or contains_unknown(members):
            return result
        failure = _unknown_users_failure(self, "members", [str(u) for u in members],
                                         [str(u) for u in user_inputs(_olds).get("members") or []])
        return CheckResult(result.inputs, [failure]) if failure else result

    def _current(self, audience: str) -> list[Member]:
        return list(self.config.client.iter_audience_members(audience))

    @staticmethod
    def _foreign(current: list[Member], declared: list[str]) -> list[str]:
        wanted = {u.lower() for u in declared}
        return [m.email or m.reference or m.user_id for m in current if not m.known_as() & wanted]

    def ownership_failures(self, olds: Mapping[str, Any], inputs: Mapping[str, Any],
                           failures: list[CheckFailure]) -> list[CheckFailure]:
        # A new authoritative list over an audience that already has other members would remove them.
        audience, members = inputs.get("audience"), inputs.get("members")
        if (user_inputs(olds) or failures or inputs.get("adopt") or inputs.get("membership") == "additive"
                or not isinstance(audience, str) or contains_unknown(audience) or contains_unknown(members)):
            return []
        try:
            foreign = self._foreign(self._current(audience), [str(u) for u in members or []])
        except NotFound:
            return []  # said at `up`, where the audience must exist
        return [CheckFailure("members", _foreign_message(self.resource_label, audience, "member", foreign))] \
            if foreign else []

    def _apply(self, args: AudienceMembersArgs, added: list[str] | None, *, creating: bool) -> list[str] | None:
        """Bring the audience to ``args``; returns, in additive mode, the users this stack has added."""
        client, audience = self.config.client, args.audience
        current = self._current(audience)
        authoritative = args.membership == "authoritative"
        if creating and authoritative and not args.adopt:
            foreign = self._foreign(current, args.members)
            if foreign:
                raise InputError(_foreign_message(self.resource_label, audience, "member", foreign))
        present = set().union(*(m.known_as() for m in current)) if current else set()
        errors: list[str] = []
        to_add = [u for u in dict.fromkeys(args.members) if u.lower() not in present]
        for chunk in chunks(to_add, MAX_USERS_PER_CALL):
            outcome = client.add_audience_members(audience, chunk)
            errors += _failures(outcome)
        if authoritative:
            wanted = {u.lower() for u in args.members}
            for member in current:
                if not member.known_as() & wanted:
                    remove_quietly(partial(client.remove_audience_member, audience, member.user_id))
            mine = None
        else:
            # Additive: users who were members before the stack listed them are not the stack's; only the ones
            # it added are, and only those leave when they drop off the list or at destroy.
            wanted = {u.lower() for u in args.members}
            failed = {e.split(":", 1)[0].lower() for e in errors}
            kept = [u for u in (added or []) if u.lower() in wanted]
            mine = kept + [u for u in to_add if u.lower() not in failed and u not in kept]
            for user in added or []:
                if user.lower() not in wanted:
                    remove_quietly(partial(client.remove_audience_member, audience, user))
        _raise_partial("add audience members", "added to", audience, errors)
        return mine

    def _outputs(self, args: AudienceMembersArgs, added: list[str] | None) -> dict[str, Any]:
        current = self._current(args.audience)
        return {**args.model_dump(mode="json"), "member_count": len(current), "added": added}

    def create_resource(self, args: AudienceMembersArgs) -> tuple[str, dict[str, Any]]:
        added = self._apply(args, None, creating=True)
        return f"{args.audience}/members", self._outputs(args, added)

    def update_resource(self, id_: str, olds: Mapping[str, Any], args: AudienceMembersArgs) -> dict[str, Any]:
        previous = olds.get("added") if olds.get("membership") == "additive" else None
        added = self._apply(args, [str(u) for u in previous or []], creating=False)
        return self._outputs(args, added)

    def read_resource(self, id_: str, props: Mapping[str, Any]) -> dict[str, Any] | None:
        audience = str(props.get("audience") or id_.rsplit("/members", 1)[0])
        try:
            current = self._current(audience)
        except NotFound:
            return None
        declared = [str(u) for u in props.get("members") or []]
        present = set().union(*(m.known_as() for m in current)) if current else set()
        members = [u for u in declared if u.lower() in present]
        if props.get("membership") != "additive":
            # Authoritative: users added outside the stack show up as drift (by their email or reference).
            members += self._foreign(current, declared)
        added = props.get("added")
        if isinstance(added, list):
            added = [u for u in added if str(u).lower() in present]
        return {**{k: props.get(k) for k in AudienceMembersArgs.model_fields}, "members": members,
                "member_count": len(current), "added": added}

    def delete_resource(self, id_: str, props: Mapping[str, Any]) -> None:
        audience = str(props.get("audience"))
        if props.get("membership") == "additive":
            # Only the users this stack added; state written before `added` existed names none, so none go.
            users = props.get("added") or []
        else:
            users = props.get("members") or []
        for user in users:
            # The member, or the whole audience, may already be gone.
            remove_quietly(partial(self.config.client.remove_audience_member, audience, str(user)))


class AudienceMembers(ReadableResource, Resource, module="thrive", name="AudienceMembers"):
    """The members of a Thrive audience. See docs/thrive/audience-members.md."""

    provider_class = AudienceMembersProvider

    audience: pulumi.Output[str]
    members: pulumi.Output[list[str]]
    membership: pulumi.Output[str]
    member_count: pulumi.Output[int]
    added: pulumi.Output[list[str] | None]

    def __init__(self, resource_name: str, *, audience: pulumi.Input[str], members: pulumi.Input[list[str]],
                 membership: str = "authoritative", adopt: bool = False,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(AudienceMembersProvider(), resource_name,
                         {"audience": audience, "members": members, "membership": membership, "adopt": adopt,
                          "member_count": None, "added": None}, opts)


class AudienceManagersProvider(_ThriveBase):
    """The complete manager list of one audience (authoritative), with Thrive's permission objects."""

    resource_label = "thrive:AudienceManagers"
    read_by_id_unsupported = ("its inputs are the managers the program declares, which Thrive can't tell from the "
                              "others of the audience")
    args_model = AudienceManagersArgs
    replace_fields = frozenset({"audience"})
    create_only_fields = frozenset({"adopt"})

    def _foreign(self, audience: str, declared: list[str]) -> list[str]:
        wanted = {u.lower() for u in declared}
        return [m.email or m.reference or m.user_id for m in self.config.client.list_audience_managers(audience)
                if not m.known_as() & wanted]

    def locate(self, inputs: Mapping[str, Any], held: set[str]) -> list[tuple[str, str]] | None:
        audience, id_ = str(inputs.get("audience")), f"{inputs.get('audience')}/managers"
        try:
            count = len(self.config.client.list_audience_managers(audience))
        except NotFound:
            return []
        return [] if id_ in held else [(id_, f"managers of audience {audience!r} ({count} now)")]

    @staticmethod
    def _users(managers: Any) -> list[str]:
        return [str(m.get("user")) for m in managers or [] if isinstance(m, Mapping)]

    def check(self, _olds: Mapping[str, Any], news: Mapping[str, Any]) -> CheckResult:  # type: ignore[override]
        result = super().check(_olds, news)
        managers = result.inputs.get("managers")
        if result.failures or not isinstance(managers, list) or contains_unknown(managers):
            return result
        failure = _unknown_users_failure(self, "managers", self._users(managers),
                                         self._users(user_inputs(_olds).get("managers")))
        return CheckResult(result.inputs, [failure]) if failure else result

    def ownership_failures(self, olds: Mapping[str, Any], inputs: Mapping[str, Any],
                           failures: list[CheckFailure]) -> list[CheckFailure]:
        audience, managers = inputs.get("audience"), inputs.get("managers")
        if (user_inputs(olds) or failures or inputs.get("adopt") or not isinstance(audience, str)
                or contains_unknown(audience) or contains_unknown(managers)):
            return []
        try:
            foreign = self._foreign(audience, self._users(managers))
        except NotFound:
            return []
        return [CheckFailure("managers", _foreign_message(self.resource_label, audience, "manager", foreign))] \
            if foreign else []

    def comparable(self, field: str, props: Mapping[str, Any], *, state: bool) -> Any:
        if field == "managers":
            specs = [ManagerSpec.model_validate(m).normalized() for m in props.get("managers") or []]
            return sorted(specs, key=lambda m: str(m["user"]).lower())
        return props.get(field)

    def _apply(self, args: AudienceManagersArgs) -> None:
        client, audience = self.config.client, args.audience
        wanted = [{"reference": m.user, "permissions": m.normalized()["permissions"]} for m in args.managers]
        errors: list[str] = []
        if wanted:
            # PATCH replaces the whole list (1-100 per call); anything past 100 is added after it.
            head, rest = wanted[:MAX_USERS_PER_CALL], wanted[MAX_USERS_PER_CALL:]
            errors += _failures(client.replace_audience_managers(audience, head))
            for chunk in chunks(rest, MAX_USERS_PER_CALL):
                errors += _failures(client.add_audience_managers(audience, chunk))
        else:
            # An empty PATCH is refused by Thrive: remove the current managers one by one.
            for manager in client.list_audience_managers(audience):
                remove_quietly(partial(client.remove_audience_manager, audience, manager.user_id))
        _raise_partial("replace audience managers", "set on", audience, errors)

    def _read(self, audience: str, declared: list[ManagerSpec]) -> list[dict[str, Any]]:
        out = []
        for manager in self.config.client.list_audience_managers(audience):
            name = next((d.user for d in declared if d.user.lower() in manager.known_as()),
                        manager.email or manager.reference or manager.user_id)
            # Keep only the settable flags: GET adds output-only ones (manageMembers, canManageAudiences).
            perms = {g: {f: v for f, v in flags.items() if f in PERMISSION_FLAGS.get(g, ())}
                     for g, flags in manager.permissions.items() if g in PERMISSION_FLAGS}
            out.append({"user": name, "permissions": perms})
        return out

    def create_resource(self, args: AudienceManagersArgs) -> tuple[str, dict[str, Any]]:
        if not args.adopt:
            foreign = self._foreign(args.audience, [m.user for m in args.managers])
            if foreign:
                raise InputError(_foreign_message(self.resource_label, args.audience, "manager", foreign))
        self._apply(args)
        return f"{args.audience}/managers", args.model_dump(mode="json")

    def update_resource(self, id_: str, olds: Mapping[str, Any], args: AudienceManagersArgs) -> dict[str, Any]:
        self._apply(args)
        return args.model_dump(mode="json")

    def read_resource(self, id_: str, props: Mapping[str, Any]) -> dict[str, Any] | None:
        audience = str(props.get("audience") or id_.rsplit("/managers", 1)[0])
        declared = [ManagerSpec.model_validate(m) for m in props.get("managers") or []]
        try:
            managers = self._read(audience, declared)
        except NotFound:
            return None
        return {"audience": props.get("audience"), "managers": managers, "adopt": props.get("adopt", False)}

    def delete_resource(self, id_: str, props: Mapping[str, Any]) -> None:
        audience = str(props.get("audience"))
        for manager in props.get("managers") or []:
            remove_quietly(partial(self.config.client.remove_audience_manager, audience, str(manager.get("user"))))


class AudienceManagers(ReadableResource, Resource, module="thrive", name="AudienceManagers"):
    """The managers of a Thrive audience or structure. See docs/thrive/audience-managers.md."""

    provider_class = AudienceManagersProvider

    audience: pulumi.Output[str]
    managers: pulumi.Output[list[dict[str, Any]]]

    def __init__(self, resource_name: str, *, audience: pulumi.Input[str],
                 managers: pulumi.Input[list[dict[str, Any]]], adopt: bool = False,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(AudienceManagersProvider(), resource_name,
                         {"audience": audience, "managers": managers, "adopt": adopt}, opts)
