"""audience_providers.recover: which pending creates are recorded, cleared or left, and how the state is rewritten."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from audience_providers import recover
from audience_providers.recover import Finding, apply, find_pending

URN = "urn:pulumi:dev::p::pulumi-python:dynamic/batch:Audience::"


def _op(name: str, kind: str = "creating") -> dict[str, Any]:
    return {"type": kind, "resource": {"urn": URN + name, "type": "pulumi-python:dynamic/batch:Audience",
                                       "inputs": {"name": name, "membership": "authoritative"}}}


def test_apply__recorded_becomes_a_resource_cleared_goes_unresolved_and_deletes_stay() -> None:
    deployment = {"resources": [{"urn": "stack"}],
                  "pending_operations": [_op("a"), _op("b"), _op("c"), _op("d", "deleting")]}
    findings = [Finding(URN + "a", "batch:Audience", [("a", "")], "a"), Finding(URN + "b", "batch:Audience", []),
                Finding(URN + "c", "batch:Audience", [("c1", ""), ("c2", "")])]
    out = apply(deployment, findings)
    assert [r["urn"] for r in out["resources"]] == ["stack", URN + "a"]
    recorded = out["resources"][1]
    assert recorded["id"] == "a" and recorded["outputs"] == recorded["inputs"]
    assert [(op["type"], op["resource"]["urn"]) for op in out["pending_operations"]] == [
        ("creating", URN + "c"), ("deleting", URN + "d")]


def test_find_pending__matches_through_the_provider_and_skips_what_the_stack_holds(
        monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[dict[str, Any], set[str]]] = []

    class Provider:
        resource_label = "batch:Audience"

        config = object()

        def configure(self, source: Any) -> None:
            pass

        def locate(self, inputs: dict[str, Any], held: set[str]) -> list[tuple[str, str]]:
            seen.append((inputs, held))
            return [] if inputs["name"] == "b" else [(inputs["name"], "found")]

    monkeypatch.setattr(recover, "_provider_for", lambda _type: Provider())
    deployment = {"resources": [{"type": "pulumi-python:dynamic/batch:Audience", "id": "held"}],
                  "pending_operations": [_op("a"), _op("b")]}
    findings = find_pending(deployment, {}, {})
    assert [(f.verdict, f.chosen) for f in findings] == [("record", "a"), ("clear", None)]
    assert all(held == {"held"} for _, held in seen)
    forced = find_pending(deployment, {}, {URN + "b": "b-id"})
    assert [(f.verdict, f.chosen) for f in forced] == [("record", "a"), ("record", "b-id")]


@pytest.mark.parametrize(("url", "expected"), [
    ("file:///srv/state", "/srv/state"),
    ("file:///srv/state?metadata=skip", "/srv/state"),
    ("file://./state", "/project/state"),
    ("s3://bucket/state?region=eu-west-1", None),
    ("https://api.pulumi.com", None),
])
def test_file_backend_root__names_the_directory_of_file_urls_only(url: str, expected: str | None) -> None:
    root = recover.file_backend_root(url, Path("/project"))
    assert (str(root) if root is not None else None) == expected


def test_file_backend_root__expands_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert recover.file_backend_root("file://~/state", Path("/project")) == tmp_path / "state"


def test_broken_sidecars__finds_only_the_truncated_metadata_of_the_named_stack(tmp_path: Path) -> None:
    state = tmp_path / ".pulumi"
    good = '{"user.content_type":"application/octet-stream","md5":"AAAA"}'
    files = {
        "stacks/proj/dev.json.attrs": "",                   # truncated by a kill: broken
        "stacks/proj/dev.json.bak.attrs": '{"user.cont',    # torn: broken
        "stacks/proj/dev.json": "{}",                       # the checkpoint itself is never touched
        "history/proj/dev/dev-1.checkpoint.json.attrs": "",  # broken
        "backups/proj/dev/dev.1.json.attrs": good,          # sound
        "stacks/proj/prod.json.attrs": "",                  # another stack
        "stacks/other/dev.json.attrs": "",                  # another project
    }
    for rel, text in files.items():
        (state / rel).parent.mkdir(parents=True, exist_ok=True)
        (state / rel).write_text(text)
    found = {str(p.relative_to(state)) for p in recover.broken_sidecars(tmp_path, "proj", "organization/proj/dev")}
    assert found == {"stacks/proj/dev.json.attrs", "stacks/proj/dev.json.bak.attrs",
                     "history/proj/dev/dev-1.checkpoint.json.attrs"}
    every_stack = {str(p.relative_to(state)) for p in recover.broken_sidecars(tmp_path, "proj", None)}
    assert every_stack == found | {"stacks/proj/prod.json.attrs"}
