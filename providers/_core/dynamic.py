"""Base for every dynamic resource provider: pydantic-driven check/diff, config plumbing, create-or-adopt.

A vendor provider subclasses :class:`VendorProvider`, names its ``args_model`` and the fields whose change
forces a replacement, and implements ``create_resource``/``read_resource``/``update_resource``/
``delete_resource`` against its client. Everything Pulumi-specific stays here.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
import traceback
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, ClassVar, Generic, TypeVar

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown
from pydantic import BaseModel, ValidationError

from . import progress, registry, source_positions
from .config import ConfigSource, skip_credentials_validation
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

# Every vendor's resource module imports this one, so resources declared through the package get trimmed traces.
source_positions.install()

PROVIDER_KEY = "__provider"
# The engine's marker for a value not yet known during preview (pulumi.runtime.rpc.UNKNOWN).
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

ArgsT = TypeVar("ArgsT", bound=BaseModel)
CfgT = TypeVar("CfgT")
T = TypeVar("T")

class KeyIndex:
    """The natural keys a vendor account holds, read in one listing per provider process and scope.

    The engine calls ``check`` one resource at a time, so a vendor lookup per new resource would put one round
    trip per resource, in series, before the creates (N x latency). One listing serves every check of the
    command. A key taken after the listing was read is still refused by the vendor's own conflict answer at
    create, and never adopted (see ``create_or_adopt``).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded: dict[Hashable, dict[str, str]] = {}

    def lookup(self, scope: Hashable, key: str, load: Callable[[], Iterable[tuple[str, str]]]) -> str | None:
        with self._lock:
            index = self._loaded.get(scope)
            if index is None:
                index = self._loaded[scope] = dict(load())
            return index.get(key)


KEY_INDEX = KeyIndex()


