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
"""

from __future__ import annotations

import asyncio
import contextvars
import importlib
import json
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import grpc  # type: ignore[import-untyped]
from pulumi.provider.experimental import provider as sdk
from pulumi.provider.experimental import server as sdk_server
from pulumi.provider.experimental.property_value import Computed, PropertyValue
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, provider_pb2, provider_pb2_grpc

from .. import __version__
from . import progress, registry, siblings, vendors
from .config import ConfigSource, Setting, declared_settings, known_keys, unknown_settings
from .errors import InputError, ProviderError
from .lifecycle import UNKNOWN, Lifecycle
from .schema import package_schema, snake, token
from .util import camel

T = TypeVar("T")

def _product(package: str) -> str:
    return vendors.vendor(package).product if package in vendors.KEYS else package


# How many lifecycle calls run at once: the engine's default parallelism is unbounded, our clients pool 32.
WORKERS = 32

# The URN of the resource whose call is being served: progress lines go to it, and the lifecycles' checks know
# which resource of the program declares what (siblings.py).
_serving = siblings.SERVING_URN


# -- values ------------------------------------------------------------------------------------------------------
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


_KINDS = {"add": sdk.PropertyDiffKind.ADD, "add-replace": sdk.PropertyDiffKind.ADD_REPLACE,
          "delete": sdk.PropertyDiffKind.DELETE, "delete-replace": sdk.PropertyDiffKind.DELETE_REPLACE,
          "update": sdk.PropertyDiffKind.UPDATE, "update-replace": sdk.PropertyDiffKind.UPDATE_REPLACE}


# -- the provider --------------------------------------------------------------------------------------------------
def vendor_settings(vendor: str) -> list[Setting]:
    """Every ``Setting`` the vendor declares in its config module, in declaration order."""
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

    def __init__(self, package: str, lifecycles: Sequence[type[Lifecycle[Any, Any]]], settings: Iterable[Setting],
                 *, version: str = __version__) -> None:
        self.package = package
        self.version = version
        self.settings = list(settings)
        self.types = {token(package, lc.resource_label): lc for lc in lifecycles}
        self.schema = package_schema(package, version, lifecycles, self.settings,
                                     display_name=_product(package),
                                     description=f"Audiences of {_product(package)} as Pulumi resources")
        self._source = ConfigSource(None)
        self._instances: dict[str, Lifecycle[Any, Any]] = {}
        self._executor: ThreadPoolExecutor | None = None

    # -- plumbing ----------------------------------------------------------------------------------------------
    def lifecycle(self, urn_type: str) -> Lifecycle[Any, Any]:
        instance = self._instances.get(urn_type)
        if instance is None:
            cls = self.types.get(urn_type)
            if cls is None:
                raise ProviderError(f"{self.package} has no resource type {urn_type!r}; it has "
                                    f"{', '.join(sorted(self.types))}")
            instance = cls()
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
        return sdk.GetSchemaResponse(schema=json.dumps(self.schema))

    async def check_config(self, request: sdk.CheckRequest) -> sdk.CheckResponse:
        """An unknown setting fails, named with the closest known one (stack config of the default provider, or
        an explicit provider's inputs); ``__`` keys are the engine's own (so are ``version`` and
        ``pluginDownloadURL``, which ``unknown_settings`` lets pass)."""
        known = known_keys(self.package, self.settings)
        names = [k for k in request.new_inputs if not k.startswith("__")]
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
        values: dict[str, Any] = {}
        prefix = f"{self.package}:config:"
        for key, value in request.variables.items():  # stack config of the default provider: "thrive:config:x"
            if key.startswith(prefix):
                values[f"{self.package}:{key[len(prefix):]}"] = value
        for key, prop in request.args.items():  # an explicit provider's inputs (or the default's, by name)
            value = plain(prop)
            if value is not None and value != UNKNOWN and not key.startswith("__"):
                values[f"{self.package}:{key}"] = value if isinstance(value, str) else json.dumps(value)
        self._source = ConfigSource(values)
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
    """The SDK's provider servicer with every RPC wrapped by :func:`_answering_with_message`."""
    base = sdk_server.ProviderServicer
    rpcs = [name for name in vars(provider_pb2_grpc.ResourceProviderServicer) if not name.startswith("_")]
    wrapped = {name: _answering_with_message(getattr(base, name))
               for name in rpcs if asyncio.iscoroutinefunction(getattr(base, name))}
    return type("ProviderServicer", (base,), wrapped)


def serve(vendor: str, argv: Sequence[str] | None = None) -> None:
    """Run the plugin for ``vendor`` (the engine starts it with its own address as the first argument)."""
    args = list(sys.argv[1:] if argv is None else argv)
    engine = next((a for a in args if not a.startswith("-")), None)
    provider = NativeProvider(vendor, vendor_lifecycles(vendor), vendor_settings(vendor))
    # After the vendor's modules are imported: importing the dynamic adapter (every vendor's resource module does)
    # installs its own sink, which has no engine in this process, and progress lines then went to stderr only.
    if engine:
        progress.install(_EngineLog(engine))
    progress.log_requests_if_asked()
    # main() builds its servicer by this name when it runs; this process serves only our provider.
    sdk_server.ProviderServicer = _servicer_answering_with_messages()  # type: ignore[misc]
    sdk_server.main(args, provider.version, provider)


def thrive() -> None:
    serve("thrive")


def sonarly() -> None:
    serve("sonarly")


def unleashx() -> None:
    serve("unleashx")


def batch() -> None:
    serve("batch")
