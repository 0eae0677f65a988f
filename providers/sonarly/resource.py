"""Sonarly ``AudienceFolder`` and ``Audience``: folders by name and type, audiences by name, type, folder.

Two vendor facts shape this module (shared/vendors/sonarly.md, emulators/sonarly/COVERAGE.md):

- creates are **not idempotent** and names are **not unique**, so a create whose answer was lost is reconciled
  by listing, with a rule that never adopts an audience that existed before the attempt (see ``pick_created``);
- while a prospecting job populates an audience, GET, the prospect listing, PATCH, folder moves and DELETE
  answer **409 AUDIENCE_NOT_READY**; the provider waits that out (``sonarly:notReadyTimeout``) and repeats the
  call, so read, refresh, adoption and update work on an audience that a job is filling.

``prospect_urls`` fills an audience through ``url_upload`` prospecting jobs, the only documented way to add
prospects. Each job carries an ``Idempotency-Key`` derived from what it asks for (see ``upload_key``), so a lost
answer or a killed run never starts the same import twice.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol, TypeVar

import pulumi
from pulumi.dynamic import Resource

from .._core.config import ConfigSource, Setting, client_settings, missing
from .._core.dynamic import ReadableResource, VendorProvider, contains_unknown, create_or_adopt
from .._core.errors import ApiError, ConfigurationError, Conflict, InputError, NotFound, ProviderError
from .._core.lifecycle import Checked as CheckResult
from .._core.lifecycle import Failure as CheckFailure
from .._core.wait import repeat_while_refused, wait_until
from .client import DEFAULT_BASE_URL, NOT_READY, Client
from .models import (
    ACTIVE_JOB_STATUSES,
    AUDIENCE_TYPES,
    MAX_UPLOAD_URLS,
    AudienceArgs,
    AudienceFolderArgs,
    AudienceObject,
    FolderObject,
    JobStatus,
    parse_timestamp,
    profile_id,
)

API_KEY = Setting("sonarly:apiKey", "SONARLY_API_KEY", secret=True,
                  help="API key (sk_live_...) with audiences:read and audiences:write")
ACCOUNT_GROUP_ID = Setting("sonarly:accountGroupId", "SONARLY_ACCOUNT_GROUP_ID",
                           help="account group to manage; optional when the key can use exactly one")
BASE_URL = Setting("sonarly:baseUrl", "SONARLY_BASE_URL", default=DEFAULT_BASE_URL)
NOT_READY_TIMEOUT = Setting("sonarly:notReadyTimeout", "SONARLY_NOT_READY_TIMEOUT", default="600",
                            help="seconds to wait for a prospecting job to release an audience")
# When a list answer carries no `Date` header we fall back to our own clock, allowing this much skew.
CLOCK_SKEW = timedelta(seconds=60)

T = TypeVar("T")


class AmbiguousCreate(ProviderError):
    """A lost create left more than one candidate: adopting any of them would be a guess."""


class SonarlyConfig:
    """Client, account group (configured or discovered once per process) and the not-ready wait bounds."""

    def __init__(self, client: Client, account_group_id: str | None, not_ready_timeout: float,
                 poll_interval: float = 0.5) -> None:
        self.client = client
        self.not_ready_timeout = not_ready_timeout
        self.poll_interval = poll_interval
        self._group = account_group_id
        self._lock = threading.Lock()

    def account_group(self) -> str:
        with self._lock:
            if self._group is None:
                self._group = self._discover()
            return self._group

    def _discover(self) -> str:
        # GET /v1/accounts: "the account groups the key can use" (accounts page); any valid key may call it.
        groups = self.client.list_accounts()
        if len(groups) == 1:
            return groups[0].id
        how = (f"  pulumi config set {ACCOUNT_GROUP_ID.key} <id>    (or environment variable {ACCOUNT_GROUP_ID.env})")
        if not groups:
            raise ConfigurationError(f"{ACCOUNT_GROUP_ID.key} is not set and the Sonarly API key can use no account "
                                     "group (GET /v1/accounts is empty); use a key with access to one, or set:\n"
                                     + how)
        listed = ", ".join(f"{g.id} ({g.name})" if g.name else g.id for g in groups)
        raise ConfigurationError(f"{ACCOUNT_GROUP_ID.key} is not set and the Sonarly API key can use "
                                 f"{len(groups)} account groups: {listed}; choose one with:\n" + how)


def load_sonarly_config(source: ConfigSource) -> SonarlyConfig:
    api_key = source.get(API_KEY)
    if api_key is None:
        raise missing(API_KEY)
    timeout = source.number(NOT_READY_TIMEOUT)
    if timeout is None or timeout < 0:
        raise ConfigurationError(f"{NOT_READY_TIMEOUT.key} must be a number of seconds >= 0")
    settings = client_settings(source, "sonarly", "SONARLY", source.require(BASE_URL))
    return SonarlyConfig(Client.shared(settings, api_key=api_key), source.get(ACCOUNT_GROUP_ID), timeout)


# -- lost-create reconciliation ----------------------------------------------------------------------
class _Created(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def created_at(self) -> str | None: ...


C = TypeVar("C", bound=_Created)


@dataclass(frozen=True)
class Snapshot:
    """What carried the name just before our create: those ids, and the vendor's clock at that moment."""

    ids: frozenset[str]
    since: datetime

    @classmethod
    def of(cls, ids: Iterable[str], server_times: Iterable[datetime | None]) -> Snapshot:
        seen = [t for t in server_times if t is not None]
        # The Date header is whole seconds, taken after the list was read: anything we create is at or after it.
        since = max(seen) if seen else datetime.now(timezone.utc) - CLOCK_SKEW
        return cls(frozenset(ids), since)


