"""Lifecycles of Thrive ``AudienceMembers`` and ``AudienceManagers``: the people of one audience. No Pulumi.

Members are authoritative (the audience holds exactly the list) or additive (the stack adds users and removes
only the ones it added, recorded in the ``added`` output); managers are authoritative, with Thrive's permission
objects. Both are imported by the audience's id: an import takes over every current member (manager).
Docs: gets-an-audience-members-list, adds-users-to-an-audience, replaces-an-audiences-members,
add-a-user-to-an-audiences-managers-list (docs.thrivelearning.com/apidocs).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .._core import siblings
from .._core.errors import Forbidden, InputError, NotFound, ProviderError
from .._core.forms import ProgramForm
from .._core.lifecycle import Failure, Lifecycle, contains_unknown, set_paths, user_inputs
from .._core.util import chunks, remove_quietly
from .client import Client
from .config import ThriveConfig
from .models import (
    MAX_USERS_PER_CALL,
    PERMISSION_FLAGS,
    ManagerSpec,
    Member,
    MembersOutcome,
    StateBase,
    listed_once,
)


# -- the resource's inputs and outputs ------------------------------------------------------------------------
class AudienceMembersArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    audience: str = Field(min_length=1, description="Id or reference of the audience (e.g. `backend.id`).")
    members: list[Annotated[str, Field(min_length=1)]] = Field(
        description="Users by email, reference or Thrive id; they must exist in Thrive. A set: order is no change.")
    membership: Literal["authoritative", "additive"] = "authoritative"
    adopt: bool = Field(default=False, description="Authoritative only: take over an audience that already has "
                                                    "members outside the list (they are removed at create).")

    @field_validator("members")
    @classmethod
    def _once(cls, users: list[str]) -> list[str]:
        return listed_once("members", users)


class AudienceManagersArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    audience: str = Field(min_length=1, description="Id or reference of the audience or structure.")
    managers: list[ManagerSpec]
    adopt: bool = Field(default=False, description="Take over an audience that already has managers outside the "
                                                    "list (they are removed at create).")

    @field_validator("managers")
    @classmethod
    def _once(cls, managers: list[ManagerSpec]) -> list[ManagerSpec]:
        listed_once("managers", [m.user for m in managers])
        return managers


class AudienceMembersState(StateBase):
    audience: str | None = None
    members: list[str] | None = None
    membership: str | None = None
    adopt: bool | None = None
    member_count: int | None = None
    # Additive mode: the users this stack added (the only ones it removes); None when authoritative.
    added: list[str] | None = None


class AudienceManagersState(StateBase):
    audience: str | None = None
    managers: list[dict[str, Any]] | None = None
    adopt: bool | None = None



# -- its lifecycle --------------------------------------------------------------------------------------------
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


def _tenant_users(client: Client) -> set[str]:
    """Every way the tenant's users are known (id, reference, email; lower case), read once per process."""
    return client.once("users", lambda: set().union(*(u.known_as() for u in client.iter_users())))


def _unknown_users_failure(lifecycle: Lifecycle[Any, ThriveConfig], field: str, declared: list[str],
                           before: list[str]) -> Failure | None:
    """At preview, read-only: users newly listed that Thrive does not have (the write would answer 207 for them)."""
    had = {u.lower() for u in before}
    new = [u for u in dict.fromkeys(declared) if u.lower() not in had]
    if not new:
        return None
    try:
        known = _tenant_users(lifecycle.config.client)
    except (Forbidden, NotFound):
        return None  # this tenant or token can't list users: the write reports them instead
    missing = [u for u in new if u.lower() not in known]
    if not missing:
        return None
    shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
    return lifecycle.failure(field, f"{len(missing)} user(s) in {field} do not exist in Thrive: {shown}. Thrive "
                                    "only adds users that already exist (by email, reference or id); create them "
                                    "in Thrive or fix the list. Nothing was changed.")


def _list_claim(inputs: Mapping[str, Any], field: str, space: str) -> list[siblings.Claim]:
    """An authoritative list claims its audience: two of them would each remove the other's users."""
    audience = inputs.get("audience")
    if not isinstance(audience, str) or not audience or contains_unknown(audience):
        return []
    return [siblings.Claim(space, audience, "audience", audience,
                           f"Each authoritative {field} list makes the audience hold exactly its users, so two of "
                           "them would remove each other's")]


