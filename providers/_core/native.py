"""The native-plugin adapter: a vendor's lifecycles served as a Pulumi provider plugin (``pulumi-resource-<vendor>``).

Where ``_core/dynamic.py`` serves one lifecycle per pickled dynamic provider, this serves every resource of one
vendor as a package (``thrive:index:Audience``) through the Python SDK's provider server
(``pulumi.provider.experimental``), so YAML and other languages can declare them, ``pulumi import`` works by id
and a stack can hold several explicit providers (tenants), each configured on its own. The lifecycles are the
same objects the dynamic path runs; this module only translates: ``PropertyValue`` maps to plain dicts
(camelCase names to the models' snake_case, computed values to :data:`~.lifecycle.UNKNOWN`, secrets unwrapped and
re-marked on the way out), records to the SDK's responses, and progress lines to the engine's log, attributed to
the resource being served.

The SDK's server is asynchronous; lifecycle calls are blocking (HTTP, waits), so each runs in a worker thread
and the engine's parallel steps run in parallel here too.

Start-up is on the engine's one-at-a-time path: the engine starts a plugin when the program first declares one of
its resources and waits for the plugin's port before it goes on (one plugin per vendor, one after another). So the
plugin prints its port as soon as the SDK's server is listening, and only then imports what the vendor's
resources need (pydantic, httpx, the lifecycles and models; ``load``), in a thread, while the engine starts the next
plugin; the modules this one imports at the top are the SDK's and ``_core``'s light ones (tests/unit/
test_native_schema.py keeps it so). The first call that needs the vendor waits for that import, or does it.
"""

from __future__ import annotations

import asyncio
import contextvars
import gc
import importlib
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

import grpc  # type: ignore[import-untyped]
from pulumi.provider.experimental import provider as sdk
from pulumi.provider.experimental import server as sdk_server
from pulumi.provider.experimental.property_value import Computed, PropertyValue
from pulumi.runtime import rpc
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, provider_pb2, provider_pb2_grpc

from .. import __version__
from . import config_keys, progress, registry, siblings, vendors
from .errors import InputError, ProviderError
from .util import camel

if TYPE_CHECKING:
    from .config import ConfigSource, Setting
    from .lifecycle import Lifecycle

T = TypeVar("T")

def _product(package: str) -> str:
    return vendors.vendor(package).product if package in vendors.KEYS else package


# How many lifecycle calls run at once: the engine's default parallelism is unbounded, our clients pool 32.
WORKERS = 32

# The URN of the resource whose call is being served: progress lines go to it, and the lifecycles' checks know
# which resource of the program declares what (siblings.py).
_serving = siblings.SERVING_URN


# -- values ------------------------------------------------------------------------------------------------------
# The wire form of a value not known at preview: the SDK's own marker, which the lifecycles' UNKNOWN equals
# (tests/unit/test_native_schema.py); taken from the SDK so that this module needs no lifecycle (pydantic) import.
UNKNOWN: str = rpc.UNKNOWN


def plain(value: PropertyValue) -> Any:
    """A PropertyValue as the lifecycles take values (numbers that are whole become ints, as pydantic expects)."""
    inner = value.value
    if isinstance(inner, Computed):
        return UNKNOWN
    if isinstance(inner, Mapping):
        return {k: plain(v) for k, v in inner.items()}
    if isinstance(inner, tuple):
        return [plain(v) for v in inner]
    if isinstance(inner, float) and inner.is_integer():
        return int(inner)
    return inner


def wire(value: Any, *, secret: bool = False) -> PropertyValue:
    if value == UNKNOWN:
        # The wire form of an unknown value; the SDK (3.272) can't marshal its own PropertyValue.computed().
        return PropertyValue(UNKNOWN)
    if isinstance(value, Mapping):
        out = PropertyValue({str(k): wire(v) for k, v in value.items()})
    elif isinstance(value, (list, tuple)):
        out = PropertyValue([wire(v) for v in value])
    elif isinstance(value, bool) or value is None or isinstance(value, str):
        out = PropertyValue(value)
    elif isinstance(value, (int, float)):
        out = PropertyValue(float(value))
    else:
        out = PropertyValue(str(value))
    return out.with_secret(True) if secret else out


def to_model(props: Mapping[str, PropertyValue]) -> dict[str, Any]:
    """Top-level names camelCase -> the models' snake_case; values plain."""
    from .schema import snake

    return {snake(k): plain(v) for k, v in props.items()}


