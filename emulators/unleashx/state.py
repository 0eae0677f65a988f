"""UnleashX state: workspace-scoped voice agents, calling campaigns and the audience records inside them.

"Audience" at UnleashX means the contact records of one campaign (integer id, phone number, free-form
input data), not a reusable list. No documented endpoint adds records (the docs only say an xlsx template
is uploaded "via the audience field" of create/update campaign, whose documented bodies are JSON with no such
field), so records enter the emulator through the admin seed only. See COVERAGE.md for every choice.

routes.py parses queries (agents, paging, campaign ids) into typed arguments. The create-campaign,
update-campaign and delete-audience bodies are still judged here, field by field: their checks interleave
lookups (agent, campaign, unique name) with shape checks, and moving the shape checks ahead would change which
error a body with several faults gets.
"""

from __future__ import annotations

import io
import itertools
import json
import math
import re
import threading
import time
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from xml.sax.saxutils import escape

from .errors import (
    AUDIENCE_REQUIRED,
    CAMPAIGN_NOT_EXIST,
    DELETE_ALL_DRAFT_ONLY,
    FORMAT_NOT_AVAILABLE,
    UnleashXError,
)

DEMO_TOKEN = "demo-unleashx-token"
DEMO_WORKSPACE = "demo-workspace"

# Documented audience status codes (audience-list page).
STATUS_LABELS = {0: "Fresh", 1: "Completed", 2: "Halted", 3: "Inqueue"}
CAMPAIGN_STATUSES = ("draft", "inprogress", "hold", "pause")
# Documented on the campaign-audience-stats page: what counts as a successful call.
SUCCESSFUL_CALL_STATUSES = frozenset({"AGENT_ENDED", "USER_ENDED", "COMPLETED", "ANSWER"})
CONDITION_OPERATORS = frozenset({"==", "!=", ">", ">=", "<", "<=", "contains", "startsWith", "endsWith"})
MAX_RETRY = 50
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CREATE_REQUIRED = ("agent_id", "campaign_name", "description", "start_date", "end_date", "max_retry")
# Documented headers of audience-list (the page excerpt is cut after "Disp..."; the last three are ours).
LIST_HEADERS = [
    {"key": "mobile_no", "label": "Mobile Number"},
    {"key": "input_data", "label": "Input Data"},
    {"key": "status", "label": "Lead Status"},
    {"key": "total_attempt", "label": "Attempt"},
    {"key": "last_call_status", "label": "Call Status"},
    {"key": "duration", "label": "Duration"},
    {"key": "last_disposition", "label": "Disposition"},
    {"key": "last_attempt", "label": "Last Attempt"},
    {"key": "updated_by", "label": "Updated By"},
]


