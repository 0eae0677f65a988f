"""Schemas and SDKs of a provider plugin with the toolchain that tools/build.sh builds, offline.

`pulumi package get-schema` runs the plugin; SDKs come from `pulumi-gen-sdk` (tools/pulumi-gen-sdk: the CLI's own
code generators, because `pulumi package gen-sdk` needs a GeneratePackage RPC that none of the language hosts built
here implements, see docs/native-toolchain.md). The plugin is the test-only `demo` one.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from tests.e2e.conftest import PROGRAMS

DEMO_PLUGIN_DIR = PROGRAMS / "native_demo_provider"
SCHEMA = DEMO_PLUGIN_DIR / "schema.json"


def _gen_sdk(bin_dir: Path, language: str, out: Path) -> None:
    proc = subprocess.run([str(bin_dir / "pulumi-gen-sdk"), "-language", language, "-schema", str(SCHEMA),
                           "-out", str(out)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_get_schema__plugin_serves_the_schema_it_ships(make_stack: Any) -> None:
    stack = make_stack("native_yaml_demo")  # only for its environment: PULUMI_HOME, PATH with our pulumi
    proc = stack.run("package", "get-schema", str(DEMO_PLUGIN_DIR / "pulumi-resource-demo"))
    served = json.loads(proc.stdout)
    assert served.pop("config", {}) == {}  # the CLI prints the bound schema, which always has a config section
    assert served == json.loads(SCHEMA.read_text())


def test_gen_sdk__python_sdk_drives_the_plugin_from_a_python_program(make_stack: Any, pulumi_bin: Path,
                                                                     tmp_path: Path) -> None:
    sdk = tmp_path / "sdk-python"
    _gen_sdk(pulumi_bin, "python", sdk)
    assert 'VERSION = "0.1.0"' in (sdk / "setup.py").read_text()
    # The SDK reads its version from its installed metadata. `pip install sdk-python` would write it, but building
    # that needs setuptools' bdist_wheel (the `wheel` package), which the test venv doesn't have; the metadata pip
    # would write is these three lines.
    dist_info = sdk / "pulumi_demo-0.1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: pulumi_demo\nVersion: 0.1.0\n")
    stack = make_stack("native_python_demo")
    store = tmp_path / "demo-store"
    store.mkdir()
    stack.env["PATH"] = f"{DEMO_PLUGIN_DIR}{os.pathsep}{stack.env['PATH']}"
    stack.env["DEMO_STORE_DIR"] = str(store)
    stack.env["PYTHONPATH"] = str(sdk)

    stack.up()
    assert stack.outputs() == {"label": "from python", "serial": 1}
    (created,) = store.iterdir()
    assert json.loads(created.read_text()) == {"label": "from python", "serial": 1}
    stack.preview("--expect-no-changes")
    stack.destroy()
    assert list(store.iterdir()) == []


def test_gen_sdk__nodejs_and_go_sources_name_the_resource_token(pulumi_bin: Path, tmp_path: Path) -> None:
    # Compiling them needs npm packages (tsc, @pulumi/pulumi) or a long go build: docs/native-toolchain.md has the
    # commands and what they gave; here only that the generator ran for both languages and wrote the resource.
    _gen_sdk(pulumi_bin, "nodejs", tmp_path / "nodejs")
    _gen_sdk(pulumi_bin, "go", tmp_path / "go")
    assert 'demo:index:Thing' in (tmp_path / "nodejs" / "thing.ts").read_text()
    assert json.loads((tmp_path / "nodejs" / "package.json").read_text())["name"] == "@demo/pulumi-demo"
    go_src = (tmp_path / "go" / "demo" / "thing.go").read_text()
    assert "package demo" in go_src and '"demo:index:Thing"' in go_src
