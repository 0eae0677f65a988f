"""The Pulumi dynamic-provider adapter: a :class:`~._core.lifecycle.Lifecycle` served as ``pulumi.dynamic``.

A vendor declares, in its ``resource.py``, one :class:`DynamicProvider` subclass per lifecycle (``lifecycle =
StructureLifecycle``) and one Resource class. This module is everything Pulumi-specific about that: the provider
object the engine pickles into each resource's state (as a stable key, see ``_core/registry.py``), the SDK's
value types in and out (unknown values at preview become :data:`~._core.lifecycle.UNKNOWN`), the engine's
configuration, short errors, and progress lines delivered to the engine. Nothing here is vendor-specific.
"""

from __future__ import annotations

import base64
import importlib
import inspect
import os
import pickle
import pickletools
import sys
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.runtime import settings

from . import progress, registry, siblings, tenants
from .errors import ProviderError
from .vendors import DYNAMIC_TYPE_PREFIX, PROVIDER_KEY

if TYPE_CHECKING:
    from .lifecycle import Lifecycle

# What the program process needs of this module is the provider's pickled reference, the Resource mixin and
# placeholders: pulumi, and nothing of ours that pulls in pydantic or httpx. The lifecycle (and with it the
# models, the client and the HTTP stack) is imported when a provider first serves a call, which happens only in
# the provider process (issue #20: the fixed cost of every `pulumi` command starts with these imports).

__all__ = ["PROVIDER_KEY", "DynamicProvider", "LifecycleRef", "ReadableResource", "output_names", "placeholders",
           "provider_for_type"]

def compact_reference(provider: DynamicProvider) -> str:
    """``__provider`` as recorded in state: the pickled call ``audience_provider_ref.provider("<key>")``.

    The same call the SDK's `serialize_provider` pickles (``__reduce__``), encoded at pickle protocol 0 without
    memo opcodes: 72 base64 characters instead of the SDK's 96 (protocol 4 frames it, and memoizes each name).
    The state holds it twice per resource (inputs and outputs), and every checkpoint rewrites it. Any pickle
    protocol loads the same way (`dill.loads` in the SDK's provider process), so states written before read
    as they did; the next `up` records the short form among the inputs with no diff (a "same" step keeps the
    outputs until the resource next changes).
    """
    return base64.b64encode(pickletools.optimize(pickle.dumps(provider, protocol=0))).decode("ascii")


_logging_ready = threading.Lock()
_logging_done = False


def _engine_sink(level: progress.Level, text: str, *, ephemeral: bool) -> bool:
    """Progress lines to the engine: through the SDK's log calls where the process has an engine connection (our
    launcher gives it one, attributed to the resource being served), else through our own (Pulumi's launcher)."""
    if settings.get_engine() is not None:
        if level == "warning":
            pulumi.log.warn(text)
        else:
            pulumi.log.info(text, ephemeral=ephemeral)
        return True
    return _own_engine_log(level, text, ephemeral=ephemeral)


# Pulumi's dynamic-provider launcher (`python -m pulumi.dynamic`) configures the SDK without an engine connection,
# so `pulumi.log` there only prints to the plugin's stderr, which the engine doesn't show: long waits and retries
# were invisible. The engine starts every provider plugin with its address as the last argument; our providers
# then send their lines to the engine's Log service on a channel of their own (nothing of the SDK is changed).
_SDK_SERVER = os.path.join("pulumi", "dynamic", "__main__.py")
_own_log: list[Any] = []
_own_log_lock = threading.Lock()


def _engine_address(argv: list[str]) -> str | None:
    last = argv[-1] if len(argv) > 1 else ""
    return last if last and not last.startswith("-") and ":" in last else None


def _serving_urn() -> str:
    """The URN of the resource whose call this thread is serving, read from the SDK server's frame (its
    `request`): the line then shows on that resource's row. "" when it can't be found (the line goes to the stack)."""
    frame: Any = sys._getframe(1)
    for _ in range(80):
        if frame is None:
            break
        if frame.f_code.co_filename.endswith(_SDK_SERVER):
            urn = getattr(frame.f_locals.get("request"), "urn", "")
            return urn if isinstance(urn, str) else ""
        frame = frame.f_back
    return ""


