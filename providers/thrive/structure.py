"""Lifecycles of Thrive ``Structure`` (a top-level audience) and ``Audience`` (a child of a structure). No Pulumi.

Both are one Thrive object (category ``structure`` or ``audience``) with a reference unique in the tenant, so they
share everything but the parent. Docs: adds-a-new-audience, gets-an-audience, updates-an-audience-1,
deletes-an-audience (docs.thrivelearning.com/apidocs).
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from .._core import siblings
from .._core.errors import ApiError, Conflict, InputError, NotFound
from .._core.lifecycle import Failure, Lifecycle, contains_unknown, create_or_adopt
from .client import Client
from .config import ThriveConfig
from .models import AudienceObject, Name, Reference, StateBase

S = TypeVar("S", bound="StructureState")


# -- the resource's inputs and outputs ------------------------------------------------------------------------
class StructureArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Name
    reference: str = Reference
    adopt: bool = Field(default=False, description="Manage an existing API-controlled structure with this reference.")


class AudienceArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Name
    reference: str = Reference
    parent: str = Field(min_length=1, description="Id or reference of the parent structure.")
    adopt: bool = Field(default=False, description="Manage an existing API-controlled audience with this reference.")


class StructureState(StateBase):
    name: str | None = None
    reference: str | None = None
    adopt: bool | None = None
    thrive_id: str | None = None
    api_controlled: bool | None = None
    category: str | None = None
    type: str | None = None
    # Not kept: Thrive's timestamps (updated_at changes with every write, ours or not, so state would churn on each
    # refresh) and the parent's {id, name, reference} (the `parent` input and the parent resource already say it).

    @classmethod
    def of(cls: builtins.type[S], inputs: Mapping[str, Any], obj: AudienceObject) -> S:
        """The declared ``inputs`` with what Thrive says of the audience ``obj``."""
        return cls(**inputs, thrive_id=obj.id, api_controlled=obj.api_controlled, category=obj.category,
                   type=obj.type)


class AudienceState(StructureState):
    parent: str | None = None



A = TypeVar("A", StructureArgs, AudienceArgs)


# -- its lifecycle --------------------------------------------------------------------------------------------
def _describe(obj: AudienceObject) -> str:
    made = f", created {obj.created_at}" if obj.created_at else ""
    return f"{obj.category} {obj.id} (name {obj.name!r}{made})"


def _known_audience(client: Client, key: str) -> AudienceObject:
    """The audience with id or reference ``key``, read once per process. A NotFound is not kept: the parent it
    names may be created later in the same run."""
    return client.once(("audience", key), lambda: client.get_audience(key))


def _keep_known(client: Client, obj: AudienceObject) -> None:
    # Its children's checks need not read back what this process just made.
    for key in (obj.id, obj.reference):
        if key:
            client.remember(("audience", key), obj)


class _AudienceLifecycle(Lifecycle[A, ThriveConfig]):
    """A Thrive audience object of one ``category``; the parent, when there is one, comes from ``parent_of``."""

    category: ClassVar[str]
    state_model: ClassVar[type[StructureState]]
    key_field = "reference"  # unique in the tenant
    key_space = "thrive:reference"  # structures and child audiences alike
    key_rule = "Thrive allows one structure or audience per reference in a tenant"
    adopt_field = "adopt"
    create_only_fields = frozenset({"adopt"})

    def parent_of(self, args: A) -> str | None:
        return None

    def _outputs(self, inputs: Mapping[str, Any], obj: AudienceObject) -> dict[str, Any]:
        return self.state_model.of(inputs, obj).model_dump(mode="json")

    # -- check -----------------------------------------------------------------------------------
    def find_existing(self, key: str) -> str | None:
        client = self.config.client
        # Structures and child audiences share one reference space (GET /audiences/{reference} finds either).
        held = client.once("references", lambda: {a.reference: _describe(a) for a in client.iter_audiences()
                                                  if a.reference})
        return held.get(key)

    def adopt_hint(self) -> str:
        return ("set adopt=True on this resource (it is then renamed/moved to match and deleted by "
                "`pulumi destroy`)")

    def locate(self, inputs: Mapping[str, Any], held: set[str]) -> list[tuple[str, str]] | None:
        args = self.parse(inputs)
        try:
            obj = self.config.client.get_audience(args.reference)
        except NotFound:
            return []
        return [(obj.id, _describe(obj))] if self._made_by(obj, args) and obj.id not in held else []

    def extra_checks(self, args: A, olds: Mapping[str, Any]) -> list[Failure]:
        if not args.adopt:
            return []
        # Adoption is the one check that reads the API: whether the audience may be managed at all.
        existing = self.found_or_failure("reference", lambda: self.config.client.get_audience(args.reference),
                                         f"adopt=True but no audience has reference {args.reference!r}")
        if isinstance(existing, Failure):
            return [existing]
        if not existing.api_controlled:
            return [self.failure("adopt", f"audience {args.reference!r} was created in the Thrive UI "
                                          "(apiControlled=false); Thrive only lets the API change API-controlled "
                                          "audiences, so it can't be managed here. Reference it by id/reference "
                                          "instead.")]
        if existing.category != self.category:
            return [self.failure("adopt", f"{args.reference!r} is a {existing.category}, not a {self.category}")]
        return []

    # -- create / read / update / delete -----------------------------------------------------------
    def create_resource(self, args: A) -> tuple[str, dict[str, Any]]:
        client = self.config.client
        inputs = args.model_dump(mode="json")
        parent = self.parent_of(args)
        if args.adopt:
            obj = client.get_audience(args.reference)
            if not obj.api_controlled:
                raise InputError(f"{self.resource_label} {args.reference!r} is not API-controlled; Thrive only "
                                 "allows API changes to API-created audiences")
            if obj.name != args.name or (parent and not self._same_parent(obj, args)):
                obj = client.update_audience(obj.id, name=args.name if obj.name != args.name else None,
                                             parent_id=parent if not self._same_parent(obj, args) else None)
            return obj.id, self._outputs(inputs, obj)

        def create() -> AudienceObject:
            try:
                return client.create_audience(args.name, args.reference, self.category, parent)
            except Conflict as exc:
                raise exc.with_hint(f"reference {args.reference!r} is taken by an audience this stack did not "
                                    "create; nothing was changed. Set adopt=True to manage it on purpose, or "
                                    "choose another reference") from None

        def find() -> AudienceObject | None:
            # Called only after an attempt of this create whose outcome was unknown.
            try:
                found = client.get_audience(args.reference)
            except NotFound:
                return None
            # The reference is unique; keep only what is identical to our lost create.
            return found if self._made_by(found, args) else None

        obj = create_or_adopt(create, find)
        _keep_known(client, obj)
        return obj.id, self._outputs(inputs, obj)

    def _made_by(self, obj: AudienceObject, args: A) -> bool:
        """Whether ``obj`` is exactly what a create of ``args`` makes (a lost or interrupted create's result)."""
        return (obj.category == self.category and obj.name == args.name and obj.api_controlled
                and self._same_parent(obj, args))

    def _same_parent(self, obj: AudienceObject, args: A) -> bool:
        want = self.parent_of(args)
        return want is None or (obj.parent is not None and want in (obj.parent.id, obj.parent.reference))

    def read_resource(self, id_: str, props: Mapping[str, Any]) -> dict[str, Any] | None:
        obj = self.config.client.get_audience(id_)
        outs = self.recorded_inputs(props)
        outs.update(name=obj.name, reference=obj.reference)
        if "parent" in outs and obj.parent is not None:
            # Keep the user's spelling (id or reference) when it still points at the same parent.
            if props.get("parent") not in (obj.parent.id, obj.parent.reference):
                outs["parent"] = obj.parent.id
        return self._outputs(outs, obj)

    def update_resource(self, id_: str, olds: Mapping[str, Any], args: A) -> dict[str, Any]:
        parent = self.parent_of(args)
        try:
            obj = self.config.client.update_audience(
                id_,
                name=args.name if args.name != olds.get("name") else None,
                reference=args.reference if args.reference != olds.get("reference") else None,
                parent_id=parent if parent and parent != olds.get("parent") else None,
            )
        except ApiError as exc:
            if exc.status in (404, 405) and self._exists(id_):
                raise exc.with_hint("this tenant does not offer audience updates (documented as 'coming soon'); "
                                    "replace the resource instead: `pulumi up --replace <urn>`") from None
            raise
        return self._outputs(args.model_dump(mode="json"), obj)

    def _exists(self, id_: str) -> bool:
        try:
            self.config.client.get_audience(id_)
        except NotFound:
            return False
        return True

    def delete_resource(self, id_: str, props: Mapping[str, Any]) -> None:
        try:
            self.config.client.delete_audience(id_)
        except Conflict as exc:
            raise exc.with_hint("child audiences not managed by this stack block the delete; move or delete them "
                                "in Thrive, then rerun `pulumi destroy`") from None


class StructureLifecycle(_AudienceLifecycle[StructureArgs]):
    """A Thrive structure: a top-level audience (category `structure`)."""

    resource_label = "thrive:Structure"
    args_model = StructureArgs
    state_model = StructureState
    category = "structure"


class AudienceLifecycle(_AudienceLifecycle[AudienceArgs]):
    """A Thrive child audience inside a structure (category `audience`)."""

    resource_label = "thrive:Audience"
    args_model = AudienceArgs
    state_model = AudienceState
    category = "audience"

    def parent_of(self, args: AudienceArgs) -> str | None:
        return args.parent

    def lookup_failures(self, inputs: Mapping[str, Any], olds: Mapping[str, Any]) -> list[Failure]:
        # A parent the stack already holds was checked when it was declared; adoption checks the audience itself.
        parent = inputs.get("parent")
        if inputs.get("adopt") or (olds.get("parent") == parent and not contains_unknown(parent)):
            return []
        if contains_unknown(parent):
            problem = self._new_parent_problem()
        elif isinstance(parent, str):
            problem = self.parent_problem(parent)
        else:
            problem = None
        return [problem] if problem else []

    def _unmade_parent_problem(self, parent: str) -> Failure:
        """A parent Thrive doesn't have. Named by the reference of an object this program declares, it is still
        refused: a reference doesn't order the two creates (an id, ``parent=root.id``, does), so `up` could create
        this audience first and fail. The program's checks come in no fixed order either: a sibling not seen yet is
        covered by the advice."""
        declared = next((d for d in self._declared_parents() if d.inputs.get("reference") == parent), None)
        if declared is not None and declared.label != StructureLifecycle.resource_label:
            return self.failure("parent", f"parent {parent!r} is the reference of {declared.describe()}, a child "
                                          "audience, not a structure; Thrive audiences live only in structures (two "
                                          "levels). Nothing was changed.")
        if declared is not None:
            return self.failure("parent", f"parent {parent!r} is the reference of {declared.describe()}, which this "
                                          "program creates: Thrive has no such structure before `up`, and a "
                                          "reference doesn't make the engine create it first. Pass its id instead "
                                          f"(parent={declared.name or 'the_structure'}.id). Nothing was changed.")
        return self.failure("parent", f"parent {parent!r}: Thrive has no structure with this id or reference. A "
                                      "structure this program declares is passed by its id (parent=<resource>.id), "
                                      "which also makes the engine create it first. Nothing was changed.")

    def _declared_parents(self) -> list[siblings.Declared]:
        return self.declared(StructureLifecycle.resource_label, AudienceLifecycle.resource_label)

    def _new_parent_problem(self) -> Failure | None:
        """At preview, a parent id not known yet is the id of an object this program creates (ids of objects the
        stack holds are known). When every one it creates is a child audience, none can be the parent."""
        made = [d for d in self._declared_parents() if d.new]
        if not made or any(d.label == StructureLifecycle.resource_label for d in made):
            return None  # a structure made by this stack is API-controlled: a valid parent
        shown = ", ".join(d.describe() for d in made)
        return self.failure("parent", f"parent is the id of an object this program creates (not known before "
                                      f"`up`), and the ones it creates are child audiences ({shown}), not structures; "
                                      "Thrive audiences live only in structures (two levels). Declare the parent "
                                      "with thrive.Structure. Nothing was changed.")

    def parent_problem(self, parent: str) -> Failure | None:
        """Read-only, at preview: Thrive lets the API create an audience only inside an API-made structure."""
        client = self.config.client
        try:
            obj = _known_audience(client, parent)
        except NotFound:
            return self._unmade_parent_problem(parent)
        if obj.category != "structure":
            return self.failure("parent", f"parent {parent!r} is a child audience ({obj.id}), not a structure; "
                                          "Thrive audiences live only in structures (two levels). Nothing was "
                                          "changed.")
        if not obj.api_controlled:
            return self.failure("parent", f"parent {parent!r} was made in the Thrive UI (apiControlled=false), and "
                                          "Thrive lets the API create audiences only inside API-created structures. "
                                          "Declare the structure with thrive.Structure in this stack (or create it "
                                          "through the API) and use its id. Nothing was changed.")
        return None
