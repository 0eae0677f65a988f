"""The files `audience-providers discover` writes, from an inventory (providers/_core/discovery.py): no network."""

from __future__ import annotations

import ast
import json
from typing import Any

from audience_providers._core.discovery import (
    Found,
    Inventory,
    Names,
    Progress,
    Ref,
    Skipped,
    import_file,
    python_program,
    summary,
)
from tests.discover_tenant import call_kwargs, program_calls


def _tree() -> Inventory:
    inv = Inventory("thrive")
    inv.found = [
        Found("thrive:Structure", "thrive-outside", "s0", None, None, comment="read only"),
        Found("thrive:Structure", "thrive-eng", "s1", {"name": "Eng \"core\"", "reference": "eng", "adopt": True},
              "s1"),
        Found("thrive:Audience", "thrive-eng-backend", "a1",
              {"name": "Backend", "reference": "eng-backend", "parent": Ref("thrive-eng"), "adopt": True}, "a1"),
        Found("thrive:Audience", "thrive-class", "a2",
              {"name": "Ünïcode", "reference": "class", "parent": Ref("thrive-outside"), "adopt": True}, "a2"),
        Found("thrive:AudienceMembers", "thrive-eng-backend-members", "a1/members",
              {"audience": Ref("thrive-eng-backend"), "members": [f"user{i}@example.com" for i in range(40)]},
              "a1/members"),
    ]
    inv.skipped = [Skipped("thrive structure 'HR' (id s9)", "made in the Thrive UI")]
    inv.unlisted = ["nothing"]
    inv.notes = ["a note"]
    return inv


def test_python_program__declares_adopted_objects_and_references_parents_by_variable() -> None:
    source = python_program(_tree(), command="audience-providers discover thrive")
    calls = program_calls(source)
    assert ast.unparse(calls["thrive_outside"].func) == "thrive.Structure.get"
    assert [ast.literal_eval(a) for a in calls["thrive_outside"].args] == ["thrive-outside", "s0"]
    backend = call_kwargs(calls["thrive_eng_backend"])
    assert backend["parent"] == "thrive_eng.id" and backend["adopt"] is True  # a variable, not the literal id
    assert call_kwargs(calls["thrive_class"])["parent"] == "thrive_outside.id"
    assert call_kwargs(calls["thrive_eng"])["name"] == 'Eng "core"'
    assert call_kwargs(calls["thrive_class"])["name"] == "Ünïcode"
    members = call_kwargs(calls["thrive_eng_backend_members"])
    assert members["audience"] == "thrive_eng_backend.id"
    assert len(members["members"]) == 40
    assert all(call_kwargs(c).get("opts") == "adopted()" for v, c in calls.items() if v != "thrive_outside")
    assert "PROTECT = True" in source
    assert "# Skipped thrive structure 'HR' (id s9): made in the Thrive UI" in source
    assert "# Not listable: nothing" in source and "# Note: a note" in source
    assert max(len(line) for line in source.splitlines()) <= 120


def test_python_program__without_protection_when_asked() -> None:
    assert "PROTECT = False" in python_program(_tree(), command="x", protect=False)


def test_python_program__variables_stay_unique_and_valid() -> None:
    inv = Inventory("batch")
    inv.found = [Found("batch:Audience", name, name, {"name": name, "adopt": True}, name)
                 for name in ("a-b", "a_b", "1st", "class", "pulumi", "adopted")]
    calls = program_calls(python_program(inv, command="x"))
    assert len(calls) == 6 and all(v.isidentifier() for v in calls)
    assert "pulumi" not in calls and "adopted" not in calls  # the program's own names stay what they are


def test_import_file__lists_type_name_and_id_in_order_without_pulumi_parents() -> None:
    data = import_file(_tree())
    assert data == {"resources": [
        {"type": "thrive:index:Structure", "name": "thrive-eng", "id": "s1"},
        {"type": "thrive:index:Audience", "name": "thrive-eng-backend", "id": "a1"},
        {"type": "thrive:index:Audience", "name": "thrive-class", "id": "a2"},
        {"type": "thrive:index:AudienceMembers", "name": "thrive-eng-backend-members", "id": "a1/members"},
    ]}
    json.dumps(data)  # plain JSON


def test_summary__counts_per_kind_then_skips_and_notes() -> None:
    lines = summary(_tree())
    assert lines[:3] == [
        "thrive:Audience: 2 adopted in the program; 2 in the import file",
        "thrive:AudienceMembers: 1 adopted in the program; 1 in the import file",
        "thrive:Structure: 1 adopted, 1 read with .get in the program; 1 in the import file",
    ]
    assert lines[3:] == ["not listable: nothing", "skipped thrive structure 'HR' (id s9): made in the Thrive UI",
                         "note: a note"]


def test_names__unique_slugs_from_any_text() -> None:
    names = Names()
    assert names.take("thrive", "Eng / Backend") == "thrive-eng-backend"
    assert names.take("thrive", "eng-backend") == "thrive-eng-backend-2"
    assert names.take("sonarly", "!!!") == "sonarly"
    assert names.take("", "") == "object"
    assert len(names.take("x" * 500)) <= 60


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_progress__a_line_at_most_each_interval_and_the_total() -> None:
    lines: list[str] = []
    clock = _Clock()
    progress = Progress(lines.append, "thrive", interval=1.0, clock=clock)

    def items() -> Any:
        for i in range(5):
            clock.now += 0.6
            yield i

    assert list(progress.counted(items(), "audiences listed")) == [0, 1, 2, 3, 4]
    assert lines == ["thrive: 2 audiences listed so far", "thrive: 4 audiences listed so far",
                     "thrive: 5 audiences listed"]
    lines.clear()
    tick = progress.ticker("read", 3)
    for _ in range(3):
        tick()
    assert lines == ["thrive: 3 of 3 read"]