def _audience_of(id_: str, suffix: str) -> str:
    """The audience of a resource id: ``<audience>/members`` (as created) or the audience's id or reference."""
    return id_[:-len(suffix)] if id_.endswith(suffix) else id_


def _present(current: list[Member]) -> set[str]:
    return set().union(*(m.known_as() for m in current)) if current else set()


class AudienceMembersLifecycle(Lifecycle[AudienceMembersArgs, ThriveConfig]):
    """The members of a Thrive audience."""

    resource_label = "thrive:AudienceMembers"
    args_model = AudienceMembersArgs
    state_model = AudienceMembersState
    replace_fields = frozenset({"audience"})
    create_only_fields = frozenset({"adopt"})
    program_forms: ClassVar[Mapping[str, ProgramForm]] = {"membership": ProgramForm(str)}  # a plain value

    def _current(self, audience: str) -> list[Member]:
        return list(self.config.client.iter_audience_members(audience))

    # -- diff: Thrive holds a set of users, compared case-insensitively ---------------------------------------
    def comparable(self, field_name: str, props: Mapping[str, Any], *, state: bool) -> Any:
        value = props.get(field_name)
        if field_name == "members" and isinstance(value, list):
            return sorted({str(u).lower() for u in value})
        return value

    def detailed_paths(self, field_name: str, olds: Mapping[str, Any],
                       news: Mapping[str, Any]) -> dict[str, str] | None:
        if field_name != "members":
            return None
        return set_paths("members", olds.get("members"), news.get("members"), key=lambda u: str(u).lower())

    def claims(self, inputs: Mapping[str, Any]) -> list[siblings.Claim]:
        return _list_claim(inputs, "members", "thrive:members") if inputs.get("membership") != "additive" else []

    @staticmethod
    def _foreign(current: list[Member], declared: list[str]) -> list[str]:
        wanted = {u.lower() for u in declared}
        return [m.email or m.reference or m.user_id for m in current if not m.known_as() & wanted]

    def locate(self, inputs: Mapping[str, Any], held: set[str]) -> list[tuple[str, str]] | None:
        audience, id_ = str(inputs.get("audience")), f"{inputs.get('audience')}/members"
        try:
            count = len(self._current(audience))
        except NotFound:
            return []
        return [] if id_ in held else [(id_, f"members of audience {audience!r} ({count} now)")]

    # -- check -----------------------------------------------------------------------------------
    def lookup_failures(self, inputs: Mapping[str, Any], olds: Mapping[str, Any]) -> list[Failure]:
        members = inputs.get("members")
        if not isinstance(members, list) or contains_unknown(members):
            return []
        failure = _unknown_users_failure(self, "members", [str(u) for u in members],
                                         [str(u) for u in olds.get("members") or []])
        return [failure] if failure else []

    def ownership_failures(self, olds: Mapping[str, Any], inputs: Mapping[str, Any],
                           failures: list[Failure]) -> list[Failure]:
        # A new authoritative list over an audience that already has other members would remove them.
        audience, members = inputs.get("audience"), inputs.get("members")
        if (user_inputs(olds) or failures or inputs.get("adopt") or inputs.get("membership") == "additive"
                or not isinstance(audience, str) or contains_unknown(audience) or contains_unknown(members)):
            return []
        try:
            foreign = self._foreign(self._current(audience), [str(u) for u in members or []])
        except NotFound:
            return []  # said at `up`, where the audience must exist
        return [Failure("members", _foreign_message(self.resource_label, audience, "member", foreign))] \
            if foreign else []

    # -- create / read / update / delete -----------------------------------------------------------
    def _apply(self, args: AudienceMembersArgs, added: list[str] | None, *, creating: bool) -> list[str] | None:
        """Bring the audience to ``args``; returns, in additive mode, the users this stack has added."""
        client, audience = self.config.client, args.audience
        current = self._current(audience)
        authoritative = args.membership == "authoritative"
        if creating and authoritative and not args.adopt:
            foreign = self._foreign(current, args.members)
            if foreign:
                raise InputError(_foreign_message(self.resource_label, audience, "member", foreign))
        present = _present(current)
        errors: list[str] = []
        to_add = [u for u in dict.fromkeys(args.members) if u.lower() not in present]
        for chunk in chunks(to_add, MAX_USERS_PER_CALL):
            errors += _failures(client.add_audience_members(audience, chunk))
        wanted = {u.lower() for u in args.members}
        mine: list[str] | None = None
        if authoritative:
            for member in current:
                if not member.known_as() & wanted:
                    remove_quietly(partial(client.remove_audience_member, audience, member.user_id))
        else:
            # Additive: users who were members before the stack listed them are not the stack's; only the ones
            # it added are, and only those leave when they drop off the list or at destroy.
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
        return AudienceMembersState(**args.model_dump(mode="json"), member_count=len(current),
                                    added=added).model_dump(mode="json")

    def create_resource(self, args: AudienceMembersArgs) -> tuple[str, dict[str, Any]]:
        added = self._apply(args, None, creating=True)
        return f"{args.audience}/members", self._outputs(args, added)

    def update_resource(self, id_: str, olds: Mapping[str, Any], args: AudienceMembersArgs) -> dict[str, Any]:
        previous = olds.get("added") if olds.get("membership") == "additive" else None
        added = self._apply(args, [str(u) for u in previous or []], creating=False)
        return self._outputs(args, added)

    def by_import_id(self, id_: str) -> tuple[str, dict[str, Any]]:
        # `pulumi import` / `import_=` by the audience's id or reference (or the `<audience>/members` id a create
        # records). An import is the user's instruction to take the audience's members over: every current member
        # becomes an input (authoritative), as the program must then declare them.
        audience = _audience_of(id_, "/members")
        return f"{audience}/members", {"audience": audience}

    def read_resource(self, id_: str, props: Mapping[str, Any]) -> dict[str, Any] | None:
        audience = str(props.get("audience") or _audience_of(id_, "/members"))
        try:
            current = self._current(audience)
        except NotFound:
            return None
        declared = [str(u) for u in props.get("members") or []]
        present = _present(current)
        members = [u for u in declared if u.lower() in present]
        if props.get("membership") != "additive":
            # Authoritative: users added outside the stack show up as drift (by their email or reference).
            foreign = self._foreign(current, declared)
            # An import (no members recorded yet): sorted, so the generated code is the same on every run.
            members += foreign if "members" in props else sorted(foreign, key=str.lower)
        added = props.get("added")
        if isinstance(added, list):
            added = [u for u in added if str(u).lower() in present]
        return AudienceMembersState(**{**self.recorded_inputs(props), "members": members},
                                    member_count=len(current), added=added).model_dump(mode="json")

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


