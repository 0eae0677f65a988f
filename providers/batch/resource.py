"""Batch ``Audience``: a custom-id audience whose name, display name and membership a stack declares."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import Resource

from .._core.config import ConfigSource, Setting, client_settings, missing
from .._core.dynamic import ReadableResource, VendorProvider, create_or_adopt
from .._core.errors import ApiError, InputError, NotFound
from .._core.lifecycle import Failure as CheckFailure
from .._core.util import chunks
from .._core.wait import wait_until
from .client import DEFAULT_BASE_URL, Client
from .members import MemberMap, Members, MembersError, SnapshotStore, digest_of, plan_changes, resolve
from .models import MAX_IDS_PER_CALL, AudienceArgs, AudienceView

API_KEY = Setting("batch:apiKey", "BATCH_API_KEY", secret=True, help="REST API key of the project")
PROJECT_KEY = Setting("batch:projectKey", "BATCH_PROJECT_KEY", help="project key, e.g. project_0664...")
BASE_URL = Setting("batch:baseUrl", "BATCH_BASE_URL", default=DEFAULT_BASE_URL)
INDEXING_TIMEOUT = Setting("batch:indexingTimeout", "BATCH_INDEXING_TIMEOUT", default="600")
SETTLED = ("APPLIED", "REPLACED")
# Audiences by name per client, read once per provider process (see AudienceProvider._listed).
# Weak keys: a client dropped (tests build one per case) can't hand its listing to a new one at the same id().
_LISTINGS: weakref.WeakKeyDictionary[Client, dict[str, AudienceView]] = weakref.WeakKeyDictionary()
_LISTINGS_LOCK = threading.Lock()


@dataclass(frozen=True)
class BatchConfig:
    client: Client
    indexing_timeout: float


def _already_exists(exc: ApiError) -> bool:
    return exc.status in (400, 409) and (exc.code == "AUDIENCE_ALREADY_EXISTS" or "exist" in exc.vendor_message)


class AudienceProvider(VendorProvider[AudienceArgs, BatchConfig]):
    vendor = "Batch"
    resource_label = "batch:Audience"
    args_model = AudienceArgs
    # No documented way to rename or to change display_name after create.
    replace_fields = frozenset({"name", "display_name"})

    def credential_settings(self) -> str:
        return f"{API_KEY.key} ({API_KEY.env}) with {PROJECT_KEY.key} ({PROJECT_KEY.env})"

    def load_config(self, source: ConfigSource) -> BatchConfig:
        absent = [s for s in (API_KEY, PROJECT_KEY) if source.get(s) is None]
        if absent:
            raise missing(*absent)
        settings = client_settings(source, "batch", "BATCH", source.require(BASE_URL))
        client = Client.shared(settings, api_key=source.require(API_KEY), project_key=source.require(PROJECT_KEY))
        return BatchConfig(client, source.number(INDEXING_TIMEOUT) or 600.0)

    key_field = "name"  # unique in the project
    adopt_field = "adopt"
    create_only_fields = frozenset({"adopt"})

    @staticmethod
    def _describe(view: AudienceView) -> str:
        shown = f", display name {view.display_name!r}" if view.display_name else ""
        return f"audience {view.name!r} ({view.nb_ids} ids{shown})"

    def _listed(self, name: str) -> AudienceView | None:
        """The project's audience ``name`` as the paged list shows it, listed once per provider process.

        Ownership checks and adoption share the one listing (`next_from` across pages, whatever their size), so
        a preview of N audiences costs ceil(total/100) requests instead of N views.
        """
        client = self.config.client
        with _LISTINGS_LOCK:
            listing = _LISTINGS.get(client)
            if listing is None:
                listing = _LISTINGS[client] = {a.name: a for a in client.iter_audiences()}
        return listing.get(name)

    def find_existing(self, key: str) -> str | None:
        view = self._listed(key)
        return self._describe(view) if view is not None else None

    def adopt_hint(self) -> str:
        return ("set adopt=True on this resource (authoritative membership then rewrites it to exactly the declared "
                "ids; additive only adds them)")

    def locate(self, inputs: Mapping[str, Any], held: set[str]) -> list[tuple[str, str]] | None:
        args = self.parse(inputs)
        try:
            view = self.config.client.view_audience(args.name)
        except NotFound:
            return []
        if view.display_name != args.display_name or view.name in held:
            return []
        return [(view.name, self._describe(view))]

    def extra_checks(self, args: AudienceArgs, olds: Mapping[str, Any]) -> list[CheckFailure]:
        if not args.adopt:
            return []
        problem = self._adoption_problem(args)
        return [CheckFailure("adopt", problem)] if problem else []

    def _adoption_problem(self, args: AudienceArgs) -> str | None:
        view = self._listed(args.name)
        if view is None:
            return f"{self.resource_label}: adopt=True but Batch has no audience named {args.name!r}"
        if args.display_name is not None and view.display_name != args.display_name:
            return (f"{self.resource_label}: adopt=True: audience {args.name!r} has display name "
                    f"{view.display_name!r}, and Batch documents no way to change it; declare "
                    f"display_name={view.display_name!r} (or leave it unset) to adopt it")
        return None

    # -- diff ------------------------------------------------------------------------------------
    def comparable(self, field: str, props: Mapping[str, Any], *, state: bool) -> Any:
        if field == "members":
            spec = props.get("members")
            return spec.get("digest") if isinstance(spec, Mapping) else None
        return props.get(field)

    def detailed_paths(self, field: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, str] | None:
        old, new = olds.get(field), news.get(field)
        if field != "members" or not isinstance(old, Mapping) or not isinstance(new, Mapping):
            return None
        paths = {f"members.{k}": "update" for k in ("digest", "count", "file") if old.get(k) != new.get(k)}
        before, after = old.get("inline"), new.get("inline")
        if not isinstance(before, list) or not isinstance(after, list):
            if before != after:
                paths["members.inline"] = "add" if before is None else "delete" if after is None else "update"
            return paths
        # A member list is a set: show the ids added and removed, not every position that shifted.
        def by_id(items: list[Any]) -> dict[str, tuple[int, Any]]:
            return {str(m.get("id")): (i, m.get("attributes") or None) for i, m in enumerate(items)
                    if isinstance(m, Mapping)}
        was, now = by_id(before), by_id(after)
        for member, (index, attrs) in was.items():
            if member not in now or now[member][1] != attrs:
                paths[f"members.inline[{index}]"] = "delete"
        for member, (index, attrs) in now.items():
            if member not in was or was[member][1] != attrs:
                paths[f"members.inline[{index}]"] = "add" if f"members.inline[{index}]" not in paths else "update"
        return paths

    def delete_before_replace(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
        # Names are unique: a replacement that keeps the name must delete the old audience first.
        return olds.get("name") == news.get("name")

    # -- helpers ---------------------------------------------------------------------------------
    def _wait(self, name: str, token: str) -> AudienceView:
        client = self.config.client
        return wait_until(
            lambda: client.view_audience(name, token),
            lambda v: v.indexing_state in SETTLED,
            timeout=self.config.indexing_timeout, interval=0.1, max_interval=2.0,
            what=f"Batch audience {name!r} to finish indexing (token {token})",
            on_timeout="The change was accepted by Batch and may still apply; rerun `pulumi up` to converge",
            describe=lambda v: str(v.indexing_state),
        )

    def _apply(self, name: str, old: MemberMap | None, new: MemberMap, additive: bool) -> None:
        """Bring membership from ``old`` (None: unknown) to ``new`` in ≤10,000-id calls, each awaited."""
        client = self.config.client
        if old is None and additive:
            old = {}
        if old is not None:
            actions = plan_changes(old, new, additive=additive)
            diff_calls = -(-len(actions) // MAX_IDS_PER_CALL)
        else:
            actions, diff_calls = [], None
        full = [{"id": i, **({"attributes": a} if a else {})} for i, a in new.items()]
        replace_calls = 1 + -(-max(0, len(full) - MAX_IDS_PER_CALL) // MAX_IDS_PER_CALL)
        if diff_calls is not None and diff_calls <= replace_calls:
            for chunk in chunks(actions, MAX_IDS_PER_CALL):
                self._wait(name, client.update_audience(name, chunk))
            return
        # Unknown starting point, or a rewrite is cheaper: replace with the first chunk, add the rest.
        head, rest = full[:MAX_IDS_PER_CALL], full[MAX_IDS_PER_CALL:]
        self._wait(name, client.replace_audience(name, head))
        for chunk in chunks([{"action": "add", **m} for m in rest], MAX_IDS_PER_CALL):
            self._wait(name, client.update_audience(name, chunk))

    def _outputs(self, args: AudienceArgs, view: AudienceView | None) -> dict[str, Any]:
        outs = args.model_dump(mode="json")
        if args.members is not None and args.members.inline is not None and args.members.count > 100:
            # Large inline lists stay in the program; state keeps the digest and count only.
            outs["members"] = {**outs["members"], "inline": None}
        outs["nb_ids"] = view.nb_ids if view else None
        outs["indexing_state"] = view.indexing_state if view else None
        outs["adopted"] = args.adopt
        return outs

    # -- lifecycle -------------------------------------------------------------------------------
    def create_resource(self, args: AudienceArgs) -> tuple[str, dict[str, Any]]:
        client = self.config.client
        if args.adopt:
            return self._adopt(args)

        def create() -> str:
            try:
                return client.create_audience(args.name, args.display_name)
            except ApiError as exc:
                if not _already_exists(exc):
                    raise
                raise exc.with_hint(f"audience {args.name!r} exists and this stack did not create it; nothing was "
                                    "changed. Set adopt=True to manage it on purpose, or choose another name") from None

        def find() -> str | None:
            # Called only after an attempt of this create whose outcome was unknown.
            try:
                existing = client.view_audience(args.name)
            except NotFound:
                return None
            # Same name and display name: what our lost (or killed) create made; anything else is not ours.
            return "" if existing.display_name == args.display_name else None

        token = create_or_adopt(create, find, is_duplicate=_already_exists)
        if token:
            self._wait(args.name, token)
        if args.members is not None:
            new = resolve(args.members)
            self._apply(args.name, {}, new, args.membership == "additive")
            SnapshotStore().save(new)
        return args.name, self._outputs(args, client.view_audience(args.name))

    def _adopt(self, args: AudienceArgs) -> tuple[str, dict[str, Any]]:
        problem = self._adoption_problem(args)
        if problem:
            raise InputError(problem)
        if args.members is not None:
            new = resolve(args.members)
            additive = args.membership == "additive"
            # Authoritative: the ids already there are unknown (Batch lists none), so rewrite the whole audience.
            self._apply(args.name, {} if additive else None, new, additive)
            SnapshotStore().save(new)
        return args.name, {**self._outputs(args, self.config.client.view_audience(args.name)), "adopted": True}

    def update_resource(self, id_: str, olds: Mapping[str, Any], args: AudienceArgs) -> dict[str, Any]:
        old_spec = olds.get("members") if isinstance(olds.get("members"), Mapping) else None
        old_digest = old_spec.get("digest") if old_spec else None
        additive = args.membership == "additive"
        if args.members is not None and args.members.digest != old_digest:
            new = resolve(args.members)
            old: MemberMap | None
            if old_spec is None:
                # Never declared: empty if the stack made it; unknown if it was adopted or imported with its ids.
                old = None if olds.get("adopted") and not additive else {}
            else:
                old = {} if old_spec.get("count") == 0 else SnapshotStore().load(old_digest)
            self._apply(id_, old, new, additive)
            SnapshotStore().save(new)
        elif args.members is None and old_spec is not None and old_spec.get("count") and not additive:
            self._apply(id_, SnapshotStore().load(old_digest), {}, False)
        # Whether the stack created the audience or adopted it is fixed at create, whatever `adopt` says now.
        return {**self._outputs(args, self.config.client.view_audience(id_)), "adopted": bool(olds.get("adopted"))}

    def read_by_id(self, id_: str) -> dict[str, Any] | None:
        outs = super().read_by_id(id_)
        # Imported: the stack did not create it, and its current ids are unknown (Batch lists none), so a declared
        # authoritative list rewrites it, as adopt=True does.
        return None if outs is None else {**outs, "adopted": True}

    def read_resource(self, id_: str, props: Mapping[str, Any]) -> dict[str, Any] | None:
        view = self.config.client.view_audience(id_)
        outs = {k: props.get(k) for k in AudienceArgs.model_fields}
        outs["name"] = view.name
        outs["display_name"] = view.display_name
        spec = props.get("members")
        if isinstance(spec, Mapping) and props.get("membership") != "additive" and spec.get("count") != view.nb_ids:
            # Batch lists no ids, only a count: a different count is drift; mark the digest so `up` rewrites.
            outs["members"] = {**spec, "digest": digest_of({"<drift>": {"nb_ids": view.nb_ids}}),
                               "count": view.nb_ids}
        outs["nb_ids"] = view.nb_ids
        outs["indexing_state"] = view.indexing_state
        outs["adopted"] = bool(props.get("adopted"))
        return outs

    def delete_resource(self, id_: str, props: Mapping[str, Any]) -> None:
        if props.get("adopted") and props.get("membership") == "additive":
            # Adopted and only added to: the audience and the ids that were there are not the stack's, and Batch
            # can't say which ids were there before, so none are removed.
            pulumi.log.warn(f"{self.resource_label} {id_!r} was adopted with additive membership: it is left in "
                            "Batch with all its ids (Batch lists no ids, so the ones this stack added can't be told "
                            "from the ones that were there). Remove it in Batch if it is no longer needed.")
            return
        self._remove(id_)

    def _remove(self, name: str) -> None:
        """Remove the audience and wait until Batch no longer has it; an audience already gone is success.

        The remove page documents 400/401/429/500/503 and no 404, and says nothing of a name that no longer
        exists: Batch may refuse it as malformed (400), accept it (202) or answer view's 404. Whatever it says,
        `view` (which documents 404) decides whether the audience is gone, so no reading is trusted blindly.
        """
        client = self.config.client
        try:
            token = client.remove_audience(name)
        except ApiError as exc:
            if exc.status not in (400, 404):
                raise
            try:
                client.view_audience(name)
            except NotFound:
                return  # already removed (by us earlier, or outside the stack): what destroy wanted
            raise exc from None
        if not token:
            return

        def gone() -> bool:
            try:
                return client.view_audience(name, token).indexing_state in SETTLED
            except NotFound:
                return True

        # The remove token is reported on by view like any write's (view page: "returned by the create, replace,
        # update or remove routes"); waiting means a replacement that reuses the name can create it at once.
        wait_until(gone, bool, timeout=self.config.indexing_timeout, interval=0.1, max_interval=2.0,
                   what=f"Batch to remove audience {name!r} (token {token})",
                   on_timeout="Batch accepted the removal and may still apply it")


class Audience(ReadableResource, Resource, module="batch", name="Audience"):
    """A Batch custom-id audience. See docs/batch/audience.md."""

    provider_class = AudienceProvider

    name: pulumi.Output[str]
    display_name: pulumi.Output[str | None]
    membership: pulumi.Output[str]
    members: pulumi.Output[dict[str, Any] | None]
    nb_ids: pulumi.Output[int]
    indexing_state: pulumi.Output[str]
    adopted: pulumi.Output[bool]

    def __init__(
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str],
        display_name: pulumi.Input[str] | None = None,
        members: Members | Sequence[str | Mapping[str, Any]] | None = None,
        membership: str = "authoritative",
        adopt: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        if members is not None and not isinstance(members, Members):
            members = Members.of(members)
        try:
            spec = members.spec() if members is not None else None
        except MembersError as exc:
            # A clean one-line error at preview (RunError: no traceback), naming the resource, file and line.
            raise pulumi.RunError(f"{AudienceProvider.resource_label} {resource_name!r}: {exc}") from None
        props: dict[str, Any] = {
            "name": name,
            "display_name": display_name,
            "members": spec,
            "membership": membership,
            "adopt": adopt,
            "adopted": None,
            "nb_ids": None,
            "indexing_state": None,
        }
        super().__init__(AudienceProvider(), resource_name, props, opts)