def to_wire(props: Mapping[str, Any], secrets: frozenset[str] = frozenset()) -> dict[str, PropertyValue]:
    return {camel(k): wire(v, secret=k in secrets) for k, v in props.items()}


def state_wire(props: Mapping[str, Any]) -> dict[str, PropertyValue]:
    """What a resource's state records: ``to_wire`` without the unset (None) top-level values.

    A null is as good as a missing key to every reader (the lifecycles use ``.get``, the SDKs resolve an absent
    output as null), and the dynamic path never records them (the Python SDK drops None properties), so unset
    optional inputs (``adoptId``, ``maxDelay``, ``prospectUrls``, ...) cost no state on either path.
    """
    return to_wire({k: v for k, v in props.items() if v is not None})


def _path(path: str) -> str:
    """``members.inline[3]`` -> the same path with its first segment camelCased."""
    head, sep, rest = path.partition(".")
    bracket = head.find("[")
    if bracket > 0:
        return camel(head[:bracket]) + head[bracket:] + sep + rest
    return camel(head) + sep + rest


# Each vendor's config keys: what `check_config` accepts before the vendor's modules are imported (generated from
# the declared settings by scripts/gen).
CONFIG_KEYS = config_keys.CONFIG_KEYS

_KINDS = {"add": sdk.PropertyDiffKind.ADD, "add-replace": sdk.PropertyDiffKind.ADD_REPLACE,
          "delete": sdk.PropertyDiffKind.DELETE, "delete-replace": sdk.PropertyDiffKind.DELETE_REPLACE,
          "update": sdk.PropertyDiffKind.UPDATE, "update-replace": sdk.PropertyDiffKind.UPDATE_REPLACE}


# -- the provider --------------------------------------------------------------------------------------------------
def vendor_settings(vendor: str) -> list[Setting]:
    """Every ``Setting`` the vendor declares in its config module, in declaration order."""
    from .config import declared_settings

    return declared_settings(f"{__package__.rsplit('.', 1)[0]}.{vendor}")


def vendor_lifecycles(vendor: str) -> list[type[Lifecycle[Any, Any]]]:
    importlib.import_module(f"{__package__.rsplit('.', 1)[0]}.{vendor}")
    out = []
    for key in registry.keys():
        if key.startswith(vendor + ":"):
            cls = registry.provider_class(key)
            out.append(getattr(cls, "lifecycle", cls))
    return out


