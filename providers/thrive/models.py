"""Thrive Learning audience inputs (strict), wire shapes (lenient) and each resource's outputs (``*State``).

Docs: docs.thrivelearning.com/apidocs (adds-a-new-audience, gets-an-audience, updates-an-audience-1,
deletes-an-audience); summary with confidence levels in shared/vendors/thrive.md.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .._core.paging import NumberedPage

ItemT = TypeVar("ItemT")

# "name string, max length 100", "reference string, max length 100" (adds-a-new-audience).
Name = Field(min_length=1, max_length=100)
Reference = Field(min_length=1, max_length=100, description="External reference: unique, the natural key.")


MAX_USERS_PER_CALL = 100  # documented: "Min items 1, max items 100" on add and replace


def listed_once(field: str, users: list[str]) -> list[str]:
    """Each user once: Thrive knows a user by email, reference or id, compared case-insensitively (the list is a
    set to Thrive, so a repeat is a mistake: two spellings, or a copy-paste)."""
    first: dict[str, int] = {}
    for i, user in enumerate(users):
        if user.lower() in first:
            raise ValueError(f"{field}[{i}] {user!r} is listed twice (also {field}[{first[user.lower()]}]; Thrive "
                             "compares users case-insensitively): remove one")
        first[user.lower()] = i
    return users


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
class StateBase(BaseModel):
    model_config = ConfigDict(extra="forbid")


