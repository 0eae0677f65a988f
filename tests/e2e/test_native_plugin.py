"""The Thrive resources as a provider plugin (`pulumi-resource-thrive`) through the real engine.

Two Thrive tenants in one stack: the default provider from stack config (`thrive:*`) and an explicit
`pulumi:providers:thrive` resource. Each tenant is its own emulator process, so "each resource went to its own
tenant" is read from each emulator's state and request log. Then import by id, refresh, rename in place, destroy.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulators.admin import EmulatorProcess

from .conftest import PROGRAMS, ROOT, Stack
from .fleet import destroy_and_check

pytestmark = pytest.mark.e2e

TENANT, SECRET = "demo-tenant", "demo-thrive-secret"
EMEA_SECRET = "emea-canary-secret-5c1d9e"  # must never appear in plain text in state or output


class Tenant(EmulatorProcess):
    """One Thrive emulator process: a tenant of its own."""

    def __init__(self) -> None:
        super().__init__(("thrive",), cwd=ROOT)
        self.admin = self["thrive"]
        self.base_url = self.admin.base_url

    def audiences(self) -> list[dict[str, Any]]:
        return list(self.admin.objects("audiences").values())

    def references(self) -> set[str]:
        return {a["reference"] for a in self.audiences()}

    def requests(self) -> list[dict[str, Any]]:
        return self.admin.requests()

    def seed_tenant(self, tenant: str, secret: str) -> None:
        self.admin.seed({"tenants": [{"tenantId": tenant, "apiSecret": secret}]})


@pytest.fixture
def tenants() -> Iterator[tuple[Tenant, Tenant]]:
    home, emea = Tenant(), Tenant()
    emea.seed_tenant("emea-tenant", EMEA_SECRET)
    yield home, emea
    home.stop()
    emea.stop()


def _stack(pulumi_bin: Path, tmp_path: Path, home: Tenant, emea: Tenant) -> Stack:
    workdir = tmp_path / "native_thrive"
    import shutil

    shutil.copytree(PROGRAMS / "native_thrive", workdir)
    stack = Stack(workdir, pulumi_bin)
    stack.run("stack", "init", stack.name, "--non-interactive")
    stack.config("thrive:baseUrl", home.base_url)
    stack.config("thrive:tenantId", TENANT)
    stack.config("thrive:apiSecret", SECRET, secret=True)
    stack.config("emeaTenant", "emea-tenant")
    stack.config("emeaSecret", EMEA_SECRET, secret=True)
    stack.config("emeaBaseUrl", emea.base_url)
    return stack


def test_plugin__two_tenants_in_one_stack_import_refresh_update_destroy(pulumi_bin: Path, tmp_path: Path,
                                                                        tenants: tuple[Tenant, Tenant]) -> None:
    home, emea = tenants
    stack = _stack(pulumi_bin, tmp_path, home, emea)

    out = stack.up()
    assert home.references() == {"nat-home"}
    assert emea.references() == {"nat-eng", "nat-team"}
    eng = next(a for a in emea.audiences() if a["reference"] == "nat-eng")
    team = next(a for a in emea.audiences() if a["reference"] == "nat-team")
    assert team["parent"]["id"] == eng["id"]  # the child went to the tenant of its parent
    # Nothing of one tenant's resources reached the other's API.
    assert not any("nat-eng" in (r.get("body") or "") or "nat-team" in (r.get("body") or "")
                   for r in home.requests())
    assert not any("nat-home" in (r.get("body") or "") for r in emea.requests())

    exported = stack.run("stack", "export").stdout
    state = json.loads(exported)
    assert EMEA_SECRET not in exported and SECRET not in exported  # provider secrets are encrypted in state
    assert EMEA_SECRET not in out.stdout + out.stderr
    types = {r["type"] for r in state["deployment"]["resources"]}
    assert {"thrive:index:Structure", "thrive:index:Audience", "pulumi:providers:thrive"} <= types

    assert stack.preview("--expect-no-changes").returncode == 0

    # Rename in place on the default tenant: an update, not a replacement.
    stack.config("homeName", "Home renamed")
    out = stack.up()
    assert "replaced" not in out.stdout
    assert next(a for a in home.audiences() if a["reference"] == "nat-home")["name"] == "Home renamed"

    # `pulumi import` by the vendor id, then the program declares it: no changes.
    made = httpx.post(f"{home.base_url}/audiences", auth=httpx.BasicAuth(TENANT, SECRET),
                      json={"name": "Made outside", "reference": "nat-outside", "category": "structure"})
    assert made.status_code == 201, made.text
    outside_id = made.json()["id"]
    stack.run("import", "thrive:index:Structure", "imported", outside_id, "--yes", "--non-interactive",
              "--generate-code=false", "--stack", stack.name)
    stack.config("importedId", outside_id)
    assert stack.preview("--expect-no-changes").returncode == 0

    # Out-of-band rename is drift that refresh sees; the next up puts the declared name back.
    httpx.patch(f"{home.base_url}/audiences/nat-home", auth=httpx.BasicAuth(TENANT, SECRET),
                json={"name": "Renamed in the UI"}).raise_for_status()
    refreshed = stack.refresh()
    assert re.search(r"~ +\d+ updated|1 updated", refreshed.stdout), refreshed.stdout
    stack.up()
    assert next(a for a in home.audiences() if a["reference"] == "nat-home")["name"] == "Home renamed"

    destroy_and_check(stack, [home.admin, emea.admin])
    # Neither tenant holds anything of the stack (the imported structure was the stack's too).
    assert home.references() == set()
    assert emea.references() == set()


def test_plugin__get_schema_names_every_resource_and_marks_config_secrets(pulumi_bin: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PATH": f"{pulumi_bin}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}"
           f"{os.environ.get('PATH', '')}", "PULUMI_HOME": str(tmp_path / ".pulumi-home"),
           "PULUMI_SKIP_UPDATE_CHECK": "true"}
    for vendor, resources in {"thrive": {"Structure", "Audience", "AudienceMembers", "AudienceManagers"},
                              "sonarly": {"Audience", "AudienceFolder"},
                              "unleashx": {"Campaign", "CampaignAudience"}, "batch": {"Audience"}}.items():
        plugin = Path(sys.executable).parent / f"pulumi-resource-{vendor}"
        got = subprocess.run(["pulumi", "package", "get-schema", str(plugin)], env=env, capture_output=True,
                             text=True, timeout=120)
        assert got.returncode == 0, got.stderr
        schema = json.loads(got.stdout)
        assert schema["name"] == vendor
        assert {t.split(":")[-1] for t in schema["resources"]} == resources
        secrets = {k for k, v in schema["config"]["variables"].items() if v.get("secret")}
        assert secrets, f"{vendor}: no secret config"
        assert all(v["defaultInfo"]["environment"] for v in schema["config"]["variables"].values())


HOME_CANARY, WRONG_CANARY = "home-canary-secret-7a3f0b", "wrong-canary-secret-2e8d41"


def test_plugin__canary_secrets_absent_from_state_debug_logs_and_errors(pulumi_bin: Path, tmp_path: Path,
                                                                        tenants: tuple[Tenant, Tenant]) -> None:
    home, emea = tenants
    home.seed_tenant("home-canary", HOME_CANARY)
    stack = _stack(pulumi_bin, tmp_path, home, emea)
    stack.config("thrive:tenantId", "home-canary")
    stack.config("thrive:apiSecret", HOME_CANARY, secret=True)
    stack.env["AUDIENCE_PROVIDERS_LOG"] = "debug"  # our request logs, through the engine's log

    up = stack.run("up", "--yes", "--non-interactive", "--skip-preview", "--stack", stack.name, "-v=9",
                   "--logtostderr", "--logflow")
    assert home.references() == {"nat-home"}  # the canary credential really authenticated
    exported = stack.run("stack", "export").stdout
    texts = {"up output and engine/plugin logs": up.stdout + up.stderr, "state": exported}
    logged = up.stdout + up.stderr
    assert "POST /audiences" in logged and "audience_providers.http" in logged, "debug request logs not captured"

    # A rejected credential: one clear message naming the settings, never the value sent.
    stack.config("emeaSecret", WRONG_CANARY, secret=True)
    rejected = stack.preview(check=False)
    assert rejected.returncode != 0
    assert "rejected the configured credentials" in rejected.stdout + rejected.stderr
    texts["rejected preview"] = rejected.stdout + rejected.stderr
    for where, text in texts.items():
        for canary in (HOME_CANARY, EMEA_SECRET, WRONG_CANARY):
            assert canary not in text, f"canary {canary} found in {where}"

    stack.config("emeaSecret", EMEA_SECRET, secret=True)
    destroy_and_check(stack, [home.admin, emea.admin], prefixes=["nat-"])
