"""UnleashX inputs (strict), wire shapes (lenient) and each resource's outputs (``*State``).

Docs: https://docs.unleashx.ai/api-reference/campaigns/ (create-campaign, update-campaign, audience-list,
campaign-audience-stats, delete-audience); summary with confidence levels in shared/vendors/unleashx.md.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from .._core.paging import NumberedPage

# Documented: "max_retry cannot be greater than 50", "Required range: 1 <= x <= 50" (create-campaign).
MAX_RETRY = 50
# Not documented: a common column size, so a typo'd 10 kB name fails at preview instead of at the vendor.
MAX_NAME = 255
CampaignStatus = Literal["draft", "inprogress", "hold", "pause"]  # documented on update-campaign
Operator = Literal["==", "!=", ">", ">=", "<", "<=", "contains", "startsWith", "endsWith"]

PHONE = re.compile(r"^\+?[0-9][0-9 ().\-]*$")


def _no_bool(value: Any) -> Any:
    # pydantic reads True as 1: `campaign_id=True` would name campaign 1. A whole number (or its digits) only.
    if isinstance(value, bool):
        raise ValueError("expected a whole number, got a boolean")
    return value


# An input count or id (inputs only: wire models stay lenient).
Whole = Annotated[int, BeforeValidator(_no_bool)]


def canonical_phone(value: str) -> str:
    """The digits of a phone number: how numbers are compared (`+1 202-555-0123` == `12025550123`)."""
    return "".join(ch for ch in value if ch.isdigit())


def iso_date(value: str, field: str) -> str:
    # Documented: "start_date and end_date must be in YYYY-MM-DD format"; a real calendar date on top.
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(f"{field} must be a date in YYYY-MM-DD format, got {value!r}")
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{field} {value!r} is not a calendar date") from None
    return value


class MaxDelay(BaseModel):
    """Delay between retries; UnleashX wants it as a JSON *string* `{"d":..,"h":..,"m":..}` (create-campaign)."""

    model_config = ConfigDict(extra="forbid")

    d: Whole = Field(default=0, ge=0, description="days")
    h: Whole = Field(default=0, ge=0, description="hours")
    m: Whole = Field(default=0, ge=0, description="minutes")

    def wire(self) -> str:
        return json.dumps({"d": self.d, "h": self.h, "m": self.m}, separators=(",", ":"))


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: str = Field(min_length=1)
    operator: Operator
    value: str


class ConditionGroup(BaseModel):
    """One group of the documented `conditions` array (update-campaign); groups are joined by `join`."""

    model_config = ConfigDict(extra="forbid")

    rules: list[Rule] = Field(min_length=1)
    join: Literal["OR", "AND"] | None = None


# -- wire shapes (lenient: a field UnleashX adds breaks nothing) ---------------------------------------------
class CampaignObject(BaseModel):
    """`data` of create/update-campaign: not documented (the docs show only a message), so all optional."""

    model_config = ConfigDict(extra="ignore")

    id: int | None = None
    campaign_name: str | None = None
    campaign_status: str | None = None
    created_at: str | None = None
    updated_at: str | None = None


class CampaignResponse(BaseModel):
    model_config = ConfigDict(extra="ignore")

    message: str | None = None
    data: CampaignObject | None = None


class AudienceRecord(BaseModel):
    """One row of audience-list (default mode: `status` is the label, e.g. "Fresh")."""

    model_config = ConfigDict(extra="ignore")

    id: int
    mobile_no: str
    input_data: Any = None
    status: str | int | None = None


class Pagination(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    total_records: int = Field(default=0, alias="totalRecords")
    total_pages: int = Field(default=0, alias="totalPages")
    current_page: int = Field(default=1, alias="currentPage")
    limit: int = 10


class AudiencePage(NumberedPage[AudienceRecord]):
    """One page of ``GET /audience-list?campaign_id&page&limit``."""

    model_config = ConfigDict(extra="ignore")

    datalist: list[AudienceRecord] = []
    pagination: Pagination = Field(default_factory=Pagination)

    def page_items(self) -> list[AudienceRecord]:
        return self.datalist

    def total_pages(self) -> int:
        return self.pagination.total_pages


class AudienceStats(BaseModel):
    model_config = ConfigDict(extra="ignore")

    total_audience: int = 0
    coverage: float = 0
    total_attempt: int = 0
    total_duration: int = 0
    successful_calls: int = 0


class Agent(BaseModel):
    """One agent of agents/get (https://docs.unleashx.ai/api-reference/voice-ai/list-voice-agents)."""

    model_config = ConfigDict(extra="ignore")

    agent_id: int
    agent_name: str | None = None
    agent_type: int | None = None  # documented: 2 Chat, 3 Telephony (makes calls), 4 General

    def describe(self) -> str:
        kind = {2: "chat", 3: "telephony", 4: "general"}.get(self.agent_type or 0)
        return f"{self.agent_id} ({self.agent_name or 'unnamed'}{', ' + kind if kind else ''})"


class AgentsResponse(BaseModel):
    """agents/get answers `{error, code, message, data: {success, message, data}}`; the inner `data` is one agent
    when `agent_id` is given (documented) and, we infer, a list of them otherwise."""

    model_config = ConfigDict(extra="ignore")

    data: dict[str, Any] | None = None

    def agents(self) -> list[Agent]:
        inner = (self.data or {}).get("data")
        if isinstance(inner, dict):
            inner = [inner]
        return [Agent.model_validate(item) for item in inner or [] if isinstance(item, dict)]


class RecordState(BaseModel):
    """One audience record a CampaignAudience owns, as its `records` output lists it.

    Not its call status: UnleashX moves it (Fresh, Inqueue, Completed) as calls run, so every refresh would rewrite
    the state while nothing here compares it; the UnleashX UI shows it live.
    """

    id: int
    mobile_no: str

    @classmethod
    def from_wire(cls, record: AudienceRecord) -> RecordState:
        return cls(id=record.id, mobile_no=record.mobile_no)
