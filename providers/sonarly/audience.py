"""``sonarly:Audience``: an audience by name, type and folder, filled from ``prospect_urls``. No Pulumi.

Two vendor facts shape this module (shared/vendors/sonarly.md, emulators/sonarly/COVERAGE.md):

- creates are **not idempotent** and names are **not unique**, so a create whose answer was lost is reconciled
  by listing, with a rule that never adopts an audience that existed before the attempt (``_core/reconcile.py``);
- while a prospecting job populates an audience, GET, the prospect listing, PATCH, folder moves and DELETE
  answer **409 AUDIENCE_NOT_READY**; the lifecycle waits that out (``sonarly:notReadyTimeout``) and repeats the
  call, so read, refresh, adoption and update work on an audience that a job is filling.

``prospect_urls`` fills an audience through ``url_upload`` prospecting jobs, the only documented way to add
prospects. Each job carries an ``Idempotency-Key`` derived from what it asks for (see ``upload_key``), so a lost
answer or a killed run never starts the same import twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .._core import siblings
from .._core.errors import ApiError, Conflict, InputError, NotFound, ProviderError
from .._core.lifecycle import Failure, contains_unknown, create_or_adopt, set_paths
from .._core.reconcile import Snapshot, pick_created
from .._core.wait import repeat_while_refused, wait_until
from .base import SonarlyLifecycle, never_duplicate
from .client import NOT_READY
from .config import NOT_READY_TIMEOUT
from .folder import AudienceFolderLifecycle, folder_by_id
from .models import (
    ACTIVE_JOB_STATUSES,
    AUDIENCE_TYPES,
    MAX_UPLOAD_URLS,
    AudienceObject,
    AudienceType,
    JobStatus,
    Name,
    profile_id,
)

T = TypeVar("T")


# -- the resource's inputs and outputs ------------------------------------------------------------------------
class AudienceArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Name
    type: AudienceType = Field(description="on_demand or monitoring; not patchable, so a change replaces.")
    description: str | None = None
    folder_id: str | None = Field(default=None, min_length=1, description="Folder to keep the audience in.")
    adopt_id: str | None = Field(default=None, min_length=1,
                                 description="Manage this existing audience instead of creating one.")
    prospect_urls: list[str] | None = Field(
        default=None, description="LinkedIn profile URLs that must be prospects of the audience (url_upload jobs).")

    @field_validator("prospect_urls")
    @classmethod
    def _profiles(cls, urls: list[str] | None) -> list[str] | None:
        if not urls:
            return None  # an empty list declares nothing, like leaving it unset
        seen: dict[str, int] = {}
        for i, url in enumerate(urls):
            pid = profile_id(url)
            if pid is None:
                raise ValueError(f"prospect_urls[{i}] {url!r} is not a LinkedIn profile URL "
                                 "(https://www.linkedin.com/in/<id>)")
            if pid in seen:
                raise ValueError(f"prospect_urls[{i}] {url!r} is the same profile as prospect_urls[{seen[pid]}]")
            seen[pid] = i
        return urls


class AudienceState(BaseModel):
    """Every output of ``sonarly:Audience``; the Resource class's annotations and placeholders follow it."""

    model_config = ConfigDict(extra="forbid")

    name: str
    # As declared: Sonarly may report other values (e.g. "linkedin_search"), which are not recorded.
    type: str | None
    description: str | None
    folder_id: str | None
    adopt_id: str | None
    # The declared URLs whose profiles are prospects of the audience (a dropped-out one is drift).
    prospect_urls: list[str] | None
    prospect_count: int | None
    account_group_id: str

    @classmethod
    def from_wire(cls, audience: AudienceObject, *, name: str, type: str | None, description: str | None,
                  adopt_id: str | None, prospect_urls: list[str] | None, account_group_id: str) -> AudienceState:
        """The given inputs, and what Sonarly reports: folder and prospect count."""
        return cls(name=name, type=type, description=description, folder_id=audience.folder_id, adopt_id=adopt_id,
                   prospect_urls=prospect_urls, prospect_count=audience.prospect_count,
                   account_group_id=account_group_id)



