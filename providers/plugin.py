"""``python -m audience_providers.plugin``: serve a vendor's provider plugin, or pack it for ``pulumi plugin install``.

``pip install`` of the project already puts ``pulumi-resource-<vendor>`` on PATH, where the engine finds it (and
says so in a warning on every command). To install it like any other plugin instead, on any machine:

    scripts/dist --out dist/          # in the checkout: prints the wheel, then the sdist
    python -m audience_providers.plugin archive thrive --wheel dist/pulumi_audience_providers-<v>-py3-none-any.whl
    pulumi plugin install resource thrive <v> --file dist/pulumi-resource-thrive-v<v>.tar.gz

The archive holds no path of the machine that made it (docs/plugins.md):

- ``PulumiPlugin.yaml`` (``runtime: python``, ``virtualenv: venv``) and ``requirements.txt``: ``pulumi plugin
  install`` has the engine's Python language host create a virtualenv in the plugin's directory and install the
  package into it from the wheel packed beside it (``--wheel``), its dependencies from the package index;
- ``pulumi-resource-<vendor>``, a ``/bin/sh`` launcher the engine runs: it serves the plugin with that venv's
  Python, found relative to the launcher itself (see :func:`launcher`);
- ``__main__.py``: the same entry for an engine that starts the plugin through its language host instead.
"""

from __future__ import annotations

import argparse
import io
import sys
import tarfile
from pathlib import Path

from . import __version__
from ._core.vendors import KEYS

VENDORS: tuple[str, ...] = KEYS  # the plugins this package serves (named here for tests/unit/test_plugin_archive.py)

DISTRIBUTION = "pulumi-audience-providers"
# Where the language host puts the plugin's virtualenv (PulumiPlugin.yaml says so; upstream's default for plugins).
VENV = "venv"


def launcher(vendor: str) -> str:
    """The plugin executable: the Python of the plugin's virtualenv, found relative to the launcher, in isolated mode
    (``-I``: no PYTHONPATH, PYTHONHOME, user site-packages or working directory on ``sys.path``, so only the
    plugin's own venv is imported from).

    Where that venv is depends on the pulumi that installed the plugin: language hosts that read PulumiPlugin.yaml's
    options (current upstream ones) create ``venv/``; older ones, such as the v3.79 host this project's toolchain
    builds, make the plugin directory itself the venv (``pyvenv.cfg``, ``bin/python`` beside the launcher)."""
    return f"""#!/bin/sh
# {vendor} provider plugin of {DISTRIBUTION} {__version__} (python -m audience_providers.plugin archive).
# It lives in the plugin's directory in PULUMI_HOME, where `pulumi plugin install` created a virtualenv from
# requirements.txt (PulumiPlugin.yaml): `{VENV}/`, or, with older Python language hosts, the directory itself.
# The engine runs it (from the program's directory); it runs that venv's Python.
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd) || exit 1
python="$here/{VENV}/bin/python"
if [ ! -x "$python" ] && [ -f "$here/pyvenv.cfg" ]; then
    python="$here/bin/python"
fi
if [ ! -x "$python" ]; then
    echo "pulumi-resource-{vendor}: $here has no {VENV}/bin/python; install the plugin with" \\
         "'pulumi plugin install resource {vendor} {__version__} --file <archive> --reinstall'," \\
         "which creates it (it needs python3 with venv and pip)" >&2
    exit 1
fi
exec "$python" -I -m audience_providers.plugin serve {vendor} "$@"
"""


def main_module(vendor: str) -> str:
    return (f'"""Entry of the {vendor} provider plugin when the engine runs it through its Python language host."""\n'
            "import sys\n\n"
            "from audience_providers.plugin import main\n\n"
            f'sys.exit(main(["serve", "{vendor}", *sys.argv[1:]]))\n')


def plugin_project(vendor: str) -> str:
    return (f"# {vendor} provider plugin of {DISTRIBUTION} {__version__}: `pulumi plugin install` creates the\n"
            f"# virtualenv `{VENV}/` here from requirements.txt; pulumi-resource-{vendor} runs its Python.\n"
            f"runtime:\n  name: python\n  options:\n    virtualenv: {VENV}\n")


def requirements(wheel: str) -> str:
    # The wheel by its file, never by name: the package is not on the public index, where the name could be anyone's.
    # Relative to pip's working directory, which is the plugin's directory for the language hosts (upstream's and
    # v3.79: pip runs in the directory it installs).
    return f"# This package from the wheel beside this file; its dependencies from the package index.\n./{wheel}\n"


def check_wheel(wheel: Path) -> None:
    expected = f"{DISTRIBUTION.replace('-', '_')}-{__version__}-"
    if not (wheel.name.startswith(expected) and wheel.suffix == ".whl" and wheel.is_file()):
        raise SystemExit(f"--wheel {wheel}: expected this package's wheel, {expected}*.whl (scripts/dist builds it)")


def archive(vendor: str, out: Path, wheel: Path) -> Path:
    """Write ``pulumi-resource-<vendor>-v<version>.tar.gz``, with ``wheel`` packed in, into ``out``; return its path."""
    check_wheel(wheel)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"pulumi-resource-{vendor}-v{__version__}.tar.gz"
    files = {f"pulumi-resource-{vendor}": (launcher(vendor).encode(), 0o755),
             "PulumiPlugin.yaml": (plugin_project(vendor).encode(), 0o644),
             "requirements.txt": (requirements(wheel.name).encode(), 0o644),
             "__main__.py": (main_module(vendor).encode(), 0o644),
             wheel.name: (wheel.read_bytes(), 0o644)}
    tmp = path.with_name(f".{path.name}.tmp")
    with tarfile.open(tmp, "w:gz") as tar:
        for name, (body, mode) in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(body), mode
            tar.addfile(info, io.BytesIO(body))
    tmp.replace(path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m audience_providers.plugin", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the plugin (the engine starts it)")
    serve.add_argument("vendor", choices=VENDORS)
    pack = commands.add_parser("archive", help="pack the plugin for `pulumi plugin install --file`")
    pack.add_argument("vendor", choices=(*VENDORS, "all"))
    pack.add_argument("--out", type=Path, default=Path("dist"))
    pack.add_argument("--wheel", type=Path, required=True,
                      help="this package's wheel (scripts/dist prints its path), packed into the archive")
    args, rest = parser.parse_known_args(argv)
    if args.command == "serve":
        from ._core import native

        native.serve(args.vendor, rest)
        return 0
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    for vendor in VENDORS if args.vendor == "all" else (args.vendor,):
        path = archive(vendor, args.out, args.wheel)
        print(f"{path}  ->  pulumi plugin install resource {vendor} {__version__} --file {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
