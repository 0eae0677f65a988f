"""Send the engine only the program's own frames as the stack trace of our resources.

For every resource the Pulumi SDK sends the whole Python stack of the constructor call, and the engine keeps it in
the state: our resource class first, then the program, then the language host's shim, the SDK's runtime and
asyncio — a dozen frames, about 1.2 KB per resource, with machine paths such as the Python install and the
toolchain cache. The state is rewritten after every step, so that weight is paid N times per `up`, and the
resource's source position points at our library rather than at the line of the program that declared it.

`install()` wraps the SDK's stack-trace function so that, for resources declared through this package, the trace
starts at the first frame outside it and stops at the first frame outside the project (the language host runs the
program from the project directory) or inside the Python installation. Any other resource keeps the SDK's trace,
and so does ours if no program frame is left.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def _uri_prefix(path: str | Path) -> str:
    return Path(path).resolve().as_uri().rstrip("/") + "/"


def _runtime_prefixes() -> tuple[str, ...]:
    paths: set[str] = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    paths.update(str(p) for p in sysconfig.get_paths().values())
    return tuple(sorted({_uri_prefix(p) for p in paths}))


def program_frames(frames: Iterable[Any], *, package: str, project: str, runtime: tuple[str, ...]) -> list[Any]:
    """The frames (topmost first, each with `.pc.uri`) between the package's own frames and the first non-program one.

    Returns [] unless the topmost frame belongs to `package`; all arguments are `file://` URI prefixes ending in "/".
    """
    frames = list(frames)
    if not frames or not frames[0].pc.uri.startswith(package):
        return []
    kept: list[Any] = []
    for frame in frames:
        uri = frame.pc.uri
        if uri.startswith(package) and not kept:
            continue
        if not uri.startswith(project) or uri.startswith(runtime) or uri.startswith(package):
            break
        kept.append(frame)
    return kept


def install() -> None:
    """Wrap `pulumi.runtime.resource._get_stack_trace` once per process (idempotent)."""
    from pulumi.runtime import resource as sdk_resource
    from pulumi.runtime.proto import source_pb2

    current: Callable[[], Any] = sdk_resource._get_stack_trace
    if getattr(current, "_audience_program_frames", False):
        return
    package, runtime = _uri_prefix(_PACKAGE_DIR), _runtime_prefixes()

    def stack_trace() -> Any:
        full = current()
        kept = program_frames(full.frames, package=package, project=_uri_prefix(os.getcwd()), runtime=runtime)
        return source_pb2.StackTrace(frames=kept) if kept else full

    stack_trace._audience_program_frames = True  # type: ignore[attr-defined]
    sdk_resource._get_stack_trace = stack_trace
