"""Batch ``Audience`` lifecycle: check, diff, create, read, update, delete of a custom-id audience, without Pulumi.

Written against the client (``client.py``) and the models; ``resource.py`` serves it to Pulumi.
https://doc.batch.com/developer/api/cep/audiences
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from .._core import progress
from .._core.errors import ApiError, InputError, NotFound
from .._core.forms import ProgramForm
from .._core.lifecycle import Failure, Lifecycle, contains_unknown, create_or_adopt
from .._core.util import chunks
from .._core.wait import wait_until
from .config import BatchConfig
from .members import MemberMap, Members, MembersError, digest_of, normalize, resolve, spec_of
from .models import MAX_IDS_PER_CALL, NAME_PATTERN, AudienceView, MembersSpec
from .snapshots import SnapshotStore, plan_changes

SETTLED = ("APPLIED", "REPLACED")
# Ids named per direction in a membership change shown by `preview --diff` (the counts are always complete).
SHOWN_IDS = 5
# The memo key of the project's audiences by name on the client (one listing per provider process and credential).
LISTING = "audiences"


# -- the resource's inputs and outputs ------------------------------------------------------------------------
class AudienceArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=255, pattern=NAME_PATTERN,
                      description="Audience name: the natural key; changing it replaces the audience.")
    display_name: str | None = Field(default=None, min_length=1, max_length=255)
    members: MembersSpec | None = None
    membership: Literal["authoritative", "additive"] = "authoritative"
    adopt: bool = Field(default=False, description="Take over an existing audience with this name (create only).")


# Inline lists longer than this stay in the program: state keeps their digest and count only.
MAX_INLINE_IN_STATE = 100


class AudienceState(BaseModel):
    """Every output of ``batch:Audience`` (the inputs as declared, then what Batch reports)."""

    name: str
    display_name: str | None = None
    members: MembersSpec | None = None
    membership: Literal["authoritative", "additive"] = "authoritative"
    adopt: bool = False
    # The id count Batch's view reports. Not its indexing state: every write is awaited until APPLIED, so the
    # state would always say so, and a refresh mid-write would record a value that is stale a moment later.
    nb_ids: int = 0
    # Whether the stack took the audience over (adopt=True or an import) rather than creating it; fixed at create.
    # An adopted audience's ids are unknown (Batch lists none), so a declared authoritative list rewrites it.
    adopted: bool = False

    @classmethod
    def of(cls, args: AudienceArgs, view: AudienceView, *, adopted: bool) -> AudienceState:
        members = args.members
        if members is not None and members.inline is not None and members.count > MAX_INLINE_IN_STATE:
            members = members.model_copy(update={"inline": None})
        return cls(name=args.name, display_name=args.display_name, members=members, membership=args.membership,
                   adopt=args.adopt, nb_ids=view.nb_ids, adopted=adopted)



# -- its lifecycle --------------------------------------------------------------------------------------------
def _already_exists(exc: ApiError) -> bool:
    return exc.status in (400, 409) and (exc.code == "AUDIENCE_ALREADY_EXISTS" or "exist" in exc.vendor_message)


class AudienceLifecycle(Lifecycle[AudienceArgs, BatchConfig]):
    """A Batch custom-id audience: its name, display name and membership (authoritative or additive).

    Names are unique in a Batch project and can't be changed, nor can display names: a change of either replaces
    the audience. Membership is applied in calls of at most 10,000 ids, each awaited until Batch has indexed it.
    """

    resource_label = "batch:Audience"
    args_model = AudienceArgs
    state_model = AudienceState
    # No documented way to rename or to change display_name after create.
    replace_fields = frozenset({"name", "display_name"})
    key_field = "name"  # unique in the project
    key_space = "batch:name"
    key_rule = "Batch allows one audience per name in a project"
    adopt_field = "adopt"
    create_only_fields = frozenset({"adopt"})
    # A Python program turns a member list into a digest and count (members.Members); a YAML or TypeScript
    # program declares the list itself: ids, or {"id", "attributes"} objects, under the same rule.
    declared_schemas = {"members": {
        "type": "array", "items": {},
        "description": "Custom ids of the audience: strings, or objects {id, attributes} (at most 15 attributes); "
                       "trimmed, empty or repeated ids are refused."}}
    # The Python class takes `Members` or a list and sends its spec (a broken list fails there, naming the
    # resource); `membership` is a plain value the program knows when it runs.
    program_forms: ClassVar[Mapping[str, ProgramForm]] = {
        "members": ProgramForm(Members | Sequence[str | Mapping[str, Any]], spec_of),
        "membership": ProgramForm(str)}

    @staticmethod
    def _describe(view: AudienceView) -> str:
        shown = f", display name {view.display_name!r}" if view.display_name else ""
        return f"audience {view.name!r} ({view.nb_ids} ids{shown})"

    def _listed(self, name: str) -> AudienceView | None:
        """The project's audience ``name`` as the paged list shows it, listed once per client (one per provider
        process and credential; a fresh one per test).

        Ownership checks and adoption share the one listing (`next_from` across pages, whatever their size), so
        a preview of N audiences costs ceil(total/100) requests instead of N views.
        """
        client = self.config.client
        listing = client.once(LISTING, lambda: {a.name: a for a in client.iter_audiences()})
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

    def from_declared(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(inputs)
        members = out.get("members")
        if members is not None and not contains_unknown(members):
            try:
                out["members"] = Members.of(members).spec()
            except MembersError as exc:
                raise InputError(f"{self.resource_label}: {exc}", field="members") from None
        return out

    def extra_checks(self, args: AudienceArgs, olds: Mapping[str, Any]) -> list[Failure]:
        if not args.adopt:
            return []
        problem = self._adoption_problem(args)
        return [Failure("adopt", problem)] if problem else []

    def _adoption_problem(self, args: AudienceArgs) -> str | None:
        view = self._listed(args.name)
        if view is None:
            return f"{self.resource_label}: adopt=True but Batch has no audience named {args.name!r}"
        if args.display_name is not None and view.display_name != args.display_name:
            return (f"{self.resource_label}: adopt=True: audience {args.name!r} has display name "
                    f"{view.display_name!r}, and Batch documents no way to change it; declare "
                    f"display_name={view.display_name!r} (or leave it unset) to adopt it")
        return None

    # -- what a membership change does, shown by `preview --diff` ------------------------------------------------
    def derived_inputs(self, inputs: Mapping[str, Any], olds: Mapping[str, Any]) -> dict[str, Any]:
        members = inputs.get("members")
        if not isinstance(members, Mapping):
            return {}
        change = self._membership_change(olds, members, inputs.get("membership"))
        return {"members": {**members, "changes": change}} if change else {}

    def _membership_change(self, olds: Mapping[str, Any], new_spec: Mapping[str, Any], membership: Any) -> str | None:
        """The ids an update adds and removes, counted, the first few named: ``+2 ids (u4, u5); -1 id (u1)``.

        State holds a digest and a count, not the ids (a file's ids stay in the file); the ids applied last are
        the old inline list, or the snapshot this machine kept of them. Without either only the counts are known.
        """
        old_spec = olds.get("members")
        if not olds or contains_unknown(new_spec) or (isinstance(old_spec, Mapping)
                                                      and old_spec.get("digest") == new_spec.get("digest")):
            return None
        try:
            new = resolve(MembersSpec.model_validate({k: v for k, v in new_spec.items() if k != "changes"}))
        except (ValueError, MembersError):
            return None  # the create/update says what is wrong with the list
        old: MemberMap | None
        if not isinstance(old_spec, Mapping):
            old = None if olds.get("adopted") else {}
        elif isinstance(old_spec.get("inline"), list):
            old = normalize(old_spec["inline"])
        else:
            old = {} if old_spec.get("count") == 0 else SnapshotStore().load(old_spec.get("digest"))
        if old is None:
            was = old_spec.get("count") if isinstance(old_spec, Mapping) else None
            before = f", was {int(was)}" if isinstance(was, (int, float)) else ""  # numbers come back as floats
            return (f"now {len(new)} id(s){before}; which ids come and go is not known on this machine (no copy of "
                    "the list last applied here)")

        def named(sign: str, ids: list[str]) -> str:
            shown = ", ".join(ids[:SHOWN_IDS]) + (", ..." if len(ids) > SHOWN_IDS else "")
            return f"{sign}{len(ids)} id{'' if len(ids) == 1 else 's'} ({shown})"

        added = [i for i in new if i not in old]
        removed = [] if membership == "additive" else [i for i in old if i not in new]
        altered = [i for i in new if i in old and old[i] != new[i]]
        parts = [named("+", added) if added else "", named("-", removed) if removed else "",
                 named("~", altered) + " with other attributes" if altered else ""]
        return "; ".join(p for p in parts if p) or None

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
        if new.get("changes"):
            paths["members.changes"] = "add"  # computed by this check: shown as is, whatever the last one said
        before, after = old.get("inline"), new.get("inline")
        if not isinstance(before, list) or not isinstance(after, list):
            if before != after:
                paths["members.inline"] = "add" if before is None else "delete" if after is None else "update"
            return paths
        # A member list is a set: show the ids added and removed, not every position that shifted.
        # An id is a plain string, or {"id", "attributes"} (and {"id"} alone in states written before).
        def by_id(items: list[Any]) -> dict[str, tuple[int, Any]]:
            out: dict[str, tuple[int, Any]] = {}
            for i, m in enumerate(items):
                if isinstance(m, str):
                    out[m] = (i, None)
                elif isinstance(m, Mapping):
                    out[str(m.get("id"))] = (i, m.get("attributes") or None)
            return out
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

    def _apply(self, name: str, old: MemberMap | None, new: MemberMap, additive: bool) -> AudienceView | None:
        """Bring membership from ``old`` (None: unknown) to ``new`` in ≤10,000-id calls, each awaited.

        The view of the last call once applied (it carries the count after it), None if no call was needed.
        """
        client = self.config.client
        view: AudienceView | None = None
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
                view = self._wait(name, client.update_audience(name, chunk))
            return view
        # Unknown starting point, or a rewrite is cheaper: replace with the first chunk, add the rest.
        head, rest = full[:MAX_IDS_PER_CALL], full[MAX_IDS_PER_CALL:]
        view = self._wait(name, client.replace_audience(name, head))
        for chunk in chunks([{"action": "add", **m} for m in rest], MAX_IDS_PER_CALL):
            view = self._wait(name, client.update_audience(name, chunk))
        return view

    def _fill_new(self, name: str, create_token: str, new: MemberMap, additive: bool) -> AudienceView | None:
        """The first membership of an audience just created, sent behind the create without awaiting its indexing.

        Batch applies an audience's writes asynchronously and reports a write that a later one superseded as
        REPLACED, so writes queue behind each other (the order is inferred, not documented). Two guards keep an
        inference that is wrong from losing anything: a write refused because the audience is not there yet, or a
        count afterwards that is not the declared one, makes the provider await the create and send the
        membership again, which is what awaiting first would have sent.
        """
        if not create_token:
            return self._apply(name, {}, new, additive)
        if new:
            try:
                view = self._apply(name, {}, new, additive)
            except ApiError as exc:
                if exc.status not in (400, 404):
                    raise
                view = None
            if view is not None and view.nb_ids == len(new):
                return view
        created = self._wait(name, create_token)
        return self._apply(name, {}, new, additive) or created

    @staticmethod
    def _outputs(args: AudienceArgs, view: AudienceView, *, adopted: bool) -> dict[str, Any]:
        return AudienceState.of(args, view, adopted=adopted).model_dump(mode="json")

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
        view: AudienceView | None = None
        if args.members is not None:
            new = resolve(args.members)
            view = self._fill_new(args.name, token, new, args.membership == "additive")
            SnapshotStore().save(new)
        elif token:
            view = self._wait(args.name, token)
        return args.name, self._outputs(args, view or client.view_audience(args.name), adopted=False)

    def _adopt(self, args: AudienceArgs) -> tuple[str, dict[str, Any]]:
        problem = self._adoption_problem(args)
        if problem:
            raise InputError(problem)
        view: AudienceView | None = None  # no members declared: the audience is taken over as it is
        if args.members is not None:
            new = resolve(args.members)
            additive = args.membership == "additive"
            # Authoritative: the ids already there are unknown (Batch lists none), so rewrite the whole audience.
            view = self._apply(args.name, {} if additive else None, new, additive)
            SnapshotStore().save(new)
        return args.name, self._outputs(args, view or self.config.client.view_audience(args.name), adopted=True)

    def update_resource(self, id_: str, olds: Mapping[str, Any], args: AudienceArgs) -> dict[str, Any]:
        old_spec = olds.get("members") if isinstance(olds.get("members"), Mapping) else None
        old_digest = old_spec.get("digest") if old_spec else None
        additive = args.membership == "additive"
        view: AudienceView | None = None
        if args.members is not None and args.members.digest != old_digest:
            new = resolve(args.members)
            old: MemberMap | None
            if old_spec is None:
                # Never declared: empty if the stack made it; unknown if it was adopted or imported with its ids.
                old = None if olds.get("adopted") and not additive else {}
            else:
                old = {} if old_spec.get("count") == 0 else SnapshotStore().load(old_digest)
            view = self._apply(id_, old, new, additive)
            SnapshotStore().save(new)
        elif args.members is None and old_spec is not None and old_spec.get("count") and not additive:
            view = self._apply(id_, SnapshotStore().load(old_digest), {}, False)
        # Whether the stack created the audience or adopted it is fixed at create, whatever `adopt` says now.
        return self._outputs(args, view or self.config.client.view_audience(id_), adopted=bool(olds.get("adopted")))

    def read_resource(self, id_: str, props: Mapping[str, Any]) -> dict[str, Any] | None:
        view = self.config.client.view_audience(id_)
        outs = self.recorded_inputs(props)
        outs["name"] = view.name
        outs["display_name"] = view.display_name
        spec = props.get("members")
        if isinstance(spec, Mapping) and props.get("membership") != "additive" and spec.get("count") != view.nb_ids:
            # Batch lists no ids, only a count: a different count is drift; mark the digest so `up` rewrites.
            outs["members"] = {**spec, "digest": digest_of({"<drift>": {"nb_ids": view.nb_ids}}),
                               "count": view.nb_ids}
        outs["nb_ids"] = view.nb_ids
        outs["adopted"] = bool(props.get("adopted"))
        return outs

    def delete_resource(self, id_: str, props: Mapping[str, Any]) -> None:
        if props.get("adopted") and props.get("membership") == "additive":
            # Adopted and only added to: the audience and the ids that were there are not the stack's, and Batch
            # can't say which ids were there before, so none are removed.
            progress.warn(f"{self.resource_label} {id_!r} was adopted with additive membership: it is left in "
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
