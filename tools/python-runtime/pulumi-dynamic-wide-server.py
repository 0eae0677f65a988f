"""Serve the Pulumi SDK's dynamic-provider gRPC service from a wider thread pool.

The SDK's own launcher (`python -m pulumi.dynamic`) builds its gRPC server on a 4-thread pool. Every
Check/Diff/Create/Read/Update/Delete is one blocking call on one of those threads, and ours spend nearly all their
time waiting on a vendor's HTTP API, so the engine's `--parallel` (default 4 x CPUs) is silently capped at 4
resources in flight. This runs the very same SDK module — same servicer, same provider cache — and only hands
`grpc.server` a larger pool. Nothing else changes, so any dynamic provider (ours or not) behaves as before.

PULUMI_DYNAMIC_PROVIDER_WORKERS sets the pool size (default 32, 1..512).

It also lets a provider's `pulumi.log` messages reach the engine attributed to the resource being served (see
`attribute_logs_to_resources`); the SDK's launcher drops them to stderr, where the engine shows them on the Stack.
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
    from pulumi.runtime.proto import engine_pb2_grpc, provider_pb2_grpc

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

    def serving(method: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
        def call(request: Any, context: Any) -> Any:
            token = _SERVING.set(getattr(request, "urn", "") or "")
            try:
                return method(request, context)
            finally:
                _SERVING.reset(token)
        return call

    sdk_add = provider_pb2_grpc.add_ResourceProviderServicer_to_server

    def add_servicer(servicer: Any, server: Any) -> Any:
        for name in _PER_RESOURCE_CALLS:
            setattr(servicer, name, serving(getattr(servicer, name)))
        return sdk_add(servicer, server)

    provider_pb2_grpc.add_ResourceProviderServicer_to_server = add_servicer


def main() -> None:
    address = engine_address(sys.argv)
    if address is not None:
        attribute_logs_to_resources(address)
    workers = worker_count()
    make_server = grpc.server

    def wide_server(thread_pool: Any = None, *args: Any, **kwargs: Any) -> Any:
        if thread_pool is not None:
            thread_pool.shutdown(wait=False)
        pool = futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dynamic-provider")
        return make_server(pool, *args, **kwargs)

    grpc.server = wide_server
    runpy.run_module("pulumi.dynamic", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
