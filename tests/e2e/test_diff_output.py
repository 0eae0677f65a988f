"""What `preview --diff` / `up --diff` show, through the real CLI (issue #16 point 11): the changed inputs only.

The provider answers with a detailed diff (passed on by tools/python-runtime/pulumi-dynamic-wide-server.py), so a
replacement doesn't list the vendor's computed outputs as removals and an inline member list diffs as a set.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import Emulators, LiveEmulator

from .conftest import MakeStack, Stack
from .fleet import destroy_and_check
from .test_batch import APIKEY_CANARY, PROJECT

pytestmark = pytest.mark.e2e


def _stack(make_stack: MakeStack, emulator: Emulators) -> tuple[LiveEmulator, Stack]:
    live = emulator("batch")
    live.seed({"credentials": [{"api_key": APIKEY_CANARY, "project_key": PROJECT}]})
    live.configure(indexing_seconds=0.05)
    stack = make_stack("batch_inline")
    stack.config("batch:baseUrl", live.base_url)
    stack.config("batch:projectKey", PROJECT)
    stack.config("batch:apiKey", APIKEY_CANARY, secret=True)
    stack.config("name", "e2e_diff")
    stack.config("displayName", "VIP")
    stack.config("members", json.dumps(["u1", "u2", "u3"]))
    stack.up()
    return live, stack


def _ids(text: str, sign: str) -> list[str]:
    # An id without attributes is recorded as a plain string: `+ [0]: "u0"`.
    return re.findall(rf"^\s*{re.escape(sign)} \[\d+\]: \"([^\"]+)\"", text, re.M)


def test_preview_diff__inline_members_diff_as_a_set(make_stack: MakeStack, emulator: Emulators) -> None:
    live, stack = _stack(make_stack, emulator)
    stack.config("members", json.dumps(["u0", "u1", "u3"]))  # u0 in, u2 out; u1 and u3 stay (at other positions)
    text = stack.preview("--diff").stdout
    assert _ids(text, "+") == ["u0"] and _ids(text, "-") == ["u2"], text
    assert "u1" not in text and "u3" not in text, text  # kept ids are not shown as changed positions
    stack.config("members", json.dumps(["u3", "u1", "u2"]))  # same set, other order: no change at all
    assert "~ 1 to update" not in stack.preview("--diff").stdout
    destroy_and_check(stack, live)


@pytest.mark.parametrize(("key", "value", "shown"), [
    ("name", "e2e_other", r'name\s*: "e2e_diff" => "e2e_other"'),  # create the new one, then delete the old
    ("displayName", "Other", r'display_name\s*: "VIP" => "Other"'),  # create-only at Batch: delete first
])
def test_diff__replacement_shows_changed_inputs_not_outputs(make_stack: MakeStack, emulator: Emulators,
                                                            key: str, value: str, shown: str) -> None:
    live, stack = _stack(make_stack, emulator)
    stack.config(key, value)
    preview = stack.preview("--diff").stdout
    # `up --diff` then adds an `--outputs:--` section, the engine's own: for a delete-before-replace replacement it
    # shows the replace event between the delete and the create, so every old output reads as removed there
    # (pulumi 3.276 backend/display/object_diff.go); only the resource's diff itself is ours to keep clean.
    up = stack.up("--diff").stdout.split("--outputs:--")[0]
    for text in (preview, up):
        assert re.search(shown, text), text
        for output in ("nb_ids", "adopted"):
            assert not re.search(rf"^\s*- {output}\b", text, re.M), text  # vendor-computed, not a removal
        assert "u2" not in text, text  # unchanged inputs are not listed
    destroy_and_check(stack, live)
    assert live.objects("audiences") == {}


def test_upgrade__inline_ids_recorded_as_objects_by_earlier_versions_change_nothing(make_stack: MakeStack,
                                                                                   emulator: Emulators) -> None:
    # Earlier versions recorded each id as {"id": ...}; this one records a plain string. A stack written before
    # must read as the same list: no change at preview, no write at up, and a real change still diffs as a set.
    live, stack = _stack(make_stack, emulator)
    state = json.loads(stack.export())
    (audience,) = [r for r in state["deployment"]["resources"] if r["type"].endswith("batch:Audience")]
    for part in ("inputs", "outputs"):
        assert audience[part]["members"]["inline"] == ["u1", "u2", "u3"]  # this version's form
        audience[part]["members"]["inline"] = [{"id": i} for i in ("u1", "u2", "u3")]
    (stack.dir / "old.json").write_text(json.dumps(state))
    stack.run("stack", "import", "--file", "old.json")

    live.clear_requests()
    stack.preview("--expect-no-changes")
    out = stack.up("--expect-no-changes")
    assert [r for r in live.requests() if r["method"] != "GET"] == [], out.stdout
    stack.config("members", json.dumps(["u1", "u3", "u4"]))
    text = stack.preview("--diff").stdout
    assert _ids(text, "+") == ["u4"] and "u1" not in text and "u3" not in text, text
    assert re.search(r'^\s*- \[1\]: \{\s*$', text, re.M) and re.search(r'- id\s*: "u2"', text), text
    stack.up()
    assert live.objects("audiences")["e2e_diff"]["ids"] == ["u1", "u3", "u4"]
    destroy_and_check(stack, live)