def pick_created(label: str, name: str, candidates: Iterable[C], snapshot: Snapshot) -> C | None:
    """The one candidate our lost create made, None if there is none, an error if there are several.

    A candidate must match the request (the caller filters on name/type/description), must be absent from the
    pre-create snapshot (so it did not exist before) and must be created at or after the snapshot's server time
    (so it is not an older audience that the snapshot missed because a prospecting job hid it from the list).
    """
    new = []
    for item in candidates:
        if item.id in snapshot.ids:
            continue
        created = parse_timestamp(item.created_at)
        if created is not None and created < snapshot.since:
            continue
        new.append(item)
    if len(new) > 1:
        ids = ", ".join(sorted(c.id for c in new))
        raise AmbiguousCreate(
            f"{label} {name!r}: the create request got no answer and {len(new)} matching objects appeared since "
            f"(ids {ids}); Sonarly has no idempotency key and names are not unique, so the provider can't tell "
            "which one is its own and adopts none. Delete the extra ones in Sonarly and rerun `pulumi up` "
            "(for an audience you can instead keep one with adopt_id=<id>)")
    return new[0] if new else None


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


def _never_duplicate(_exc: ApiError) -> bool:
    return False  # names are not unique: a 409 on create never means "already exists"


class _SonarlyProvider(VendorProvider[Any, SonarlyConfig]):
    vendor = "Sonarly"

    def credential_settings(self) -> str:
        return f"{API_KEY.key} ({API_KEY.env})"

    def load_config(self, source: ConfigSource) -> SonarlyConfig:
        return load_sonarly_config(source)

    def _group(self, props: Mapping[str, Any]) -> str:
        """The account group a recorded resource lives in (state), else the configured/discovered one."""
        recorded = props.get("account_group_id")
        return str(recorded) if recorded else self.config.account_group()

    def check(self, _olds: Mapping[str, Any], news: Mapping[str, Any]) -> CheckResult:  # type: ignore[override]
        result = super().check(_olds, news)
        if not result.failures:
            # An unset or ambiguous account group fails `pulumi preview` (one cached GET /v1/accounts per process).
            self.config.account_group()
        return result


