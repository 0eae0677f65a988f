"""A resource's lifecycle — check, diff, create, read, update, delete — with no Pulumi in it.

A vendor writes one :class:`Lifecycle` per resource type, in the module that declares the resource's ``Args`` and
``State`` models (``batch/audience.py``: models, then the lifecycle, top to bottom). What it writes:

- **declarations** (class attributes): ``resource_label`` (``"batch:Audience"``), ``args_model`` and
  ``state_model``, the fields whose change replaces (``replace_fields``) or that count only at create
  (``create_only_fields``), the natural key (``key_field``, ``key_space``, ``key_rule``) and ``adopt_field``;
- **the four calls**: ``create_resource``, ``read_resource``, ``update_resource``, ``delete_resource``;
- **capabilities**, only those the vendor's API has (each has a default that does nothing special):

  | capability | when | what |
  |---|---|---|
  | ``extra_checks(args, olds)`` | preview, inputs valid | rules pydantic can't express (cross-field, read-only) |
  | ``lookup_failures(inputs, olds)`` | preview, all else passed | lookups of other vendor objects (may be unknown) |
  | ``find_existing(key)`` / ``adopt_hint()`` | preview | who outside the stack holds ``key_field``'s value |
  | ``ownership_failures(...)`` | preview | ownership that is not one natural key (e.g. an audience's other members) |
  | ``claims(inputs)`` | preview | keys no other resource of the program may take (default: the natural key) |
  | ``comparable`` / ``detailed_paths`` / ``delete_before_replace`` | diff | how the vendor compares; list items |
  | ``by_import_id(id)`` | import, ``get`` | what an id alone says (its canonical id, the inputs it gives) |
  | ``derived_inputs(inputs, olds)`` | preview, all passed | values recorded beside the inputs (shown by `--diff`) |
  | ``from_declared(inputs)`` | plugin | the Python form of what a YAML/TS program declares |
  | ``locate(inputs, held)`` | recovery | find what a lost create made |

Everything else is the same for every vendor and lives here or beside it: configuration (the vendor's
``config.py``, found by the label's vendor key), the credential check (``credentials.py``), natural keys held by
another resource or outside the stack (``siblings.py``), unknown values (``util.py``), create-or-adopt after a
lost answer, create-only fields, detailed diffs, reads by id.

Adapters turn a lifecycle into what an engine calls: ``_core/dynamic.py`` into a ``pulumi.dynamic`` provider,
``_core/native.py`` into a provider plugin. They hand in plain dicts (unknown values as :data:`UNKNOWN`) and take
back the result records below.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from . import credentials, siblings
from .config import ConfigSource, declared_settings, known_keys, skip_credentials_validation, unknown_settings
from .errors import ApiError, ConfigurationError, Conflict, InputError, NotFound, ServerError, TransportFailure
from .util import UNKNOWN, contains_unknown, register_unknown_type, user_inputs
from .vendors import PROVIDER_KEY, vendor

__all__ = ["PROVIDER_KEY", "UNKNOWN", "Checked", "Created", "Diffed", "Failure", "Lifecycle", "Read", "Updated",
           "contains_unknown", "create_or_adopt", "docs_page", "register_unknown_type", "set_paths", "user_inputs"]

ArgsT = TypeVar("ArgsT", bound=BaseModel)
CfgT = TypeVar("CfgT")
T = TypeVar("T")

RECOVERY_COMMAND = siblings.RECOVERY_COMMAND
# The package the vendors are subpackages of (``audience_providers``), derived so a rename changes nothing here.
_PACKAGE = __name__.rsplit(".", 2)[0]


# -- what a lifecycle answers (attribute names as the engine's protocol spells them) ----------------------------
@dataclass
class Failure:
    """An input the resource can't take: the property (dotted path) and a message naming resource and field."""

    property: str
    reason: str


@dataclass
class Checked:
    inputs: dict[str, Any]
    failures: list[Failure] = field(default_factory=list)


@dataclass
class Diffed:
    changes: bool
    replaces: list[str] = field(default_factory=list)
    stables: list[str] = field(default_factory=list)
    delete_before_replace: bool = False
    # Property path -> "add" | "update" | "delete", with "-replace" for a change that replaces.
    detailed_diff: dict[str, str] = field(default_factory=dict)


@dataclass
class Created:
    id: str
    outs: dict[str, Any]


@dataclass
class Read:
    """``id`` None: the object is gone (refresh drops it)."""

    id: str | None
    outs: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, Any] | None = None


