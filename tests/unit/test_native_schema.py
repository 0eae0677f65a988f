"""The plugin's schema is generated from the models: it names exactly their fields, required inputs, replacements
and the vendor's settings, so a model and the served schema can't disagree."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
from typing import Any

import pytest

from audience_providers._core import native
from audience_providers._core.schema import snake, token
from audience_providers._core.util import camel

VENDORS = ["thrive", "sonarly", "unleashx", "batch"]


def _served(vendor: str) -> tuple[native.NativeProvider, dict[str, Any]]:
    provider = native.NativeProvider(vendor, native.vendor_lifecycles(vendor), native.vendor_settings(vendor))
    from pulumi.provider.experimental import provider as sdk

    response = asyncio.run(provider.get_schema(sdk.GetSchemaRequest(0)))
    assert response.schema is not None
    return provider, json.loads(response.schema)


@pytest.mark.parametrize("vendor", VENDORS)
def test_schema__inputs_outputs_and_replacements_follow_the_models(vendor: str) -> None:
    provider, schema = _served(vendor)
    assert set(schema["resources"]) == set(provider.types)
    for tok, lifecycle in provider.types.items():
        spec = schema["resources"][tok]
        fields = lifecycle.args_model.model_fields
        assert set(spec["inputProperties"]) == {camel(f) for f in fields}
        assert set(spec["requiredInputs"]) == {camel(f) for f, info in fields.items() if info.is_required()}
        replaced = {k for k, v in spec["inputProperties"].items() if v.get("replaceOnChanges")}
        assert replaced == {camel(f) for f in lifecycle.replace_fields}
        outputs = lifecycle.state_model.model_fields if lifecycle.state_model is not None else fields
        assert set(spec["properties"]) == {camel(f) for f in outputs}
        for prop in spec["inputProperties"].values():
            ref = prop.get("$ref", "")
            if ref.startswith("#/types/"):
                assert ref[len("#/types/"):] in schema["types"]


@pytest.mark.parametrize("vendor", VENDORS)
def test_schema__config_is_the_vendors_settings_with_secrets_marked(vendor: str) -> None:
    _, schema = _served(vendor)
    settings = native.vendor_settings(vendor)
    variables = schema["config"]["variables"]
    assert set(variables) == {s.key.split(":", 1)[1] for s in settings}
    for setting in settings:
        prop = variables[setting.key.split(":", 1)[1]]
        assert bool(prop.get("secret")) == setting.secret
        assert prop["defaultInfo"]["environment"] == [setting.env]
    assert schema["provider"]["inputProperties"] == variables


def test_names__camel_and_snake_round_trip_every_field() -> None:
    for vendor in VENDORS:
        for lifecycle in native.vendor_lifecycles(vendor):
            for field in lifecycle.args_model.model_fields:
                assert snake(camel(field)) == field
    assert token("thrive", "thrive:AudienceMembers") == "thrive:index:AudienceMembers"


def test_values__whole_numbers_become_ints_and_computed_becomes_the_unknown_marker() -> None:
    from pulumi.provider.experimental.property_value import PropertyValue

    from audience_providers._core.lifecycle import UNKNOWN

    props = {"agentId": PropertyValue(3.0), "campaignName": PropertyValue.computed(),
             "phoneNumbers": PropertyValue([PropertyValue("+1")])}
    assert native.to_model(props) == {"agent_id": 3, "campaign_name": UNKNOWN, "phone_numbers": ["+1"]}
    back = native.to_wire({"agent_id": 3, "display_name": None}, frozenset({"agent_id"}))
    assert back["agentId"].value == 3.0 and back["agentId"].is_secret and back["displayName"].value is None


# -- start-up: what the plugin does before the engine gets its port, and how it stops ----------------------------
@pytest.mark.parametrize("vendor", VENDORS)
def test_config_keys__equal_the_vendors_declared_settings(vendor: str) -> None:
    from audience_providers._core.config import ENGINE_KEYS, known_keys

    declared = {*known_keys(vendor, native.vendor_settings(vendor)), *ENGINE_KEYS}
    assert native.CONFIG_KEYS[vendor] == declared


def test_check_config__known_names_pass_before_the_vendor_is_loaded() -> None:
    from pulumi.provider.experimental import provider as sdk
    from pulumi.provider.experimental.property_value import PropertyValue

    provider = native.NativeProvider("sonarly")
    request = sdk.CheckRequest("urn:pulumi:s::p::pulumi:providers:sonarly::default", {}, {
        "apiKey": PropertyValue("k"), "baseUrl": PropertyValue("http://127.0.0.1:1/v1"),
        "version": PropertyValue("0.1.0")}, b"")
    response = asyncio.run(provider.check_config(request))
    assert response.failures == []
    assert provider._loaded is None  # answered without importing the vendor's modules


def test_check_config__an_unknown_name_is_judged_by_the_declared_settings() -> None:
    from pulumi.provider.experimental import provider as sdk
    from pulumi.provider.experimental.property_value import PropertyValue

    provider = native.NativeProvider("sonarly")
    request = sdk.CheckRequest("urn:pulumi:s::p::pulumi:providers:sonarly::default", {}, {
        "apiKey": PropertyValue("k"), "notReadyTimout": PropertyValue("5")}, b"")
    failures = asyncio.run(provider.check_config(request)).failures or []
    assert len(failures) == 1
    reason = failures[0].reason
    assert "sonarly:notReadyTimout is not a setting" in reason and "did you mean sonarly:notReadyTimeout?" in reason
    assert provider._loaded is not None


def test_import__the_plugin_module_leaves_pydantic_httpx_and_the_lifecycles_for_later() -> None:
    code = ("import sys\nfrom audience_providers._core import native\n"
            "print(sorted(m for m in ('pydantic', 'httpx', 'audience_providers._core.lifecycle', "
            "'audience_providers.sonarly') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_serve__the_engines_stop_signal_ends_the_plugin_quietly(signum: int) -> None:
    # The engine's address is not dialled until a progress line is sent, so any address will do here.
    plugin = subprocess.Popen([sys.executable, "-m", "audience_providers.plugin", "serve", "unleashx",
                               "127.0.0.1:9"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert plugin.stdout is not None
        port = int(plugin.stdout.readline())
        assert port > 0
        plugin.send_signal(signum)
        _, err = plugin.communicate(timeout=30)
    finally:
        if plugin.poll() is None:
            plugin.kill()
    assert plugin.returncode == 0
    assert err.decode() == ""


def test_unknown__the_sdks_marker_is_the_lifecycles() -> None:
    from audience_providers._core.lifecycle import UNKNOWN

    assert native.UNKNOWN == UNKNOWN


def test_configure__waits_for_nothing_and_the_first_lifecycle_reads_the_values() -> None:
    from pulumi.provider.experimental import provider as sdk
    from pulumi.provider.experimental.property_value import Computed, PropertyValue

    provider = native.NativeProvider("unleashx")
    request = sdk.ConfigureRequest(variables={"unleashx:config:baseUrl": "http://127.0.0.1:9/api/v1/global"},
                                   args={"token": PropertyValue("t0k3n"), "readTimeout": PropertyValue(Computed())},
                                   accept_secrets=True, accept_resources=True)
    asyncio.run(provider.configure(request))
    assert provider._loaded is None
    provider.lifecycle("unleashx:index:Campaign")
    assert provider._source is not None
    assert sorted(provider._source.keys() or []) == ["unleashx:baseUrl", "unleashx:token"]  # not the unknown one
    assert provider._source._stack_get("unleashx:token") == "t0k3n"
