"""The pieces that make the real engine cheaper per resource: trimmed stack traces, the fast package lister."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from audience_providers._core import source_positions
from audience_providers._core.source_positions import program_positions

ROOT = Path(__file__).resolve().parents[2]
PKG, PROJECT, RUNTIME = "file:///x/pkg/providers/", "file:///x/stack/", ("file:///x/python/lib/",)


SDK = "file:///x/python/lib/site-packages/pulumi/"


def positions(*uris: str) -> list[tuple[str, int]]:
    return [(uri, n) for n, uri in enumerate(uris, start=1)]


def kept(*uris: str, runtime: tuple[str, ...] = RUNTIME) -> list[str] | None:
    found = program_positions(positions(*uris), sdk=SDK, package=PKG, project=PROJECT, runtime=runtime)
    return None if found is None else [uri for uri, _ in found]


def test_program_positions__keeps_the_program_between_our_frames_and_the_runtime() -> None:
    assert kept(SDK + "runtime/resource.py", SDK + "dynamic/dynamic.py", PKG + "thrive/resource.py",
                PKG + "_core/dynamic.py", PROJECT + "__main__.py", PROJECT + "teams.py", "",
                "file:///x/cache/bin/pulumi-language-python-exec", RUNTIME[0] + "asyncio/events.py") == [
        PROJECT + "__main__.py", PROJECT + "teams.py"]


def test_program_positions__keep_the_line_of_each_frame() -> None:
    found = program_positions(positions(SDK + "resource.py", PKG + "batch/resource.py", PROJECT + "__main__.py"),
                              sdk=SDK, package=PKG, project=PROJECT, runtime=RUNTIME)
    assert found == [(PROJECT + "__main__.py", 3)]


def test_program_positions__leave_other_resources_to_the_sdk() -> None:
    assert kept(SDK + "runtime/resource.py", PROJECT + "__main__.py", RUNTIME[0] + "asyncio/events.py") is None
    assert kept(SDK + "resource.py", "file:///x/python/lib/site-packages/pulumi_aws/s3.py",
                PKG + "thrive/resource.py", PROJECT + "__main__.py") is None


def test_program_positions__stop_at_a_virtualenv_inside_the_project() -> None:
    venv = PROJECT + ".venv/"
    assert kept(SDK + "x.py", PKG + "batch/resource.py", PROJECT + "__main__.py", venv + "lib/pulumi/x.py",
                runtime=(venv,)) == [PROJECT + "__main__.py"]


def test_program_positions__nothing_when_our_resource_is_declared_outside_the_project() -> None:
    assert kept(SDK + "x.py", PKG + "batch/resource.py", "file:///x/elsewhere/lib.py", PROJECT + "__main__.py") == []


def test_outward_positions__match_traceback_extract_stack() -> None:
    import traceback

    def uri(filename: str) -> str:
        return Path(filename).as_uri() if Path(filename).is_absolute() else ""  # `<frozen runpy>`: no position

    expected = [(uri(f.filename), f.lineno) for f in reversed(traceback.extract_stack())]
    got = list(source_positions.outward_positions(sys._getframe(), {}))
    assert len(got) == len(expected) > 3
    assert got[1:] == expected[1:]  # the callers, line for line
    assert got[0][0] == expected[0][0]  # this frame (its line moved on by one statement)


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
