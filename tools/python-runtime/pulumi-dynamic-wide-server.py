"""Serve the Pulumi SDK's dynamic-provider gRPC service from a wider thread pool.

The SDK's own launcher (`python -m pulumi.dynamic`) builds its gRPC server on a 4-thread pool. Every
Check/Diff/Create/Read/Update/Delete is one blocking call on one of those threads, and ours spend nearly all their
time waiting on a vendor's HTTP API, so the engine's `--parallel` (default 4 x CPUs) is silently capped at 4
resources in flight. This runs the very same SDK module — same servicer, same provider cache — and only hands
`grpc.server` a larger pool. Nothing else changes, so any dynamic provider (ours or not) behaves as before.

PULUMI_DYNAMIC_PROVIDER_WORKERS sets the pool size (default 32, 1..512).

It also lets a provider's `pulumi.log` messages reach the engine attributed to the resource being served (see
`attribute_logs_to_resources`); the SDK's launcher drops them to stderr, where the engine shows them on the Stack.

It also tells a provider which resource a call serves: packages that register a `contextvars.ContextVar` in the
`pulumi.dynamic_serving_urn` entry-point group find it set to the request's URN for the duration of each
per-resource call (`publish_serving_urn`), so a check can name another resource of the program (the SDK's
`ResourceProvider.check` gets only the properties).

It also lets the engine read a dynamic resource it knows only by type and id. The SDK finds a resource's provider
in its serialized `__provider` property, but the Read of `ResourceOptions(import_=...)` and `pulumi import` carries
no properties at all (engine 3.276, ImportStep.Apply), so the SDK fails with `KeyError: '__provider'`. For such a
Read the provider is asked of the packages that register a resolver in the `pulumi.dynamic_providers` entry-point
group (a callable from type token to provider instance, or None), serialized as the SDK serializes it in a program,
and handed to the SDK's own Read. A type no resolver knows gets a message saying so instead of the KeyError.

And it passes on a provider's detailed diff: the SDK's DiffResult has no field for one, so the engine diffs whole
property maps and shows computed outputs and shifted list positions as changes. A DiffResult carrying a
`detailed_diff` attribute ({property path: "add" | "delete" | "update", optionally "-replace"}) is answered with
exactly those paths; any other DiffResult gets the SDK's own answer.
"""

from __future__ import annotations

import contextvars
import os
import runpy
import sys
from collections.abc import Callable
from concurrent import futures
from typing import Any

import grpc  # type: ignore[import-untyped]  # grpcio ships no type stubs

DEFAULT_WORKERS = 32
PROVIDER_KEY = "__provider"
RESOLVER_GROUP = "pulumi.dynamic_providers"
# Entry points naming a ContextVar[str] that a per-resource call finds set to its resource's URN.
SERVING_GROUP = "pulumi.dynamic_serving_urn"
# Entry points `old = "new"`: a renamed package's old import name, for states that pickled it (see below).
ALIAS_GROUP = "pulumi.dynamic_module_aliases"


def worker_count() -> int:
    raw = os.environ.get("PULUMI_DYNAMIC_PROVIDER_WORKERS", "")
    if not raw:
        return DEFAULT_WORKERS
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= 512:
        sys.exit(f"PULUMI_DYNAMIC_PROVIDER_WORKERS={raw!r}: expected a whole number from 1 to 512")
    return value


# The URN of the resource whose Check/Diff/Create/Read/Update/Delete this thread is serving ("" outside one).
_SERVING: contextvars.ContextVar[str] = contextvars.ContextVar("dynamic_provider_serving_urn", default="")
_PER_RESOURCE_CALLS = ("Check", "Diff", "Create", "Read", "Update", "Delete")


def engine_address(argv: list[str]) -> str | None:
    """The engine's gRPC address: the last argument the engine starts a provider plugin with (after any flags)."""
    last = argv[-1] if len(argv) > 1 else ""
    return last if last and not last.startswith("-") and ":" in last else None