class NativeProvider(sdk.Provider):
    """One vendor's resources as a provider package; one instance per configured provider (tenant)."""

    def __init__(self, package: str, lifecycles: Sequence[type[Lifecycle[Any, Any]]] | None = None,
                 settings: Iterable[Setting] | None = None, *, version: str = __version__) -> None:
        """``lifecycles`` and ``settings`` left out: the vendor ``package``'s own, imported by :meth:`load` (the
        plugin process: after its port is printed) or at the first call that needs them."""
        self.package = package
        self.version = version
        self._given = (None if lifecycles is None else list(lifecycles), None if settings is None else list(settings))
        self._loaded: tuple[dict[str, type[Lifecycle[Any, Any]]], list[Setting]] | None = None
        self._loading = threading.Lock()
        self._config: dict[str, Any] | None = None  # what Configure gave (None: not configured)
        self._source: ConfigSource | None = None  # built from it when a lifecycle first needs it
        self._instances: dict[str, Lifecycle[Any, Any]] = {}
        self._executor: ThreadPoolExecutor | None = None

    def load(self) -> None:
        """Import the vendor's lifecycles and settings (once; any thread)."""
        if self._loaded is not None:
            return
        with self._loading:
            if self._loaded is not None:
                return
            from .schema import token

            lifecycles, settings = self._given
            lifecycles = vendor_lifecycles(self.package) if lifecycles is None else lifecycles
            settings = vendor_settings(self.package) if settings is None else settings
            self._loaded = ({token(self.package, lc.resource_label): lc for lc in lifecycles}, settings)

    @property
    def types(self) -> dict[str, type[Lifecycle[Any, Any]]]:
        """Resource token -> lifecycle class."""
        self.load()
        assert self._loaded is not None
        return self._loaded[0]

    @property
    def settings(self) -> list[Setting]:
        self.load()
        assert self._loaded is not None
        return self._loaded[1]

    @cached_property
    def schema(self) -> dict[str, Any]:
        """The package schema, built from the models once per provider object (the engine asks for it only when a
        program or `pulumi package get-schema` needs it, never in a plain preview)."""
        from .schema import package_schema

        types = self.types
        return package_schema(self.package, self.version, list(types.values()), self.settings,
                              display_name=_product(self.package),
                              description=f"Audiences of {_product(self.package)} as Pulumi resources")

    @cached_property
    def _schema_text(self) -> str:
        return json.dumps(self.schema)

    # -- plumbing ----------------------------------------------------------------------------------------------
    def lifecycle(self, urn_type: str) -> Lifecycle[Any, Any]:
        instance = self._instances.get(urn_type)
        if instance is None:
            cls = self.types.get(urn_type)
            if cls is None:
                raise ProviderError(f"{self.package} has no resource type {urn_type!r}; it has "
                                    f"{', '.join(sorted(self.types))}")
            instance = cls()
            if self._source is None:  # the first lifecycle since Configure
                from .config import ConfigSource

                self._source = ConfigSource(self._config)
            instance.configure(self._source)
            self._instances[urn_type] = instance
        return instance

    async def run(self, urn: str, call: Callable[..., T], *args: Any) -> T:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix=f"{self.package}-provider")
        context = contextvars.copy_context()
        context.run(_serving.set, urn)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: context.run(call, *args))

    def _secret_outputs(self) -> frozenset[str]:
        return frozenset()  # no resource input or output is a credential; secrets live in provider config

    # -- provider config -----------------------------------------------------------------------------------------
    async def get_schema(self, request: sdk.GetSchemaRequest) -> sdk.GetSchemaResponse:
        return sdk.GetSchemaResponse(schema=self._schema_text)

    async def check_config(self, request: sdk.CheckRequest) -> sdk.CheckResponse:
        """An unknown setting fails, named with the closest known one (stack config of the default provider, or
        an explicit provider's inputs); ``__`` keys are the engine's own (so are ``version`` and
        ``pluginDownloadURL``, which ``unknown_settings`` lets pass).

        The engine calls this right after the plugin has started, and waits: names that are all in
        :data:`CONFIG_KEYS` pass without the vendor's modules (still importing in the background); any other
        name is judged by the vendor's declared settings, as always."""
        names = [k for k in request.new_inputs if not k.startswith("__")]
        if all(n in CONFIG_KEYS.get(self.package, ()) for n in names):
            return sdk.CheckResponse(inputs=dict(request.new_inputs), failures=[])
        from .config import ConfigSource, known_keys, unknown_settings

        known = known_keys(self.package, self.settings)
        problem = unknown_settings(ConfigSource({f"{self.package}:{k}": None for k in names}), self.package, known)
        failures = [] if problem is None else [sdk.CheckFailure("", str(problem))]
        return sdk.CheckResponse(inputs=dict(request.new_inputs), failures=failures)

    async def diff_config(self, request: sdk.DiffRequest) -> sdk.DiffResponse:
        olds = {k: plain(v) for k, v in request.old_state.items()}
        news = {k: plain(v) for k, v in request.new_inputs.items()}
        changed = sorted(k for k in set(olds) | set(news) if olds.get(k) != news.get(k) and not k.startswith("__"))
        # The SDK's DiffConfig (3.272) passes `changes` to the protocol as is, where it is an enum (1 none,
        # 2 some): a bool True would read as "no changes", and a new credential would never be configured.
        changes: Any = provider_pb2.DiffResponse.DIFF_SOME if changed else provider_pb2.DiffResponse.DIFF_NONE
        return sdk.DiffResponse(changes=changes, diffs=changed)

    async def configure(self, request: sdk.ConfigureRequest) -> sdk.ConfigureResponse:
        """Keeps the values; a lifecycle reads them at its first call. The engine waits for this answer before it
        goes on (to start the next plugin), so nothing here waits for the vendor's modules."""
        values: dict[str, Any] = {}
        prefix = f"{self.package}:config:"
        for key, value in request.variables.items():  # stack config of the default provider: "thrive:config:x"
            if key.startswith(prefix):
                values[f"{self.package}:{key[len(prefix):]}"] = value
        for key, prop in request.args.items():  # an explicit provider's inputs (or the default's, by name)
            value = plain(prop)
            if value is not None and value != UNKNOWN and not key.startswith("__"):
                values[f"{self.package}:{key}"] = value if isinstance(value, str) else json.dumps(value)
        self._config, self._source = values, None
        self._instances.clear()
        return sdk.ConfigureResponse(accept_secrets=True, supports_preview=False)

    # -- resources -----------------------------------------------------------------------------------------------
    async def check(self, request: sdk.CheckRequest) -> sdk.CheckResponse:
        lifecycle = self.lifecycle(request.type)
        news = to_model(request.new_inputs)
        if lifecycle.declared_schemas:
            try:
                news = await self.run(request.urn, lifecycle.from_declared, news)
            except InputError as exc:  # a declared value of the wrong shape: a failure on its field, like any other
                return sdk.CheckResponse(inputs=dict(request.new_inputs),
                                         failures=[sdk.CheckFailure(camel(exc.field or ""), str(exc))])
        checked = await self.run(request.urn, lifecycle.check, to_model(request.old_inputs), news)
        return sdk.CheckResponse(inputs=to_wire(checked.inputs),
                                 failures=[sdk.CheckFailure(_path(f.property), f.reason) for f in checked.failures])

    async def diff(self, request: sdk.DiffRequest) -> sdk.DiffResponse:
        lifecycle = self.lifecycle(request.type)
        diffed = await self.run(request.urn, lifecycle.diff, request.resource_id, to_model(request.old_state),
                                to_model(request.new_inputs))
        return sdk.DiffResponse(
            changes=diffed.changes,
            replaces=[camel(f) for f in diffed.replaces],
            stables=[camel(f) for f in diffed.stables],
            delete_before_replace=diffed.delete_before_replace,
            detailed_diff={_path(p): sdk.PropertyDiff(_KINDS[k], True) for p, k in diffed.detailed_diff.items()},
        )

    async def create(self, request: sdk.CreateRequest) -> sdk.CreateResponse:
        lifecycle = self.lifecycle(request.type)
        created = await self.run(request.urn, lifecycle.create, to_model(request.properties))
        return sdk.CreateResponse(resource_id=created.id, properties=state_wire(created.outs))

    async def read(self, request: sdk.ReadRequest) -> sdk.ReadResponse:
        lifecycle = self.lifecycle(request.type)
        read = await self.run(request.urn, lifecycle.read, request.resource_id, to_model(request.properties))
        if read.id is None:
            return sdk.ReadResponse(resource_id=None)
        return sdk.ReadResponse(resource_id=read.id, properties=state_wire(read.outs),
                                inputs=state_wire(read.inputs or {}))

    async def update(self, request: sdk.UpdateRequest) -> sdk.UpdateResponse:
        lifecycle = self.lifecycle(request.type)
        updated = await self.run(request.urn, lifecycle.update, request.resource_id, to_model(request.olds),
                                 to_model(request.news))
        return sdk.UpdateResponse(properties=state_wire(updated.outs))

    async def delete(self, request: sdk.DeleteRequest) -> None:
        lifecycle = self.lifecycle(request.type)
        await self.run(request.urn, lifecycle.delete, request.resource_id, to_model(request.properties))