class AudienceFolderProvider(_SonarlyProvider):
    resource_label = "sonarly:AudienceFolder"
    args_model = AudienceFolderArgs
    # Rename is the only documented folder change; audienceType is fixed at create.
    replace_fields = frozenset({"audience_type"})

    def _outputs(self, args: AudienceFolderArgs, folder: FolderObject, group: str) -> dict[str, Any]:
        return {**args.model_dump(mode="json"), **folder.outputs(), "account_group_id": group}

    def create_resource(self, args: AudienceFolderArgs) -> tuple[str, dict[str, Any]]:
        client, group = self.config.client, self.config.account_group()
        nav = client.get_navigation(group)  # folders are read through navigation only
        snapshot = Snapshot.of((f.id for f in nav.folders if f.name == args.name), [nav.server_time])

        def create() -> FolderObject:
            return client.create_folder(group, args.name, args.audience_type)

        def find() -> FolderObject | None:
            folders = client.get_navigation(group).folders
            same = (f for f in folders if f.name == args.name and f.audience_type == args.audience_type)
            return pick_created(self.resource_label, args.name, same, snapshot)

        folder = create_or_adopt(create, find, is_duplicate=_never_duplicate)
        return folder.id, self._outputs(args, folder, group)

    def locate(self, inputs: Mapping[str, Any], held: set[str]) -> list[tuple[str, str]] | None:
        args, group = self.parse(inputs), self.config.account_group()
        return [(f.id, f"folder {f.id} (name {f.name!r}, {f.audience_type})")
                for f in self.config.client.get_navigation(group).folders
                if f.name == args.name and f.audience_type == args.audience_type and f.id not in held]

    def _find(self, group: str, folder_id: str) -> FolderObject | None:
        return next((f for f in self.config.client.get_navigation(group).folders if f.id == folder_id), None)

    def read_resource(self, id_: str, props: Mapping[str, Any]) -> dict[str, Any] | None:
        group = self._group(props)
        folder = self._find(group, id_)
        if folder is None:
            return None
        return {"name": folder.name, "audience_type": folder.audience_type or props.get("audience_type"),
                **folder.outputs(), "account_group_id": group}

    def update_resource(self, id_: str, olds: Mapping[str, Any], args: AudienceFolderArgs) -> dict[str, Any]:
        group = self._group(olds)
        folder = self.config.client.rename_folder(group, id_, args.name)
        return self._outputs(args, folder, group)

    def delete_resource(self, id_: str, props: Mapping[str, Any]) -> None:
        group = self._group(props)
        try:
            self.config.client.delete_folder(group, id_)
        except Conflict as exc:
            if exc.code != "FOLDER_NOT_EMPTY":
                raise
            raise Conflict(exc.vendor, exc.operation, exc.status, exc.vendor_message, code=exc.code,
                           request_id=exc.request_id,
                           hint="audiences not managed by this stack are still in the folder; move them out "
                                "(remove-from-folder) or delete them in Sonarly, then rerun `pulumi destroy`") from None
        except ApiError as exc:
            # The folder delete path is not in Sonarly's public docs: a 404/405 while the folder still exists
            # means the API lacks it, which must not pass for "already gone".
            if exc.status not in (404, 405):
                raise
            if self._find(group, id_) is None:
                return  # already gone
            raise ApiError(exc.vendor, exc.operation, exc.status, exc.vendor_message, code=exc.code,
                           request_id=exc.request_id,
                           hint="this Sonarly API offers no folder delete; delete the folder in the Sonarly app, or "
                                "keep it by declaring the resource with `retain_on_delete=True`") from None