def attribute_logs_to_resources(address: str) -> None:
    """Send `pulumi.log` calls made while serving a resource to the engine, attributed to that resource.

    In a provider process the SDK has no engine connection (`get_provider` configures Settings without one), so
    `pulumi.log.info(...)` only prints to stderr and the engine shows it on the Stack. Every per-resource request
    carries its URN: each call records it for its thread, and `get_engine()` then answers with the engine's Log
    service, filling that URN into messages that name no resource. Ephemeral messages become the resource's status
    in the progress display; the others are listed under the resource in the diagnostics.
    """
    import grpc
    from pulumi.runtime import settings
    from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
    from pulumi.runtime.proto import engine_pb2_grpc

    stub: list[Any] = []

    class ResourceLog:
        def __init__(self, urn: str) -> None:
            self.urn = urn

        def Log(self, request: Any) -> None:  # noqa: N802 - the engine service's method name
            if not request.urn:
                request.urn = self.urn
            try:
                if not stub:
                    stub.append(engine_pb2_grpc.EngineStub(grpc.insecure_channel(address,
                                                                                 options=_GRPC_CHANNEL_OPTIONS)))
                stub[0].Log(request, timeout=10)
            except grpc.RpcError:
                pass  # a progress line must never fail the provider call that reports it

    sdk_get_engine = settings.get_engine

    def get_engine() -> Any:
        urn = _SERVING.get()
        return ResourceLog(urn) if urn else sdk_get_engine()

    settings.get_engine = get_engine
    name_served_resource([_SERVING])


