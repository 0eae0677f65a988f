"""Release artefacts: `scripts/dist` builds a wheel and an sdist with the package as users install it, and neither
building nor `pip install <checkout>` writes into the checkout.

The wheel must hold every module of providers/ under the import name `audience_providers`, `py.typed`, the top-level
`audience_provider_ref` module, the console scripts and entry points of pyproject.toml, and the version of
providers/__init__.py (the one version source).
"""

from __future__ import annotations

import ast
import configparser
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def source_version() -> str:
    """`__version__` as written in providers/__init__.py (parsed, not imported: the file is the source)."""
    for node in ast.parse((ROOT / "providers" / "__init__.py").read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__version__" for t in node.targets):
            assert isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
            return node.value.value
    raise AssertionError("no __version__ in providers/__init__.py")


def tree_state() -> str:
    """What git sees in the checkout, ignored files included: setuptools' build/ and *.egg-info are git-ignored, so
    a plain `git status --porcelain` would not show them."""
    return subprocess.run(["git", "status", "--porcelain", "--ignored"], cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout


def writing_bytecode() -> dict[str, str]:
    """The environment of a user's shell: these machines set PYTHONDONTWRITEBYTECODE, which would hide a build that
    leaves bytecode in the checkout (hatchling imports hatch_build.py from it)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def package_files() -> set[str]:
    """The files of providers/ (tracked or not, as the build sees them) under their installed names."""
    files = {f"audience_providers/{p.relative_to(ROOT / 'providers').as_posix()}"
             for p in (ROOT / "providers").rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert "audience_providers/py.typed" in files and "audience_providers/_core/native.py" in files
    return files


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str, str]:
    """(wheel, sdist, git state before, git state after) of one `scripts/dist --out <tmp>`."""
    out = tmp_path_factory.mktemp("dist")
    before = tree_state()
    run = subprocess.run([str(ROOT / "scripts" / "dist"), "--out", str(out)], capture_output=True, text=True,
                         timeout=600, env=writing_bytecode())
    assert run.returncode == 0, run.stderr[-3000:]
    after = tree_state()
    lines = run.stdout.splitlines()
    assert len(lines) == 2, run.stdout  # the wheel, then the sdist, and nothing else on stdout
    return Path(lines[0]), Path(lines[1]), before, after


def test_dist__prints_the_wheel_then_the_sdist_built_into_out(built: tuple[Path, Path, str, str]) -> None:
    wheel, sdist, _, _ = built
    version = source_version()
    assert wheel.name == f"pulumi_audience_providers-{version}-py3-none-any.whl" and wheel.is_file()
    assert sdist.name == f"pulumi_audience_providers-{version}.tar.gz" and sdist.is_file()
    assert wheel.parent == sdist.parent


def test_dist__wheel_holds_every_module_the_ref_module_and_nothing_else(built: tuple[Path, Path, str, str]) -> None:
    wheel, _, _, _ = built
    names = set(zipfile.ZipFile(wheel).namelist())
    info = f"pulumi_audience_providers-{source_version()}.dist-info"
    installed = {n for n in names if not n.startswith(f"{info}/")}
    assert installed == package_files() | {"audience_provider_ref.py"}
    assert {f"{info}/{n}" for n in ("METADATA", "WHEEL", "RECORD", "entry_points.txt")} <= names


def test_dist__wheel_metadata_has_the_source_version_scripts_and_entry_points(
        built: tuple[Path, Path, str, str]) -> None:
    wheel, _, _, _ = built
    version = source_version()
    info = f"pulumi_audience_providers-{version}.dist-info"
    with zipfile.ZipFile(wheel) as whl:
        metadata = whl.read(f"{info}/METADATA").decode()
        entry_points = configparser.ConfigParser(delimiters=("=",))
        entry_points.optionxform = str  # type: ignore[assignment,method-assign]  # names are case-sensitive
        entry_points.read_string(whl.read(f"{info}/entry_points.txt").decode())
    headers = dict(line.split(": ", 1) for line in metadata.splitlines() if ": " in line)
    assert headers["Name"] == "pulumi-audience-providers" and headers["Version"] == version
    got = {section: dict(entry_points[section]) for section in entry_points.sections()}
    project = PYPROJECT["project"]
    assert got == {"console_scripts": project["scripts"], **project["entry-points"]}
    assert {"pulumi-resource-thrive", "pulumi-resource-sonarly", "pulumi-resource-unleashx",
            "pulumi-resource-batch"} <= set(got["console_scripts"])
    assert set(got["pulumi.dynamic_providers"].values()) == {"audience_providers._core.dynamic:provider_for_type"}


def test_dist__sdist_holds_what_the_wheel_is_built_from(built: tuple[Path, Path, str, str]) -> None:
    _, sdist, _, _ = built
    top = f"pulumi_audience_providers-{source_version()}"
    with tarfile.open(sdist) as tar:
        names = {n.removeprefix(f"{top}/") for n in tar.getnames()}
    folder = {"providers/" + n.removeprefix("audience_providers/") for n in package_files()}
    assert folder | {"pyproject.toml", "hatch_build.py", "audience_provider_ref.py", "PKG-INFO"} <= names
    assert not any(n.startswith(("tests/", "emulators/", "bench/", ".venv/")) for n in names)


def test_dist__build_leaves_the_checkout_as_it_was(built: tuple[Path, Path, str, str]) -> None:
    _, _, before, after = built
    assert after == before


def test_dist__pip_install_of_the_checkout_leaves_it_as_it_was(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    before = tree_state()
    # --no-deps: what is under test is the build pip runs in the checkout (the same as with dependencies).
    pip = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                          "--no-deps", str(ROOT)], capture_output=True, text=True, timeout=600,
                         env=writing_bytecode())
    assert pip.returncode == 0, pip.stderr[-3000:]
    assert tree_state() == before
    # It installed the package under its import name, from site-packages, with the plugins' console scripts.
    where = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import audience_providers, audience_provider_ref; print(audience_providers.__file__)"],
                           cwd=tmp_path, capture_output=True, text=True, check=True).stdout.strip()
    assert where.startswith(str(venv)) and "site-packages" in where
    assert (venv / "bin" / "pulumi-resource-thrive").is_file()


def test_dist__build_backend_pin_matches_the_dev_requirements() -> None:
    # hatch_build.py is type-checked against the hatchling of requirements-dev.txt; builds use [build-system]'s.
    backend = [r for r in PYPROJECT["build-system"]["requires"] if r.startswith("hatchling")]
    dev = [line.strip() for line in (ROOT / "requirements-dev.txt").read_text().splitlines()
           if line.startswith("hatchling")]
    assert backend == dev and len(backend) == 1 and "==" in backend[0]
