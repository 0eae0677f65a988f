"""The pieces that make the real engine cheaper per resource: trimmed stack traces, the fast package lister."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from audience_providers._core import source_positions
from audience_providers._core.source_positions import program_frames

ROOT = Path(__file__).resolve().parents[2]
PKG, PROJECT, RUNTIME = "file:///x/pkg/providers/", "file:///x/stack/", ("file:///x/python/lib/",)


def frames(*uris: str) -> list[SimpleNamespace]:
    return [SimpleNamespace(pc=SimpleNamespace(uri=uri)) for uri in uris]


def uris(kept: list[SimpleNamespace]) -> list[str]:
    return [f.pc.uri for f in kept]


def test_program_frames__keeps_the_program_between_our_frames_and_the_runtime() -> None:
    stack = frames(PKG + "thrive/resource.py", PKG + "_core/dynamic.py", PROJECT + "__main__.py",
                   PROJECT + "teams.py", "", "file:///x/cache/bin/pulumi-language-python-exec",
                   RUNTIME[0] + "asyncio/events.py")
    kept = program_frames(stack, package=PKG, project=PROJECT, runtime=RUNTIME)
    assert uris(kept) == [PROJECT + "__main__.py", PROJECT + "teams.py"]


def test_program_frames__leaves_other_resources_alone() -> None:
    stack = frames(PROJECT + "__main__.py", RUNTIME[0] + "asyncio/events.py")
    assert program_frames(stack, package=PKG, project=PROJECT, runtime=RUNTIME) == []


def test_program_frames__stops_at_a_virtualenv_inside_the_project() -> None:
    venv = PROJECT + ".venv/"
    stack = frames(PKG + "batch/resource.py", PROJECT + "__main__.py", venv + "lib/site-packages/pulumi/x.py")
    kept = program_frames(stack, package=PKG, project=PROJECT, runtime=(venv,))
    assert uris(kept) == [PROJECT + "__main__.py"]


def test_program_frames__nothing_when_our_resource_is_declared_outside_the_project() -> None:
    stack = frames(PKG + "batch/resource.py", "file:///x/elsewhere/lib.py", PROJECT + "__main__.py")
    assert program_frames(stack, package=PKG, project=PROJECT, runtime=RUNTIME) == []


def test_install__wraps_the_sdk_once() -> None:
    from pulumi.runtime import resource as sdk_resource

    source_positions.install()
    first = sdk_resource._get_stack_trace
    source_positions.install()
    assert sdk_resource._get_stack_trace is first
    assert getattr(first, "_audience_program_frames", False)


def test_installed_packages__match_pip_list_on_name_version_location() -> None:
    ours = subprocess.run([sys.executable, str(ROOT / "tools" / "python-runtime" / "pulumi-installed-packages.py")],
                          capture_output=True, text=True, check=True, timeout=120)
    pip = subprocess.run([sys.executable, "-m", "pip", "list", "-v", "--format", "json"],
                         capture_output=True, text=True, check=True, timeout=120)
    # pip may print a non-JSON trailer after the list; the language host stops at the end of the JSON too.
    expected, _ = json.JSONDecoder().raw_decode(pip.stdout)

    def key(rows: list[dict[str, str]]) -> list[tuple[str, str, str]]:
        return sorted((r["name"].lower(), r["version"], str(Path(r["location"]).resolve())) for r in rows)

    assert key(json.loads(ours.stdout)) == key(expected)