class AudienceProvider(_SonarlyProvider):
    resource_label = "sonarly:Audience"
    args_model = AudienceArgs
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

    # -- check / diff ----------------------------------------------------------------------------
    def check(self, _olds: Mapping[str, Any], news: Mapping[str, Any]) -> CheckResult:  # type: ignore[override]
        result = self._check_adoption(_olds, news)
        folder_id, type_ = result.inputs.get("folder_id"), result.inputs.get("type")
        if (result.failures or not isinstance(folder_id, str) or not folder_id or contains_unknown(folder_id)
                or contains_unknown(type_) or (_olds.get("folder_id"), _olds.get("type")) == (folder_id, type_)):
            return result  # a folder id still unknown at preview is a folder this stack creates in this run
        failure = self._folder_problem(folder_id, str(type_))
        return CheckResult(result.inputs, [failure]) if failure else result

    def _folder_problem(self, folder_id: str, wanted_type: str) -> CheckFailure | None:
        """Read-only, at preview: the folder exists in the group and holds audiences of this type."""
        group = self.config.account_group()
        folder = _FOLDERS.get(self.config.client, group, folder_id)
        if folder is None:
            return CheckFailure("folder_id", f"{self.resource_label}: folder_id {folder_id!r}: no audience folder with "
                                             f"this id in account group {group}. Nothing was changed.")
        if folder.audience_type and folder.audience_type != wanted_type:
            return CheckFailure("type", f"{self.resource_label}: type {wanted_type!r} does not match folder "
                                        f"{folder_id!r} ({folder.name!r}), which holds {folder.audience_type} "
                                        "audiences; Sonarly keeps an audience only in a folder of its own type. "
                                        "Nothing was changed.")
        return None

    def _check_adoption(self, _olds: Mapping[str, Any], news: Mapping[str, Any]) -> CheckResult:
        result = super().check(_olds, news)
        adopt_id = result.inputs.get("adopt_id")
        if (result.failures or not adopt_id or contains_unknown(adopt_id) or _olds.get("adopt_id") == adopt_id
                or contains_unknown(result.inputs.get("type"))):
            return result  # only a new adoption is verified: once adopted, the resource is ours like any other
        failure = self._adoption_problem(str(adopt_id), str(result.inputs.get("type")))
        return CheckResult(result.inputs, [failure] if failure else [])

    def _adoption_problem(self, adopt_id: str, wanted_type: str) -> CheckFailure | None:
        """Read-only verification at preview: the audience exists in the group and has the declared type."""
        group = self.config.account_group()
        try:
            existing = self._get_ready(group, adopt_id, "pulumi preview")
        except NotFound:
            return CheckFailure("adopt_id", f"{self.resource_label}: adopt_id {adopt_id!r}: no audience with this "
                                            f"id in account group {group}")
        if existing.type in AUDIENCE_TYPES and existing.type != wanted_type:
            return CheckFailure("type", f"{self.resource_label}: adopt_id {adopt_id!r} is a {existing.type} "
                                        f"audience, not {wanted_type}; type can't be changed in place, so declare "
                                        f"type={existing.type!r} to adopt it")
        return None

    # -- helpers ---------------------------------------------------------------------------------
    def _outputs(self, args: AudienceArgs, obj: AudienceObject, group: str) -> dict[str, Any]:
        # `type` stays what was declared: Sonarly may report other values (e.g. "linkedin_search"); that goes
        # to `reported_type`, which is never compared.
        return {**args.model_dump(mode="json"), **obj.outputs(), "account_group_id": group}

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
                job = client.start_url_upload(group, id_, chunk_urls, upload_key(group, id_, chunk, after_job))
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
            return pick_created(self.resource_label, args.name, same, snapshot)

        obj = create_or_adopt(create, find, is_duplicate=_never_duplicate)
        if args.folder_id and obj.folder_id != args.folder_id:
            obj = self._move_new(group, obj, args.folder_id)
        kept = args.prospect_urls
        if args.prospect_urls:
            obj, kept = self._fill_new(group, obj, args)
        return obj.id, {**self._outputs(args, obj, group), "prospect_urls": kept}

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
        return obj.id, {**self._outputs(args, obj, group), "prospect_urls": kept}

    def read_resource(self, id_: str, props: Mapping[str, Any]) -> dict[str, Any] | None:
        group = self._group(props)
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
        return {"name": obj.name, "type": kept, "description": obj.description, "adopt_id": props.get("adopt_id"),
                "prospect_urls": urls, **obj.outputs(), "account_group_id": group}

    def update_resource(self, id_: str, olds: Mapping[str, Any], args: AudienceArgs) -> dict[str, Any]:
        group = self._group(olds)
        obj = self._patch(group, id_, olds, args, "pulumi up")
        obj = self._place(group, id_, olds.get("folder_id"), args.folder_id, "pulumi up") or obj
        kept = self._fill(group, id_, args.prospect_urls, "pulumi up")
        if obj is None or args.prospect_urls:
            obj = self._get_ready(group, id_, "pulumi up")
        return {**self._outputs(args, obj, group), "prospect_urls": kept}

    def delete_resource(self, id_: str, props: Mapping[str, Any]) -> None:
        group = self._group(props)
        client = self.config.client
        self._when_ready(id_, "delete", lambda: client.delete_audience(group, id_), "pulumi destroy")


