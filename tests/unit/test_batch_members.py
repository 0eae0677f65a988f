"""Batch member lists: one rule for inline lists, text files and .jsonl files; errors name file and line."""

from __future__ import annotations

from pathlib import Path

import pulumi
import pytest

from audience_providers.batch.members import Members, MembersError, normalize, read_file
from audience_providers.batch.resource import Audience


def test_normalize__trims_inline_ids_like_file_ids(tmp_path: Path) -> None:
    (tmp_path / "ids.txt").write_text("  u1 \n\tu2\n")
    assert normalize([" u1 ", {"id": "u2\t"}]) == read_file(tmp_path / "ids.txt") == {"u1": None, "u2": None}


def test_spec__inline_and_file_lists_of_the_same_ids_have_one_digest(tmp_path: Path) -> None:
    (tmp_path / "ids.txt").write_text("# comment\n  # indented comment\nu1\n\n u2\n")
    inline = Members.of([" u1", "u2 "]).spec()
    from_file = Members.from_file(str(tmp_path / "ids.txt")).spec()
    assert inline["digest"] == from_file["digest"] and inline["count"] == from_file["count"] == 2


def test_normalize__empty_id_names_the_item_without_a_trace() -> None:
    with pytest.raises(MembersError) as info:
        normalize(["u1", "  "])
    assert str(info.value) == "members inline list: item 1: id: is empty"


def test_normalize__duplicate_is_an_error_naming_both_places() -> None:
    with pytest.raises(MembersError, match=r"item 2: id 'u1' is listed twice \(first at item 0\)"):
        normalize(["u1", "u2", " u1"])


def test_read_file__duplicate_names_file_and_both_lines(tmp_path: Path) -> None:
    path = tmp_path / "vip.txt"
    path.write_text("# header\nu1\nu2\nu1\n")
    with pytest.raises(MembersError) as info:
        read_file(path)
    assert f"file {str(path)!r}" in str(info.value)
    assert "line 4: id 'u1' is listed twice (first at line 2)" in str(info.value)


def test_read_file__bad_jsonl_line_names_file_and_real_line(tmp_path: Path) -> None:
    path = tmp_path / "vip.jsonl"
    path.write_text('{"id": "u1"}\n\n{"id": "u2", "attributes": {"tier": "gold"}}\nnot json\n{"id": ""}\n')
    with pytest.raises(MembersError) as info:
        read_file(path)
    text = str(info.value)
    assert f"file {str(path)!r}" in text and "line 4: not valid JSON (Expecting value at column 1)" in text
    assert "line 5: id: is empty" in text and "JSONDecodeError" not in text


def test_read_file__jsonl_attribute_error_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "vip.jsonl"
    path.write_text('{"id": "u1", "attrs": {}}\n')
    with pytest.raises(MembersError, match=r"line 1: attrs: Extra inputs are not permitted"):
        read_file(path)


def test_read_file__missing_file_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MembersError, match=r"members file '.*nope.txt': cannot be read: No such file or directory$"):
        read_file(tmp_path / "nope.txt")


def test_audience__broken_list_is_a_run_error_naming_resource_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "vip.txt"
    path.write_text("u1\nu1\n")
    # RunError: the language host prints its message alone, without the program's traceback.
    with pytest.raises(pulumi.RunError) as info:
        Audience("vip", name="vip", members=Members.from_file(str(path)))
    assert str(info.value).startswith("batch:Audience 'vip': members file ")
    assert "line 2: id 'u1' is listed twice (first at line 1)" in str(info.value)
    with pytest.raises(pulumi.RunError, match=r"batch:Audience 'inline': members inline list: item 0: id: is empty"):
        Audience("inline", name="inline", members=[""])
