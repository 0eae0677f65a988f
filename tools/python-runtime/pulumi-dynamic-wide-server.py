"""Serve the Pulumi SDK's dynamic-provider gRPC service from a wider thread pool.

The SDK's own launcher (`python -m pulumi.dynamic`) builds its gRPC server on a 4-thread pool. Every
Check/Diff/Create/Read/Update/Delete is one blocking call on one of those threads, and ours spend nearly all their
time waiting on a vendor's HTTP API, so the engine's `--parallel` (default 4 x CPUs) is silently capped at 4
resources in flight. This runs the very same SDK module — same servicer, same provider cache — and only hands
`grpc.server` a larger pool. Nothing else changes, so any dynamic provider (ours or not) behaves as before.

PULUMI_DYNAMIC_PROVIDER_WORKERS sets the pool size (default 32, 1..512).
"""

from __future__ import annotations

import os
import runpy
import sys
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


def main() -> None:
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