def _manager_users(managers: Any) -> list[str]:
    return [str(m.get("user")) for m in managers or [] if isinstance(m, Mapping)]


def _comparable_manager(spec: ManagerSpec) -> dict[str, Any]:
    """A manager as compared: every settable flag, and no ``administrator`` group whose flags are all false.

    Thrive reads a structure's managers back with an ``administrator`` group, all false unless set; a program
    (or an import's generated code) that leaves the group out means the same, so it is no change.
    """
    normalized = spec.normalized()
    admin = normalized["permissions"].get("administrator")
    if admin is not None and not any(admin.values()):
        del normalized["permissions"]["administrator"]
    return normalized


class AudienceManagersLifecycle(Lifecycle[AudienceManagersArgs, ThriveConfig]):
    """The complete manager list of one audience (authoritative), with Thrive's permission objects."""

    resource_label = "thrive:AudienceManagers"
    args_model = AudienceManagersArgs
    state_model = AudienceManagersState
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

    # -- check -----------------------------------------------------------------------------------
    def lookup_failures(self, inputs: Mapping[str, Any], olds: Mapping[str, Any]) -> list[Failure]:
        managers = inputs.get("managers")
        if not isinstance(managers, list) or contains_unknown(managers):
            return []
        failure = _unknown_users_failure(self, "managers", _manager_users(managers),
                                         _manager_users(olds.get("managers")))
        return [failure] if failure else []

    def ownership_failures(self, olds: Mapping[str, Any], inputs: Mapping[str, Any],
                           failures: list[Failure]) -> list[Failure]:
        audience, managers = inputs.get("audience"), inputs.get("managers")
        if (user_inputs(olds) or failures or inputs.get("adopt") or not isinstance(audience, str)
                or contains_unknown(audience) or contains_unknown(managers)):
            return []
        try:
            foreign = self._foreign(audience, _manager_users(managers))
        except NotFound:
            return []
        return [Failure("managers", _foreign_message(self.resource_label, audience, "manager", foreign))] \
            if foreign else []

    # -- diff ------------------------------------------------------------------------------------
    def comparable(self, field_name: str, props: Mapping[str, Any], *, state: bool) -> Any:
        if field_name == "managers":
            specs = [_comparable_manager(ManagerSpec.model_validate(m)) for m in props.get("managers") or []]
            return sorted(specs, key=lambda m: str(m["user"]).lower())
        return props.get(field_name)

    def detailed_paths(self, field_name: str, olds: Mapping[str, Any],
                       news: Mapping[str, Any]) -> dict[str, str] | None:
        if field_name != "managers":
            return None

        def same(a: Any, b: Any) -> bool:
            return bool(_comparable_manager(ManagerSpec.model_validate(a))
                        == _comparable_manager(ManagerSpec.model_validate(b)))

        return set_paths("managers", olds.get("managers"), news.get("managers"),
                         key=lambda m: str(m.get("user", "")).lower() if isinstance(m, Mapping) else str(m), same=same)

    def claims(self, inputs: Mapping[str, Any]) -> list[siblings.Claim]:
        return _list_claim(inputs, "managers", "thrive:managers")

    # -- create / read / update / delete -----------------------------------------------------------
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

    @staticmethod
    def _outputs(inputs: BaseModel) -> dict[str, Any]:
        return AudienceManagersState(**inputs.model_dump(mode="json")).model_dump(mode="json")

    def create_resource(self, args: AudienceManagersArgs) -> tuple[str, dict[str, Any]]:
        if not args.adopt:
            foreign = self._foreign(args.audience, [m.user for m in args.managers])
            if foreign:
                raise InputError(_foreign_message(self.resource_label, args.audience, "manager", foreign))
        # Declared exactly as they are (a program `audience-providers discover` wrote, or one written by hand):
        # taking them over needs no PATCH, which would rewrite every manager to the same values.
        current = {"managers": self._read(args.audience, args.managers)}
        if self.comparable("managers", current, state=True) != self.comparable("managers", args.model_dump(),
                                                                                state=False):
            self._apply(args)
        return f"{args.audience}/managers", self._outputs(args)

    def update_resource(self, id_: str, olds: Mapping[str, Any], args: AudienceManagersArgs) -> dict[str, Any]:
        self._apply(args)
        return self._outputs(args)

    def by_import_id(self, id_: str) -> tuple[str, dict[str, Any]]:
        # As for members: an import takes over every current manager, with their current permissions.
        audience = _audience_of(id_, "/managers")
        return f"{audience}/managers", {"audience": audience}

    def read_resource(self, id_: str, props: Mapping[str, Any]) -> dict[str, Any] | None:
        audience = str(props.get("audience") or _audience_of(id_, "/managers"))
        declared = [ManagerSpec.model_validate(m) for m in props.get("managers") or []]
        try:
            managers = self._read(audience, declared)
        except NotFound:
            return None
        if "managers" not in props:  # an import: sorted, so the generated code is the same on every run
            managers.sort(key=lambda m: str(m["user"]).lower())
        return AudienceManagersState(audience=props.get("audience"), managers=managers,
                                     adopt=props.get("adopt", False)).model_dump(mode="json")

    def delete_resource(self, id_: str, props: Mapping[str, Any]) -> None:
        audience = str(props.get("audience"))
        for manager in props.get("managers") or []:
            remove_quietly(partial(self.config.client.remove_audience_manager, audience, str(manager.get("user"))))
