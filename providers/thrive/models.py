"""Thrive Learning audience inputs (strict), wire shapes (lenient) and each resource's outputs (``*State``).

Docs: docs.thrivelearning.com/apidocs (adds-a-new-audience, gets-an-audience, updates-an-audience-1,
deletes-an-audience); summary with confidence levels in shared/vendors/thrive.md.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .._core.paging import NumberedPage

ItemT = TypeVar("ItemT")

# "name string, max length 100", "reference string, max length 100" (adds-a-new-audience).
Name = Field(min_length=1, max_length=100)
Reference = Field(min_length=1, max_length=100, description="External reference: unique, the natural key.")


class StructureArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Name
    reference: str = Reference
    adopt: bool = Field(default=False, description="Manage an existing API-controlled structure with this reference.")


class AudienceArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Name
    reference: str = Reference
    parent: str = Field(min_length=1, description="Id or reference of the parent structure.")
    adopt: bool = Field(default=False, description="Manage an existing API-controlled audience with this reference.")


MAX_USERS_PER_CALL = 100  # documented: "Min items 1, max items 100" on add and replace


def _listed_once(field: str, users: list[str]) -> list[str]:
    """Each user once: Thrive knows a user by email, reference or id, compared case-insensitively (the list is a
    set to Thrive, so a repeat is a mistake: two spellings, or a copy-paste)."""
    first: dict[str, int] = {}
    for i, user in enumerate(users):
        if user.lower() in first:
            raise ValueError(f"{field}[{i}] {user!r} is listed twice (also {field}[{first[user.lower()]}]; Thrive "
                             "compares users case-insensitively): remove one")
        first[user.lower()] = i
    return users


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
        return _listed_once("members", users)


# Input permission flags (add-a-user-to-an-audiences-managers-list); `manageMembers` and
# `canManageAudiences` appear only in GET output and are not settable.
PERMISSION_FLAGS = {
    "audienceManager": ("manageContent", "assignments"),
    "peopleManager": ("canViewLearnPage", "insights", "manage"),
    "administrator": ("canAddAudienceManagers",),  # structures only
}


class ManagerSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user: str = Field(min_length=1, description="User email or reference in Thrive.")
    permissions: dict[str, dict[str, bool]] = Field(
        default_factory=dict, description="Thrive's permission object: audienceManager, peopleManager, administrator.")

    @field_validator("permissions")
    @classmethod
    def _known_flags(cls, value: dict[str, dict[str, bool]]) -> dict[str, dict[str, bool]]:
        for group, flags in value.items():
            if group not in PERMISSION_FLAGS:
                raise ValueError(f"unknown permission group {group!r}; expected one of {', '.join(PERMISSION_FLAGS)}")
            unknown = set(flags) - set(PERMISSION_FLAGS[group])
            if unknown:
                settable = list(PERMISSION_FLAGS[group])
                raise ValueError(f"unknown {group} flag(s) {sorted(unknown)}; settable: {settable}")
        return value

    def normalized(self) -> dict[str, Any]:
        """Every settable flag present (missing ones default to false, as Thrive does)."""
        groups = [g for g in PERMISSION_FLAGS if g != "administrator" or g in self.permissions]
        perms = {g: {f: bool(self.permissions.get(g, {}).get(f, False)) for f in PERMISSION_FLAGS[g]} for g in groups}
        return {"user": self.user, "permissions": perms}


class AudienceManagersArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    audience: str = Field(min_length=1, description="Id or reference of the audience or structure.")
    managers: list[ManagerSpec]
    adopt: bool = Field(default=False, description="Take over an audience that already has managers outside the "
                                                    "list (they are removed at create).")

    @field_validator("managers")
    @classmethod
    def _once(cls, managers: list[ManagerSpec]) -> list[ManagerSpec]:
        _listed_once("managers", [m.user for m in managers])
        return managers


class Manager(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    user_id: str = Field(alias="userId")
    reference: str | None = None
    email: str | None = None
    permissions: dict[str, dict[str, bool]] = {}

    def known_as(self) -> set[str]:
        return {v.lower() for v in (self.user_id, self.reference, self.email) if v}


class Member(BaseModel):
    """An audience member (gets-an-audience-members-list)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    user_id: str = Field(alias="userId")
    reference: str | None = None
    email: str | None = None

    def known_as(self) -> set[str]:
        return {v.lower() for v in (self.user_id, self.reference, self.email) if v}