def _own_engine_log(level: progress.Level, text: str, *, ephemeral: bool) -> bool:
    if not sys.argv or not sys.argv[0].endswith(_SDK_SERVER):
        return False  # not a provider process of Pulumi's launcher (a test, a script): the caller's fallback
    with _own_log_lock:
        if not _own_log:
            address = _engine_address(sys.argv)
            if address is None:
                return False
            import grpc  # type: ignore[import-untyped]  # grpcio ships no type stubs
            from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc

            _own_log.append((engine_pb2, engine_pb2_grpc.EngineStub(grpc.insecure_channel(address))))
    engine_pb2, stub = _own_log[0]
    severity = engine_pb2.WARNING if level == "warning" else engine_pb2.INFO
    try:
        stub.Log(engine_pb2.LogRequest(severity=severity, message=text, urn=_serving_urn(), ephemeral=ephemeral),
                 timeout=10)
    except Exception:  # noqa: BLE001 -- a progress line must never fail the call that reports it
        return False
    return True


_provider_side_ready = False


def _ready_to_serve() -> None:
    """Once per process, before the first call is served: what only the provider process needs."""
    global _provider_side_ready
    if _provider_side_ready:
        return
    from pulumi.output import Unknown

    from . import credentials
    from .util import register_unknown_type

    register_unknown_type(Unknown)  # how the SDK hands us values not known at preview
    credentials.READ_HOOKS.append(_read_credentials_ahead)
    # Progress lines go to the engine (here, in a provider process serving our dynamic resources; the plugin
    # adapter installs its own, so merely importing this module must not replace it).
    progress.install(_engine_sink)
    _provider_side_ready = True


class ProviderFailure(Exception):
    """A :class:`ProviderError` on its way out of a provider call, carrying only its message.

    The SDK's dynamic-provider server (3.272, `python -m pulumi.dynamic`) answers a failed call with
    ``traceback.format_exc()``. A ProviderError's message already names the resource's vendor, the operation, the
    status, the vendor's message and what to do; the frames below our provider method (tenacity, httpx, the
    lifecycle) only push it off the screen. So the provider methods re-raise it as this, from themselves, with no
    chained cause: the text the engine shows is the server's two frames, ours, and the message, which is the last
    line. Named ``error`` in the builtins namespace so that line reads ``error: <message>``, not a class path.
    ``AUDIENCE_PROVIDERS_LOG=debug`` lets the original through, with its whole traceback.

    Nothing of the SDK or the standard library is replaced (the SDK's launcher serves other programs' dynamic
    providers in the same process); our own launcher answers with the message alone
    (tools/python-runtime/pulumi-dynamic-wide-server.py).
    """


ProviderFailure.__module__, ProviderFailure.__qualname__ = "builtins", "error"
# Read by our launcher (tools/python-runtime/pulumi-dynamic-wide-server.py): answer with str(exc) alone.
ProviderFailure.message_only = True  # type: ignore[attr-defined]


def _debug() -> bool:
    """``AUDIENCE_PROVIDERS_LOG=debug``: our errors keep their whole traceback."""
    return os.environ.get("AUDIENCE_PROVIDERS_LOG", "").lower() == "debug"


def _failure(exc: Exception) -> ProviderFailure:
    """What a provider method raises, ``from None``, for ``exc`` (a ProviderError) it caught; in debug mode
    (``AUDIENCE_PROVIDERS_LOG=debug``) it re-raises ``exc`` itself, with its whole traceback."""
    if _debug():
        raise exc
    failure = ProviderFailure(str(exc))
    failure.provider_error = exc  # type: ignore[attr-defined]  # for tests
    return failure


def _setup_logging() -> None:
    """Send our request logs to stderr (the engine's plugin log) when AUDIENCE_PROVIDERS_LOG is set."""
    global _logging_done
    with _logging_ready:
        if _logging_done:
            return
        _logging_done = True
        # Inside a resource's call a line goes to the engine, listed under that resource.
        progress.log_requests_if_asked()


# The stack-config keys whose presence says a vendor is configured in this provider process.
_CREDENTIAL_KEYS = {"thrive": ("thrive:apiSecret", "thrive:clientSecret"), "sonarly": ("sonarly:apiKey",),
                    "unleashx": ("unleashx:token",), "batch": ("batch:apiKey",)}
_ahead_started: set[str] = set()
_ahead_lock = threading.Lock()
# The configuration this process's providers were given (the engine gives every provider of a process the same).
_ahead_config: list[Callable[[str], Any]] = []