# -- the plugin process ------------------------------------------------------------------------------------------
class _EngineLog:
    """progress lines to the engine's Log RPC, on the resource whose call is being served."""

    def __init__(self, address: str) -> None:
        self._stub = engine_pb2_grpc.EngineStub(grpc.insecure_channel(address))

    def __call__(self, level: progress.Level, text: str, *, ephemeral: bool) -> bool:
        severity = engine_pb2.WARNING if level == "warning" else engine_pb2.INFO
        self._stub.Log(engine_pb2.LogRequest(severity=severity, message=text, urn=_serving.get(),
                                             ephemeral=ephemeral))
        return True


def _ours(exc: BaseException | None) -> ProviderError | None:
    """The error of ours behind ``exc``: the SDK's server re-raises every failure as a new ``Exception`` carrying
    the message and the stack (``_raise_with_traceback``), with the original as its context."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, ProviderError):
            return exc
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


def _answering_with_message(method: Callable[..., Any]) -> Callable[..., Any]:
    """An RPC of the SDK's servicer that answers our errors with their message alone.

    Left to the SDK, an error reached the user as ``Unexpected <class 'Exception'>: <message>:`` followed by the
    Python stack (gRPC's wording for an exception it did not expect); a :class:`ProviderError` already names the
    vendor, the operation, the status, the vendor's words and what to do. Anything else keeps the SDK's answer,
    and ``AUDIENCE_PROVIDERS_LOG=debug`` brings the stack back for ours too.
    """

    async def call(self: Any, request: Any, context: Any) -> Any:
        try:
            return await method(self, request, context)
        except Exception as exc:
            ours = _ours(exc)
            if ours is None or os.environ.get("AUDIENCE_PROVIDERS_LOG", "").lower() == "debug":
                raise
            await context.abort(grpc.StatusCode.UNKNOWN, str(ours))
            raise  # abort() raises; this line is never reached

    return call


def _servicer_answering_with_messages() -> type[sdk_server.ProviderServicer]:
    """The SDK's provider servicer with every RPC wrapped by :func:`_answering_with_message` (a subclass: the SDK's
    own class is left as it is)."""
    base = sdk_server.ProviderServicer
    rpcs = [name for name in vars(provider_pb2_grpc.ResourceProviderServicer) if not name.startswith("_")]
    wrapped = {name: _answering_with_message(getattr(base, name))
               for name in rpcs if asyncio.iscoroutinefunction(getattr(base, name))}
    return type("ProviderServicer", (base,), wrapped)


def _load(provider: NativeProvider) -> None:
    """The vendor's modules, imported without the garbage collector's passes over the objects imports create (they
    all live as long as the process), and the TLS context every client shares; then those objects are left out of
    every later collection (``gc.freeze``, as the dynamic-provider launcher does for its own start-up objects).
    This process is the plugin's own."""
    gc.disable()
    try:
        provider.load()
        from .http import tls_context

        tls_context()  # the process's one TLS context (~20 ms of CA bundle), built here and not in the first check
    finally:
        gc.enable()
        gc.freeze()