# -- its lifecycle --------------------------------------------------------------------------------------------
def upload_key(group: str, audience_id: str, profiles: Iterable[str], after_job: str = "") -> str:
    """The Idempotency-Key of one url_upload: a function of what it asks for, never random per attempt.

    The same import of the same profiles into the same audience gets the same key, in a retry after a lost
    answer as in a rerun after a killed run, so Sonarly answers with the job it already has instead of starting
    a second one. ``after_job`` is set only when Sonarly replays a job that ran earlier under this key and the
    profiles are missing again (removed since): that is a new import, keyed off the job it follows.
    """
    material = json.dumps([group, audience_id, sorted(profiles), after_job], separators=(",", ":"))
    return "pulumi-sonarly-" + hashlib.sha256(material.encode()).hexdigest()[:40]


def _profiles(urls: Iterable[str] | None) -> list[str]:
    return sorted({p for p in (profile_id(u) for u in urls or ()) if p})


class AudienceLifecycle(SonarlyLifecycle[AudienceArgs]):
    """A Sonarly audience (on_demand or monitoring), optionally in a folder."""

    resource_label = "sonarly:Audience"
    args_model = AudienceArgs
    state_model = AudienceState
    # `type` is not patchable (audiences-update accepts name and description only).
    replace_fields = frozenset({"type"})
    create_only_fields = frozenset({"adopt_id"})

    def comparable(self, field: str, props: Mapping[str, Any], *, state: bool) -> Any:
        if field == "prospect_urls":
            # Order and URL spelling don't matter, the profiles do. A change is always applied in place: added
            # profiles are uploaded; a dropped one stays in the audience, since the list says who must be in it
            # and Sonarly documents no way to remove a prospect (replace the audience to get rid of one).
            return _profiles(props.get(field))
        return super().comparable(field, props, state=state)

    def detailed_paths(self, field: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, str] | None:
        if field != "prospect_urls":
            return None
        return set_paths(field, olds.get(field), news.get(field), key=lambda u: profile_id(str(u)) or str(u))

    def claims(self, inputs: Mapping[str, Any]) -> list[siblings.Claim]:
        # Names are not unique in Sonarly; the audience an adopt_id names is one object all the same.
        adopt_id = inputs.get("adopt_id")
        if not isinstance(adopt_id, str) or not adopt_id or contains_unknown(adopt_id):
            return []
        return [siblings.Claim("sonarly:audience", adopt_id, "adopt_id", adopt_id,
                               "Two resources adopting one Sonarly audience would each change and delete it")]

    # -- check ---------------------------------------------------------------------------------
    def lookup_failures(self, inputs: Mapping[str, Any], olds: Mapping[str, Any]) -> list[Failure]:
        failures = super().lookup_failures(inputs, olds)
        wanted = inputs.get("type")
        if contains_unknown(inputs.get("folder_id")) and isinstance(wanted, str) and not contains_unknown(wanted):
            problem = self._new_folder_problem(wanted)
            if problem:
                failures.append(problem)
        return failures

    def _new_folder_problem(self, wanted_type: str) -> Failure | None:
        """At preview, a folder id not known yet is the id of a folder this program creates (the ids of folders
        the stack holds are known). When none of the folders it creates holds ``wanted_type``, the audience can't
        go in any of them: named here, before the folder is created."""
        made = [d for d in self.declared(AudienceFolderLifecycle.resource_label) if d.new]
        types = {d.inputs.get("audience_type") for d in made}
        if not made or wanted_type in types or not all(isinstance(t, str) and not contains_unknown(t) for t in types):
            return None
        shown = ", ".join(f"{d.describe()}, which holds {d.inputs.get('audience_type')} audiences" for d in made)
        return self.failure("type", f"type {wanted_type!r} does not match its folder: folder_id is the id of a folder "
                                    f"this program creates (not known before `up`), and the one(s) it creates hold "
                                    f"other audiences: {shown}. Sonarly keeps an audience only in a folder of its own "
                                    "type. Nothing was changed.")

    def extra_checks(self, args: AudienceArgs, olds: Mapping[str, Any]) -> list[Failure]:
        """Read-only, at preview: a new adoption's audience and a new folder exist and fit the declared type."""
        failures = super().extra_checks(args, olds)
        # Only a new adoption is verified: once adopted, the resource is ours like any other. (An adopt_id or a
        # type still unknown at preview is left out of ``args``, so it is checked once known.)
        if args.adopt_id and olds.get("adopt_id") != args.adopt_id:
            failure = self._adoption_problem(args.adopt_id, args.type)
            if failure:
                return [*failures, failure]
        # A folder id still unknown at preview is a folder this stack creates in this run: nothing to look up.
        if args.folder_id and (olds.get("folder_id"), olds.get("type")) != (args.folder_id, args.type):
            failure = self._folder_problem(args.folder_id, args.type)
            if failure:
                return [*failures, failure]
        return failures

    def _folder_problem(self, folder_id: str, wanted_type: str) -> Failure | None:
        """Read-only, at preview: the folder exists in the group and holds audiences of this type."""
        group = self.config.account_group()
        folder = folder_by_id(self.config.client, group, folder_id)
        if folder is None:
            return self.failure("folder_id", f"folder_id {folder_id!r}: no audience folder with this id in account "
                                             f"group {group}. Nothing was changed.")
        if folder.audience_type and folder.audience_type != wanted_type:
            return self.failure("type", f"type {wanted_type!r} does not match folder {folder_id!r} "
                                        f"({folder.name!r}), which holds {folder.audience_type} audiences; Sonarly "
                                        "keeps an audience only in a folder of its own type. Nothing was changed.")
        return None

    def _adoption_problem(self, adopt_id: str, wanted_type: str) -> Failure | None:
        """Read-only verification at preview: the audience exists in the group and has the declared type."""
        group = self.config.account_group()
        try:
            existing = self._get_ready(group, adopt_id, "pulumi preview")
        except NotFound:
            return self.failure("adopt_id", f"adopt_id {adopt_id!r}: no audience with this id in account group "
                                            f"{group}")
        if existing.type in AUDIENCE_TYPES and existing.type != wanted_type:
            return self.failure("type", f"adopt_id {adopt_id!r} is a {existing.type} audience, not {wanted_type}; "
                                        f"type can't be changed in place, so declare type={existing.type!r} to "
                                        "adopt it")
        return None

    # -- helpers ---------------------------------------------------------------------------------
    @staticmethod
    def _outputs(args: AudienceArgs, obj: AudienceObject, group: str, kept: list[str] | None) -> dict[str, Any]:
        """Outputs after a write: the declared inputs, the folder Sonarly reports, and the prospect URLs kept.

        `type` stays what was declared: Sonarly may report other values (e.g. "linkedin_search"), which are
        neither compared nor recorded.
        """
        state = AudienceState.from_wire(obj, name=args.name, type=args.type, description=args.description,
                                        adopt_id=args.adopt_id, prospect_urls=kept, account_group_id=group)
        return state.model_dump(mode="json")

    def _when_ready(self, audience_id: str, action: str, call: Callable[[], T], rerun: str) -> T:
        """Run ``call``; while Sonarly answers 409 AUDIENCE_NOT_READY, wait and repeat it (bounded)."""
        cfg = self.config
        return repeat_while_refused(
            call, lambda exc: isinstance(exc, Conflict) and exc.code == NOT_READY,
            timeout=cfg.not_ready_timeout, interval=cfg.poll_interval, max_interval=5.0,
            what=f"Sonarly audience {audience_id} to be ready to {action}",
            on_timeout=f"A prospecting job is still populating the audience and Sonarly refuses to {action} it "
                       f"until the job ends; rerun `{rerun}` once it has finished (or allow longer with "
                       f"`pulumi config set {NOT_READY_TIMEOUT.key} <seconds>`)",
        )

    def _get_ready(self, group: str, id_: str, rerun: str) -> AudienceObject:
        """GET the audience; audiences-get answers 409 AUDIENCE_NOT_READY while a job fills it: wait that out."""
        client = self.config.client
        return self._when_ready(id_, "read", lambda: client.get_audience(group, id_), rerun)

    def _present(self, group: str, id_: str, rerun: str) -> set[str]:
        """The profiles (public identifiers) among the audience's prospects, once no job is filling it."""
        client = self.config.client
        members = self._when_ready(id_, "list the prospects of", lambda: list(client.iter_prospects(group, id_)),
                                   rerun)
        return {p for p in (m.profile() for m in members) if p}

    def _wait_no_active_jobs(self, group: str) -> None:
        """Wait until no prospecting job runs in the group: the audience list hides audiences being populated.

        A run killed while its upload was filling the new audience left it hidden; the recovery must see it, or
        it would conclude the create never happened and the rerun would create (and fill) a second one.
        """
        cfg = self.config

        def active() -> list[str]:
            return [j.job_id for status in ACTIVE_JOB_STATUSES for j in cfg.client.iter_jobs(group, status)]

        wait_until(active, lambda jobs: not jobs, timeout=cfg.not_ready_timeout, interval=cfg.poll_interval,
                   max_interval=5.0, what=f"the prospecting jobs running in Sonarly account group {group} to finish",
                   on_timeout="Audiences being populated are hidden from Sonarly's audience list, so the recovery "
                              "can't look for the interrupted create yet; rerun it once the jobs have finished",
                   describe=lambda jobs: f"{len(jobs)} running")

    def _wait_job(self, group: str, job_id: str, what: str, rerun: str) -> JobStatus:
        cfg = self.config
        return wait_until(
            lambda: cfg.client.get_job(group, job_id), lambda job: not job.active,
            timeout=cfg.not_ready_timeout, interval=cfg.poll_interval, max_interval=5.0,
            what=f"Sonarly prospecting job {job_id} ({what})",
            on_timeout=f"The job keeps running in Sonarly; rerun `{rerun}` once it has finished (the rerun waits "
                       f"for it and does not start it again), or allow longer with "
                       f"`pulumi config set {NOT_READY_TIMEOUT.key} <seconds>`",
            describe=lambda job: job.status,
        )

    def _fill(self, group: str, id_: str, urls: list[str] | None, rerun: str) -> list[str] | None:
        """Upload every declared profile that is not yet a prospect; the declared URLs now present, in order."""
        if not urls:
            return None
        client = self.config.client
        by_profile = {profile_id(u): u for u in urls}
        present = self._present(group, id_, rerun)
        missing = [p for p in _profiles(urls) if p not in present]
        for start in range(0, len(missing), MAX_UPLOAD_URLS):
            chunk = missing[start:start + MAX_UPLOAD_URLS]
            chunk_urls = [by_profile[p] for p in chunk]
            what = f"url_upload of {len(chunk)} profile(s) into audience {id_}"
            after_job = ""
            for _ in range(3):
                try:
                    job = client.start_url_upload(group, id_, chunk_urls, upload_key(group, id_, chunk, after_job))
                except ApiError as exc:
                    if exc.status != 402:
                        raise
                    # Out of credits: nothing of this chunk was started. Say how far this run got; a rerun
                    # uploads only the profiles still missing, so nothing is paid for twice.
                    done = (f"{start} of the {len(missing)} missing profile(s) were imported before it; a rerun "
                            "uploads only the rest" if start else "nothing was imported")
                    raise ProviderError(f"{self.resource_label}: Sonarly refused the {what}: {exc} ({done})") from None
                earlier = job.replayed or job.status in ("failed", "cancelled")
                if earlier:
                    # Sonarly answered with a job that already ran under this key (a replay). If its profiles
                    # are there, that job did this import (our own lost answer or killed run); if not, they were
                    # removed since, and this is a new import keyed off that job.
                    if job.status == "completed" and set(chunk) <= self._present(group, id_, rerun):
                        break
                    after_job = job.job_id
                    continue
                status = self._wait_job(group, job.job_id, what, rerun)
                if status.status != "completed":
                    reason = (f": {status.error.message or status.error.code}" if status.error else "")
                    raise ProviderError(f"{self.resource_label}: Sonarly prospecting job {job.job_id} ({what}) ended "
                                        f"{status.status}{reason}")
                break
            else:
                raise ProviderError(f"{self.resource_label}: Sonarly kept replaying earlier prospecting jobs for the "
                                    f"{what}; nothing was started")
        present = self._present(group, id_, rerun) if missing else present
        return [u for u in urls if profile_id(u) in present]

    def _fill_new(self, group: str, obj: AudienceObject, args: AudienceArgs) -> tuple[AudienceObject, list[str] | None]:
        """Fill a just-created audience; if that fails, delete it again so nothing leaks (as ``_move_new``)."""
        try:
            kept = self._fill(group, obj.id, args.prospect_urls, "pulumi up")
            return self._get_ready(group, obj.id, "pulumi up"), kept
        except ProviderError as exc:
            try:
                self.config.client.delete_audience(group, obj.id)
                fate = "it was deleted again"
            except ProviderError:
                fate = (f"it could not be deleted again (a job may still be filling it): delete it in Sonarly or "
                        f"adopt it with adopt_id={obj.id!r}")
            raise ProviderError(f"{self.resource_label} {obj.name!r}: created audience {obj.id} but could not fill "
                                f"it from prospect_urls ({fate}): {exc}") from exc

    def _patch(self, group: str, id_: str, current: Mapping[str, Any], args: AudienceArgs,
               rerun: str) -> AudienceObject | None:
        fields: dict[str, str | None] = {}
        if args.name != current.get("name"):
            fields["name"] = args.name
        if (args.description or None) != (current.get("description") or None):
            fields["description"] = args.description  # None clears it
        if not fields:
            return None
        client = self.config.client
        return self._when_ready(id_, "update", lambda: client.update_audience(group, id_, **fields), rerun)

    def _place(self, group: str, id_: str, current: str | None, wanted: str | None,
               rerun: str) -> AudienceObject | None:
        if wanted == current:
            return None
        client = self.config.client
        if wanted is None:
            return self._when_ready(id_, "move", lambda: client.remove_audience_from_folder(group, id_), rerun)
        return self._when_ready(id_, "move", lambda: client.move_audience_to_folder(group, id_, wanted), rerun)

    @staticmethod
    def _same_request(obj: AudienceObject, args: AudienceArgs) -> bool:
        # A reported type outside on_demand/monitoring says nothing about what was requested: ignore it then.
        same_type = obj.type not in AUDIENCE_TYPES or obj.type == args.type
        return obj.name == args.name and same_type and (obj.description or None) == (args.description or None)

    # -- lifecycle -------------------------------------------------------------------------------
    def create_resource(self, args: AudienceArgs) -> tuple[str, dict[str, Any]]:
        group = self.config.account_group()
        if args.adopt_id:
            return self._adopt(group, args)
        client = self.config.client
        # List before creating: the ids that already carry the name are never ours (see pick_created).
        ids: list[str] = []
        times: list[datetime | None] = []
        for page in client.iter_audience_pages(group):
            ids.extend(a.id for a in page.items if a.name == args.name)
            times.append(page.server_time)
        snapshot = Snapshot.of(ids, times)

        def create() -> AudienceObject:
            return client.create_audience(group, args.name, args.type, args.description)

        def find() -> AudienceObject | None:
            # A just-created audience has no prospecting job, so it is ready and listed.
            same = (a for page in client.iter_audience_pages(group) for a in page.items
                    if self._same_request(a, args))
            return pick_created(self.resource_label, args.name, same, snapshot, vendor=self.vendor,
                                keep_one="or keep one of them with adopt_id=<id>")

        obj = create_or_adopt(create, find, is_duplicate=never_duplicate)
        if args.folder_id and obj.folder_id != args.folder_id:
            obj = self._move_new(group, obj, args.folder_id)
        kept = args.prospect_urls
        if args.prospect_urls:
            obj, kept = self._fill_new(group, obj, args)
        return obj.id, self._outputs(args, obj, group, kept)

    def locate(self, inputs: Mapping[str, Any], held: set[str]) -> list[tuple[str, str]] | None:
        # Names repeat in Sonarly: every audience that matches the request and that the stack doesn't hold is a
        # candidate; more than one is left to the user (the recovery lists them with their creation times).
        args, group = self.parse(inputs), self.config.account_group()
        if args.prospect_urls:
            self._wait_no_active_jobs(group)
        return [(a.id, f"audience {a.id} (name {a.name!r}, created {a.created_at or 'at an unknown time'})")
                for page in self.config.client.iter_audience_pages(group) for a in page.items
                if self._same_request(a, args) and a.id not in held]

    def _move_new(self, group: str, obj: AudienceObject, folder_id: str) -> AudienceObject:
        """Create takes no folder: move right after; if that fails, delete what we made so nothing leaks."""
        try:
            moved = self._place(group, obj.id, obj.folder_id, folder_id, "pulumi up")
        except ProviderError as exc:
            try:
                self.config.client.delete_audience(group, obj.id)
                fate = "it was deleted again"
            except ProviderError:
                fate = f"it could not be deleted again: delete it in Sonarly or adopt it with adopt_id={obj.id!r}"
            raise ProviderError(f"{self.resource_label} {obj.name!r}: created audience {obj.id} but could not move it "
                                f"into folder {folder_id} ({fate}): {exc}") from exc
        return moved or obj

    def _adopt(self, group: str, args: AudienceArgs) -> tuple[str, dict[str, Any]]:
        assert args.adopt_id is not None
        try:
            obj = self._get_ready(group, args.adopt_id, "pulumi up")
        except NotFound:
            raise InputError(f"{self.resource_label}: adopt_id {args.adopt_id!r}: no audience with this id in "
                             f"account group {group}") from None
        if obj.type in AUDIENCE_TYPES and obj.type != args.type:
            raise InputError(f"{self.resource_label}: adopt_id {args.adopt_id!r} is a {obj.type} audience, not "
                             f"{args.type}; declare type={obj.type!r} to adopt it")
        current = {"name": obj.name, "description": obj.description}
        obj = self._patch(group, obj.id, current, args, "pulumi up") or obj
        obj = self._place(group, obj.id, obj.folder_id, args.folder_id, "pulumi up") or obj
        kept = self._fill(group, obj.id, args.prospect_urls, "pulumi up")
        if args.prospect_urls:
            obj = self._get_ready(group, obj.id, "pulumi up")  # prospectCount after the upload
        return obj.id, self._outputs(args, obj, group, kept)

    def read_resource(self, id_: str, props: Mapping[str, Any]) -> dict[str, Any] | None:
        group = self.group_of(props)
        obj = self._get_ready(group, id_, "pulumi refresh")
        declared = props.get("type")
        # Keep the declared type unless Sonarly reports the other one of the two (a real change, so drift).
        kept = obj.type if (obj.type in AUDIENCE_TYPES and obj.type != declared) or not declared else declared
        urls = props.get("prospect_urls") or None
        if urls:
            # Only the declared profiles are compared: prospects added by other jobs are not ours to judge. A
            # declared profile that is no longer a prospect drops out, so the next `up` uploads it again.
            present = self._present(group, id_, "pulumi refresh")
            urls = [u for u in urls if profile_id(str(u)) in present]
        state = AudienceState.from_wire(obj, name=obj.name, type=kept, description=obj.description,
                                        adopt_id=props.get("adopt_id"), prospect_urls=urls, account_group_id=group)
        return state.model_dump(mode="json")

    def update_resource(self, id_: str, olds: Mapping[str, Any], args: AudienceArgs) -> dict[str, Any]:
        group = self.group_of(olds)
        obj = self._patch(group, id_, olds, args, "pulumi up")
        obj = self._place(group, id_, olds.get("folder_id"), args.folder_id, "pulumi up") or obj
        kept = self._fill(group, id_, args.prospect_urls, "pulumi up")
        if obj is None or args.prospect_urls:
            obj = self._get_ready(group, id_, "pulumi up")
        return self._outputs(args, obj, group, kept)

    def delete_resource(self, id_: str, props: Mapping[str, Any]) -> None:
        group = self.group_of(props)
        client = self.config.client
        self._when_ready(id_, "delete", lambda: client.delete_audience(group, id_), "pulumi destroy")