def _read_credentials_ahead() -> None:
    """Start, together, the credential read of every vendor the configuration names (once per process).

    `preview` checks each vendor's credential once (Lifecycle.verify_credentials), at that vendor's first valid
    check, and the engine makes its checks one at a time: with four vendors that was four round trips in series
    before the plan could finish. The default provider's configuration is the whole stack config, so when the
    first check of any of our resources reads its credential, every other configured vendor's read starts too,
    each in a thread of its own; each vendor's first check then waits only for its own answer (the client's
    `once` keeps it, good or bad). A revoked key still fails that vendor's first check; invalid inputs, refresh and
    destroy read nothing for it; `<vendor>:skipCredentialsValidation` skips its read here too.
    """
    if not _ahead_config:
        return
    get = _ahead_config[0]
    vendors = [v for v, keys in _CREDENTIAL_KEYS.items() if any(get(k) for k in keys)]
    with _ahead_lock:
        vendors = [v for v in vendors if v not in _ahead_started]
        _ahead_started.update(vendors)
    for vendor in vendors:
        threading.Thread(target=_read_credential, args=(vendor, get), name=f"credentials-{vendor}",
                         daemon=True).start()


def _read_credential(vendor: str, get: Callable[[str], Any]) -> None:
    from .config import ConfigSource

    try:
        importlib.import_module(f"{_ROOT_PACKAGE}.{vendor}")
        key = next(k for k in registry.keys() if k.startswith(vendor + ":"))
        lifecycle = registry.provider_class(key).lifecycle()
        lifecycle.configure(ConfigSource(get))
        lifecycle.verify_credentials()
    except Exception:  # noqa: BLE001,S110 -- the vendor's own first check reads (or raises) the same, in its place
        pass


def _check_result(checked: Any, news: Mapping[str, Any]) -> CheckResult:
    inputs = dict(checked.inputs)
    inputs[PROVIDER_KEY] = news.get(PROVIDER_KEY)
    return CheckResult(inputs, [CheckFailure(f.property, f.reason) for f in checked.failures])


def _diff_result(diffed: Any) -> DiffResult:
    result = DiffResult(changes=diffed.changes, replaces=diffed.replaces, stables=diffed.stables,
                        delete_before_replace=diffed.delete_before_replace)
    # Read by tools/python-runtime/pulumi-dynamic-wide-server.py (the SDK's DiffResult has no such field).
    result.detailed_diff = diffed.detailed_diff  # type: ignore[attr-defined]
    return result


def _reference(label: str) -> tuple[Callable[[str], Any], tuple[str]]:
    # Pickled as the call audience_provider_ref.provider("<vendor>:<Resource>"): a stable key instead of the
    # module path, so states survive moved modules and a renamed package (see _core/registry.py). Nothing
    # of the instance goes in: configuration and clients are rebuilt in the provider process.
    import audience_provider_ref

    return audience_provider_ref.provider, (label,)


class LifecycleRef:
    """A provider class's lifecycle, named rather than imported: ``LifecycleRef("thrive:Structure", ".structure",
    "StructureLifecycle")``.

    The label is the provider's registry key and is known at once; the class (relative module, from the vendor
    package that declares the provider) is imported on first access, in the provider process.
    """

    def __init__(self, label: str, module: str, name: str) -> None:
        self.label, self.module, self.name = label, module, name
        self._package = ""
        self._resolved: type[Lifecycle[Any, Any]] | None = None

    def __set_name__(self, owner: type, attr: str) -> None:
        self._package = owner.__module__.rpartition(".")[0]

    def __get__(self, obj: object, owner: type | None = None) -> type[Lifecycle[Any, Any]]:
        resolved = self._resolved
        if resolved is None:
            resolved = getattr(importlib.import_module(self.module, self._package), self.name)
            if resolved.resource_label != self.label:
                raise TypeError(f"{self.module}.{self.name} serves {resolved.resource_label!r}, "
                                f"not {self.label!r} as its provider class says")
            self._resolved = resolved
        return resolved



# ReadResult's `inputs` (what a refresh records as the resource's inputs) came with SDK 3.272; older SDKs of the
# supported range (pyproject.toml) take id and outputs only, and a refresh there keeps the inputs it had.
_READ_RESULT_TAKES_INPUTS = "inputs" in inspect.signature(ReadResult.__init__).parameters


