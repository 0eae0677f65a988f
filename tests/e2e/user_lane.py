"""The user's lane: what a user outside this repository runs, set up once per test session.

- **Pulumi as the user has it.** A bin directory with the `pulumi` CLI we build and, beside it, a
  `pulumi-resource-pulumi-python` that does what the launcher shipped with Pulumi does (sdk/python/dist in
  pulumi/pulumi): take the venv from PULUMI_RUNTIME_VIRTUALENV (made absolute), put its bin/ first on PATH, unset
  PYTHONHOME and run `python -u -m pulumi.dynamic` — the SDK's own 4-thread server, none of our launcher's additions.
  The language host is the one our toolchain builds (the only one that can be built here, see the README's
  contributor notes); it runs the program on the project's `virtualenv`, as Pulumi's does.
- **Our package as the user gets it**: the wheel `scripts/dist` builds, pip-installed into the user repo's `.venv`.
- **The user's own repo, backend and PULUMI_HOME**, outside this checkout; PATH holds that bin directory and the
  system's, nothing of scripts/env.sh, no PULUMI_PYTHON_CMD, no AUDIENCE_* variable.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# What the launcher shipped with Pulumi does, written for this lane (not a copy of Pulumi's script).
OFFICIAL_LAUNCHER = """#!/bin/sh
# Stand-in for the pulumi-resource-pulumi-python that ships with Pulumi: the SDK's own dynamic-provider server.
venv=${PULUMI_RUNTIME_VIRTUALENV:-}
if [ -z "$venv" ] && [ "${PULUMI_RUNTIME_TOOLCHAIN:-}" = uv ]; then venv=.venv; fi
if [ -n "$venv" ]; then
    venv=${venv%/}
    case $venv in /*) ;; *) venv=$PWD/$venv ;; esac
    if [ ! -f "$venv/bin/python" ]; then
        echo "The 'virtualenv' option in Pulumi.yaml is set to \\"$venv\\", which has no bin/python" >&2
        exit 1
    fi
    PATH="$venv/bin:$PATH"; export PATH
    unset PYTHONHOME
    exec "$venv/bin/python" -u -m pulumi.dynamic "$@"
fi
exec "${PULUMI_PYTHON_CMD:-python3}" -u -m pulumi.dynamic "$@"
"""

# The language host and what it runs, from our toolchain (symlinks: the host wrapper finds its files through them).
LANGUAGE_HOST_FILES = ("pulumi-language-python", "pulumi-language-python-host", "pulumi-language-python-exec",
                       "pulumi-python-cmd", "pulumi-installed-packages.py", "pulumi-language-yaml")


def official_bin(toolchain: Path, into: Path) -> Path:
    """A bin directory with `pulumi`, the language hosts and the official-launcher stand-in."""
    into.mkdir(parents=True, exist_ok=True)
    # A real file, not a symlink: the engine looks for bundled plugins (pulumi-resource-pulumi-python) beside its
    # own executable, resolved, and would find our launcher in the toolchain directory.
    target = into / "pulumi"
    try:
        os.link(toolchain / "pulumi", target)
    except OSError:
        shutil.copy2(toolchain / "pulumi", target)
    for name in LANGUAGE_HOST_FILES:
        if (toolchain / name).exists():
            (into / name).symlink_to(toolchain / name)
    launcher = into / "pulumi-resource-pulumi-python"
    launcher.write_text(OFFICIAL_LAUNCHER)
    launcher.chmod(0o755)
    return into


def build_wheel(out: Path) -> Path:
    """The wheel of this checkout, as `scripts/dist` builds it for a release (the first of the two paths it prints)."""
    out.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([str(ROOT / "scripts" / "dist"), "--out", str(out)], capture_output=True, text=True,
                          timeout=900, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    wheel = Path(done.stdout.split()[0])
    assert wheel.suffix == ".whl", done.stdout
    return wheel


PROJECT = "name: {name}\nruntime:\n  name: python\n  options:\n    virtualenv: .venv\n"


def sdk_floor() -> str:
    """The lowest Pulumi SDK the package declares (``pulumi>=X`` in pyproject.toml's dependencies)."""
    import tomllib

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    (spec,) = [str(d) for d in deps if str(d).replace(" ", "").startswith("pulumi>=")]
    return spec.replace(" ", "").split(">=", 1)[1].split(",", 1)[0]


def user_repo(where: Path, wheel: Path, name: str = "audiences", sdk: str | None = None) -> Path:
    """A user's repo: Pulumi.yaml with `virtualenv: .venv`, and that venv with our wheel pip-installed (with the
    Pulumi SDK ``sdk`` pinned beside it, else whatever pip resolves: the newest the range allows)."""
    where.mkdir(parents=True, exist_ok=True)
    assert ROOT not in where.resolve().parents
    (where / "Pulumi.yaml").write_text(PROJECT.format(name=name))
    venv = where / ".venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    pins = [f"pulumi=={sdk}"] if sdk else []
    pip = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                          str(wheel), *pins], capture_output=True, text=True, timeout=900)
    assert pip.returncode == 0, pip.stderr[-3000:]
    return where


def user_env(bin_dir: Path, repo: Path) -> dict[str, str]:
    """The environment of a user who installed Pulumi and activated nothing: their backend, their PULUMI_HOME."""
    keep = {k: v for k, v in os.environ.items()
            if k in ("HOME", "LANG", "LC_ALL", "TERM", "TMPDIR", "USER")}
    (repo / ".state").mkdir(exist_ok=True)
    return {
        **keep,
        "PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin",
        "PULUMI_HOME": str(repo / ".pulumi-home"),
        "PULUMI_BACKEND_URL": f"file://{repo / '.state'}",
        "PULUMI_CONFIG_PASSPHRASE": "user-lane-only",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
    }