class CredentialCheck:
    """Whether the vendor accepts a credential, asked once per provider process (one cheap authenticated read).

    A revoked or mistyped key used to pass `pulumi preview` (nothing is read for resources the stack already
    holds) and fail at `up`. Every check() asks here first; the answer, good or bad, is kept for the process, so a
    command adds at most one request per credential. Like Terraform's AWS provider (`skip_credentials_validation`),
    ``<vendor>:skipCredentialsValidation`` turns it off.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._outcomes: dict[Hashable, ProviderError | None] = {}
        self._locks: dict[Hashable, threading.Lock] = {}

    def verify(self, key: Hashable, probe: Callable[[], None], rejected: Callable[[ApiError], ProviderError]) -> None:
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._outcomes:
                self._outcomes[key] = self._ask(probe, rejected)
            outcome = self._outcomes[key]
        if outcome is not None:
            raise outcome

    @staticmethod
    def _ask(probe: Callable[[], None], rejected: Callable[[ApiError], ProviderError]) -> ProviderError | None:
        try:
            probe()
        except Unauthorized as exc:
            return rejected(exc)
        except (Forbidden, NotFound):
            return None  # authenticated: the credential is good, this one read is just not allowed or offered
        except ProviderError as exc:
            return exc  # unreachable, or the vendor failing: `up` would fail the same way
        return None

    def forget(self) -> None:
        with self._lock:
            self._outcomes.clear()


CREDENTIAL_CHECK = CredentialCheck()

# Natural keys this provider process has seen in the stack's state (see ``ownership_failures``).
_held_keys: set[tuple[str, str]] = set()
_held_lock = threading.Lock()

_logging_ready = threading.Lock()
_logging_done = False


def _short_provider_errors() -> None:
    """Our errors reach the user as their message, not as a Python traceback.

    The SDK's dynamic-provider server (3.272) answers every failed call with ``traceback.format_exc()``, so the
    user read 30-100 lines of frames (the servicer, tenacity, httpx) before the one line that says what happened.
    A :class:`ProviderError` already names the vendor, the operation, the status, the vendor's message and what
    to do, so for those the message is the answer; any other exception keeps its traceback, and
    ``AUDIENCE_PROVIDERS_LOG=debug`` brings ours back too. Installed only in the provider process (configure()).
    """
    original = traceback.format_exc

    def format_exc(limit: int | None = None, chain: bool = True) -> str:
        exc = sys.exc_info()[1]
        if isinstance(exc, ProviderError) and os.environ.get("AUDIENCE_PROVIDERS_LOG", "").lower() != "debug":
            return str(exc)
        return original(limit, chain)

    traceback.format_exc = format_exc


def _setup_logging() -> None:
    """Send our request logs to stderr (the engine's plugin log) when AUDIENCE_PROVIDERS_LOG is set."""
    global _logging_done
    with _logging_ready:
        if _logging_done:
            return
        _logging_done = True
        _short_provider_errors()
        level = os.environ.get("AUDIENCE_PROVIDERS_LOG", "").upper()
        if level:
            stderr = logging.StreamHandler(sys.stderr)
            stderr.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
            # Inside a resource's call the line goes to the engine, listed under that resource.
            handler = progress.EngineHandler(stderr)
            handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
            root = logging.getLogger("audience_providers")
            root.addHandler(handler)
            root.setLevel(getattr(logging, level, logging.DEBUG))


def contains_unknown(value: Any) -> bool:
    # During preview the engine sends not-yet-known values (e.g. a parent's id) as rpc.Unknown objects.
    if isinstance(value, Unknown):
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


RECOVERY_COMMAND = "python -m audience_providers.recover --stack <stack>"


def _docs_page(label: str) -> str:
    vendor, _, kind = label.partition(":")
    return f"docs/{vendor}/{re.sub(r'(?<!^)(?=[A-Z])', '-', kind).lower()}.md"


class VendorProvider(ResourceProvider, Generic[ArgsT, CfgT]):
    """Shared behaviour of all our dynamic providers. Holds nothing when pickled (see ``__reduce__``)."""

    vendor: ClassVar[str]
    resource_label: ClassVar[str]  # e.g. "batch:Audience", used in messages
    args_model: ClassVar[type[BaseModel]]
    # Input fields whose change can't be applied in place.
    replace_fields: ClassVar[frozenset[str]] = frozenset()
    # Inputs read only when the resource is created (e.g. `adopt`): changing them later is no change.
    create_only_fields: ClassVar[frozenset[str]] = frozenset()
    # The input naming the vendor object uniquely (the vendor refuses a second one), when there is one.
    key_field: ClassVar[str | None] = None
    # The input by which a user asks to take over an existing object ("adopt" or "adopt_id").
    adopt_field: ClassVar[str | None] = None
    # The provider object is pickled into every resource's state: it holds no secret, so don't encrypt it.
    serialize_as_secret_always = False
    # Why a read by id alone (`import_=`, `pulumi import`, `Resource.get`) can't rebuild this resource's inputs;
    # None when it can. The message then points to ``adopt_field`` (or says how else to declare it).
    read_by_id_unsupported: ClassVar[str | None] = None

    _config: CfgT | None
    _config_error: Exception | None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "resource_label" in vars(cls):  # a concrete provider: states refer to it by this key
            registry.register(cls.resource_label, cls)

    def __reduce__(self) -> tuple[Callable[[str], Any], tuple[str]]:
        # Pickled as the call audience_provider_ref.provider("<vendor>:<Resource>"): a stable key instead of the
        # module path, so states survive moved modules and a renamed package (see _core/registry.py). Nothing
        # of the instance goes in: configuration and clients are rebuilt in the provider process.
        import audience_provider_ref

        return audience_provider_ref.provider, (self.resource_label,)

    def __setstate__(self, state: dict[str, Any]) -> None:
        # States written before the registry pickled the class by module path with an empty state; they still
        # load (tests/unit/test_provider_registry.py).
        self.__dict__.update(state)

    # -- configuration -------------------------------------------------------------------------
    def load_config(self, source: ConfigSource) -> CfgT:
        raise NotImplementedError

    @property
    def config_namespace(self) -> str:
        return self.vendor.lower()  # "thrive", "sonarly", "unleashx", "batch"

    def configure(self, req: ConfigureRequest) -> None:
        _setup_logging()
        source = ConfigSource(req.config.get)
        try:
            self._config = self.load_config(source)
            self._skip_credentials = skip_credentials_validation(source, self.config_namespace)
            self._config_error = None
        except ConfigurationError as exc:
            self._config = None
            self._config_error = exc

    # -- credentials -----------------------------------------------------------------------------
    def credential_settings(self) -> str:
        """The settings that hold the credential, as named in a "credentials rejected" error."""
        return f"the {self.config_namespace}:* credential settings"

    def probe_credentials(self) -> tuple[Hashable, Callable[[], None]] | None:
        """(cache key, one cheap authenticated read) for the configured credential; None when there is none.

        By default the config's ``client`` and its ``verify_credentials()`` (each vendor client has one).
        """
        client = getattr(self.config, "client", None)
        verify = getattr(client, "verify_credentials", None)
        if client is None or verify is None:
            return None
        return (type(client).__qualname__, client.settings.base_url, client.credential_key), verify

    def verify_credentials(self) -> None:
        """Fail `preview` when the vendor rejects the configured credential (once per process and credential)."""
        skip = getattr(self, "_skip_credentials", None)
        if skip is None:
            skip = self._skip_credentials = skip_credentials_validation(ConfigSource(None), self.config_namespace)
        if skip:
            return
        probe = self.probe_credentials()
        if probe is None:
            return
        key, read = probe
        CREDENTIAL_CHECK.verify(key, read, self._rejected)

    def _rejected(self, exc: ApiError) -> ProviderError:
        ns = self.config_namespace
        return CredentialsRejected(
            f"{self.vendor} rejected the configured credentials ({self.credential_settings()}): {exc.vendor_message} "
            f"(HTTP {exc.status} to {exc.operation}). Nothing was changed. Fix those settings (`pulumi config set "
            f"--secret ...`), or, to let `preview` run without asking {self.vendor}, `pulumi config set "
            f"{ns}:skipCredentialsValidation true`.")

    @property
    def config(self) -> CfgT:
        error = getattr(self, "_config_error", None)
        if error is not None:
            raise error
        cfg = getattr(self, "_config", None)
        if cfg is None:
            # Called without configure() (e.g. direct use in tests): fall back to the environment.
            cfg = self._config = self.load_config(ConfigSource(None))
        return cfg

    # -- inputs ----------------------------------------------------------------------------------
    def parse(self, props: Mapping[str, Any]) -> ArgsT:
        return self.args_model.model_validate(user_inputs(props))  # type: ignore[return-value]

    def extra_checks(self, args: ArgsT) -> list[CheckFailure]:
        """Cross-field or config-dependent rules that pydantic alone can't express."""
        return []

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        _ = self.config  # a missing credential fails `pulumi preview`, with the command that fixes it
        inputs = user_inputs(news)
        unknown = {k for k, v in inputs.items() if contains_unknown(v)}
        known = {k: v for k, v in inputs.items() if k not in unknown}
        failures: list[CheckFailure] = []
        try:
            args = self.args_model.model_validate(known)
        except ValidationError as exc:
            for err in exc.errors():
                loc = tuple(err.get("loc", ()))
                if loc and str(loc[0]) in unknown:
                    continue  # will be validated once the value is known
                failures.append(CheckFailure(_field_of(loc),
                                             f"{self.resource_label}: {_field_of(loc)}: {err['msg']}"))
            failures.extend(self.ownership_failures(_olds, inputs, failures))
            return CheckResult(news, failures)
        # Valid inputs: a wrong or revoked credential fails here too (one read per process), before any lookup.
        self.verify_credentials()
        failures.extend(self.extra_checks(args))  # type: ignore[arg-type]
        failures.extend(self.ownership_failures(_olds, inputs, failures))
        normalized = args.model_dump(mode="json", exclude_none=False)
        result = {**{k: v for k, v in normalized.items() if k in inputs or v is not None}, **{
            k: inputs[k] for k in unknown}}
        result[PROVIDER_KEY] = news.get(PROVIDER_KEY)
        return CheckResult(result, failures)

    # -- ownership -------------------------------------------------------------------------------
    def find_existing(self, key: str) -> str | None:
        """Describe the vendor object that holds natural key ``key`` (read-only), or None when it is free."""
        return None

    def adopt_hint(self) -> str:
        return f"set {self.adopt_field}=True on this resource"

    def taken_message(self, key: str, existing: str) -> str:
        field = self.key_field
        return (f"{self.resource_label}: {field} {key!r} is already taken in {self.vendor} by {existing}, which this "
                "stack did not create (another stack, a person, or an interrupted run of this stack made it). "
                f"Nothing was changed. To manage that object from this stack on purpose, {self.adopt_hint()}. If "
                f"an interrupted `pulumi up` of this stack created it, recover it with `{RECOVERY_COMMAND}` "
                "(docs/recovery.md).")

    def ownership_failures(self, olds: Mapping[str, Any], inputs: Mapping[str, Any],
                           failures: list[CheckFailure]) -> list[CheckFailure]:
        """At preview, before any write: refuse a natural key that an object outside this stack holds."""
        field = self.key_field
        if field is None or (self.adopt_field is not None and inputs.get(self.adopt_field)):
            return []
        key = inputs.get(field)
        if not isinstance(key, str) or contains_unknown(key) or any(f.property == field for f in failures):
            return []
        if user_inputs(olds).get(field) == key:
            with _held_lock:
                _held_keys.add((self.resource_label, key))
            return []  # the stack already holds the object with this key
        with _held_lock:
            if (self.resource_label, key) in _held_keys:
                # A replacement: the engine checks the new resource again without olds, after the check above
                # saw this key in the stack's state during the same deployment (same provider process).
                return []
        existing = self.find_existing(key)
        return [] if existing is None else [CheckFailure(field, self.taken_message(key, existing))]

    def locate(self, inputs: Mapping[str, Any], held: set[str]) -> list[tuple[str, str]] | None:
        """(id, description) of each vendor object a create of ``inputs`` would have made, minus the ids in
        ``held`` (the stack's own); None when the vendor's API can't look such an object up. Read-only; used by
        ``audience_providers.recover`` for the creates an interrupted run left pending."""
        return None

    # -- diff ------------------------------------------------------------------------------------
    def comparable(self, field: str, props: Mapping[str, Any], *, state: bool) -> Any:
        """The value of ``field`` as it should be compared; ``state`` is True for the recorded outputs."""
        return props.get(field)

    def changed_fields(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
        changed = []
        for field in self.args_model.model_fields:
            if field in self.create_only_fields:
                continue
            new = news.get(field)
            if contains_unknown(new):
                changed.append(field)
            elif self.comparable(field, olds, state=True) != self.comparable(field, news, state=False):
                changed.append(field)
        return changed

    def replacement_fields(self, changed: list[str], olds: Mapping[str, Any],
                           news: Mapping[str, Any]) -> list[str]:
        return [f for f in changed if f in self.replace_fields]

    def delete_before_replace(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
        """True when old and new can't coexist (same natural key): delete first, then create."""
        return False

    def detailed_paths(self, field: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, str] | None:
        """Finer property paths (e.g. list items) for a changed ``field``, or None to report the field as a whole."""
        return None

    def detailed_diff(self, changed: list[str], replaces: list[str], olds: Mapping[str, Any],
                      news: Mapping[str, Any]) -> dict[str, str]:
        """What the engine shows for a change: exactly the changed inputs, nothing else.

        Without it the engine diffs whole property maps, so a replacement lists the outputs the vendor computed
        (ids, counts, timestamps) as removals and a list shows every shifted position as a change.
        """
        detailed: dict[str, str] = {}
        for field in changed:
            paths = self.detailed_paths(field, olds, news)
            if paths is None:
                old, new = olds.get(field), news.get(field)
                paths = {field: "add" if old is None else "delete" if new is None and not contains_unknown(new)
                         else "update"}
            for path, kind in paths.items():
                detailed[path] = f"{kind}-replace" if field in replaces else kind
        return detailed

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = self.changed_fields(olds, news)
        replaces = self.replacement_fields(changed, olds, news)
        result = DiffResult(
            changes=bool(changed),
            replaces=replaces,
            stables=[f for f in self.args_model.model_fields if f not in changed],
            delete_before_replace=bool(replaces) and self.delete_before_replace(olds, news),
        )
        # Read by tools/python-runtime/pulumi-dynamic-wide-server.py (the SDK's DiffResult has no such field).
        result.detailed_diff = self.detailed_diff(changed, replaces, olds, news)  # type: ignore[attr-defined]
        return result

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

    def create(self, props: dict[str, Any]) -> CreateResult:
        args = self.parse(props)
        id_, outs = self.create_resource(args)
        return CreateResult(id_, outs)

    def read_by_id(self, id_: str) -> dict[str, Any] | None:
        """Outputs of an object known only by its id (import or get): inputs the vendor can't report take their
        defaults, as if the program had left them unset."""
        if self.read_by_id_unsupported is not None:
            adopt = self.adopt_field or next((f for f in ("adopt", "adopt_id") if f in self.args_model.model_fields),
                                             None)
            how = (f"declare it with {adopt}= instead, which takes it over on the next `pulumi up`"
                   if adopt else "declare it in the program instead")
            raise InputError(f"{self.resource_label} {id_!r} can't be imported or read by id: "
                             f"{self.read_by_id_unsupported}. Remove the `import_` option (or the `.get` call) and "
                             f"{how} ({_docs_page(self.resource_label)}).")
        outs = self.read_resource(id_, {})
        if outs is None:
            return None
        for field, info in self.args_model.model_fields.items():
            if outs.get(field) is None and not info.is_required():
                outs[field] = info.get_default(call_default_factory=True)
        return outs

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        try:
            if any(v is not None for v in user_inputs(props).values()):
                outs = self.read_resource(id_, props)
            else:  # `import_=`/`pulumi import` (no props at all) or `Resource.get` (every prop None)
                outs = self.read_by_id(id_)
        except NotFound:
            outs = None
        if outs is None:
            return ReadResult(None, {})  # gone: refresh drops it from state
        return ReadResult(id_, outs, self.inputs_from_state(outs))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self.update_resource(id_, olds, self.parse(news)))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        try:
            self.delete_resource(id_, props)
        except NotFound:
            pass  # already gone is what we wanted


RT = TypeVar("RT", bound="ReadableResource")


class ReadableResource:
    """Mixin giving our dynamic resources Pulumi's ``get`` and making ``import_=`` find their provider.

    A class sets ``provider_class``; ``provider_for_type`` (the ``pulumi.dynamic_providers`` entry point, used by
    tools/python-runtime/pulumi-dynamic-wide-server.py) maps the engine's type token back to the provider, because
    an import's Read carries no serialized provider.
    """

    provider_class: ClassVar[type[VendorProvider[Any, Any]]]

    @classmethod
    def get(cls: type[RT], resource_name: str, id: pulumi.Input[str],
            opts: pulumi.ResourceOptions | None = None) -> RT:
        """Look up an existing vendor object by its id, read-only: the stack never changes or deletes it."""
        outputs = {name: None for klass in reversed(cls.__mro__) for name in getattr(klass, "__annotations__", {})
                   if klass.__module__.startswith(_ROOT_PACKAGE) and name != "provider_class"}
        resource = cls.__new__(cls)
        Resource.__init__(resource, cls.provider_class(), resource_name, outputs,  # type: ignore[arg-type]
                          pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id)))
        return resource


_ROOT_PACKAGE = __name__.split(".")[0]
DYNAMIC_TYPE_PREFIX = "pulumi-python:dynamic/"


def provider_for_type(type_token: str) -> ResourceProvider | None:
    """The provider of our resource type ``type_token`` (e.g. ``pulumi-python:dynamic/batch:Audience``), or None.

    A resource's type token is ``pulumi-python:dynamic/<resource_label>``, and the registry knows every provider
    by its label (importing just that vendor).
    """
    if not type_token.startswith(DYNAMIC_TYPE_PREFIX):
        return None
    try:
        cls = registry.provider_class(type_token[len(DYNAMIC_TYPE_PREFIX):])
    except registry.UnknownProvider:
        return None
    provider: ResourceProvider = cls()
    return provider