class DynamicProvider(ResourceProvider):
    """A lifecycle served as a ``pulumi.dynamic`` provider. Holds nothing when pickled (see ``__reduce__``).

    A subclass names its lifecycle with a :class:`LifecycleRef`; it registers under that reference's label.
    """

    lifecycle: ClassVar[LifecycleRef]
    # The provider object is pickled into every resource's state: it holds no secret, so don't encrypt it.
    serialize_as_secret_always = False

    # The lifecycle's label, on the class too (tests and tools read it from the class).
    resource_label: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        ref = vars(cls).get("lifecycle")
        if isinstance(ref, LifecycleRef):
            cls.resource_label = ref.label
            registry.register(ref.label, cls)

    def __init__(self, impl: Lifecycle[Any, Any] | None = None) -> None:
        """``impl`` given (tests): serve that lifecycle, configured as it is."""
        if impl is not None:  # else nothing is set, so a provider loaded from state holds nothing (`__dict__ == {}`)
            _ready_to_serve()
            self._impl = impl

    @property
    def impl(self) -> Lifecycle[Any, Any]:
        impl = getattr(self, "_impl", None)  # states pickled by class never ran __init__
        if impl is None:
            _ready_to_serve()
            impl = self._impl = self.lifecycle()
        return impl

    def __reduce__(self) -> tuple[Callable[[str], Any], tuple[str]]:
        return _reference(self.resource_label)

    def serialized_reference(self) -> str:
        """``__provider`` as our Resource classes record it; a launcher that must write one (an import's Read, in
        tools/python-runtime/pulumi-dynamic-wide-server.py) asks for this so the state matches the program's."""
        return compact_reference(self)

    def __setstate__(self, state: dict[str, Any]) -> None:
        # States written before the registry pickled the class by module path with an empty state; they still
        # load (tests/unit/test_provider_registry.py).
        self.__dict__.update(state)

    def configure(self, req: ConfigureRequest) -> None:
        from .config import ConfigSource

        _setup_logging()
        self.impl.configure(ConfigSource(req.config.get))  # keeps a configuration error for the first check
        _ahead_config.append(req.config.get)

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        # Which resource this check serves, for messages that name two resources of the program (siblings.py):
        # our launcher sets it; under Pulumi's own, it is read from the SDK server's request.
        token = siblings.SERVING_URN.set(siblings.SERVING_URN.get() or _serving_urn())
        try:
            checked = self.impl.check(_olds, news)
        except ProviderError as exc:
            # At check the engine has a place for a reason: a failure of the resource as a whole, shown as
            # "<type> resource '<name>' has a problem: <message>", with no traceback on any launcher.
            if _debug():
                raise
            inputs = dict(news)
            return CheckResult(inputs, [CheckFailure("", str(exc))])
        finally:
            siblings.SERVING_URN.reset(token)
        return _check_result(checked, news)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        try:
            return _diff_result(self.impl.diff(_id, olds, news))
        except ProviderError as exc:
            raise _failure(exc) from None

    def create(self, props: dict[str, Any]) -> CreateResult:
        try:
            created = self.impl.create(props)
        except ProviderError as exc:
            raise _failure(exc) from None
        return CreateResult(created.id, created.outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        try:
            read = self.impl.read(id_, props)
        except ProviderError as exc:
            raise _failure(exc) from None
        if _READ_RESULT_TAKES_INPUTS:
            return ReadResult(read.id, read.outs, read.inputs)
        return ReadResult(read.id, read.outs)

    def update(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> UpdateResult:
        try:
            return UpdateResult(self.impl.update(_id, _olds, _news).outs)
        except ProviderError as exc:
            raise _failure(exc) from None

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        try:
            self.impl.delete(_id, _props)
        except ProviderError as exc:
            raise _failure(exc) from None


_ROOT_PACKAGE = __name__.split(".")[0]
_outputs_of: dict[type, tuple[str, ...]] = {}


def output_names(resource_class: type) -> tuple[str, ...]:
    """The outputs a Resource class of this package declares: its annotations (``name: pulumi.Output[str]``).

    They are written out for type checkers anyway, and reading them costs no import; tests/unit/
    test_pulumi_idioms.py keeps them equal to the fields of each lifecycle's State model, which the provider
    returns.
    """
    names = _outputs_of.get(resource_class)
    if names is None:
        names = tuple(dict.fromkeys(
            name for klass in reversed(resource_class.__mro__) for name in vars(klass).get("__annotations__", {})
            if klass.__module__.startswith(_ROOT_PACKAGE) and name != "provider_class"))
        _outputs_of[resource_class] = names
    return names


def placeholders(resource_class: type, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """A Resource's properties: the declared ``inputs``, and None for every other output of ``resource_class``.

    The engine only resolves the outputs it was given a key for, so each output the provider returns must be
    named at registration.
    """
    return {**dict.fromkeys(output_names(resource_class)), **inputs}


RT = TypeVar("RT", bound="ReadableResource")


def _import_refusal(resource_class: type, label: str, name: str) -> str:
    """Why ``import_=`` is refused on our Python classes, and the ways that work.

    The engine's Read for an import carries no properties, so Pulumi's dynamic-provider launcher
    (`python -m pulumi.dynamic`, which finds a resource's provider in its `__provider` property) fails with
    `KeyError: '__provider'` (pulumi/pulumi#16175). Refused here, at preview, before anything is read or written.
    """
    vendor, _, kind = label.partition(":")
    outputs = output_names(resource_class)
    ways = []
    if "adopt" in outputs:
        ways.append("declare it with adopt=True to take the existing object over (its natural key finds it)")
    if "adopt_id" in outputs:
        ways.append("declare it with adopt_id=<id> to take the existing object over")
    ways.append(f"read it without managing it with {vendor}.{kind}.get({name!r}, <id>)")
    ways.append(f"import it by id through the {vendor} plugin: the type {vendor}:index:{kind}, as "
                f"`pulumi import {vendor}:index:{kind} {name} <id>` (docs/native-toolchain.md)")
    return (f"{label} {name!r}: `import_=` doesn't work on the Python class {vendor}.{kind}: Pulumi's dynamic-provider "
            f"launcher can't read a dynamic resource it knows only by id (pulumi/pulumi#16175). Nothing was read or "
            f"changed. Instead: " + "; or ".join(ways) + ".")


class ReadableResource:
    """Mixin of our dynamic resources: the tenant a resource belongs to (``<vendor>.Provider``, see ``tenants``),
    Pulumi's ``get``, and ``import_=`` found by type.

    A class sets ``provider_class``; ``provider_for_type`` (the ``pulumi.dynamic_providers`` entry point, used by
    tools/python-runtime/pulumi-dynamic-wide-server.py) maps the engine's type token back to the provider, because
    an import's Read carries no serialized provider.
    """

    provider_class: ClassVar[type[ResourceProvider]]

    def __init__(self, provider: DynamicProvider, name: str, props: dict[str, Any],
                 opts: pulumi.ResourceOptions | None = None) -> None:
        self._register(provider, name, props, opts)

    def _register(self, provider: DynamicProvider, name: str, props: dict[str, Any],
                  opts: pulumi.ResourceOptions | None) -> None:
        """What ``pulumi.dynamic.Resource.__init__`` does, with our provider recorded as its short reference.

        The generated classes call this from their ``__init__``, not ``super().__init__``: the SDK takes a
        resource's stack trace from the frames outside the third ``__init__`` it meets walking out from
        ``Resource.__init__`` (``Resource``, ``CustomResource``, then the concrete class's). A frame named
        ``__init__`` here would be that third one, and the trace would start at our class's constructor in
        site-packages: the resource's source position would point at this library, not at the program's line,
        and every checkpoint would carry that extra frame (~150 bytes per resource).

        The SDK's constructor pickles the provider with its own `serialize_provider` (96 characters for our
        reference, and a secret unless the provider says otherwise); ours holds nothing, so it is recorded as
        :func:`compact_reference` (72), and the resource registers as the SDK's would, under
        ``pulumi-python:<type>``. The provider a tenant's resources use is settled first (``tenants.resolve``).
        """
        opts = tenants.resolve(provider.resource_label, name, opts)
        if opts is not None and opts.import_ is not None:
            raise pulumi.RunError(_import_refusal(type(self), provider.resource_label, name))
        if PROVIDER_KEY in props:
            raise ValueError(f"{provider.resource_label} {name!r}: {PROVIDER_KEY} is reserved")
        props[PROVIDER_KEY] = compact_reference(provider)
        type_name = self._resource_type_name  # type: ignore[attr-defined]  # set by pulumi.dynamic.Resource
        pulumi.CustomResource.__init__(self, f"pulumi-python:{type_name}", name, props, opts)  # type: ignore[arg-type]

    @classmethod
    def get(cls: type[RT], resource_name: str, id: pulumi.Input[str],
            opts: pulumi.ResourceOptions | None = None) -> RT:
        """Look up an existing vendor object by its id, read-only: the stack never changes or deletes it."""
        resource = cls.__new__(cls)
        provider = cls.provider_class()
        ReadableResource.__init__(resource, provider, resource_name, placeholders(cls, {}),  # type: ignore[arg-type]
                                  pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id)))
        return resource


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


