"""Sonarly state: API keys, account groups, audiences, folders and simulated prospecting jobs.

Prospecting jobs are not run; their status is derived from the clock (queued, then running, then
completed/failed after ``seconds``) and settled lazily whenever state is read. An audience with a queued or
running job is "not ready": hidden from list and navigation, and its get, prospect listing and mutations answer
409 AUDIENCE_NOT_READY (audiences-get "Readiness guard", audiences-delete "Delete guard").

An audience holds prospect records; ``prospectCount`` is their number. A completed ``url_upload`` job adds one
prospect per distinct LinkedIn profile not yet in the audience; other sources add synthetic prospects.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from .errors import SonarlyError, validation

CONFIG_OPTIONS = frozenset({"job_seconds", "plan", "credits", "strict_validation", "folder_delete",
                            "trace_id_header", "job_audience_id"})
PERMISSIONS = ("audiences:read", "audiences:write", "prospects:read", "prospecting:read", "prospecting:write")
AUDIENCE_TYPES = ("on_demand", "monitoring")
JOB_STATUSES = ("queued", "running", "completed", "failed", "cancelled")
ACTIVE_JOB_STATUSES = ("queued", "running")
# Documented source kinds and the field(s) each one requires.
PROSPECTING_SOURCES = {
    "linkedin_search": ("searchUrl",),
    "sales_navigator": ("savedSearchId", "leadListId"),  # either one
    "post_commenters": ("postUrl",),
    "url_upload": ("urls",),
}
# prospecting-jobs-start "Result limits": "maxResults is capped by plan: Tester 100, Starter 1,000, Scale and
# Enterprise 2,000. url_upload ignores maxResults". The account's plan is tenant state the docs leave open: the
# emulator's default is the lowest cap (Tester), admin `plan` sets another.
PLAN_CAPS = {"tester": 100, "starter": 1000, "scale": 2000, "enterprise": 2000}
DEFAULT_PLAN = "tester"
MAX_UPLOAD_URLS = 1000
DEFAULT_PROSPECTS = 25  # what a search "finds" when maxResults is absent (invented)
MAX_NAME_LENGTH = 255  # invented: the docs give no limit (checked only under strict_validation)
# "url_upload requires 1-1000 LinkedIn profile URLs" (prospecting-jobs-start); what counts as a profile URL is ours.
PROFILE_URL = re.compile(r"^https?://(?:[a-z]{2,3}\.)?linkedin\.com/in/([^/?#\s]+)/?(?:[?#]\S*)?$", re.IGNORECASE)
DEFAULT_LIMIT = 20  # invented
# Invented: the most items a page holds whatever `limit` asks. The pages type `limit` as "Maximum number of items
# to return in this page" and give no bound, so a larger limit is not refused (that is strict_validation's
# invented 400); a page simply stops at this size and `hasMore`/`nextCursor` carry the rest.
MAX_LIMIT = 100
DEFAULT_JOB_SECONDS = 1.0
QUEUED_FRACTION = 0.2  # a job reports "queued" for the first fifth of its duration, then "running"

DEMO_ACCOUNT_GROUP = "ag_demo"
DEMO_FULL_KEY = "sk_live_demo_full"
DEMO_READONLY_KEY = "sk_live_demo_readonly"


def _iso(moment: datetime) -> str:
    # Documented timestamp format: "2026-05-01T12:00:00.000Z" (milliseconds, UTC, Z suffix).
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _object_id() -> str:
    # The docs' example ids are 24 hex digits (Mongo ObjectIds).
    return secrets.token_hex(12)


@dataclass
class AccountGroup:
    id: str
    name: str
    created_at: str = field(default_factory=lambda: _iso(_now()))

    def view(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "createdAt": self.created_at}


@dataclass
class ApiKey:
    key: str
    permissions: set[str]
    account_groups: set[str]


@dataclass
class Folder:
    id: str
    account_group: str
    name: str
    audience_type: str
    position: int
    seq: int
    is_pinned: bool = False
    created_at: str = field(default_factory=lambda: _iso(_now()))
    updated_at: str = ""

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "audienceType": self.audience_type,
            "isPinned": self.is_pinned,
            "position": self.position,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at or self.created_at,
        }


@dataclass
class Audience:
    id: str
    account_group: str
    name: str
    type: str
    description: str | None
    seq: int
    folder_id: str | None = None
    prospects: list[Prospect] = field(default_factory=list)
    created_at: str = field(default_factory=lambda: _iso(_now()))

    @property
    def prospect_count(self) -> int:
        return len(self.prospects)

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "description": self.description,
            "folderId": self.folder_id,
            "prospectCount": self.prospect_count,
            "createdAt": self.created_at,
        }


def profile_slug(url: str) -> str | None:
    """The public identifier of a LinkedIn profile URL (``.../in/<slug>``), lower-cased; None if not one."""
    match = PROFILE_URL.match(url.strip())
    return match.group(1).lower() if match else None


@dataclass
class Prospect:
    id: str
    seq: int
    public_identifier: str
    created_at: str = field(default_factory=lambda: _iso(_now()))

    def view(self) -> dict[str, Any]:
        # Field names from the audiences-prospects-list example; values are ours (no enrichment is simulated).
        words = [w for w in re.split(r"[-_]+", self.public_identifier) if w and not w.isdigit()] or ["prospect"]
        first, last = words[0].title(), " ".join(w.title() for w in words[1:])
        return {
            "id": self.id,
            "firstName": first,
            "lastName": last or None,
            "name": " ".join(p for p in (first, last) if p),
            "headline": None,
            "about": None,
            "photoUrl": None,
            "linkedinUrl": f"https://www.linkedin.com/in/{self.public_identifier}",
            "publicIdentifier": self.public_identifier,
            "company": None,
        }


@dataclass
class Job:
    id: str
    account_group: str
    audience_id: str
    seq: int
    seconds: float
    prospects: int
    outcome: str  # what the job ends as: "completed" or "failed"
    source: str | None = None
    # url_upload: the profiles' public identifiers, added on completion (other sources add `prospects` synthetic).
    slugs: list[str] | None = None
    started_mono: float = field(default_factory=time.monotonic)
    started_wall: datetime = field(default_factory=_now)
    cancelled_wall: datetime | None = None
    settled: bool = False
    # (api key, Idempotency-Key) and a fingerprint of the request body, for replays.
    idempotency: tuple[str, str] | None = None
    fingerprint: str | None = None
    # prospecting-jobs-start "Credit consumption": 1 credit per imported prospect, 2 with searchEmails.
    credits_per_prospect: int = 1

    def elapsed(self) -> float:
        return time.monotonic() - self.started_mono

    def status(self) -> str:
        if self.cancelled_wall is not None:
            return "cancelled"
        elapsed = self.elapsed()
        if elapsed >= self.seconds:
            return self.outcome
        return "queued" if elapsed < self.seconds * QUEUED_FRACTION else "running"

    @property
    def active(self) -> bool:
        return self.status() in ACTIVE_JOB_STATUSES

    def updated_at(self) -> str:
        status = self.status()
        if status == "cancelled" and self.cancelled_wall is not None:
            return _iso(self.cancelled_wall)
        if status == "queued":
            return _iso(self.started_wall)
        if status == "running":
            return _iso(self.started_wall + timedelta(seconds=self.seconds * QUEUED_FRACTION))
        return _iso(self.started_wall + timedelta(seconds=self.seconds))

    def cancel_view(self) -> dict[str, Any]:
        return {"jobId": self.id, "status": self.status()}  # ProspectingJobCancelSuccessResponse example

    def start_view(self) -> dict[str, Any]:
        return {"jobId": self.id, "status": self.status(), "createdAt": _iso(self.started_wall)}

    def list_view(self) -> dict[str, Any]:
        return {"jobId": self.id, "type": "prospecting", "status": self.status(),
                "createdAt": _iso(self.started_wall), "updatedAt": self.updated_at()}

    def status_view(self) -> dict[str, Any]:
        status = self.status()
        progress = 1.0 if self.seconds <= 0 else round(min(1.0, self.elapsed() / self.seconds), 2)
        # Stage mapping is ours: import carries the progress; enrichment only moves once the job ends.
        def stage(name: str, value: float) -> dict[str, Any]:
            return {"status": name, "progress": value}

        if status == "queued":
            stages = {"import": stage("queued", 0.0), "enrichment": stage("queued", 0.0)}
        elif status == "running":
            stages = {"import": stage("running", progress), "enrichment": stage("queued", 0.0)}
        elif status == "completed":
            stages = {"import": stage("completed", 1.0), "enrichment": stage("completed", 1.0)}
        else:  # failed or cancelled
            stages = {"import": stage(status, progress), "enrichment": stage(status, 0.0)}
        error = {"code": "PROSPECTING_FAILED", "message": "The prospecting job failed"} if status == "failed" else None
        view = self.list_view()
        view.update({"stages": stages, "error": error})
        return view


def _encode_cursor(created_at: str, seq: int) -> str:
    raw = json.dumps({"createdAt": created_at, "seq": seq}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        seq = json.loads(raw)["seq"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise validation("cursor: is not a cursor returned by this endpoint") from None
    if not isinstance(seq, int):
        raise validation("cursor: is not a cursor returned by this endpoint")
    return seq


def parse_limit(raw: str | None, strict: bool = False) -> int:
    """The page size to serve: ``limit`` (a positive whole number, else 400), at most MAX_LIMIT items.

    A limit over MAX_LIMIT is refused only under strict_validation (invented); otherwise the page is cut at
    MAX_LIMIT, which the documented ``hasMore``/``nextCursor`` carry on from.
    """
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        raise validation("limit: must be a positive whole number") from None
    if limit < 1:
        raise validation("limit: must be a positive whole number")
    if limit > MAX_LIMIT and strict:
        raise validation(f"limit: must be at most {MAX_LIMIT}")
    return min(limit, MAX_LIMIT)


@dataclass(frozen=True)
class AudiencePatch:
    """A parsed audiences-update body: ``name`` None when not sent; ``description`` counts only if sent."""

    name: str | None = None
    description: str | None = None
    has_description: bool = False


@dataclass(frozen=True)
class JobRequest:
    """A parsed prospecting-start body."""

    audience_id: str
    source: str
    slugs: list[str] | None  # url_upload: one profile slug per uploaded URL
    max_results: int | None  # None for url_upload, which ignores it
    fingerprint: str  # of the body as sent: an Idempotency-Key replay must carry the same request
    search_emails: bool = False


class SonarlyState:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._seq = itertools.count(1)
        self.job_seconds = DEFAULT_JOB_SECONDS
        self._defaults()
        self.account_groups: dict[str, AccountGroup] = {}
        self.keys: dict[str, ApiKey] = {}
        self.audiences: dict[str, Audience] = {}
        self.folders: dict[str, Folder] = {}
        self.jobs: dict[str, Job] = {}
        self._install_demo()

    def _install_demo(self) -> None:
        self.account_groups = {DEMO_ACCOUNT_GROUP: AccountGroup(DEMO_ACCOUNT_GROUP, "Demo Growth")}
        self.keys = {
            DEMO_FULL_KEY: ApiKey(DEMO_FULL_KEY, set(PERMISSIONS), {DEMO_ACCOUNT_GROUP}),
            DEMO_READONLY_KEY: ApiKey(DEMO_READONLY_KEY, {"audiences:read"}, {DEMO_ACCOUNT_GROUP}),
        }

    def _defaults(self) -> None:
        """The tenant and the emulator's options as after a reset: documented answers only (COVERAGE.md)."""
        self.job_seconds = DEFAULT_JOB_SECONDS
        self.plan = DEFAULT_PLAN
        # Prospecting credits left in the account; None = never short (the docs say nothing of a balance).
        self.credits: int | None = None
        # Invented, each off by default (see COVERAGE.md "Admin options"):
        self.strict_validation = False  # unknown body fields, name > 255 and limit > 100 answer 400
        self.folder_delete = False  # DELETE .../audiences/folders/{id} exists (no page documents it)
        self.trace_id_header = False  # X-Trace-Id response header beside the documented body traceId
        self.job_audience_id = False  # `audienceId` in the job status object

    # -- admin hooks -------------------------------------------------------------------------
    def reset(self) -> None:
        with self.lock:
            self.audiences.clear()
            self.folders.clear()
            self.jobs.clear()
            self._defaults()
            self._install_demo()

    def configure(self, options: dict[str, Any]) -> None:
        unknown = sorted(set(options) - CONFIG_OPTIONS)
        if unknown:
            raise ValueError(f"unknown Sonarly emulator option(s) {unknown}; expected some of {sorted(CONFIG_OPTIONS)}")
        with self.lock:
            if "job_seconds" in options:
                self.job_seconds = max(0.0, float(options["job_seconds"]))
            if "plan" in options:
                if options["plan"] not in PLAN_CAPS:
                    raise ValueError(f"plan must be one of {sorted(PLAN_CAPS)}")
                self.plan = options["plan"]
            if "credits" in options:
                self.credits = None if options["credits"] is None else max(0, int(options["credits"]))
            for flag in ("strict_validation", "folder_delete", "trace_id_header", "job_audience_id"):
                if flag in options:
                    setattr(self, flag, bool(options[flag]))

    def job_view(self, job: Job) -> dict[str, Any]:
        view = job.status_view()
        if self.job_audience_id:
            view["audienceId"] = job.audience_id  # invented: lets a caller tell which audience a job fills
        return view

    def dump(self) -> dict[str, Any]:
        with self.lock:
            self._settle_all()
            return {
                "objects": {
                    "accountGroups": {g.id: g.view() for g in self.account_groups.values()},
                    "audiences": {a.id: {**a.view(), "accountGroupId": a.account_group, "ready": self._ready(a.id),
                                         "prospects": [p.public_identifier for p in a.prospects]}
                                  for a in self.audiences.values()},
                    "folders": {f.id: {**f.view(), "accountGroupId": f.account_group}
                                for f in self.folders.values()},
                    "jobs": {j.id: {**j.status_view(), "audienceId": j.audience_id,
                                    "accountGroupId": j.account_group, "prospects": j.prospects,
                                    "source": j.source, "urls": len(j.slugs) if j.slugs is not None else None,
                                    "seconds": j.seconds,
                                    "idempotencyKey": j.idempotency[1] if j.idempotency else None}
                             for j in self.jobs.values()},
                },
                "meta": {
                    "keys": {k.key: {"permissions": sorted(k.permissions), "accountGroups": sorted(k.account_groups)}
                             for k in self.keys.values()},
                    "job_seconds": self.job_seconds,
                    "plan": self.plan,
                    "credits": self.credits,
                    **{flag: getattr(self, flag) for flag in
                       ("strict_validation", "folder_delete", "trace_id_header", "job_audience_id")},
                },
            }

    def seed(self, data: dict[str, Any]) -> None:
        """Admin seed. Keys: accountGroups, keys, folders, audiences, removeProspects, jobs (in that order)."""
        with self.lock:
            for item in data.get("accountGroups", []):
                self.account_groups[item["id"]] = AccountGroup(item["id"], item.get("name", item["id"]))
            for item in data.get("keys", []):
                groups = set(item.get("accountGroups", [DEMO_ACCOUNT_GROUP]))
                for gid in groups:
                    self.account_groups.setdefault(gid, AccountGroup(gid, gid))
                perms = set(item.get("permissions", PERMISSIONS))
                self.keys[item["key"]] = ApiKey(item["key"], perms, groups)
            for item in data.get("folders", []):
                ag = item.get("accountGroupId", DEMO_ACCOUNT_GROUP)
                self.account_groups.setdefault(ag, AccountGroup(ag, ag))
                folder = self._new_folder(ag, item["name"], item.get("audienceType", "on_demand"),
                                          item.get("id"))
                folder.is_pinned = bool(item.get("isPinned", False))
            for item in data.get("audiences", []):
                ag = item.get("accountGroupId", DEMO_ACCOUNT_GROUP)
                self.account_groups.setdefault(ag, AccountGroup(ag, ag))
                aud = self._new_audience(ag, item["name"], item.get("type", "on_demand"), item.get("description"),
                                         item.get("id"))
                aud.folder_id = item.get("folderId")
                # `prospectUrls` seeds real profiles; `prospectCount` pads with synthetic ones up to that number.
                self._add_prospects(aud, [s for s in (profile_slug(u) for u in item.get("prospectUrls", [])) if s])
                self._add_synthetic(aud, int(item.get("prospectCount", 0)) - aud.prospect_count)
                if "createdAt" in item:
                    aud.created_at = item["createdAt"]
            for item in data.get("removeProspects", []):
                # Stands in for a person removing members in the Sonarly app (the API documents no removal).
                target = self.audiences.get(item["audienceId"])
                if target is None:
                    raise ValueError(f"seed removeProspects: unknown audienceId {item['audienceId']!r}")
                gone = {profile_slug(u) for u in item["urls"]}
                target.prospects = [p for p in target.prospects if p.public_identifier not in gone]
            for item in data.get("jobs", []):
                target = self.audiences.get(item["audienceId"])
                if target is None:
                    raise ValueError(f"seed job: unknown audienceId {item['audienceId']!r}")
                seconds = float(item.get("seconds", self.job_seconds))
                outcome = item.get("outcome", "completed")
                if outcome not in ("completed", "failed"):
                    raise ValueError("seed job: outcome must be completed or failed")
                slugs = [s for s in (profile_slug(u) for u in item["urls"]) if s] if "urls" in item else None
                self._new_job(target, seconds, int(item.get("prospects", DEFAULT_PROSPECTS)), outcome,
                              "url_upload" if slugs is not None else None, slugs)

    # -- internals ---------------------------------------------------------------------------
    def _new_folder(self, ag: str, name: str, audience_type: str, folder_id: str | None = None) -> Folder:
        position = sum(1 for f in self.folders.values() if f.account_group == ag)
        folder = Folder(folder_id or _object_id(), ag, name, audience_type, position, next(self._seq))
        self.folders[folder.id] = folder
        return folder

    def _new_audience(self, ag: str, name: str, audience_type: str, description: str | None,
                      audience_id: str | None = None) -> Audience:
        aud = Audience(audience_id or _object_id(), ag, name, audience_type, description, next(self._seq))
        self.audiences[aud.id] = aud
        return aud

    def _add_prospects(self, aud: Audience, slugs: list[str]) -> None:
        # One prospect per profile: a profile already in the audience is not added twice (our choice).
        present = {p.public_identifier for p in aud.prospects}
        for slug in slugs:
            if slug not in present:
                present.add(slug)
                aud.prospects.append(Prospect(_object_id(), next(self._seq), slug))

    def _add_synthetic(self, aud: Audience, count: int) -> None:
        start = aud.prospect_count
        self._add_prospects(aud, [f"prospect-{aud.id[-6:]}-{start + i + 1}" for i in range(max(0, count))])

    def _new_job(self, aud: Audience, seconds: float, prospects: int, outcome: str, source: str | None,
                 slugs: list[str] | None = None, credits_per_prospect: int = 1) -> Job:
        job = Job(_object_id(), aud.account_group, aud.id, next(self._seq), seconds, prospects, outcome, source,
                  slugs=slugs, credits_per_prospect=credits_per_prospect)
        self.jobs[job.id] = job
        self._settle(job)  # a zero-second job completes at once
        return job

    def _settle(self, job: Job) -> None:
        """Apply a finished job's effect exactly once: a completed job adds its prospects to the audience."""
        if job.settled or job.active:
            return
        job.settled = True
        aud = self.audiences.get(job.audience_id)
        if aud is not None and job.status() == "completed":
            before = aud.prospect_count
            if job.slugs is not None:
                self._add_prospects(aud, job.slugs)
            else:
                self._add_synthetic(aud, job.prospects)
            if self.credits is not None:
                # "Each imported prospect costs 1 credit, or 2 credits when searchEmails is enabled."
                spent = (aud.prospect_count - before) * job.credits_per_prospect
                self.credits = max(0, self.credits - spent)

    def _settle_all(self) -> None:
        for job in self.jobs.values():
            self._settle(job)

    def _active_job(self, audience_id: str) -> Job | None:
        for job in self.jobs.values():
            if job.audience_id != audience_id:
                continue
            if job.active:
                return job
            self._settle(job)  # finished since the last settle: apply it before calling the audience ready
        return None

    def _ready(self, audience_id: str) -> bool:
        return self._active_job(audience_id) is None

    def _audience(self, ag: str, audience_id: str) -> Audience:
        aud = self.audiences.get(audience_id)
        # Audiences of other account groups are invisible, not forbidden: they 404 like unknown ids.
        if aud is None or aud.account_group != ag:
            raise SonarlyError(404, f"Audience {audience_id} not found", "NOT_FOUND", f"audienceId: {audience_id}")
        return aud

    def _folder(self, ag: str, folder_id: str) -> Folder:
        folder = self.folders.get(folder_id)
        if folder is None or folder.account_group != ag:
            raise SonarlyError(404, f"Audience folder {folder_id} not found", "NOT_FOUND", f"folderId: {folder_id}")
        return folder

    def _guard_ready(self, aud: Audience) -> None:
        job = self._active_job(aud.id)
        if job is not None:
            raise SonarlyError(409, "Audience is still being populated by an active prospecting job",
                               "AUDIENCE_NOT_READY", f"jobId: {job.id}")

    # -- auth --------------------------------------------------------------------------------
    def authorize(self, token: str | None, permission: str | None, ag: str | None) -> ApiKey:
        with self.lock:
            key = self.keys.get(token or "")
            if key is None:
                raise SonarlyError(401, "Invalid or missing API key", "UNAUTHORIZED")
            if permission is not None and permission not in key.permissions:
                raise SonarlyError(403, f"This API key lacks the {permission} permission", "FORBIDDEN",
                                   f"requiredPermission: {permission}")
            if ag is not None and ag not in key.account_groups:
                raise SonarlyError(403, f"This API key cannot access account group {ag}", "FORBIDDEN",
                                   f"accountGroupId: {ag}")
            return key

    # -- accounts ----------------------------------------------------------------------------
    def accounts(self, key: ApiKey) -> dict[str, Any]:
        with self.lock:
            items = [g.view() for g in self.account_groups.values() if g.id in key.account_groups]
            return {"items": items, "nextCursor": None, "hasMore": False}

    # -- audiences ---------------------------------------------------------------------------
    def list_audiences(self, ag: str, cursor: str | None, limit: int) -> dict[str, Any]:
        after = _decode_cursor(cursor) if cursor else 0
        with self.lock:
            self._settle_all()
            ready = sorted((a for a in self.audiences.values()
                            if a.account_group == ag and a.seq > after and self._ready(a.id)), key=lambda a: a.seq)
            page = ready[:limit]
            has_more = len(ready) > limit
            return {
                "items": [a.view() for a in page],
                "nextCursor": _encode_cursor(page[-1].created_at, page[-1].seq) if has_more else None,
                "hasMore": has_more,
            }

    def create_audience(self, ag: str, name: str, audience_type: str, description: str | None) -> dict[str, Any]:
        with self.lock:
            return self._new_audience(ag, name, audience_type, description).view()

    def get_audience(self, ag: str, audience_id: str) -> dict[str, Any]:
        with self.lock:
            self._settle_all()
            aud = self._audience(ag, audience_id)
            self._guard_ready(aud)  # audiences-get "Readiness guard": 409 while active prospecting populates it
            return aud.view()

    def list_prospects(self, ag: str, audience_id: str, cursor: str | None, limit: int) -> dict[str, Any]:
        after = _decode_cursor(cursor) if cursor else 0
        with self.lock:
            self._settle_all()
            aud = self._audience(ag, audience_id)
            self._guard_ready(aud)  # audiences-prospects-list documents the same 409 AUDIENCE_NOT_READY
            rest = [p for p in aud.prospects if p.seq > after]
            page = rest[:limit]
            has_more = len(rest) > limit
            return {
                "items": [p.view() for p in page],
                "nextCursor": _encode_cursor(page[-1].created_at, page[-1].seq) if has_more else None,
                "hasMore": has_more,
            }

    def update_audience(self, ag: str, audience_id: str, patch: AudiencePatch) -> dict[str, Any]:
        with self.lock:
            self._settle_all()
            aud = self._audience(ag, audience_id)
            self._guard_ready(aud)
            if patch.name is not None:
                aud.name = patch.name
            if patch.has_description:
                aud.description = patch.description
            return aud.view()

    def delete_audience(self, ag: str, audience_id: str) -> dict[str, Any]:
        with self.lock:
            self._settle_all()
            aud = self._audience(ag, audience_id)
            self._guard_ready(aud)
            del self.audiences[aud.id]
            return {"deleted": True}

    def move_to_folder(self, ag: str, audience_id: str, folder_id: str) -> dict[str, Any]:
        with self.lock:
            self._settle_all()
            aud = self._audience(ag, audience_id)
            self._guard_ready(aud)
            folder = self._folder(ag, folder_id)
            if folder.audience_type != aud.type:
                # 422 "Folder move failed validation" is documented; the code string is ours.
                raise SonarlyError(422, f"A {folder.audience_type} folder cannot hold a {aud.type} audience",
                                   "FOLDER_TYPE_MISMATCH",
                                   f"folderId: folder audienceType {folder.audience_type} != audience type {aud.type}")
            aud.folder_id = folder.id
            return aud.view()

    def remove_from_folder(self, ag: str, audience_id: str) -> dict[str, Any]:
        with self.lock:
            self._settle_all()
            aud = self._audience(ag, audience_id)
            self._guard_ready(aud)
            aud.folder_id = None  # already ungrouped: a no-op success
            return aud.view()

    def navigation(self, ag: str) -> dict[str, Any]:
        with self.lock:
            self._settle_all()
            visible = sorted((a for a in self.audiences.values() if a.account_group == ag and self._ready(a.id)),
                             key=lambda a: a.seq)
            folders = sorted((f for f in self.folders.values() if f.account_group == ag),
                             key=lambda f: (not f.is_pinned, f.position, f.seq))
            return {
                "folders": [{**f.view(), "audiences": [a.view() for a in visible if a.folder_id == f.id]}
                            for f in folders],
                "ungroupedAudiences": [a.view() for a in visible if a.folder_id is None],
            }

    # -- folders -----------------------------------------------------------------------------
    def create_folder(self, ag: str, name: str, audience_type: str) -> dict[str, Any]:
        with self.lock:
            return self._new_folder(ag, name, audience_type).view()

    def rename_folder(self, ag: str, folder_id: str, name: str) -> dict[str, Any]:
        with self.lock:
            folder = self._folder(ag, folder_id)
            folder.name = name
            folder.updated_at = _iso(_now())
            return folder.view()

    def delete_folder(self, ag: str, folder_id: str) -> dict[str, Any]:
        """Invented route (no page documents a folder delete), served only with admin ``folder_delete``."""
        with self.lock:
            folder = self._folder(ag, folder_id)
            inside = [a.id for a in self.audiences.values() if a.folder_id == folder.id]
            if inside:
                # Our choice: refuse rather than silently ungroup, so nothing moves behind the caller's back.
                raise SonarlyError(409, f"Audience folder {folder_id} still holds {len(inside)} audience(s)",
                                   "FOLDER_NOT_EMPTY", f"audienceIds: {', '.join(inside)}")
            del self.folders[folder.id]
            return {"deleted": True}

    # -- prospecting -------------------------------------------------------------------------
    def start_job(self, key: ApiKey, ag: str, req: JobRequest, idempotency_key: str | None
                  ) -> tuple[int, dict[str, Any]]:
        audience_id, fingerprint = req.audience_id, req.fingerprint
        with self.lock:
            self._settle_all()
            if idempotency_key:
                for job in self.jobs.values():
                    if job.idempotency == (key.key, idempotency_key) and job.account_group == ag:
                        if job.fingerprint != fingerprint:
                            raise SonarlyError(409, "Idempotency-Key was already used with a different request",
                                               "IDEMPOTENCY_KEY_REUSED", f"Idempotency-Key: {idempotency_key}")
                        # Documented: a completed job replays as 200; an in-flight one answers like the original.
                        return (200 if job.status() == "completed" else 202), job.start_view()
            aud = self.audiences.get(audience_id)
            if aud is None or aud.account_group != ag:
                # The start page documents no 404: an unknown target audience is a request validation failure.
                raise validation(f"audienceId: no audience {audience_id} in this account group")
            active = self._active_job(aud.id)
            if active is not None:
                # Documented generically: 409 "Conflict - resource is in a state that prevents this operation".
                raise SonarlyError(409, "Audience is still being populated by an active prospecting job",
                                   "AUDIENCE_NOT_READY", f"jobId: {active.id}")
            per_prospect = 2 if req.search_emails else 1
            if req.slugs is not None:
                # url_upload ignores maxResults: it imports the profiles not yet in the audience.
                present = {p.public_identifier for p in aud.prospects}
                prospects = len(set(req.slugs) - present)
            else:
                wanted = req.max_results if req.max_results is not None else DEFAULT_PROSPECTS
                prospects = min(wanted, PLAN_CAPS[self.plan])  # "maxResults is capped by plan"
            if self.credits is not None and self.credits < prospects * per_prospect:
                raise SonarlyError(402, "Insufficient credits for this prospecting job", "INSUFFICIENT_CREDITS",
                                   f"credits: {prospects * per_prospect} needed, {self.credits} available")
            job = self._new_job(aud, self.job_seconds, prospects, "completed", req.source, req.slugs,
                                credits_per_prospect=per_prospect)
            if idempotency_key:
                job.idempotency = (key.key, idempotency_key)
                job.fingerprint = fingerprint
            return 202, job.start_view()

    def _job(self, ag: str, job_id: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None or job.account_group != ag:
            raise SonarlyError(404, f"Prospecting job {job_id} not found", "NOT_FOUND", f"jobId: {job_id}")
        return job

    def get_job(self, ag: str, job_id: str) -> dict[str, Any]:
        with self.lock:
            self._settle_all()
            return self.job_view(self._job(ag, job_id))

    def list_jobs(self, ag: str, cursor: str | None, limit: int, status: str | None) -> dict[str, Any]:
        after = _decode_cursor(cursor) if cursor else 0
        with self.lock:
            self._settle_all()
            jobs = sorted((j for j in self.jobs.values() if j.account_group == ag and j.seq > after
                           and (status is None or j.status() == status)), key=lambda j: j.seq)
            page = jobs[:limit]
            has_more = len(jobs) > limit
            return {
                "items": [j.list_view() for j in page],
                "nextCursor": _encode_cursor(_iso(page[-1].started_wall), page[-1].seq) if has_more else None,
                "hasMore": has_more,
            }

    def cancel_job(self, ag: str, job_id: str) -> dict[str, Any]:
        with self.lock:
            self._settle_all()
            job = self._job(ag, job_id)
            if not job.active:
                # prospecting-jobs-cancel: "Completed or failed jobs return 422 VALIDATION_ERROR"; a cancelled one
                # is not "queued or running" either, so it gets the same answer (inferred).
                raise SonarlyError(422, "Job is not in a cancellable status", "VALIDATION_ERROR",
                                   f"status: {job.status()} (only queued or running jobs can be cancelled)")
            job.cancelled_wall = _now()
            self._settle(job)  # cancelled jobs add no prospects; the audience becomes ready again
            return job.cancel_view()
