"""Through the real engine: states refer to providers by stable key, and states written by module path still work.

A stack written before the registry holds ``__provider`` blobs naming ``providers.<vendor>.resource.<Class>``.
The test makes such a state from a fresh one (every blob re-pickled the old way, `pulumi stack import`), then
previews, refreshes, updates and destroys it.
"""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dill
import pytest

from tests.unit.test_provider_registry import globals_in, old_style_blob

from .fleet import configure_vendor, destroy_and_check

if TYPE_CHECKING:
    from emulators.admin import Admin
    from tests.conftest import Emulators

    from .conftest import MakeStack, Stack

pytestmark = pytest.mark.e2e


def blobs(export: str) -> list[tuple[str, bytes]]:
    found = []
    for res in json.loads(export)["deployment"]["resources"]:
        for part in ("inputs", "outputs"):
            blob = res.get(part, {}).get("__provider")
            if blob:
                found.append((f"{res['urn'].rsplit('::', 1)[-1]} {part}", base64.b64decode(blob)))
    return found


def _thrive_tree_up(make_stack: MakeStack, emulator: Emulators) -> tuple[Admin, Stack]:
    live = emulator("thrive")
    stack = make_stack("thrive_tree")
    configure_vendor(stack, live, "thrive")
    stack.up()
    return live, stack


def _reimport_with(stack: Stack, tmp_path: Path, encode: Callable[[Any], str]) -> None:
    """Re-record every ``__provider`` of the stack's state with ``encode(provider)``, as an older version wrote it."""
    state: dict[str, Any] = json.loads(stack.export())
    for res in state["deployment"]["resources"]:
        for part in ("inputs", "outputs"):
            props = res.get(part, {})
            if props.get("__provider"):
                props["__provider"] = encode(dill.loads(base64.b64decode(props["__provider"])))
    old_file = tmp_path / "old-state.json"
    old_file.write_text(json.dumps(state))
    stack.run("stack", "import", "--file", str(old_file), "--stack", stack.name)


def test_state__provider_reference_is_the_stable_key(make_stack: MakeStack, emulator: Emulators) -> None:
    live, stack = _thrive_tree_up(make_stack, emulator)
    found = blobs(stack.export())
    assert len(found) == 10  # 5 resources, inputs and outputs
    for where, raw in found:
        assert globals_in(raw) == ["audience_provider_ref provider"], where
        # The short form (pickle protocol 0, no memo): the key as one line, then the call.
        assert raw.endswith((b"(Vthrive:Structure\ntR.", b"(Vthrive:Audience\ntR.")), (where, raw)
    sizes = sorted({len(base64.b64encode(raw)) for _, raw in found})
    assert sizes == [72], sizes  # thrive:Audience and thrive:Structure alike (base64 pads to 3 bytes)
    print(f"__provider in stack export (base64 chars): {sizes}", file=sys.stderr)
    destroy_and_check(stack, live)


def test_state__written_with_module_paths_previews_refreshes_updates_destroys(make_stack: MakeStack,
                                                                              emulator: Emulators,
                                                                              tmp_path: Path) -> None:
    live, stack = _thrive_tree_up(make_stack, emulator)

    _reimport_with(stack, tmp_path, lambda provider: base64.b64encode(old_style_blob(provider)).decode())
    imported = blobs(stack.export())
    assert len(imported) == 10
    assert all(globals_in(raw)[-1].startswith("providers.thrive.resource ") for _, raw in imported)
    old_sizes = sorted({len(base64.b64encode(raw)) for _, raw in imported})
    print(f"__provider by module path (base64 chars): {old_sizes}", file=sys.stderr)

    stack.preview("--expect-no-changes")
    stack.refresh()
    stack.config("name1", "Team one")  # an update of a1: diff and update read the program's (new) reference
    stack.up()
    assert {a["name"] for a in live.objects("audiences").values()} >= {"Team one"}
    after_up = dict(blobs(stack.export()))
    print("after up: " + ", ".join(f"{w}={globals_in(raw)[-1]}" for w, raw in sorted(after_up.items())),
          file=sys.stderr)
    destroy_and_check(stack, live)  # deletes read the recorded outputs, module-path references among them
    assert live.objects("audiences") == {}


def test_state__written_with_the_sdks_longer_reference_changes_nothing_and_records_the_short_one(
        make_stack: MakeStack, emulator: Emulators, tmp_path: Path) -> None:
    # Earlier versions recorded the SDK's own encoding of the same call (protocol 4, 96 characters here). Such a
    # state previews with no change and no write; its next `up` records the short form among the inputs.
    from pulumi.dynamic import dynamic as sdk_dynamic

    sdk_serialize = sdk_dynamic.serialize_provider  # the SDK's own (our package leaves it as it is)
    live, stack = _thrive_tree_up(make_stack, emulator)
    _reimport_with(stack, tmp_path, sdk_serialize)
    assert sorted({len(base64.b64encode(raw)) for _, raw in blobs(stack.export())}) == [96]

    live.clear_requests()
    stack.preview("--expect-no-changes")
    stack.up("--expect-no-changes")
    assert [r for r in live.requests() if r["method"] != "GET"] == []
    # A "same" step records the program's inputs and keeps the outputs: both forms load alike.
    after = {where: len(base64.b64encode(raw)) for where, raw in blobs(stack.export())}
    assert {n for w, n in after.items() if w.endswith(" inputs")} == {72}, after
    assert {n for w, n in after.items() if w.endswith(" outputs")} == {96}, after
    stack.refresh()
    destroy_and_check(stack, live)  # deletes read the recorded outputs: the SDK's form still loads