@dataclass
class Updated:
    outs: dict[str, Any]


# -- small shared rules ------------------------------------------------------------------------------------------
def _field_of(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc) if loc else "(inputs)"


def create_or_adopt(
    create: Callable[[], T],
    find: Callable[[], T | None],
    *,
    attempts: int = 3,
    is_duplicate: Callable[[ApiError], bool] = lambda exc: isinstance(exc, Conflict),
) -> T:
    """Create a resource at most once even when responses get lost, and never take over a stranger's.

    When a create's outcome is unknown (connection lost after sending, 5xx) we read by the natural key
    before trying again: if that attempt did commit, ``find`` returns what it made (it matches only an object
    identical to our request) and we keep it instead of duplicating it. That is the only adoption here: a
    "key already taken" answer is raised as it is, unless an earlier attempt of *this* call had an unknown
    outcome (then the taken key is most likely our own lost create, and ``find`` decides). An object that
    existed before this call is never adopted; adopting one is the user's explicit ``adopt``/``adopt_id``.
    """
    last: Exception | None = None
    uncertain = False
    for _ in range(attempts):
        try:
            return create()
        except TransportFailure as exc:
            last = exc
            uncertain = uncertain or exc.maybe_committed
        except ServerError as exc:
            last = exc
            uncertain = True
        except ApiError as exc:
            if not is_duplicate(exc) or not uncertain:
                raise
            found = find()
            if found is not None:
                return found
            raise
        if uncertain:
            found = find()
            if found is not None:
                return found
    assert last is not None
    raise last


def set_paths(field_name: str, old: Any, new: Any, key: Callable[[Any], Any] = lambda item: item,
              same: Callable[[Any, Any], bool] = lambda a, b: True) -> dict[str, str] | None:
    """Detailed-diff paths of a list the vendor treats as a set: ``field[i]`` "delete" at its old position for an
    item only in ``old``, "add" at its new position for one only in ``new``, "update" for one whose ``key`` is in
    both but that is not ``same``; an item that only moved is no change. None when either side is not a list."""
    if not isinstance(old, list) or not isinstance(new, list):
        return None
    was = {key(item): (i, item) for i, item in enumerate(old)}
    now = {key(item): (i, item) for i, item in enumerate(new)}
    paths: dict[str, str] = {}

    def mark(path: str, kind: str) -> None:
        # A removal and an addition at one position show as that position's update (old item => new item).
        paths[path] = "update" if paths.get(path, kind) != kind else kind

    for k, (i, item) in was.items():
        if k not in now or (not same(item, now[k][1]) and now[k][0] != i):
            mark(f"{field_name}[{i}]", "delete")
    for k, (i, item) in now.items():
        if k not in was or (not same(was[k][1], item) and was[k][0] != i):
            mark(f"{field_name}[{i}]", "add")
        elif not same(was[k][1], item):
            paths[f"{field_name}[{i}]"] = "update"
    return paths


def docs_page(label: str) -> str:
    """``docs/<vendor>/<kebab-resource>.md`` for a label such as ``thrive:AudienceMembers``."""
    vendor, _, kind = label.partition(":")
    return f"docs/{vendor}/{re.sub(r'(?<!^)(?=[A-Z])', '-', kind).lower()}.md"


@functools.cache
def _value_defaults(model: type[BaseModel]) -> dict[str, Any]:
    """``model``'s fields whose default is a value, with it; once per model (check asks for every field)."""
    return {k: f.default for k, f in model.model_fields.items()
            if not f.is_required() and f.default_factory is None and f.default is not None}


