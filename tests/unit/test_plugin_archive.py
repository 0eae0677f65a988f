"""`python -m audience_providers.plugin archive`: an archive that installs on another machine.

No path of the machine that built it is inside; the launcher finds the plugin's virtualenv relative to itself.
The e2e proof (install into a clean PULUMI_HOME, a YAML program's up and destroy) is tests/e2e/test_plugin_archive.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

from audience_providers import __version__, plugin
from audience_providers._core import vendors

ROOT = Path(__file__).resolve().parents[2]
WHEEL = f"pulumi_audience_providers-{__version__}-py3-none-any.whl"


def fake_wheel(tmp_path: Path) -> Path:
    wheel = tmp_path / "wheels" / WHEEL
    wheel.parent.mkdir()
    wheel.write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip: the archive only carries it
    return wheel


def members(archive: Path) -> dict[str, tuple[int, bytes]]:
    with tarfile.open(archive) as tar:
        out = {}
        for info in tar.getmembers():
            file = tar.extractfile(info)
            assert file is not None and info.isfile(), info.name  # plain files only, no links or directories
            out[info.name] = (info.mode, file.read())
        return out


@pytest.mark.parametrize("vendor", vendors.KEYS)
def test_archive__holds_the_launcher_project_requirements_and_wheel_and_no_builder_path(tmp_path: Path,
                                                                                      vendor: str) -> None:
    wheel = fake_wheel(tmp_path)
    archive = plugin.archive(vendor, tmp_path / "out", wheel)
    assert archive.name == f"pulumi-resource-{vendor}-v{__version__}.tar.gz"
    files = members(archive)
    assert set(files) == {f"pulumi-resource-{vendor}", "PulumiPlugin.yaml", "requirements.txt", "__main__.py", WHEEL}
    assert files[f"pulumi-resource-{vendor}"][0] == 0o755
    assert files[WHEEL][1] == wheel.read_bytes()
    project = yaml.safe_load(files["PulumiPlugin.yaml"][1])
    assert project["runtime"] == {"name": "python", "options": {"virtualenv": "venv"}}
    requirement_lines = [line for line in files["requirements.txt"][1].decode().splitlines()
                         if line and not line.startswith("#")]
    assert requirement_lines == [f"./{WHEEL}"]  # the packed wheel by its file, never the name on an index
    # Nothing of this machine: the builder's Python, the checkout, the wheel's or archive's directory, $HOME.
    builder_paths = {sys.executable, str(Path(sys.executable).parent.parent), str(ROOT), str(tmp_path),
                     str(Path.home())}
    for name, (_, body) in files.items():
        if name != WHEEL:
            text = body.decode()
            assert not [p for p in builder_paths if p in text], (name, text)


def test_archive__refuses_a_file_that_is_not_this_packages_wheel(tmp_path: Path) -> None:
    other = tmp_path / "other-1.0-py3-none-any.whl"
    other.write_bytes(b"")
    with pytest.raises(SystemExit, match="expected this package's wheel"):
        plugin.archive("thrive", tmp_path / "out", other)
    assert not (tmp_path / "out").exists()


def unpack(tmp_path: Path, vendor: str) -> Path:
    target = tmp_path / "home" / "plugins" / f"resource-{vendor}-v{__version__}"
    target.mkdir(parents=True)
    with tarfile.open(plugin.archive(vendor, tmp_path / "out", fake_wheel(tmp_path))) as tar:
        tar.extractall(target, filter="data")
    return target


@pytest.mark.parametrize("layout", ["venv", "directory"])
def test_launcher__runs_the_venv_beside_it_isolated_from_any_working_directory(tmp_path: Path, layout: str) -> None:
    # `venv/` as current Python language hosts create it; the plugin directory itself as older ones (v3.79) do.
    installed = unpack(tmp_path, "sonarly")
    venv = installed / "venv" if layout == "venv" else installed
    python = venv / "bin" / "python"
    python.parent.mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    python.write_text('#!/bin/sh\necho "python=$0 args=$*"\n')  # stands in for the venv's interpreter
    python.chmod(0o755)
    elsewhere = tmp_path / "program"
    elsewhere.mkdir()
    env = {"PATH": "/usr/bin:/bin"}  # nothing of this checkout or its venv
    out = subprocess.run([str(installed / "pulumi-resource-sonarly"), "--logtostderr", "127.0.0.1:9"], cwd=elsewhere,
                         env=env, capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == (f"python={python} args=-I -m audience_providers.plugin serve sonarly "
                                  "--logtostderr 127.0.0.1:9")


def test_launcher__without_its_venv_fails_with_one_line_naming_the_fix(tmp_path: Path) -> None:
    installed = unpack(tmp_path, "thrive")
    # A bin/python that is not a venv's (no pyvenv.cfg beside it) is not taken for one.
    (installed / "bin").mkdir()
    (installed / "bin" / "python").write_text("#!/bin/sh\necho wrong python\n")
    (installed / "bin" / "python").chmod(0o755)
    out = subprocess.run([os.path.relpath(installed / "pulumi-resource-thrive", tmp_path)], cwd=tmp_path,
                         env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=30)
    assert out.returncode == 1 and out.stdout == ""
    assert out.stderr.count("\n") == 1
    assert f"{installed} has no venv/bin/python" in out.stderr
    assert f"pulumi plugin install resource thrive {__version__} --file <archive> --reinstall" in out.stderr


def test_main_module__serves_its_vendor_with_the_engines_arguments(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    files = members(plugin.archive("unleashx", tmp_path, fake_wheel(tmp_path)))
    served: list[list[str] | None] = []

    def main(argv: list[str] | None = None) -> int:
        served.append(argv)
        return 0

    monkeypatch.setattr(plugin, "main", main)
    monkeypatch.setattr(sys, "argv", ["__main__.py", "127.0.0.1:7"])
    with pytest.raises(SystemExit) as exited:
        exec(compile(files["__main__.py"][1], "__main__.py", "exec"), {"__name__": "__main__"})
    assert exited.value.code == 0 and served == [["serve", "unleashx", "127.0.0.1:7"]]
