"""A resource's lifecycle — check, diff, create, read, update, delete — with no Pulumi in it.

A vendor writes one :class:`Lifecycle` per resource type against its client and models: the strict inputs
(``args_model``), the fields whose change forces a replacement, and ``create_resource``/``read_resource``/
``update_resource``/``delete_resource``. Everything that is the same for every vendor lives here: validating
inputs into field-named failures, unknown values at preview, credential checks, refusing natural keys held
outside the stack, create-or-adopt after a lost answer, create-only fields, detailed diffs, reads by id.

Adapters turn a lifecycle into what an engine calls: ``_core/dynamic.py`` into a ``pulumi.dynamic``
provider and Resource class. They hand in plain dicts (unknown values as :data:`UNKNOWN`) and take back the
result records below, so the same code can serve a native provider plugin.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError

from . import siblings
from .config import ConfigSource, declared_settings, known_keys, skip_credentials_validation, unknown_settings
from .errors import (
    ApiError,
    ConfigurationError,
    Conflict,
    CredentialsRejected,
    Forbidden,
    InputError,
    NotFound,
    ProviderError,
    ServerError,
    TransportFailure,
    Unauthorized,
)
from .vendors import PROVIDER_KEY

# The engine's marker for a value not yet known during preview (the wire form of an unknown property).
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

ArgsT = TypeVar("ArgsT", bound=BaseModel)
CfgT = TypeVar("CfgT")
T = TypeVar("T")

RECOVERY_COMMAND = "python -m audience_providers.recover --stack <stack>"


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


# -- small shared rules --------------------------------------------------------------------------------------
# Types an adapter's engine SDK uses for unknown values (registered by the adapter: the SDK's own ``Unknown``).
_unknown_types: tuple[type, ...] = ()


def register_unknown_type(kind: type) -> None:
    """Treat instances of ``kind`` as values not known yet (the adapter's SDK represents them so)."""
    global _unknown_types
    if kind not in _unknown_types:
        _unknown_types = (*_unknown_types, kind)


def contains_unknown(value: Any) -> bool:
    """Whether ``value`` (or anything inside it) is not known yet at preview (e.g. a parent's future id)."""
    if _unknown_types and isinstance(value, _unknown_types):
        return True
    if isinstance(value, str):
        return value == UNKNOWN
    if isinstance(value, Mapping):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(contains_unknown(v) for v in value)
    return False


def user_inputs(props: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if k != PROVIDER_KEY}


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


def _credential_outcome(probe: Callable[[], None], rejected: Callable[[ApiError], ProviderError],
                        misplaced: Callable[[NotFound], ProviderError | None]) -> ProviderError | None:
    try:
        probe()
    except Unauthorized as exc:
        return rejected(exc)
    except Forbidden:
        return None  # authenticated: the credential is good, this one read is just not allowed
    except NotFound as exc:
        return misplaced(exc)  # a base URL that is not the API's, or a read this tenant doesn't offer
    except ProviderError as exc:
        return exc  # unreachable, or the vendor failing: `up` would fail the same way
    return None


def _path_of(url: str) -> str:
    return urlsplit(url).path.rstrip("/")


# Natural keys this provider process has seen in the stack's state (see ``ownership_failures``).
_held_keys: set[tuple[str, str]] = set()
# Called when a check is about to read its vendor's credential (only there: not for invalid inputs, refresh or
# destroy). The dynamic adapter starts the other configured vendors' reads at that moment (_core/dynamic.py).
CREDENTIAL_READ_HOOKS: list[Callable[[], None]] = []
_held_lock = threading.Lock()


class Lifecycle(Generic[ArgsT, CfgT]):
    """What every resource type shares. Holds a configuration (with its client) and nothing else."""

    vendor: ClassVar[str]
    resource_label: ClassVar[str]  # e.g. "batch:Audience", used in messages and as the state's provider key
    args_model: ClassVar[type[BaseModel]]
    # The resource's outputs, when declared as a model (the Resource class's placeholders come from it).
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

    def __init__(self, config: CfgT | None = None) -> None:
        """``config`` given: use it as is (tests build one around a mock transport); else ``configure`` reads it."""
        # Attributes are set only when known (read with getattr), so a fresh object holds nothing to pickle.
        if config is not None:
            self._config: CfgT | None = config

    # -- configuration -------------------------------------------------------------------------
    def load_config(self, source: ConfigSource) -> CfgT:
        raise NotImplementedError

    @property
    def config_namespace(self) -> str:
        return self.vendor.lower()  # "thrive", "sonarly", "unleashx", "batch"

    _config_error: Exception | None
    _skip_credentials: bool

    def known_settings(self) -> list[str]:
        """The setting names this vendor reads: those its ``config`` module declares, then the shared ones."""
        return known_keys(self.config_namespace, declared_settings(type(self).__module__.rpartition(".")[0]))

    def configure(self, source: ConfigSource) -> None:
        """Read the vendor's settings; a missing, malformed or unknown one is raised at the first check (it names
        the fix)."""
        try:
            unknown = unknown_settings(source, self.config_namespace, self.known_settings())
            if unknown is not None:
                raise unknown
            self._config = self.load_config(source)
            self._skip_credentials = skip_credentials_validation(source, self.config_namespace)
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

    # -- credentials -----------------------------------------------------------------------------
    def credential_settings(self) -> str:
        """The settings that hold the credential, as named in a "credentials rejected" error."""
        return f"the {self.config_namespace}:* credential settings"

    def verify_credentials(self) -> None:
        """Fail `preview` when the vendor rejects the configured credential.

        A revoked or mistyped key used to pass `pulumi preview` (nothing is read for resources the stack already
        holds) and fail at `up`. One cheap authenticated read (the client's ``verify_credentials``) per process
        and credential, its answer — good or bad — kept on the client. Like Terraform's AWS provider
        (`skip_credentials_validation`), ``<vendor>:skipCredentialsValidation`` turns it off.
        """
        skip = getattr(self, "_skip_credentials", None)
        if skip is None:
            skip = self._skip_credentials = skip_credentials_validation(ConfigSource(None), self.config_namespace)
        if skip:
            return
        client = getattr(self.config, "client", None)
        probe = getattr(client, "verify_credentials", None)
        if client is None or probe is None:
            return
        for hook in CREDENTIAL_READ_HOOKS:
            hook()  # the adapter may start the other configured vendors' reads now, beside this one
        outcome = client.once("credentials accepted",
                              lambda: _credential_outcome(probe, self._rejected, self._misplaced))
        if outcome is not None:
            raise outcome

    def _misplaced(self, exc: NotFound) -> ProviderError | None:
        """The credential read answered 404: a base URL without the API's path (``…/rest/v1``, ``…/2.8``) is the
        likely cause, so say which setting, what it holds and what path it needs; None when the path is right (the
        404 then means something else, and the writes will say what)."""
        settings = getattr(getattr(self.config, "client", None), "settings", None)
        documented = getattr(settings, "documented_base_url", None)
        base = getattr(settings, "base_url", None)
        if not documented or not base or _path_of(base).endswith(_path_of(documented)):
            return None
        where = getattr(settings, "base_url_setting", None) or f"{self.config_namespace}:baseUrl"
        key = where.split(" ", 1)[0]
        parts = urlsplit(base)
        fixed = f"{parts.scheme}://{parts.netloc}{_path_of(base)}{_path_of(documented)}"
        return ConfigurationError(
            f"{self.vendor} answered HTTP 404 to {exc.operation} (the credential check at preview) under {where} = "
            f"{base!r}: {self.vendor}'s API lives under a path ending in {_path_of(documented)!r} (documented base "
            f"URL {documented}). Set the full API base, e.g. `pulumi config set {key} {fixed}`. Nothing was changed.")

    def _rejected(self, exc: ApiError) -> ProviderError:
        ns = self.config_namespace
        return CredentialsRejected(
            f"{self.vendor} rejected the configured credentials ({self.credential_settings()}): {exc.vendor_message} "
            f"(HTTP {exc.status} to {exc.operation}). Nothing was changed. Fix those settings (`pulumi config set "
            f"--secret ...`), or, to let `preview` run without asking {self.vendor}, `pulumi config set "
            f"{ns}:skipCredentialsValidation true`.")

    # -- inputs ----------------------------------------------------------------------------------
    def parse(self, props: Mapping[str, Any]) -> ArgsT:
        return self.args_model.model_validate(user_inputs(props))  # type: ignore[return-value]

    def from_declared(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """Inputs of a non-Python program (see ``declared_schemas``) in the form the args model takes."""
        return dict(inputs)

    def recorded_inputs(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """The declared inputs as they stand in ``props`` (state or news), every input field present."""
        return {k: props.get(k) for k in self.args_model.model_fields}

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

    def found_or_failure(self, field_name: str, load: Callable[[], T], missing: str) -> T | Failure:
        """``load()``'s object, or a failure on ``field_name`` saying ``missing`` when the vendor has none.

        The "get by key; NotFound is the user's mistake" check of adoption and parent lookups (read-only).
        """
        try:
            return load()
        except NotFound:
            return self.failure(field_name, missing)

    def failure(self, field_name: str, message: str) -> Failure:
        """A failure on ``field_name``, its message prefixed with the resource label."""
        return Failure(field_name, f"{self.resource_label}: {message}")

    def check(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Checked:
        _ = self.config  # a missing credential fails `pulumi preview`, with the command that fixes it
        inputs = user_inputs(news)
        unknown = {k for k, v in inputs.items() if contains_unknown(v)}
        known = {k: v for k, v in inputs.items() if k not in unknown}
        failures: list[Failure] = []
        try:
            args = self.args_model.model_validate(known)
        except ValidationError as exc:
            for err in exc.errors():
                loc = tuple(err.get("loc", ()))
                if loc and str(loc[0]) in unknown:
                    continue  # will be validated once the value is known
                failures.append(self.failure(_field_of(loc), f"{_field_of(loc)}: {err['msg']}"))
            failures.extend(self.sibling_failures(olds, inputs, failures))
            failures.extend(self.ownership_failures(olds, inputs, failures))
            if not failures:
                failures.extend(self.lookup_failures(news, user_inputs(olds)))
            return Checked(dict(news), failures)
        # Valid inputs: a wrong or revoked credential fails here too (one read per process), before any lookup.
        self.verify_credentials()
        failures.extend(self.sibling_failures(olds, inputs, failures))
        failures.extend(self.extra_checks(args, user_inputs(olds)))  # type: ignore[arg-type]
        failures.extend(self.ownership_failures(olds, inputs, failures))
        normalized = args.model_dump(mode="json", exclude_none=False)
        result = {**{k: v for k, v in normalized.items() if k in inputs or v is not None}, **{
            k: inputs[k] for k in unknown}}
        if PROVIDER_KEY in news:
            result[PROVIDER_KEY] = news[PROVIDER_KEY]
        if not failures:
            failures.extend(self.lookup_failures(result, user_inputs(olds)))
        return Checked(result, failures)

    # -- what the rest of the program declares ----------------------------------------------------
    def normalized_key(self, value: str) -> Any:
        """``key_field``'s value as the vendor compares it (e.g. case-folded)."""
        return value

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

    def is_new(self, olds: Mapping[str, Any], inputs: Mapping[str, Any]) -> bool:
        """Whether this deployment creates the object (its id is unknown at preview): no state yet, or replaced."""
        if not user_inputs(olds):
            return True
        try:
            return bool(self.replacement_fields(self.changed_fields(olds, inputs), olds, inputs))
        except (ValueError, TypeError, ValidationError):
            return True  # inputs that don't parse: their check fails anyway

    def sibling_failures(self, olds: Mapping[str, Any], inputs: Mapping[str, Any],
                         failures: list[Failure]) -> list[Failure]:
        """Record what this resource declares (``siblings``) and refuse a key another resource of the program takes.

        Two resources of one program with one natural key pass every other check at `preview` (nothing holds the key
        yet); `up` would create the first and fail on the second. Named here, before any write.
        """
        urn = siblings.SERVING_URN.get()
        this = siblings.Declared(siblings.identity_of(self.resource_label, inputs), self.resource_label,
                                 siblings.resource_name(urn), dict(inputs), self.is_new(olds, inputs))
        held = self.claims(user_inputs(olds)) if user_inputs(olds) else []
        out: list[Failure] = []
        for claim, other, moved in siblings.DECLARED.declare(this, self.claims(inputs), held):
            if any(f.property == claim.field for f in (*failures, *out)):
                continue  # one message per field
            me = this.describe() if this.name else f"this {self.resource_label}"
            if moved:
                reason = (f"{claim.field} {claim.shown!r} moves from one resource of this stack to another in one "
                          f"update ({other.describe()} and {me}). {claim.rule}, and the two changes run in parallel, "
                          "so the object taking it may be created before the other lets it go. Change one of the two "
                          "per `pulumi up`. Nothing was changed.")
            else:
                reason = (f"{claim.field} {claim.shown!r} is declared twice in this program, by {other.describe()} "
                          f"and by {me}. {claim.rule}, so `pulumi up` would create the first and fail on the "
                          f"second. Give each its own {claim.field}, or remove one. Nothing was changed.")
            out.append(self.failure(claim.field, reason))
        return out

    def declared(self, *labels: str) -> list[siblings.Declared]:
        """What the program declares of these resource types, as far as this process has seen (``siblings``)."""
        return siblings.DECLARED.of(*labels)

    # -- ownership -------------------------------------------------------------------------------
    def find_existing(self, key: str) -> str | None:
        """Describe the vendor object that holds natural key ``key`` (read-only), or None when it is free."""
        return None

    def adopt_hint(self) -> str:
        return f"set {self.adopt_field}=True on this resource"

    def taken_message(self, key: str, existing: str) -> str:
        field_name = self.key_field
        return (f"{self.resource_label}: {field_name} {key!r} is already taken in {self.vendor} by {existing}, which "
                "this stack did not create (another stack, a person, or an interrupted run of this stack made it). "
                f"Nothing was changed. To manage that object from this stack on purpose, {self.adopt_hint()}. If "
                f"an interrupted `pulumi up` of this stack created it, recover it with `{RECOVERY_COMMAND}` "
                f"(docs/recovery.md). If another resource of this program declares {field_name} {key!r} too, that "
                "one holds it: keep one of the two.")

    def ownership_failures(self, olds: Mapping[str, Any], inputs: Mapping[str, Any],
                           failures: list[Failure]) -> list[Failure]:
        """At preview, before any write: refuse a natural key that an object outside this stack holds."""
        key_field = self.key_field
        if key_field is None or (self.adopt_field is not None and inputs.get(self.adopt_field)):
            return []
        key = inputs.get(key_field)
        if not isinstance(key, str) or contains_unknown(key) or any(f.property == key_field for f in failures):
            return []
        if user_inputs(olds).get(key_field) == key:
            with _held_lock:
                _held_keys.add((self.resource_label, key))
            return []  # the stack already holds the object with this key
        with _held_lock:
            if (self.resource_label, key) in _held_keys:
                # A replacement: the engine checks the new resource again without olds, after the check above
                # saw this key in the stack's state during the same deployment (same provider process).
                return []
        existing = self.find_existing(key)
        return [] if existing is None else [Failure(key_field, self.taken_message(key, existing))]

    def locate(self, inputs: Mapping[str, Any], held: set[str]) -> list[tuple[str, str]] | None:
        """(id, description) of each vendor object a create of ``inputs`` would have made, minus the ids in
        ``held`` (the stack's own); None when the vendor's API can't look such an object up. Read-only; used by
        ``audience_providers.recover`` for the creates an interrupted run left pending."""
        return None

    # -- diff ------------------------------------------------------------------------------------
    def comparable(self, field_name: str, props: Mapping[str, Any], *, state: bool) -> Any:
        """The value of ``field_name`` as it should be compared; ``state`` is True for the recorded outputs."""
        return props.get(field_name)

    def changed_fields(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
        changed = []
        for name in self.args_model.model_fields:
            if name in self.create_only_fields:
                continue
            new = news.get(name)
            if contains_unknown(new):
                changed.append(name)
            elif self.comparable(name, olds, state=True) != self.comparable(name, news, state=False):
                changed.append(name)
        return changed

    def replacement_fields(self, changed: list[str], olds: Mapping[str, Any],
                           news: Mapping[str, Any]) -> list[str]:
        return [f for f in changed if f in self.replace_fields]

    def delete_before_replace(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
        """True when old and new can't coexist (same natural key): delete first, then create."""
        return False

    def detailed_paths(self, field_name: str, olds: Mapping[str, Any],
                       news: Mapping[str, Any]) -> dict[str, str] | None:
        """Finer property paths (e.g. list items) for a changed field, or None to report the field as a whole."""
        return None

    def detailed_diff(self, changed: list[str], replaces: list[str], olds: Mapping[str, Any],
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

    def diff(self, _id: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Diffed:
        changed = self.changed_fields(olds, news)
        replaces = self.replacement_fields(changed, olds, news)
        return Diffed(
            changes=bool(changed),
            replaces=replaces,
            stables=[f for f in self.args_model.model_fields if f not in changed],
            delete_before_replace=bool(replaces) and self.delete_before_replace(olds, news),
            detailed_diff=self.detailed_diff(changed, replaces, olds, news),
        )

    # -- lifecycle -----------------------------------------------------------------------------
    def create_resource(self, args: ArgsT) -> tuple[str, dict[str, Any]]:
        raise NotImplementedError

    def read_resource(self, id_: str, props: Mapping[str, Any]) -> dict[str, Any] | None:
        """Current outputs (inputs included), or None when the resource is gone."""
        raise NotImplementedError

    def update_resource(self, id_: str, olds: Mapping[str, Any], args: ArgsT) -> dict[str, Any]:
        raise NotImplementedError

    def delete_resource(self, id_: str, props: Mapping[str, Any]) -> None:
        raise NotImplementedError

    def inputs_from_state(self, outs: Mapping[str, Any]) -> dict[str, Any]:
        """Inputs as refresh should record them, derived from freshly read outputs."""
        return {f: outs.get(f) for f in self.args_model.model_fields if f in outs}

    def create(self, props: Mapping[str, Any]) -> Created:
        args = self.parse(props)
        id_, outs = self.create_resource(args)
        return Created(id_, outs)

    def import_props(self, id_: str) -> dict[str, Any]:
        """What an id alone says of the inputs (e.g. the audience of ``<audience>/members``), as the props
        ``read_resource`` gets for an import or a ``get``; the rest is read from the vendor."""
        return {}

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
        outs = self.read_resource(id_, self.import_props(id_))
        if outs is None:
            return None
        for name, info in self.args_model.model_fields.items():
            if outs.get(name) is None and not info.is_required():
                outs[name] = info.get_default(call_default_factory=True)
        return outs

    def import_id(self, id_: str) -> str:
        """The id a create gives the object that import id ``id_`` names (e.g. ``<audience>/members`` for an
        audience's id), so an imported resource's state reads like a created one's (the engine keeps the id a
        Read answers)."""
        return id_

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
        return Read(self.import_id(id_) if by_id else id_, outs, self.inputs_from_state(outs))

    def update(self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Updated:
        return Updated(self.update_resource(id_, olds, self.parse(news)))

    def delete(self, id_: str, props: Mapping[str, Any]) -> None:
        try:
            self.delete_resource(id_, props)
        except NotFound:
            pass  # already gone is what we wanted
