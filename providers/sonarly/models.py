"""Sonarly audience and folder inputs (strict) and wire shapes (lenient).

Docs: app.sonarly.io/docs/api/ (audiences-create, audiences-update, audience-folders-create, audience-folders-rename,
audiences-folder-move-to, audiences-navigation-get, accounts); summary in shared/vendors/sonarly.md and what the
emulator assumes in emulators/sonarly/COVERAGE.md.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# audiences-create: `type` is required and one of these two.
AudienceType = Literal["on_demand", "monitoring"]
AUDIENCE_TYPES: tuple[str, ...] = ("on_demand", "monitoring")

# No length limit is documented; 255 is the emulator's (invented) cap, kept here so preview catches it.
Name = Field(min_length=1, max_length=255)


class AudienceFolderArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Name
    audience_type: AudienceType = Field(description="Which audiences the folder may hold; immutable (replace).")


class AudienceArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Name
    type: AudienceType = Field(description="on_demand or monitoring; not patchable, so a change replaces.")
    description: str | None = None
    folder_id: str | None = Field(default=None, min_length=1, description="Folder to keep the audience in.")
    adopt_id: str | None = Field(default=None, min_length=1,
                                 description="Manage this existing audience instead of creating one.")


def parse_timestamp(value: str | None) -> datetime | None:
    """Sonarly timestamps look like ``2026-05-01T12:00:00.000Z`` (getting-started); None when unparseable."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class AccountGroup(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str
    name: str | None = None
    created_at: str | None = Field(default=None, alias="createdAt")


class AccountGroupPage(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    items: list[AccountGroup] = []
    next_cursor: str | None = Field(default=None, alias="nextCursor")
    has_more: bool = Field(default=False, alias="hasMore")


class AudienceObject(BaseModel):
    """The audience object: ``{id, name, type, description, folderId, prospectCount, createdAt}``."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str
    name: str
    # Lenient: the docs' response examples show values such as "linkedin_search" besides on_demand/monitoring.
    type: str | None = None
    description: str | None = None
    folder_id: str | None = Field(default=None, alias="folderId")
    prospect_count: int | None = Field(default=None, alias="prospectCount")
    created_at: str | None = Field(default=None, alias="createdAt")

    def outputs(self) -> dict[str, Any]:
        return {
            "folder_id": self.folder_id,
            "prospect_count": self.prospect_count,
            "created_at": self.created_at,
            "reported_type": self.type,
        }


class AudiencePage(BaseModel):
    """One page of ``GET /accounts/{ag}/audiences``: audiences still being populated are not in it."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    items: list[AudienceObject] = []
    next_cursor: str | None = Field(default=None, alias="nextCursor")
    has_more: bool = Field(default=False, alias="hasMore")
    # Not in the body: the HTTP `Date` header of the response, filled in by the client (the vendor's clock).
    server_time: datetime | None = Field(default=None, exclude=True)


class FolderObject(BaseModel):
    """The folder object: ``{id, name, audienceType, isPinned, position, createdAt, updatedAt}``."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str
    name: str
    audience_type: str | None = Field(default=None, alias="audienceType")
    is_pinned: bool | None = Field(default=None, alias="isPinned")
    position: int | None = None
    created_at: str | None = Field(default=None, alias="createdAt")
    updated_at: str | None = Field(default=None, alias="updatedAt")

    def outputs(self) -> dict[str, Any]:
        return {
            "is_pinned": self.is_pinned,
            "position": self.position,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


class NavigationFolder(FolderObject):
    audiences: list[AudienceObject] = []


class Navigation(BaseModel):
    """``GET /accounts/{ag}/audiences/navigation``: the only documented way to read folders."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    folders: list[NavigationFolder] = []
    ungrouped_audiences: list[AudienceObject] = Field(default=[], alias="ungroupedAudiences")
    server_time: datetime | None = Field(default=None, exclude=True)
