"""What tools/python-runtime and providers/_core/source_positions change, seen through the real engine.

- The dynamic-provider launcher serves the SDK's servicer from a wide thread pool: with `--parallel 16` the vendor
  sees more than 4 creates in flight at once; the SDK's own pool size (PULUMI_DYNAMIC_PROVIDER_WORKERS=4) is the
  control that shows the measure can tell the difference.
- The state keeps only the program's frames: source positions name the program line, no runtime paths.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from .fleet import configure, configure_vendor, destroy_and_check

if TYPE_CHECKING:
    from tests.conftest import Emulators

    from .conftest import MakeStack, Stack

pytestmark = pytest.mark.e2e

COUNT = 20
LATENCY_MS = 400  # long enough that creates issued together overlap on any machine


def most_in_flight(log: list[dict[str, Any]], method: str) -> int:
    """Largest number of `method` requests the emulator was serving at the same moment."""
    edges: list[tuple[float, int]] = []
    for entry in log:
        if entry["method"] == method and isinstance(entry.get("ms"), (int, float)):
            edges += [(entry["t"], 1), (entry["t"] + entry["ms"] / 1000, -1)]
    current = peak = 0
    for _, step in sorted(edges):
        current += step
        peak = max(peak, current)
    return peak


@pytest.mark.parametrize("workers,wide", [(None, True), ("4", False)], ids=["launcher-default", "sdk-pool-size"])
def test_up__provider_serves_more_than_four_calls_at_once(make_stack: MakeStack, emulator: Emulators,
                                                          workers: str | None, wide: bool) -> None:
    live = emulator("thrive")
    stack = make_stack("fleet")
    configure(stack, live, "thrive", count=COUNT, prefix="wide")
    if workers is not None:
        stack.env["PULUMI_DYNAMIC_PROVIDER_WORKERS"] = workers
    live.configure(latency_ms=LATENCY_MS)
    live.clear_requests()
    stack.up("--parallel", "16")
    peak = most_in_flight(live.requests(), "POST")
    assert (peak > 4) if wide else (peak <= 4), f"peak creates in flight: {peak}"
    live.configure(latency_ms=0)
    destroy_and_check(stack, live)


def _declared_at_program_lines(stack: Stack, count: int) -> list[dict[str, Any]]:
    """The stack's ``count`` Thrive resources, each with the program's line as its source position."""
    resources = json.loads(stack.export())["deployment"]["resources"]
    ours = [r for r in resources if r["type"].startswith("pulumi-python:dynamic/thrive:")]
    assert len(ours) == count
    for res in ours:
        assert res["sourcePosition"].startswith("project:///__main__.py#"), res["sourcePosition"]
    return ours


def test_up__state_names_the_program_line_and_no_runtime_paths(make_stack: MakeStack, emulator: Emulators) -> None:
    live = emulator("thrive")
    stack = make_stack("fleet")
    configure(stack, live, "thrive", count=3, prefix="src")
    stack.config("tuning", "true")  # the opt-in of providers/tuning.py
    stack.up()
    ours = _declared_at_program_lines(stack, 3)
    for res in ours:
        assert "stackTrace" not in res, res  # declared at the top level: one frame, recorded once as the position
    text = json.dumps(ours)  # the Stack resource itself keeps the SDK's trace: not ours to change
    for leak in ("site-packages", "pulumi-language-python-exec", "asyncio", "providers/thrive"):
        assert leak not in text
    destroy_and_check(stack, live)


def test_up__without_tuning_the_source_position_is_still_the_program_line(make_stack: MakeStack,
                                                                          emulator: Emulators) -> None:
    # On the SDK's defaults (no tuning.install()): the SDK records the whole stack, but it starts at the program's
    # line, not at our class's constructor (ReadableResource._register), so no frame of this library is kept.
    live = emulator("thrive")
    stack = make_stack("fleet")
    configure(stack, live, "thrive", count=2, prefix="pos")
    stack.up()
    ours = _declared_at_program_lines(stack, 2)
    for res in ours:
        assert res["stackTrace"][0]["sourcePosition"] == res["sourcePosition"], res
    assert "providers/thrive" not in json.dumps(ours) and "audience_providers/thrive" not in json.dumps(ours)
    destroy_and_check(stack, live)


@pytest.mark.parametrize("tuning,env,frozen", [(True, {}, True), (False, {}, False),
                                               (True, {"AUDIENCE_PROVIDERS_GC_FREEZE": "0"}, False)],
                         ids=["opted-in", "import-alone", "opted-in-turned-off"])
def test_program__start_up_objects_frozen_only_when_the_program_opts_in(make_stack: MakeStack, tuning: bool,
                                                                         env: dict[str, str], frozen: bool) -> None:
    # providers/_core/program_gc.py through providers/tuning.py: a program that calls tuning.install() takes what
    # the process loaded so far out of the collector's scans; importing the package alone, or the variable, leaves
    # the collector as it is (the duals).
    stack = make_stack("runtime_probe")
    stack.env.update(env)
    if tuning:
        stack.config("tuning", "true")
    stack.up()
    outputs = stack.outputs()
    assert outputs["frozen_before_import"] == 0 and outputs["frozen_after_import"] == 0, outputs
    assert (outputs["frozen_after_tuning"] > 10_000) if frozen else (outputs["frozen_after_tuning"] == 0), outputs
    # Our dynamic-provider launcher (this toolchain's, not Pulumi's) freezes the SDK's start-up objects in its own
    # process before it serves, whatever the program does.
    assert outputs["provider_frozen"] > 10_000, outputs
    stack.destroy()


def test_up__one_program_frame_recorded_once_several_as_a_trace(make_stack: MakeStack, emulator: Emulators) -> None:
    live = emulator("thrive")
    stack = make_stack("runtime_probe")
    configure_vendor(stack, live, "thrive")
    stack.config("declare", "true")
    stack.config("tuning", "true")
    stack.up()
    lines = (stack.dir / "__main__.py").read_text().splitlines()
    at = {marker: f"project:///__main__.py#{i}" for i, line in enumerate(lines, start=1)
          for marker in ("line of the helper's frame", 'team("nested")', 'thrive.Structure("top"') if marker in line}
    resources = {r["urn"].rsplit("::", 1)[-1]: r for r in json.loads(stack.export())["deployment"]["resources"]}
    top, nested = resources["top"], resources["nested"]
    # One program frame: the engine records it as the source position only (the trace would repeat it).
    assert top["sourcePosition"] == at['thrive.Structure("top"'] and "stackTrace" not in top, top
    # Through a helper (the dual): the trace keeps both program frames, innermost first, as before.
    assert nested["sourcePosition"] == at["line of the helper's frame"], nested
    assert [f["sourcePosition"] for f in nested["stackTrace"]] == [at["line of the helper's frame"],
                                                                  at['team("nested")']], nested
    destroy_and_check(stack, live)