async def _serve(args: list[str], provider: NativeProvider, engine: str) -> None:
    """What the SDK's ``server.main`` does (a gRPC server on a free local port, the port on stdout), with our
    servicer, the vendor's modules imported once the port is out, and a quiet stop when the engine is done.

    The engine ends a plugin with SIGINT (SIGKILL a while later) and waits for it to exit; left to the SDK's
    ``main``, the interrupt broke out of ``asyncio.run`` with the server still running, and the plugin printed two
    tracebacks per process into the engine's log while it wound down. Here the signal stops the server (calls in
    flight are cancelled, as before; their lifecycle threads finish before the process exits, as before).
    """
    options: list[tuple[str, int]] | None = None  # gRPC's defaults, if an SDK of the range lacks the name below
    try:  # the SDK server's own limits (message sizes); a private name of the SDK, read, never changed
        from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS

        options = list(_GRPC_CHANNEL_OPTIONS)
    except ImportError:
        pass

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):  # before the port is out: the engine may stop us at once
        loop.add_signal_handler(signum, stop.set)
    server = grpc.aio.server(options=options)
    servicer = _servicer_answering_with_messages()(args, provider.version, provider, engine_address=engine)
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
    port = server.add_insecure_port(address="127.0.0.1:0")
    await server.start()
    sys.stdout.buffer.write(f"{port}\n".encode())
    sys.stdout.buffer.flush()
    # The engine goes on to its next step (often: starting the next vendor's plugin) while this one imports.
    threading.Thread(target=_load, args=(provider,), name=f"{provider.package}-load", daemon=True).start()
    await stop.wait()
    await server.stop(None)
    if provider._executor is not None:  # calls in flight finish (their vendor writes are not cut in half)
        await loop.run_in_executor(None, provider._executor.shutdown)


def serve(vendor: str, argv: Sequence[str] | None = None) -> None:
    """Run the plugin for ``vendor`` (the engine starts it with its own address as the first argument)."""
    args = list(sys.argv[1:] if argv is None else argv)
    engine = next((a for a in args if not a.startswith("-")), None)
    if engine is None:
        raise SystemExit(f"pulumi-resource-{vendor}: the engine starts this plugin with its address as the first "
                         "argument")
    provider = NativeProvider(vendor)
    progress.install(_EngineLog(engine))
    progress.log_requests_if_asked()
    asyncio.run(_serve(args, provider, engine))
    # Served and stopped, every call finished: exit now. The engine stops its plugins one after another and waits
    # for each to exit; the interpreter's own wind-down (collecting every module's objects, gRPC's shutdown) took
    # 60-150 ms per plugin there, for nothing this process still has to do. Only buffered output is left.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def thrive() -> None:
    serve("thrive")


def sonarly() -> None:
    serve("sonarly")


def unleashx() -> None:
    serve("unleashx")


def batch() -> None:
    serve("batch")
