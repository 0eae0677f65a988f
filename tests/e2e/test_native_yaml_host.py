"""Pulumi YAML programs through the real CLI and the pulumi-language-yaml host that tools/build.sh builds.

The first program has no resources (config, variables, built-in functions, a secret output); the second uses a
test-only provider plugin (`tests/e2e/programs/native_demo_provider`, not one of the vendor providers) so that
`pulumi import` has something to import and the YAML host has to generate code for it.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import yaml

from tests.e2e.conftest import PROGRAMS

DEMO_PLUGIN_DIR = PROGRAMS / "native_demo_provider"


def test_toolchain__yaml_host_sits_next_to_pulumi(pulumi_bin: Path) -> None:
    host = pulumi_bin / "pulumi-language-yaml"
    assert host.is_file() and os.access(host, os.X_OK), f"{host} missing: tools/build.sh did not install it"


def test_up__yaml_program_outputs_read_back(make_stack: Any) -> None:
    stack = make_stack("native_yaml_outputs")
    stack.run("config", "set", "--path", "tenants[0]", "emea", "--stack", stack.name)
    stack.run("config", "set", "--path", "tenants[1]", "us", "--stack", stack.name)

    up = stack.up()
    assert "+ 1 created" in up.stdout  # the stack resource itself: nothing else exists in this program

    message = "hello, emea,us"
    assert stack.outputs() == {
        "message": message,
        "encoded": base64.b64encode(message.encode()).decode(),
        "second": "us",
        "token": "[secret]",
    }
    shown = json.loads(stack.run("stack", "output", "token", "--show-secrets", "--json", "--stack",
                                 stack.name).stdout)
    assert shown == "hello"
    # fn::secret reaches the state encrypted: the plaintext is nowhere in the exported deployment.
    exported = stack.export()
    assert '"token"' in exported and '"hello"' not in exported

    stack.preview("--expect-no-changes")  # exits non-zero if the YAML host produced anything different
    stack.config("greeting", "hi")
    stack.up()
    assert stack.outputs()["message"] == "hi, emea,us"
    stack.destroy()


def _demo_env(stack: Any, store: Path) -> None:
    store.mkdir()
    stack.env["PATH"] = f"{DEMO_PLUGIN_DIR}{os.pathsep}{stack.env['PATH']}"
    stack.env["DEMO_STORE_DIR"] = str(store)


def test_import__yaml_host_generates_code_and_next_preview_is_clean(make_stack: Any, tmp_path: Path) -> None:
    stack = make_stack("native_yaml_demo")
    store = tmp_path / "demo-store"
    _demo_env(stack, store)
    stack.up()
    first_id = stack.outputs()["firstId"]
    assert json.loads((store / f"{first_id}.json").read_text())["label"] == "one"

    # Two objects the stack did not create: one is imported, the other must stay untouched throughout.
    (store / "adopt01.json").write_text(json.dumps({"label": "made elsewhere", "serial": 41}))
    (store / "other01.json").write_text(json.dumps({"label": "not ours", "serial": 42}))
    generated = tmp_path / "imported.yaml"
    stack.run("import", "demo:index:Thing", "adopted", "adopt01", "--yes", "--non-interactive",
              "--stack", stack.name, "--out", str(generated))

    code = yaml.safe_load(generated.read_text())
    adopted = code["resources"]["adopted"]
    assert adopted["type"] in ("demo:Thing", "demo:index:Thing")
    assert adopted["properties"] == {"label": "made elsewhere"}
    assert adopted["options"] == {"protect": True}

    program_file = stack.dir / "Pulumi.yaml"
    program = yaml.safe_load(program_file.read_text())
    program["resources"].update(code["resources"])
    program_file.write_text(yaml.safe_dump(program, sort_keys=False))
    stack.preview("--expect-no-changes")

    state = json.loads(stack.export())
    ids = {r["urn"].rsplit("::", 1)[1]: r.get("id") for r in state["deployment"]["resources"]
           if r["type"] == "demo:index:Thing"}
    assert ids == {"first": first_id, "adopted": "adopt01"}

    stack.run("state", "unprotect", "--all", "--yes", "--stack", stack.name)
    stack.destroy()
    assert sorted(p.name for p in store.iterdir()) == ["other01.json"]
    assert json.loads((store / "other01.json").read_text()) == {"label": "not ours", "serial": 42}


def test_up__yaml_program_rejects_a_bad_input_before_create(make_stack: Any, tmp_path: Path) -> None:
    stack = make_stack("native_yaml_demo")
    store = tmp_path / "demo-store"
    _demo_env(stack, store)
    program_file = stack.dir / "Pulumi.yaml"
    program_file.write_text(program_file.read_text().replace("label: one", 'label: ""'))
    proc = stack.preview(check=False)
    assert proc.returncode != 0
    assert "label must be a non-empty string" in proc.stdout + proc.stderr
    assert list(store.iterdir()) == []

