"""Send the engine only the program's own frames as the stack trace of our resources.

For every resource the Pulumi SDK sends the whole Python stack of the constructor call, and the engine keeps it in
the state: the program's frames first, then the language host's shim, the SDK's runtime and
asyncio — a dozen frames, about 1.2 KB per resource, with machine paths such as the Python install and the
toolchain cache. The state is rewritten after every step, so that weight is paid N times per `up`. (The trace
starts at the program's line even without this: our classes register from a frame the SDK's walk skips, see
``ReadableResource._register``.)

`install()` wraps the SDK's stack-trace function so that, for resources declared through this package, the trace
starts at the first frame outside it and stops at the first frame outside the project (the language host runs the
program from the project directory) or inside the Python installation. Any other resource keeps the SDK's trace,
and so does ours if no program frame is left. It walks the frames itself rather than trimming the SDK's
`traceback.extract_stack()`, which reads the source line of every frame: that was ~5% of the program's CPU in a
500-resource preview (bench/README.md, "Where the CPU goes").

A trace of one frame (a resource declared at the program's top level, the common case) says nothing that the
resource's source position, which the SDK takes from the trace's first frame, doesn't: the engine would record the
same line twice (`sourcePosition`, and `stackTrace: [{sourcePosition}]`, ~55 bytes per resource in every
checkpoint). Such a trace is sent empty, and the SDK's source-position function (wrapped too) answers that empty
trace with the frame.
"""

from __future__ import annotations

import os
import sys
import sysconfig
import threading
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


def _uri_of(filename: str, cache: dict[str, str]) -> str:
    uri = cache.get(filename)
    if uri is None:
        try:
            uri = Path(filename).as_uri()  # as the SDK spells a frame's position (`_get_source_position_for_frame`)
        except ValueError:  # a relative or synthetic name (`<string>`): no position, as in the SDK
            uri = ""
        cache[filename] = uri
    return uri


def outward_positions(frame: Any, cache: dict[str, str]) -> Iterable[tuple[str, int]]:
    """(uri, line) of ``frame`` and each caller, innermost first: what `traceback.extract_stack` would list,
    without reading every file's source line (the SDK's way costs ~0.6 ms per resource)."""
    while frame is not None:
        yield _uri_of(frame.f_code.co_filename, cache), frame.f_lineno
        frame = frame.f_back


def program_positions(positions: Iterable[tuple[str, int]], *, sdk: str, package: str | tuple[str, ...],
                      project: str, runtime: tuple[str, ...]) -> list[tuple[str, int]] | None:
    """The program's (uri, line) pairs of a resource declared through ``package`` (a URI prefix, or several),
    innermost first; None otherwise.

    ``positions`` start inside the SDK (its stack-trace call): past the SDK's frames the next must be ours (the
    Resource class), else this is someone else's resource and None leaves it to the SDK. Kept: the frames after
    ours up to the first that is outside the project, inside the Python installation or ours again.
    """
    kept: list[tuple[str, int]] = []
    ours_seen = False
    for uri, line in positions:
        if not ours_seen:
            if uri.startswith(sdk):
                continue
            if not uri.startswith(package):
                return None
            ours_seen = True
        if uri.startswith(package) and not kept:
            continue
        if not uri.startswith(project) or uri.startswith(runtime) or uri.startswith(package):
            break
        kept.append((uri, line))
    return kept if ours_seen else None


# URI prefixes of the packages whose Resource classes get program-only traces: ours, plus any `install(dir)` named
# (the benchmark's SDK floor, bench/sdk_floor.py, declares its resources the same way).
_packages: tuple[str, ...] = ()


def install(package_dir: Path = _PACKAGE_DIR) -> None:
    """Wrap `pulumi.runtime.resource._get_stack_trace` once per process (idempotent), for resources declared
    through ``package_dir`` (this package by default)."""
    global _packages
    from pulumi.runtime import resource as sdk_resource
    from pulumi.runtime.proto import source_pb2

    if _uri_prefix(package_dir) not in _packages:
        _packages = (*_packages, _uri_prefix(package_dir))
    current: Callable[[], Any] = sdk_resource._get_stack_trace
    if getattr(current, "_audience_program_frames", False):
        return
    current_position: Callable[[Any], Any] = sdk_resource._get_source_position
    runtime = _runtime_prefixes()
    sdk = Path(sdk_resource.__file__).parent.parent.as_uri() + "/"  # .../site-packages/pulumi/, as frames name it
    uris: dict[str, str] = {}
    # The one frame of the last trace sent empty, with that trace's identity: the SDK asks for the source position
    # of the very object it just got (`register_resource`, `read_resource`), on the same thread.
    pending = threading.local()

    def stack_trace() -> Any:
        pending.value = None
        kept = program_positions(outward_positions(sys._getframe(1), uris), sdk=sdk, package=_packages,
                                 project=_uri_prefix(os.getcwd()), runtime=runtime)
        if not kept:
            return current()
        frames = [source_pb2.SourcePosition(uri=uri, line=line) for uri, line in kept]
        if len(frames) == 1:
            empty = source_pb2.StackTrace()
            pending.value = (id(empty), frames[0])
            return empty
        return source_pb2.StackTrace(frames=[source_pb2.StackFrame(pc=pc) for pc in frames])

    def source_position(stack: Any) -> Any:
        held = getattr(pending, "value", None)
        if held is not None and held[0] == id(stack) and not stack.frames:
            pending.value = None
            return held[1]
        return current_position(stack)

    stack_trace._audience_program_frames = True  # type: ignore[attr-defined]
    sdk_resource._get_stack_trace = stack_trace
    sdk_resource._get_source_position = source_position