class User(BaseModel):
    """A user of the tenant (search-users-and-return-basic-user-information): only what identifies them."""

    model_config = ConfigDict(extra="ignore")

    id: str
    ref: str | None = None
    email: str | None = None

    def known_as(self) -> set[str]:
        return {v.lower() for v in (self.id, self.ref, self.email) if v}


class ResultsPage(NumberedPage[ItemT], Generic[ItemT]):
    """Every Thrive list pages the same way: ``?page&perPage`` asks, ``{results, pagination}`` answers."""

    model_config = ConfigDict(extra="ignore")
    size_param = "perPage"

    results: list[ItemT] = []
    pagination: dict[str, Any] | None = None

    def page_items(self) -> list[ItemT]:
        return self.results

    def total_pages(self) -> int | None:
        # `pagination.totalPages` (the envelope seen on gets-audiences); absent, a short page ends the list.
        total = (self.pagination or {}).get("totalPages")
        return int(total) if isinstance(total, (int, float)) else None


class UserPage(ResultsPage[User]):
    """One page of ``GET /users``."""


class MemberPage(ResultsPage[Member]):
    """One page of ``GET /audiences/{key}/members``."""


class EntityOutcome(BaseModel):
    model_config = ConfigDict(extra="ignore")

    count: int = 0
    entities: list[dict[str, Any]] = []


class MembersOutcome(BaseModel):
    """200 (all added) or 207 (partial): `{success: {count, entities}, failure?: {count, entities}}`."""

    model_config = ConfigDict(extra="ignore")

    success: EntityOutcome = EntityOutcome()
    failure: EntityOutcome | None = None


class ParentRef(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str | None = None
    name: str | None = None
    reference: str | None = None


class AudienceObject(BaseModel):
    """The Audience object (gets-an-audience)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str
    name: str
    reference: str | None = None
    api_controlled: bool = Field(default=False, alias="apiControlled")
    category: str
    type: str | None = None
    parent: ParentRef | None = None
    created_at: str | None = Field(default=None, alias="createdAt")
    updated_at: str | None = Field(default=None, alias="updatedAt")


class AudiencePage(ResultsPage[AudienceObject]):
    """One page of ``GET /audiences``."""


class TokenResponse(BaseModel):
    model_config = ConfigDict(extra="ignore")

    access_token: str
    expires_in: float = 3600
    scope: str | None = None


# -- outputs: one model per resource, every output the provider returns (inputs included) ----------------------
# Inputs are optional here: a refresh copies them from a state that older versions may have written without one.
class _State(BaseModel):
    model_config = ConfigDict(extra="forbid")


S = TypeVar("S", bound="StructureState")


class StructureState(_State):
    name: str | None = None
    reference: str | None = None
    adopt: bool | None = None
    thrive_id: str | None = None
    api_controlled: bool | None = None
    category: str | None = None
    type: str | None = None
    # Not kept: Thrive's timestamps (updated_at changes with every write, ours or not, so state would churn on each
    # refresh) and the parent's {id, name, reference} (the `parent` input and the parent resource already say it).

    @classmethod
    def of(cls: builtins.type[S], inputs: Mapping[str, Any], obj: AudienceObject) -> S:
        """The declared ``inputs`` with what Thrive says of the audience ``obj``."""
        return cls(**inputs, thrive_id=obj.id, api_controlled=obj.api_controlled, category=obj.category,
                   type=obj.type)


class AudienceState(StructureState):
    parent: str | None = None


class AudienceMembersState(_State):
    audience: str | None = None
    members: list[str] | None = None
    membership: str | None = None
    adopt: bool | None = None
    member_count: int | None = None
    # Additive mode: the users this stack added (the only ones it removes); None when authoritative.
    added: list[str] | None = None


class AudienceManagersState(_State):
    audience: str | None = None
    managers: list[dict[str, Any]] | None = None
    adopt: bool | None = None
