"""Sonarly audience and folder inputs (strict), wire shapes (lenient) and each resource's outputs (``*State``).

Docs: app.sonarly.io/docs/api/ (audiences-create, audiences-update, audience-folders-create, audience-folders-rename,
audiences-folder-move-to, audiences-navigation-get, accounts); summary in shared/vendors/sonarly.md and what the
emulator assumes in emulators/sonarly/COVERAGE.md.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# audiences-create: `type` is required and one of these two.
AudienceType = Literal["on_demand", "monitoring"]
AUDIENCE_TYPES: tuple[str, ...] = ("on_demand", "monitoring")

# No length limit is documented; 255 is the emulator's (invented) cap, kept here so preview catches it.
Name = Field(min_length=1, max_length=255)

# prospecting-jobs-start: "url_upload requires 1-1000 LinkedIn profile URLs" per job; longer lists are sent in
# several jobs of at most this many.
MAX_UPLOAD_URLS = 1000
# A LinkedIn profile URL is https://www.linkedin.com/in/<public identifier>[/]; the public identifier is what the
# prospect object reports as `publicIdentifier` (audiences-prospects-list), so members are matched by it.
_PROFILE_URL = re.compile(r"^https?://(?:[a-z]{2,3}\.)?linkedin\.com/in/([^/?#\s]+)/?(?:[?#]\S*)?$", re.IGNORECASE)


def profile_id(url: str) -> str | None:
    """The public identifier in a LinkedIn profile URL, lower-cased; None when ``url`` is not one."""
    match = _PROFILE_URL.match(url.strip())
    return match.group(1).lower() if match else None


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


class NavigationFolder(FolderObject):
    audiences: list[AudienceObject] = []


class Navigation(BaseModel):
    """``GET /accounts/{ag}/audiences/navigation``: the only documented way to read folders."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    folders: list[NavigationFolder] = []
    ungrouped_audiences: list[AudienceObject] = Field(default=[], alias="ungroupedAudiences")
    server_time: datetime | None = Field(default=None, exclude=True)


class ProspectObject(BaseModel):
    """A member of an audience (audiences-prospects-list); only the fields the provider reads are typed."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str
    linkedin_url: str | None = Field(default=None, alias="linkedinUrl")
    public_identifier: str | None = Field(default=None, alias="publicIdentifier")

    def profile(self) -> str | None:
        if self.public_identifier:
            return self.public_identifier.lower()
        return profile_id(self.linkedin_url) if self.linkedin_url else None


class ProspectPage(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    items: list[ProspectObject] = []
    next_cursor: str | None = Field(default=None, alias="nextCursor")
    has_more: bool = Field(default=False, alias="hasMore")


ACTIVE_JOB_STATUSES = ("queued", "running")


class JobStart(BaseModel):
    """``POST /prospecting`` answer: 202 job created, or 200 "existing completed prospecting job replayed"."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    job_id: str = Field(alias="jobId")
    status: str
    created_at: str | None = Field(default=None, alias="createdAt")
    # Not in the body: True when the HTTP status was 200, i.e. the vendor replayed an earlier job for this key.
    replayed: bool = Field(default=False, exclude=True)


class JobError(BaseModel):
    model_config = ConfigDict(extra="ignore")

    code: str | None = None
    message: str | None = None


class JobStage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    status: str | None = None
    progress: float | None = None


class JobStatus(BaseModel):
    """``GET /prospecting/{jobId}``: ``{jobId, type, status, createdAt, updatedAt, stages, error}``."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    job_id: str = Field(alias="jobId")
    status: str
    stages: dict[str, JobStage] = {}
    error: JobError | None = None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_JOB_STATUSES

    def __repr__(self) -> str:
        # What a timed-out wait shows as "last seen".
        parts = [f"job {self.job_id} {self.status}"]
        parts += [f"{name} {stage.status} {stage.progress:.0%}" for name, stage in self.stages.items()
                  if stage.progress is not None]
        return ", ".join(parts)


class JobListItem(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    job_id: str = Field(alias="jobId")
    status: str


class JobPage(BaseModel):
    """One page of ``GET /prospecting?cursor&limit&status`` (prospecting-jobs-list)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    items: list[JobListItem] = []
    next_cursor: str | None = Field(default=None, alias="nextCursor")
    has_more: bool = Field(default=False, alias="hasMore")