class _FolderIndex:
    """The folders of an account group, read through navigation once per process for preview-time checks.

    A folder this stack created after the listing was read is not in it: a miss reads navigation again once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._folders: dict[tuple[int, str], dict[str, FolderObject]] = {}

    def get(self, client: Client, group: str, folder_id: str) -> FolderObject | None:
        key = (id(client), group)
        with self._lock:
            cached = self._folders.get(key)
            if cached is not None and folder_id in cached:
                return cached[folder_id]
            fresh: dict[str, FolderObject] = {f.id: f for f in client.get_navigation(group).folders}
            self._folders[key] = fresh
            return fresh.get(folder_id)


_FOLDERS = _FolderIndex()


_FOLDER_OUTPUTS = {"is_pinned": None, "position": None, "created_at": None, "updated_at": None,
                   "account_group_id": None}
_AUDIENCE_OUTPUTS = {"prospect_count": None, "created_at": None, "reported_type": None, "account_group_id": None}


class AudienceFolder(ReadableResource, Resource, module="sonarly", name="AudienceFolder"):
    """A Sonarly audience folder (holds audiences of one type). See docs/sonarly/audience-folder.md."""

    provider_class = AudienceFolderProvider

    name: pulumi.Output[str]
    audience_type: pulumi.Output[str]
    is_pinned: pulumi.Output[bool]
    position: pulumi.Output[int]
    created_at: pulumi.Output[str]
    updated_at: pulumi.Output[str]
    account_group_id: pulumi.Output[str]

    def __init__(self, resource_name: str, *, name: pulumi.Input[str], audience_type: pulumi.Input[str],
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(AudienceFolderProvider(), resource_name,
                         {"name": name, "audience_type": audience_type, **_FOLDER_OUTPUTS}, opts)


class Audience(ReadableResource, Resource, module="sonarly", name="Audience"):
    """A Sonarly audience (on_demand or monitoring), optionally in a folder. See docs/sonarly/audience.md."""

    provider_class = AudienceProvider

    name: pulumi.Output[str]
    type: pulumi.Output[str]
    description: pulumi.Output[str | None]
    folder_id: pulumi.Output[str | None]
    adopt_id: pulumi.Output[str | None]
    prospect_urls: pulumi.Output[list[str] | None]
    prospect_count: pulumi.Output[int]
    created_at: pulumi.Output[str]
    reported_type: pulumi.Output[str]
    account_group_id: pulumi.Output[str]

    def __init__(self, resource_name: str, *, name: pulumi.Input[str], type: pulumi.Input[str],
                 description: pulumi.Input[str] | None = None, folder_id: pulumi.Input[str] | None = None,
                 adopt_id: pulumi.Input[str] | None = None,
                 prospect_urls: pulumi.Input[list[str]] | None = None,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        props: dict[str, Any] = {"name": name, "type": type, "description": description, "folder_id": folder_id,
                                 "adopt_id": adopt_id, "prospect_urls": prospect_urls, **_AUDIENCE_OUTPUTS}
        super().__init__(AudienceProvider(), resource_name, props, opts)


__all__ = ["AmbiguousCreate", "Audience", "AudienceFolder", "AudienceFolderProvider", "AudienceProvider", "Snapshot",
           "SonarlyConfig", "load_sonarly_config", "pick_created", "upload_key"]
