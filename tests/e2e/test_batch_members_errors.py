"""A broken Batch member file through the real CLI: one line naming resource, file and line; no traceback."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from .test_batch import _stack

if TYPE_CHECKING:
    from tests.conftest import Emulators

    from .conftest import MakeStack

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("ids.jsonl", '{"id": "u1"}\n\nnot json\n', "line 3: not valid JSON (Expecting value at column 1)"),
    ("ids.txt", "u1\n# c\nu2\n u1 \n", "line 4: id 'u1' is listed twice (first at line 1)"),
])
def test_preview__broken_member_file_names_resource_file_and_line(make_stack: MakeStack, emulator: Emulators,
                                                                  name: str, text: str, expected: str) -> None:
    live, stack = _stack(make_stack, emulator)
    (stack.dir / name).write_text(text)
    stack.config("name", "e2e_vip")
    stack.config("membersFile", name)
    live.clear_requests()
    out = stack.preview(check=False)
    output = out.stdout + out.stderr
    assert out.returncode != 0
    assert f"batch:Audience 'aud': members file '{name}': {expected}" in output, output
    assert "Traceback" not in output and "JSONDecodeError" not in output
    assert live.requests() == []  # before any API call