def name_served_resource(variables: list[contextvars.ContextVar[str]]) -> None:
    """For the duration of each per-resource call, set each of ``variables`` to the URN of the resource served."""
    from pulumi.runtime.proto import provider_pb2_grpc

    def serving(method: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
        def call(request: Any, context: Any) -> Any:
            urn = getattr(request, "urn", "") or ""
            tokens = [(variable, variable.set(urn)) for variable in variables]
            try:
                return method(request, context)
            finally:
                for variable, token in reversed(tokens):
                    variable.reset(token)
        return call

    sdk_add = provider_pb2_grpc.add_ResourceProviderServicer_to_server

    def add_servicer(servicer: Any, server: Any) -> Any:
        for name in _PER_RESOURCE_CALLS:
            setattr(servicer, name, serving(getattr(servicer, name)))
        return sdk_add(servicer, server)

    provider_pb2_grpc.add_ResourceProviderServicer_to_server = add_servicer

def publish_serving_urn() -> None:
    """Set every ContextVar registered in ``SERVING_GROUP`` to the URN of the resource each call serves.

    Loaded once, at start; a package whose entry point fails to load is left out (its provider then learns no
    URN, as under the SDK's launcher) rather than failing every other dynamic provider in the process.
    """
    from importlib.metadata import entry_points

    published: list[contextvars.ContextVar[str]] = []
    for entry in sorted(entry_points(group=SERVING_GROUP), key=lambda e: e.name):
        try:
            variable = entry.load()
        except Exception as exc:  # noqa: BLE001 -- someone else's package: say so, serve on
            print(f"pulumi-dynamic-wide-server: entry point {entry.name!r} of {SERVING_GROUP}: {exc}", file=sys.stderr)
            continue
        if isinstance(variable, contextvars.ContextVar):
            published.append(variable)
    if published:
        name_served_resource(published)


def resolve_provider(type_token: str) -> Any:
    """The provider instance a registered resolver gives for ``type_token``, or None."""
    from importlib.metadata import entry_points

    for entry in sorted(entry_points(group=RESOLVER_GROUP), key=lambda e: e.name):
        provider = entry.load()(type_token)
        if provider is not None:
            return provider
    return None


def type_of(request: Any) -> str:
    # The type is the URN's third `::` part; a child's carries its parents' types first, `$`-separated.
    return str(getattr(request, "type", "") or request.urn.split("::")[2].split("$")[-1])


def supply_provider(read: Any) -> Any:
    """Wrap the servicer's Read so a Read without `__provider` (import) gets the provider of its type."""

    def wrapped(request: Any, context: Any) -> Any:
        if PROVIDER_KEY not in request.properties.fields and PROVIDER_KEY not in request.inputs.fields:
            token = type_of(request)
            try:
                provider = resolve_provider(token)
            except Exception as exc:  # noqa: BLE001 -- the resolver is someone else's code: report, don't crash
                context.abort(grpc.StatusCode.UNKNOWN, f"cannot find the provider of {token}: {exc}")
            if provider is None:
                context.abort(grpc.StatusCode.UNKNOWN,
                              f"{token} {request.id!r}: this dynamic resource can't be imported or read by id: no "
                              f"installed package registers its type in the '{RESOLVER_GROUP}' entry-point group, "
                              "and the engine sends no serialized provider for an import. Declare it in the program "
                              "instead (without import_=)")
            from pulumi.dynamic.dynamic import serialize_provider

            # As the program records it: the provider's own reference if it has one, else the SDK's pickle.
            own = getattr(provider, "serialized_reference", None)
            request.properties[PROVIDER_KEY] = own() if callable(own) else serialize_provider(provider)
        return read(request, context)

    return wrapped


def with_detailed_diff(sdk_diff: Any) -> Any:
    """The SDK servicer's Diff (3.272, __main__.py), answering also with the provider's detailed diff if any.

    Re-stated rather than wrapped because the SDK's Diff drops the DiffResult it gets; the changes, replaces and
    deleteBeforeReplace fields are filled exactly as the SDK fills them.
    """
    namespace = sdk_diff.__globals__  # the SDK module run as __main__
    rpc, proto, get_provider = namespace["rpc"], namespace["proto"], namespace["get_provider"]
    kinds = proto.PropertyDiff.Kind

    def diff(self: Any, request: Any, context: Any) -> Any:
        olds = rpc.deserialize_properties(request.olds, True)
        news = rpc.deserialize_properties(request.news, True)
        provider = get_provider(olds if news[PROVIDER_KEY] == rpc.UNKNOWN else news, self._config)
        result = provider.diff(request.id, olds, news)
        fields: dict[str, Any] = {}
        if result.changes is None:
            fields["changes"] = proto.DiffResponse.DIFF_UNKNOWN
        else:
            fields["changes"] = proto.DiffResponse.DIFF_SOME if result.changes else proto.DiffResponse.DIFF_NONE
        if result.replaces is not None:
            fields["replaces"] = result.replaces
        if result.delete_before_replace is not None:
            fields["deleteBeforeReplace"] = result.delete_before_replace
        detailed = getattr(result, "detailed_diff", None)
        if detailed is not None:
            fields["hasDetailedDiff"] = True
            fields["detailedDiff"] = {path: proto.PropertyDiff(kind=kinds.Value(kind.upper().replace("-", "_")))
                                      for path, kind in detailed.items()}
        return proto.DiffResponse(**fields)

    # The SDK's own error handling: a failure answers with its (shortened, see _core.dynamic) traceback.
    abort_with_traceback: Any = namespace["_abort_with_traceback"]
    return abort_with_traceback(diff)


class _MessageOnlyTraceback:
    """The `traceback` module as the SDK's server module sees it in this launcher: an exception that says it is
    meant for the user as its message (``message_only = True``, e.g. a provider's own error) is answered with that
    message; every other failure keeps its traceback."""

    def __getattr__(self, name: str) -> Any:
        import traceback

        return getattr(traceback, name)

    @staticmethod
    def format_exc(limit: int | None = None, chain: bool = True) -> str:
        import traceback

        exc = sys.exc_info()[1]
        if exc is not None and getattr(exc, "message_only", False):
            return str(exc)
        return traceback.format_exc(limit, chain)


def answer_message_only_errors() -> None:
    """Have the SDK's server module (run below as __main__) format failures with :class:`_MessageOnlyTraceback`.

    Only the name `traceback` inside that module changes, in this process, which serves dynamic providers and
    nothing else: the standard library's own function is untouched.
    """
    from pulumi.runtime.proto import provider_pb2_grpc

    add_servicer = provider_pb2_grpc.add_ResourceProviderServicer_to_server

    def add(servicer: Any, server: Any) -> Any:
        type(servicer).Check.__globals__["traceback"] = _MessageOnlyTraceback()
        return add_servicer(servicer, server)

    provider_pb2_grpc.add_ResourceProviderServicer_to_server = add


def install_module_aliases() -> None:
    """Imports of module names a package has renamed (entry-point group ``ALIAS_GROUP``, ``old = "new"``).

    A state written by an older release pickles its provider by module path; after the package renamed its
    import name, unpickling imports the old name. With the alias, ``old`` and ``old.x`` are the very modules
    ``new`` and ``new.x`` (one copy, same classes). A package really importable as ``old`` (a user's own
    ``providers/``, say) always wins: the alias applies only when nothing else provides the top-level name.
    """
    import importlib
    import importlib.abc
    import importlib.machinery
    import importlib.util
    from importlib.metadata import entry_points

    # Read before the finder is installed: reading entry points imports modules, which would ask the finder.
    aliases = {e.name: e.value for e in entry_points(group=ALIAS_GROUP)}
    if not aliases:
        return

    def target_of(head: str) -> str | None:
        return aliases.get(head)

    class AliasLoader(importlib.abc.Loader):
        def __init__(self, real: str) -> None:
            self.real = real

        def create_module(self, spec: Any) -> Any:
            return importlib.import_module(self.real)

        def exec_module(self, module: Any) -> None:
            pass  # executed already, under its real name

    class AliasFinder(importlib.abc.MetaPathFinder):
        def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
            head, dot, rest = name.partition(".")
            new = target_of(head)
            if new is None:
                return None
            if not dot:
                if importlib.machinery.PathFinder.find_spec(head) is not None:
                    return None  # a real package of that name exists here: it is the one meant
            elif sys.modules.get(head) is not sys.modules.get(new):
                return None  # the old name is a real package, not our alias: import its submodules normally
            real = new + dot + rest
            if importlib.util.find_spec(real) is None:
                return None
            return importlib.util.spec_from_loader(name, AliasLoader(real))

    # First on the path, so a submodule of the alias is never found again as a second copy by the path finder.
    sys.meta_path.insert(0, AliasFinder())


def freeze_startup_objects() -> None:
    """Import what the SDK's server module imports, then take every object alive so far out of the cyclic
    collector's scans (``gc.freeze``).

    Pulumi's SDK, gRPC and protobuf leave ~40,000 long-lived objects; each full collection walks all of them
    again, and the first ones fall on the provider's first calls, which the engine makes one at a time for
    `preview` (each Check, then Diff). Frozen objects are never freed, and these live as long as the process.
    Measured on the compass workload: `preview` of 100 resources, median of 7, 1.99 -> 1.88 s.
    """
    import gc

    import dill  # noqa: F401
    from pulumi import dynamic, runtime  # noqa: F401
    from pulumi.runtime import rpc  # noqa: F401
    from pulumi.runtime.proto import provider_pb2_grpc  # noqa: F401

    gc.freeze()


def main() -> None:
    install_module_aliases()
    address = engine_address(sys.argv)
    if address is not None:
        attribute_logs_to_resources(address)
    publish_serving_urn()
    workers = worker_count()
    make_server = grpc.server

    def wide_server(thread_pool: Any = None, *args: Any, **kwargs: Any) -> Any:
        if thread_pool is not None:
            thread_pool.shutdown(wait=False)
        pool = futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dynamic-provider")
        return make_server(pool, *args, **kwargs)

    grpc.server = wide_server

    from pulumi.runtime.proto import provider_pb2_grpc

    add_servicer = provider_pb2_grpc.add_ResourceProviderServicer_to_server

    # Installed last so it runs first: Diff is re-stated from the SDK class's method, and any wrapper installed
    # before this one (e.g. one that attributes logs to the resource) then wraps these instance attributes.
    def add_with_import_reads(servicer: Any, server: Any) -> Any:
        servicer.Read = supply_provider(servicer.Read)
        servicer.Diff = with_detailed_diff(type(servicer).Diff).__get__(servicer)
        return add_servicer(servicer, server)

    provider_pb2_grpc.add_ResourceProviderServicer_to_server = add_with_import_reads
    answer_message_only_errors()
    freeze_startup_objects()
    runpy.run_module("pulumi.dynamic", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