def _now() -> str:
    # The docs show "2025-12-10 14:30:00" style timestamps (last_attempt), so we use that everywhere.
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def as_int(value: Any) -> int | None:
    """An integer id from JSON or a query string; bools are not ids even though Python says they are ints."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return None


def _duration_text(seconds: int) -> str:
    hours, rest = divmod(max(0, seconds), 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h"] if hours else []
    if hours or minutes:
        parts.append(f"{minutes}m")
    parts.append(f"{secs}s")
    return " ".join(parts)


# agents/get "Agent Types": 2 Chat, 3 Telephony ("for making calls"), 4 General.
AGENT_TYPES = (2, 3, 4)


@dataclass
class Agent:
    id: int
    name: str
    workspace: str
    # The agent's "metadata input" fields: they become the extra columns of the audience template.
    input_fields: list[str] = field(default_factory=list)
    agent_type: int = 3
    description: str = ""
    status: int = 1  # documented "1 = Active"
    calling_type: int | None = 1  # documented 1 Outbound, 2 Inbound, null not set
    created_on: str = field(default_factory=lambda: datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z"))

    def view(self) -> dict[str, Any]:
        # Field names of the documented single-agent answer (agents/get); voice fields are emulator placeholders.
        return {
            "agent_id": self.id,
            "agent_name": self.name,
            "description": self.description,
            "status": self.status,
            "agent_type": self.agent_type,
            "voice_id": None,
            "voice_provider": None,
            "transcriber_provider": None,
            "calling_type": self.calling_type,
            "created_on": self.created_on,
            "updated_on": self.created_on,
        }


@dataclass
class Record:
    id: int
    campaign_id: int
    mobile_no: str
    input_data: dict[str, Any]
    status: int = 0
    # Call attempts, oldest first: {"status": "COMPLETED", "duration": 150, "disposition": ..., "at": ...}.
    calls: list[dict[str, Any]] = field(default_factory=list)
    updated_by: str | None = None
    created_at: str = field(default_factory=_now)


@dataclass
class Campaign:
    id: int
    workspace: str
    agent_id: int | None
    campaign_name: str
    description: str
    start_date: str
    end_date: str
    max_retry: int
    max_delay: str | None
    campaign_status: str = "draft"
    conditions: list[dict[str, Any]] | None = None
    created_at: str = field(default_factory=_now)
    updated_at: str = field(default_factory=_now)
    records: dict[int, Record] = field(default_factory=dict)

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "agent_id": self.agent_id,
            "campaign_name": self.campaign_name,
            "description": self.description,
            "start_date": self.start_date,
            "end_date": self.end_date,
            "max_retry": self.max_retry,
            "max_delay": self.max_delay,
            "campaign_status": self.campaign_status,
            "conditions": self.conditions,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


def _demo_agents() -> dict[int, Agent]:
    return {
        101: Agent(101, "Demo Sales Agent", DEMO_WORKSPACE, ["name", "plan"]),
        102: Agent(102, "Demo Reminder Agent", DEMO_WORKSPACE, ["name", "due_date"]),
    }


class UnleashXState:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.tokens: dict[str, str] = {}
        self.agents: dict[int, Agent] = {}
        self.campaigns: dict[int, Campaign] = {}
        # The docs show create/update answering "Campaign created/updated successfully" and no body: by default
        # the answer is {"message"} alone; admin `return_campaign_data` adds an invented `data` (the campaign,
        # with its id), see COVERAGE.md.
        self.return_campaign_data = False
        self._campaign_ids = itertools.count(1)
        self._record_ids = itertools.count(1001)
        self.reset()

    # -- admin hooks -------------------------------------------------------------------------
    def reset(self) -> None:
        with self.lock:
            self.tokens = {DEMO_TOKEN: DEMO_WORKSPACE}
            self.agents = _demo_agents()
            self.campaigns = {}
            self.return_campaign_data = False
            self._campaign_ids = itertools.count(1)
            self._record_ids = itertools.count(1001)

    def configure(self, options: dict[str, Any]) -> None:
        unknown = sorted(set(options) - {"return_campaign_data"})
        if unknown:
            raise ValueError(f"unknown UnleashX emulator option(s) {unknown}; expected ['return_campaign_data']")
        with self.lock:
            if "return_campaign_data" in options:
                self.return_campaign_data = bool(options["return_campaign_data"])

    def dump(self) -> dict[str, Any]:
        with self.lock:
            return {
                "objects": {
                    "agents": {str(a.id): a.__dict__.copy() for a in self.agents.values()},
                    "campaigns": {
                        str(c.id): {
                            **c.view(),
                            "workspace": c.workspace,
                            "audience": [dict(r.__dict__) for r in sorted(c.records.values(), key=lambda r: r.id)],
                        }
                        for c in self.campaigns.values()
                    },
                },
                "meta": {"tokens": dict(self.tokens), "return_campaign_data": self.return_campaign_data},
            }

    def seed(self, data: dict[str, Any]) -> None:
        """Admin-only: tokens, agents, campaigns (any status, no validation) and audience records."""
        with self.lock:
            for item in data.get("tokens", []):
                if isinstance(item, str):
                    self.tokens[item] = DEMO_WORKSPACE
                else:
                    self.tokens[item["token"]] = item.get("workspace", DEMO_WORKSPACE)
            for item in data.get("agents", []):
                agent = Agent(int(item["id"]), item.get("name", f"Agent {item['id']}"),
                              item.get("workspace", DEMO_WORKSPACE), list(item.get("input_fields", [])),
                              agent_type=int(item.get("agent_type", 3)), calling_type=item.get("calling_type", 1))
                self.agents[agent.id] = agent
            for item in data.get("campaigns", []):
                cid = int(item["id"]) if "id" in item else next(self._campaign_ids)
                self._bump_campaign_ids(cid)
                self.campaigns[cid] = Campaign(
                    id=cid,
                    workspace=item.get("workspace", DEMO_WORKSPACE),
                    agent_id=item.get("agent_id", 101),
                    campaign_name=item.get("campaign_name", f"Seeded campaign {cid}"),
                    description=item.get("description", ""),
                    start_date=item.get("start_date", "2025-01-01"),
                    end_date=item.get("end_date", "2025-12-31"),
                    max_retry=int(item.get("max_retry", 1)),
                    max_delay=item.get("max_delay"),
                    campaign_status=item.get("campaign_status", "draft"),
                    conditions=item.get("conditions"),
                )
            for item in data.get("audience", []):
                campaign = self.campaigns[int(item["campaign_id"])]
                rid = int(item["id"]) if "id" in item else next(self._record_ids)
                self._bump_record_ids(rid)
                campaign.records[rid] = Record(
                    id=rid,
                    campaign_id=campaign.id,
                    mobile_no=str(item["mobile_no"]),
                    input_data=dict(item.get("input_data") or {}),
                    status=int(item.get("status", 0)),
                    calls=list(item.get("calls", [])),
                    updated_by=item.get("updated_by"),
                )

    def _bump_campaign_ids(self, used: int) -> None:
        # Keep generated ids above seeded ones so a later create never collides with a seeded campaign.
        probe = next(self._campaign_ids)
        self._campaign_ids = itertools.count(max(probe, used + 1))

    def _bump_record_ids(self, used: int) -> None:
        probe = next(self._record_ids)
        self._record_ids = itertools.count(max(probe, used + 1))

    # -- auth ----------------------------------------------------------------------------------
    def workspace_of(self, token: str) -> str | None:
        with self.lock:
            return self.tokens.get(token)

    # -- validation helpers ---------------------------------------------------------------------
    def _campaign(self, workspace: str, cid: int | None) -> Campaign:
        # Missing, malformed (None), unknown and other-workspace ids are all "Campaign not exist": the docs list
        # that single message for an invalid campaign_id, and hiding other workspaces' ids is what scoping means.
        campaign = self.campaigns.get(cid) if cid is not None else None
        if campaign is None or campaign.workspace != workspace:
            raise UnleashXError(404, CAMPAIGN_NOT_EXIST)
        return campaign

    def _agent(self, workspace: str, raw_id: Any) -> int:
        aid = as_int(raw_id)
        agent = self.agents.get(aid) if aid is not None else None
        if agent is None or agent.workspace != workspace:
            raise UnleashXError(404, "Agent not exist")
        return agent.id

    def _name(self, workspace: str, raw: Any, exclude: int | None) -> str:
        if not isinstance(raw, str) or not raw.strip():
            raise UnleashXError(400, "campaign_name is required")
        name = raw.strip()
        # Case-insensitive on purpose: the stricter reading of "unique within a workspace"; a client that copes
        # with it copes with an exact-match vendor too.
        for other in self.campaigns.values():
            if other.workspace == workspace and other.id != exclude and other.campaign_name.lower() == name.lower():
                raise UnleashXError(400, "Campaign name already exists")
        return name

    @staticmethod
    def _date(key: str, raw: Any) -> str:
        if isinstance(raw, str) and DATE_RE.match(raw):
            try:
                datetime.strptime(raw, "%Y-%m-%d")
                return raw
            except ValueError:
                pass
        raise UnleashXError(400, f"{key} must be in YYYY-MM-DD format")

    @staticmethod
    def _max_retry(raw: Any) -> int:
        value = as_int(raw) if not isinstance(raw, str) else None
        if value is None:
            raise UnleashXError(400, "max_retry must be an integer")
        if value > MAX_RETRY:
            raise UnleashXError(400, f"max_retry cannot be greater than {MAX_RETRY}")
        if value < 1:
            raise UnleashXError(400, "max_retry must be at least 1")
        return value

    @staticmethod
    def _max_delay(raw: Any) -> str:
        # Documented: a JSON *string* (not an object) with numeric keys d, h, m.
        message = 'max_delay must be a JSON string like "{\\"d\\":1,\\"h\\":2,\\"m\\":30}"'
        if not isinstance(raw, str):
            raise UnleashXError(400, message)
        try:
            parsed = json.loads(raw)
        except json.JSONDecodeError:
            raise UnleashXError(400, message) from None
        if not isinstance(parsed, dict) or not parsed or not set(parsed) <= {"d", "h", "m"}:
            raise UnleashXError(400, message)
        for value in parsed.values():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise UnleashXError(400, message)
        return raw

    @staticmethod
    def _conditions(raw: Any) -> list[dict[str, Any]] | None:
        if raw is None:
            return None  # documented: "conditions": null clears them
        if not isinstance(raw, list):
            raise UnleashXError(400, "conditions must be an array of groups")
        for group in raw:
            if not isinstance(group, dict) or not isinstance(group.get("rules"), list) or not group["rules"]:
                raise UnleashXError(400, "each conditions group needs a non-empty rules array")
            if "join" in group and group["join"] not in ("OR", "AND"):
                raise UnleashXError(400, "join must be OR or AND")
            for rule in group["rules"]:
                if not isinstance(rule, dict) or not all(isinstance(rule.get(k), str) for k in ("field", "value")):
                    raise UnleashXError(400, "each rule needs string field and value")
                if rule.get("operator") not in CONDITION_OPERATORS:
                    raise UnleashXError(400, f"operator must be one of {', '.join(sorted(CONDITION_OPERATORS))}")
        return raw

    # -- agents ---------------------------------------------------------------------------------
    def get_agents(self, workspace: str, agent_id: int | None, agent_type: int | None) -> dict[str, Any]:
        """agents/get: one agent by `agent_id`, or every agent of the workspace, optionally by `agent_type`."""
        with self.lock:
            mine = sorted((a for a in self.agents.values() if a.workspace == workspace), key=lambda a: a.id)
            if agent_type is not None:
                mine = [a for a in mine if a.agent_type == agent_type]
            if agent_id is not None:
                match = [a for a in mine if a.id == agent_id]
                if not match:
                    raise UnleashXError(404, "Voice agent not found")
                data: Any = match[0].view()
                message = "Voice agent retrieved successfully"
            else:
                data = [a.view() for a in mine]
                message = "Voice agents retrieved successfully"
        return {"error": False, "code": 200, "message": message, "timestamp": int(time.time() * 1000),
                "data": {"success": True, "message": message, "data": data}}

    # -- campaigns ------------------------------------------------------------------------------
    def create_campaign(self, workspace: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            for key in CREATE_REQUIRED:
                if body.get(key) in (None, ""):
                    raise UnleashXError(400, f"{key} is required")
            agent_id = self._agent(workspace, body["agent_id"])
            name = self._name(workspace, body["campaign_name"], None)
            if not isinstance(body["description"], str):
                raise UnleashXError(400, "description must be a string")
            start = self._date("start_date", body["start_date"])
            end = self._date("end_date", body["end_date"])
            max_retry = self._max_retry(body["max_retry"])
            max_delay = body.get("max_delay")
            if max_delay in (None, ""):
                if max_retry > 1:
                    raise UnleashXError(400, "max_delay is required when max_retry is greater than 1")
                max_delay = None
            else:
                max_delay = self._max_delay(max_delay)
            campaign = Campaign(next(self._campaign_ids), workspace, agent_id, name, body["description"],
                                start, end, max_retry, max_delay)
            self.campaigns[campaign.id] = campaign
            return self._answer("Campaign created successfully", campaign)

    def update_campaign(self, workspace: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            if body.get("id") in (None, ""):
                raise UnleashXError(400, "id is required")
            campaign = self._campaign(workspace, as_int(body["id"]))
            # Validate everything before changing anything: a rejected update leaves the campaign untouched.
            changes: dict[str, Any] = {}
            if "agent_id" in body:
                changes["agent_id"] = self._agent(workspace, body["agent_id"])
            if "campaign_name" in body:
                changes["campaign_name"] = self._name(workspace, body["campaign_name"], campaign.id)
            if "description" in body:
                if not isinstance(body["description"], str):
                    raise UnleashXError(400, "description must be a string")
                changes["description"] = body["description"]
            for key in ("start_date", "end_date"):
                if key in body:
                    changes[key] = self._date(key, body[key])
            if "max_retry" in body:
                changes["max_retry"] = self._max_retry(body["max_retry"])
            if "max_delay" in body and body["max_delay"] not in (None, ""):
                changes["max_delay"] = self._max_delay(body["max_delay"])
            if changes.get("max_retry", campaign.max_retry) > 1 and not changes.get("max_delay", campaign.max_delay):
                raise UnleashXError(400, "max_delay is required when max_retry is greater than 1")
            if "campaign_status" in body:
                if body["campaign_status"] not in CAMPAIGN_STATUSES:
                    raise UnleashXError(400, f"campaign_status must be one of {', '.join(CAMPAIGN_STATUSES)}")
                changes["campaign_status"] = body["campaign_status"]
            if "conditions" in body:
                changes["conditions"] = self._conditions(body["conditions"])
            for key, value in changes.items():
                setattr(campaign, key, value)
            campaign.updated_at = _now()
            return self._answer("Campaign updated successfully", campaign)

    def _answer(self, message: str, campaign: Campaign) -> dict[str, Any]:
        if not self.return_campaign_data:
            return {"message": message}
        return {"message": message, "data": campaign.view()}

    # -- audience -------------------------------------------------------------------------------
    @staticmethod
    def _filter(records: list[Record], query: Mapping[str, Sequence[str]]) -> list[Record]:
        def ints(key: str) -> set[int] | None:
            if not query.get(key):
                return None
            values = {as_int(v) for v in query[key]}
            if None in values:
                raise UnleashXError(400, f"{key} must be a number or an array of numbers")
            return {v for v in values if v is not None}

        def strs(key: str) -> set[str] | None:
            return {v.upper() for v in query[key]} if query.get(key) else None

        statuses, attempts = ints("status"), ints("attempt")
        call_status, first_status, last_status = strs("call_status"), strs("first_status"), strs("last_status")
        mobile = query["mobile_no"][0] if query.get("mobile_no") else None
        kept = []
        for rec in records:
            called = [str(c.get("status", "")).upper() for c in rec.calls]
            if mobile and mobile not in rec.mobile_no:
                continue
            if statuses is not None and rec.status not in statuses:
                continue
            if attempts is not None and len(rec.calls) not in attempts:
                continue
            if call_status is not None and not call_status & set(called):
                continue
            if first_status is not None and (not called or called[0] not in first_status):
                continue
            if last_status is not None and (not called or called[-1] not in last_status):
                continue
            kept.append(rec)
        return kept

    @staticmethod
    def _row(rec: Record, max_retry: int, simple: bool) -> dict[str, Any]:
        if simple:
            # is_new=true "simplified format": the docs name it but our copy shows no example; ours keeps the
            # fields a client needs and gives status as its numeric code.
            return {"id": rec.id, "mobile_no": rec.mobile_no, "input_data": rec.input_data, "status": rec.status}
        last = rec.calls[-1] if rec.calls else {}
        return {
            "id": rec.id,
            "mobile_no": rec.mobile_no,
            "input_data": rec.input_data,
            "total_attempt": f"{len(rec.calls)}/{max_retry}",
            "duration": _duration_text(sum(int(c.get("duration", 0)) for c in rec.calls)),
            "last_attempt": last.get("at"),
            "last_disposition": last.get("disposition"),
            "last_call_status": last.get("status"),
            # Documented default mode shows the label ("Completed"), not the code.
            "status": STATUS_LABELS.get(rec.status, str(rec.status)),
            "updated_by": rec.updated_by,
        }

    def audience_list(self, workspace: str, campaign_id: int | None, page: int, limit: int, simple: bool,
                      query: Mapping[str, Sequence[str]]) -> dict[str, Any]:
        """``query``: the filters as lists, judged after the campaign (an unknown campaign answers 404 first)."""
        with self.lock:
            campaign = self._campaign(workspace, campaign_id)
            # Oldest first (by id): stable across pages, which is all a pager needs.
            records = self._filter(sorted(campaign.records.values(), key=lambda r: r.id), query)
            total = len(records)
            chunk = records[(page - 1) * limit: page * limit]
            return {
                "datalist": [self._row(r, campaign.max_retry, simple) for r in chunk],
                "headers": LIST_HEADERS,
                "pagination": {
                    "totalRecords": total,
                    "totalPages": math.ceil(total / limit),
                    "currentPage": page,
                    "limit": limit,
                },
            }

    def audience_stats(self, workspace: str, campaign_id: int | None,
                       query: Mapping[str, Sequence[str]]) -> dict[str, Any]:
        with self.lock:
            campaign = self._campaign(workspace, campaign_id)
            records = self._filter(list(campaign.records.values()), query)
            calls = [c for r in records for c in r.calls]
            successful = sum(1 for c in calls if str(c.get("status", "")).upper() in SUCCESSFUL_CALL_STATUSES)
            return {
                "total_audience": len(records),
                # Documented: successful_calls / total_attempt * 100, 2 decimals, 0 when nothing matches.
                "coverage": round(successful / len(calls) * 100, 2) if calls else 0,
                "total_attempt": len(calls),
                "total_duration": sum(int(c.get("duration", 0)) for c in calls),
                "successful_calls": successful,
            }

    def delete_audience(self, workspace: str, body: dict[str, Any]) -> str:
        with self.lock:
            campaign = self._campaign(workspace, as_int(body.get("campaign_id")))
            if body.get("delete_all") is True:
                if campaign.campaign_status != "draft":
                    raise UnleashXError(400, DELETE_ALL_DRAFT_ONLY)
                campaign.records.clear()
                return "All audience deleted successfully"
            ids = body.get("audience")
            if not isinstance(ids, list) or not ids:
                raise UnleashXError(400, AUDIENCE_REQUIRED)
            wanted = {as_int(i) for i in ids}
            if None in wanted:
                raise UnleashXError(400, "Audience array must contain audience record ids")
            # Documented: only this campaign's records are touched; ids of other campaigns are ignored.
            for rid in wanted:
                if rid is not None:
                    campaign.records.pop(rid, None)
            return "Audience deleted successfully"

    def audience_format(self, workspace: str, cid: int | None) -> bytes:
        with self.lock:
            campaign = self.campaigns.get(cid) if cid is not None else None
            agent = self.agents.get(campaign.agent_id) if campaign and campaign.agent_id is not None else None
            if campaign is None or campaign.workspace != workspace or agent is None:
                raise UnleashXError(404, FORMAT_NOT_AVAILABLE)
            return _xlsx(["mobile_no", *agent.input_fields])


def _xlsx(columns: list[str]) -> bytes:
    """A minimal one-sheet workbook holding a header row (stdlib only: openpyxl is not a dependency)."""
    cells = "".join(
        f'<c r="{_column_letter(i)}1" t="inlineStr"><is><t>{escape(name)}</t></is></c>'
        for i, name in enumerate(columns)
    )
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="xl/workbook.xml" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="Audience" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<sheetData><row r="1">{cells}</row></sheetData></worksheet>'
        ),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text)
    return buf.getvalue()


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