class Lifecycle(Generic[ArgsT, CfgT]):
    """What every resource type shares. Holds a configuration (with its client) and nothing else."""

    # -- declarations ------------------------------------------------------------------------------
    resource_label: ClassVar[str]  # e.g. "batch:Audience", used in messages and as the state's provider key
    args_model: ClassVar[type[BaseModel]]
    # The resource's outputs, when declared as a model (the Resource class's outputs come from it).
    state_model: ClassVar[type[BaseModel] | None] = None
    # Input fields whose change can't be applied in place.
    replace_fields: ClassVar[frozenset[str]] = frozenset()
    # Inputs read only when the resource is created (e.g. `adopt`): changing them later is no change.
    create_only_fields: ClassVar[frozenset[str]] = frozenset()
    # The input naming the vendor object uniquely (the vendor refuses a second one), when there is one.
    key_field: ClassVar[str | None] = None
    # Where that key is unique, shared by the resource types whose objects compete for it (Thrive structures and
    # audiences share one reference space), and the vendor's rule in words; see ``claims``.
    key_space: ClassVar[str | None] = None
    key_rule: ClassVar[str] = ""
    # The input by which a user asks to take over an existing object ("adopt" or "adopt_id").
    adopt_field: ClassVar[str | None] = None
    # Why a read by id alone (`import_=`, `pulumi import`, `Resource.get`) can't rebuild this resource's inputs;
    # None when it can. The message then points to ``adopt_field`` (or says how else to declare it).
    read_by_id_unsupported: ClassVar[str | None] = None
    # Fields a Python program builds before they reach the provider (e.g. Batch members: a digest and count of
    # a list or file), as a program in another language declares them instead: field -> JSON schema of that form.
    # ``from_declared`` turns such inputs into the Python form; the native plugin's schema shows the declared form.
    declared_schemas: ClassVar[Mapping[str, Mapping[str, Any]]] = {}

    # Set from ``resource_label`` for each resource type (``__init_subclass__``): the vendor's key ("batch"), which
    # is its subpackage and its config namespace, and its name as messages write it ("Batch").
    vendor_key: ClassVar[str]
    vendor: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        label = vars(cls).get("resource_label")
        if isinstance(label, str):
            cls.vendor_key = label.partition(":")[0]
            cls.vendor = vendor(cls.vendor_key).name

    def __init__(self, config: CfgT | None = None) -> None:
        """``config`` given: use it as is (tests build one around a mock transport); else ``configure`` reads it."""
        # Attributes are set only when known (read with getattr), so a fresh object holds nothing to pickle.
        if config is not None:
            self._config: CfgT | None = config

    # -- configuration: the vendor's config module (``<vendor>/config.py``: ``load``, ``credential_settings``) --------
    _config_error: Exception | None
    _skip_credentials: bool

    def _vendor_config(self) -> ModuleType:
        return importlib.import_module(f"{_PACKAGE}.{self.vendor_key}.config")

    def load_config(self, source: ConfigSource) -> CfgT:
        loaded: CfgT = self._vendor_config().load(source)
        return loaded

    def credential_settings(self) -> str:
        """The settings that hold the credential, as named in a "credentials rejected" error."""
        named: str = self._vendor_config().credential_settings(self.config)
        return named

    def configure(self, source: ConfigSource) -> None:
        """Read the vendor's settings; a missing, malformed or unknown one is raised at the first check (it names
        the fix)."""
        namespace = self.vendor_key
        try:
            known = known_keys(namespace, declared_settings(f"{_PACKAGE}.{namespace}"))
            unknown = unknown_settings(source, namespace, known)
            if unknown is not None:
                raise unknown
            self._config = self.load_config(source)
            self._skip_credentials = skip_credentials_validation(source, namespace)
            self._config_error = None
        except ConfigurationError as exc:
            self._config = None
            self._config_error = exc

    @property
    def config(self) -> CfgT:
        error = getattr(self, "_config_error", None)
        if error is not None:
            raise error
        cfg = getattr(self, "_config", None)
        if cfg is None:
            # Called without configure() (e.g. a script or a test): fall back to the environment.
            cfg = self._config = self.load_config(ConfigSource(None))
        return cfg

    def verify_credentials(self) -> None:
        """Fail `preview` when the vendor rejects the configured credential (``credentials.py``)."""
        credentials.verify(self)

    # -- check ---------------------------------------------------------------------------------------
    def check(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Checked:
        """Every check at `preview`, in one order: the model; then, for valid inputs, the credential and
        ``extra_checks``; natural keys (the program's, then outside the stack); lookups once all else passed."""
        _ = self.config  # a missing credential fails `pulumi preview`, with the command that fixes it
        inputs, was = user_inputs(news), user_inputs(olds)
        unknown = {k for k, v in inputs.items() if contains_unknown(v)}
        args, failures = self._validated({k: v for k, v in inputs.items() if k not in unknown}, unknown)
        if args is not None:
            self.verify_credentials()  # a wrong or revoked credential fails here (one read per process)
        failures.extend(siblings.sibling_failures(self, olds, inputs, failures))
        if args is not None:
            failures.extend(self.extra_checks(args, was))
        failures.extend(self.ownership_failures(olds, inputs, failures))
        result = dict(news)
        if args is not None:
            normalized = args.model_dump(mode="json", exclude_none=False)
            # At its default a field is left out, unless the last inputs held another value: then the engine's
            # diff shows `status: "hold" => "draft"`, not the field removed (the next check leaves it out).
            result = {**{k: v for k, v in normalized.items() if (k in inputs or v is not None)
                         and not (self._at_default(k, v) and self._at_default(k, was.get(k, v)))},
                      **{k: inputs[k] for k in unknown}}
            if PROVIDER_KEY in news:
                result[PROVIDER_KEY] = news[PROVIDER_KEY]
        if not failures:
            failures.extend(self.lookup_failures(result, was))
        if not failures:
            result.update(self.derived_inputs(result, was))
        return Checked(result, failures)

    def _validated(self, known: Mapping[str, Any], unknown: set[str]) -> tuple[ArgsT | None, list[Failure]]:
        """The args model of the known inputs, or the failures of the fields that are known."""
        try:
            return self.args_model.model_validate(known), []  # type: ignore[return-value]
        except ValidationError as exc:
            failures = []
            for err in exc.errors():
                loc = tuple(err.get("loc", ()))
                if loc and str(loc[0]) in unknown:
                    continue  # validated once the value is known
                failures.append(self.failure(_field_of(loc), f"{_field_of(loc)}: {err['msg']}"))
            return None, failures

    def input_defaults(self) -> dict[str, Any]:
        """The input fields whose default is a value (``adopt=False``, ``status="draft"``), with it.

        Checked inputs leave such a field out while it holds its default, so the state doesn't carry it among the
        inputs of every resource (nor does refresh put it back); every reader of checked inputs or state (``parse``,
        ``diff``, ``recorded_inputs``) takes a missing one as the default, which is also how a state written before
        (with the default recorded) reads the same."""
        return dict(_value_defaults(self.args_model))

    def _at_default(self, name: str, value: Any) -> bool:
        defaults = _value_defaults(self.args_model)
        return name in defaults and type(value) is type(defaults[name]) and value == defaults[name]

    def parse(self, props: Mapping[str, Any]) -> ArgsT:
        """The args model of checked inputs (``derived_inputs`` recorded beside them left out)."""
        inputs = user_inputs(props)
        for name in self._derived_names(inputs):
            inputs.pop(name, None)
        return self.args_model.model_validate(inputs)  # type: ignore[return-value]

    def _derived_names(self, props: Mapping[str, Any]) -> set[str]:
        return set(self.derived_inputs(props, {})) - set(self.args_model.model_fields)

    def failure(self, field_name: str, message: str) -> Failure:
        """A failure on ``field_name``, its message prefixed with the resource label."""
        return Failure(field_name, f"{self.resource_label}: {message}")

    def found_or_failure(self, field_name: str, load: Callable[[], T], missing: str) -> T | Failure:
        """``load()``'s object, or a failure on ``field_name`` saying ``missing`` when the vendor has none.

        The "get by key; NotFound is the user's mistake" check of adoption and parent lookups (read-only).
        """
        try:
            return load()
        except NotFound:
            return self.failure(field_name, missing)

    def declared(self, *labels: str) -> list[siblings.Declared]:
        """What the program declares of these resource types, as far as this process has seen (``siblings``)."""
        return siblings.DECLARED.of(*labels)

    def is_new(self, olds: Mapping[str, Any], inputs: Mapping[str, Any]) -> bool:
        """Whether this deployment creates the object (its id is unknown at preview): no state yet, or replaced."""
        if not user_inputs(olds):
            return True
        try:
            return bool(self._changes(olds, inputs)[1])
        except (ValueError, TypeError, ValidationError):
            return True  # inputs that don't parse: their check fails anyway

    # -- check capabilities ------------------------------------------------------------------------------
    def extra_checks(self, args: ArgsT, olds: Mapping[str, Any]) -> list[Failure]:
        """Rules pydantic alone can't express: cross-field, config-dependent, or read-only vendor lookups.

        ``olds`` are the inputs in the stack's state (empty for a new resource), so a rule can skip what the
        stack already holds.
        """
        return []

    def lookup_failures(self, inputs: Mapping[str, Any], olds: Mapping[str, Any]) -> list[Failure]:
        """Read-only lookups of other vendor objects (a parent, users, the account), once every other check passed.

        Unlike ``extra_checks`` these run when some inputs are still unknown at preview: a members list is worth
        checking although its audience (``team.id``) is known only after the audience is created. ``inputs`` are
        the checked inputs (unknown values as they came); ``olds`` as in ``extra_checks``.
        """
        return []

    def claims(self, inputs: Mapping[str, Any]) -> list[siblings.Claim]:
        """The keys a resource with ``inputs`` takes at the vendor, which no other resource may take too.

        By default ``key_field`` in ``key_space``; a lifecycle adds others (the campaign an ``adopt_id`` names, the
        audience whose members a resource sets). Values not known at preview claim nothing yet.
        """
        key_field, space = self.key_field, self.key_space
        if key_field is None or space is None:
            return []
        value = inputs.get(key_field)
        if not isinstance(value, str) or not value or contains_unknown(value):
            return []
        return [siblings.Claim(space, self.normalized_key(value), key_field, value, self.key_rule)]

    def normalized_key(self, value: str) -> Any:
        """``key_field``'s value as the vendor compares it (e.g. case-folded)."""
        return value

    def ownership_failures(self, olds: Mapping[str, Any], inputs: Mapping[str, Any],
                           failures: list[Failure]) -> list[Failure]:
        """At preview, before any write: refuse what an object outside this stack holds. By default the natural
        key, through ``find_existing`` (``siblings.key_taken``)."""
        return siblings.key_taken(self, olds, inputs, failures)

    def find_existing(self, key: str) -> str | None:
        """Describe the vendor object that holds natural key ``key`` (read-only), or None when it is free."""
        return None

    def adopt_hint(self) -> str:
        return f"set {self.adopt_field}=True on this resource"

    def locate(self, inputs: Mapping[str, Any], held: set[str]) -> list[tuple[str, str]] | None:
        """(id, description) of each vendor object a create of ``inputs`` would have made, minus the ids in
        ``held`` (the stack's own); None when the vendor's API can't look such an object up. Read-only; used by
        ``audience_providers.recover`` for the creates an interrupted run left pending."""
        return None

    def derived_inputs(self, inputs: Mapping[str, Any], olds: Mapping[str, Any]) -> dict[str, Any]:
        """What a check records beside (or in place of) the declared inputs, derived from them once every check
        passed: values `preview --diff` and `destroy --diff` should show (what destroy will do; the ids a membership
        change adds and removes). A name that is not an args field is left out of ``parse`` and kept by refresh."""
        return {}

    def from_declared(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """Inputs of a non-Python program (see ``declared_schemas``) in the form the args model takes."""
        return dict(inputs)

    # -- diff ------------------------------------------------------------------------------------
    def diff(self, _id: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Diffed:
        defaults = self.input_defaults()  # left out of checked inputs while they hold it (see input_defaults)
        olds, news = {**defaults, **olds}, {**defaults, **news}
        changed, replaces = self._changes(olds, news)
        return Diffed(
            changes=bool(changed),
            replaces=replaces,
            stables=[f for f in self.args_model.model_fields if f not in changed],
            delete_before_replace=bool(replaces) and self.delete_before_replace(olds, news),
            detailed_diff=self._detailed_diff(changed, replaces, olds, news),
        )

    def _changes(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> tuple[list[str], list[str]]:
        """(changed input fields, those of them that replace) — create-only fields never change."""
        changed = []
        for name in self.args_model.model_fields:
            if name in self.create_only_fields:
                continue
            new = news.get(name)
            if contains_unknown(new):
                changed.append(name)
            elif self.comparable(name, olds, state=True) != self.comparable(name, news, state=False):
                changed.append(name)
        return changed, [f for f in changed if f in self.replace_fields]

    def _detailed_diff(self, changed: list[str], replaces: list[str], olds: Mapping[str, Any],
                       news: Mapping[str, Any]) -> dict[str, str]:
        """What the engine shows for a change: exactly the changed inputs, nothing else.

        Without it the engine diffs whole property maps, so a replacement lists the outputs the vendor computed
        (ids, counts, timestamps) as removals and a list shows every shifted position as a change.
        """
        detailed: dict[str, str] = {}
        for name in changed:
            paths = self.detailed_paths(name, olds, news)
            if paths is None:
                old, new = olds.get(name), news.get(name)
                paths = {name: "add" if old is None else "delete" if new is None and not contains_unknown(new)
                         else "update"}
            for path, kind in paths.items():
                detailed[path] = f"{kind}-replace" if name in replaces else kind
        return detailed

    # -- diff capabilities -------------------------------------------------------------------------------
    def comparable(self, field_name: str, props: Mapping[str, Any], *, state: bool) -> Any:
        """The value of ``field_name`` as it should be compared; ``state`` is True for the recorded outputs."""
        return props.get(field_name)

    def detailed_paths(self, field_name: str, olds: Mapping[str, Any],
                       news: Mapping[str, Any]) -> dict[str, str] | None:
        """Finer property paths (e.g. list items) for a changed field, or None to report the field as a whole."""
        return None

    def delete_before_replace(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
        """True when old and new can't coexist (same natural key): delete first, then create."""
        return False

    # -- the four calls a vendor writes --------------------------------------------------------------------
    def create_resource(self, args: ArgsT) -> tuple[str, dict[str, Any]]:
        raise NotImplementedError

    def read_resource(self, id_: str, props: Mapping[str, Any]) -> dict[str, Any] | None:
        """Current outputs (inputs included), or None when the resource is gone."""
        raise NotImplementedError

    def update_resource(self, id_: str, olds: Mapping[str, Any], args: ArgsT) -> dict[str, Any]:
        raise NotImplementedError

    def delete_resource(self, id_: str, props: Mapping[str, Any]) -> None:
        raise NotImplementedError

    # -- what the engine calls ---------------------------------------------------------------------------
    def create(self, props: Mapping[str, Any]) -> Created:
        id_, outs = self.create_resource(self.parse(props))
        return Created(id_, outs)

    def read(self, id_: str, props: Mapping[str, Any]) -> Read:
        by_id = not any(v is not None for v in user_inputs(props).values())
        try:
            if not by_id:
                outs = self.read_resource(id_, props)
            else:  # `import_=`/`pulumi import` (no props at all) or `Resource.get` (every prop None)
                outs = self.read_by_id(id_)
        except NotFound:
            outs = None
        if outs is None:
            return Read(None, {})  # gone: refresh drops it from state
        return Read(self.by_import_id(id_)[0] if by_id else id_, outs, self.inputs_from_state(outs))

    def update(self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Updated:
        return Updated(self.update_resource(id_, olds, self.parse(news)))

    def delete(self, id_: str, props: Mapping[str, Any]) -> None:
        try:
            self.delete_resource(id_, props)
        except NotFound:
            pass  # already gone is what we wanted

    # -- reads: refresh, import, get -----------------------------------------------------------------------
    def recorded_inputs(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """The declared inputs as they stand in ``props`` (state or news), every input field present (one left out
        at its default, as checked inputs do, with that default)."""
        defaults = self.input_defaults()
        return {k: props.get(k, defaults.get(k)) for k in self.args_model.model_fields}

    def inputs_from_state(self, outs: Mapping[str, Any]) -> dict[str, Any]:
        """Inputs as refresh should record them, derived from freshly read outputs (``derived_inputs`` kept)."""
        return {f: outs.get(f) for f in (*self.args_model.model_fields, *self._derived_names(outs))
                if f in outs and not self._at_default(f, outs.get(f))}

    def by_import_id(self, id_: str) -> tuple[str, dict[str, Any]]:
        """What an import id (or a ``get``'s) says: the id a create gives that object (e.g. ``<audience>/members``
        for an audience's id), so an imported resource's state reads like a created one's (the engine keeps the id
        a Read answers); and the inputs the id alone gives (the audience of ``<audience>/members``), as the props
        ``read_resource`` gets, the rest being read from the vendor."""
        return id_, {}

    def read_by_id(self, id_: str) -> dict[str, Any] | None:
        """Outputs of an object known only by its id (import or get): inputs the vendor can't report take their
        defaults, as if the program had left them unset."""
        if self.read_by_id_unsupported is not None:
            adopt = self.adopt_field or next((f for f in ("adopt", "adopt_id") if f in self.args_model.model_fields),
                                             None)
            yaml_name = re.sub(r"_(.)", lambda m: m.group(1).upper(), adopt or "")
            how = (f"declare it with {adopt}= instead (`{yaml_name}:` in YAML), which takes it over on the next "
                   "`pulumi up`" if adopt else "declare it in the program instead")
            raise InputError(f"{self.resource_label} {id_!r} can't be imported or read by id: "
                             f"{self.read_by_id_unsupported}. Remove the import (the `import_` option, the `.get` "
                             f"call or `pulumi import`) and {how} ({docs_page(self.resource_label)}).")
        outs = self.read_resource(id_, self.by_import_id(id_)[1])
        if outs is None:
            return None
        for name, info in self.args_model.model_fields.items():
            if outs.get(name) is None and not info.is_required():
                outs[name] = info.get_default(call_default_factory=True)
        if self.state_model is not None and "adopted" in self.state_model.model_fields:
            # Imported: the stack did not create it (a State that records so, says so).
            outs["adopted"] = True
        return outs
