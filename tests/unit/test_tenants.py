"""providers/_core/tenants.py: a resource's tenant is settled before the SDK sees its options, never ignored.

Resources are registered against Pulumi's own mocks (pulumi.runtime.set_mocks), which record what the SDK would
send the engine: the resource's provider reference and inputs, the provider's settings.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pulumi
import pytest
from pulumi.runtime import settings as sdk_settings

from audience_providers import batch, sonarly, thrive, unleashx
from audience_providers._core import native
from audience_providers._core.tenants import TenantProvider
from audience_providers._core.vendors import DYNAMIC_PACKAGE

PROVIDERS: list[type[TenantProvider]] = [thrive.Provider, sonarly.Provider, unleashx.Provider, batch.Provider]


class Recorder(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.registered: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.registered.append(args)
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


@pytest.fixture
def mocks() -> Iterator[Recorder]:
    recorder = Recorder()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    # The SDK's settings are process globals: back to the SDK's defaults after (later tests see no engine).
    root = sdk_settings.get_root_resource()
    pulumi.runtime.set_mocks(recorder, project="p", stack="s", preview=False)
    yield recorder
    sdk_settings.configure(sdk_settings.Settings(project="project", stack="stack", root_directory="root_directory",
                                                 organization="organization"))
    sdk_settings.ROOT.set(root)
    loop.close()
    asyncio.set_event_loop(None)


def _settle() -> None:
    """Let the registrations the constructors scheduled run."""
    loop = asyncio.get_event_loop()
    loop.run_until_complete(asyncio.sleep(0.05))


@pytest.mark.parametrize("cls", PROVIDERS, ids=lambda c: c.vendor)
def test_provider__takes_exactly_the_vendors_settings_and_marks_its_secrets(cls: type[TenantProvider]) -> None:
    declared = {s.key for s in native.vendor_settings(cls.vendor)}
    common = {f"{cls.vendor}:{name}" for name in ("requestsPerMinute", "connectTimeout", "readTimeout",
                                                  "retryDeadline", "skipCredentialsValidation")}
    assert set(cls.setting_keys().values()) == declared | common
    secret = {s.key for s in native.vendor_settings(cls.vendor) if s.secret}
    assert {cls.setting_keys()[name] for name in cls.secret_settings} == secret


def test_provider__registers_a_pulumi_python_provider_with_the_settings_as_config_keys(mocks: Recorder) -> None:
    thrive.Provider("emea", tenant_id="emea-tenant", api_secret="canary-secret", requests_per_minute=120)
    _settle()
    (args,) = mocks.registered
    assert args.typ == f"pulumi:providers:{DYNAMIC_PACKAGE}" and args.name == "emea"
    secret_sig = "4dabf18193072939515e22adb298388d"  # how the SDK marks a secret value on the wire
    assert args.inputs == {"thrive:tenantId": "emea-tenant", "thrive:requestsPerMinute": 120,
                           "thrive:apiSecret": {secret_sig: "1b47061264138c4ac30d75fd1eb44270",
                                                "value": "canary-secret"}}


def test_provider__an_unknown_setting_is_refused_with_the_closest(mocks: Recorder) -> None:
    with pytest.raises(pulumi.RunError, match=r"thrive\.Provider 'emea': unknown setting 'tenant_idd' "
                                              r"\(did you mean 'tenant_id'\?\)"):
        thrive.Provider("emea", tenant_idd="x")  # type: ignore[call-arg]
    _settle()
    assert mocks.registered == []


def test_resource__its_vendors_provider_is_the_one_it_registers_with(mocks: Recorder) -> None:
    emea = thrive.Provider("emea", tenant_id="emea-tenant")
    home = thrive.Structure("home", name="Home", reference="home")
    eng = thrive.Structure("eng", name="Eng", reference="eng", opts=pulumi.ResourceOptions(provider=emea))
    assert home._provider is None and eng._provider is emea  # the default provider, and the tenant
    _settle()
    by_name = {a.name: a for a in mocks.registered}
    assert str(by_name["eng"].provider).endswith("pulumi:providers:pulumi-python::emea::emea-id")
    assert not by_name["home"].provider  # no explicit provider: the engine's default one


def test_resource__a_providers_list_of_several_vendors_gives_each_its_own(mocks: Recorder) -> None:
    emea_thrive = thrive.Provider("emea-thrive", tenant_id="t")
    emea_batch = batch.Provider("emea-batch", project_key="project_x")
    both = pulumi.ResourceOptions(providers=[emea_thrive, emea_batch])
    aud = batch.Audience("vip", name="vip", opts=both)
    eng = thrive.Structure("eng", name="Eng", reference="eng", opts=both)
    assert aud._provider is emea_batch and eng._provider is emea_thrive
    assert both.provider is None  # the program's options object is left as it was


@pytest.mark.parametrize(("make", "said"), [
    (lambda: batch.Provider("other", project_key="project_x"),
     "`provider=` is batch.Provider 'other', which can't serve it: it holds batch settings"),
    (lambda: pulumi.ProviderResource("thrive", "plugin", {}),
     "`provider=` is a pulumi:providers:thrive provider 'plugin', which can't serve it: that is the provider of "
     "the thrive plugin's resources (thrive:index:Structure)"),
    (lambda: pulumi.ProviderResource(DYNAMIC_PACKAGE, "raw", {}),
     "`provider=` is a pulumi:providers:pulumi-python provider 'raw', which can't serve it"),
], ids=["other-vendor", "plugin-provider", "raw-dynamic-provider"])
def test_resource__a_provider_it_cant_honour_is_refused_naming_both(mocks: Recorder, make: Any, said: str) -> None:
    provider = make()
    with pytest.raises(pulumi.RunError) as info:
        thrive.Structure("eng", name="Eng", reference="eng", opts=pulumi.ResourceOptions(provider=provider))
    assert str(info.value).startswith(f"thrive:Structure 'eng': {said}")
    assert 'thrive.Provider("<name>", ...)' in str(info.value)
    _settle()
    assert "eng" not in {a.name for a in mocks.registered}


def test_resource__a_provider_its_parent_passes_down_is_judged_too(mocks: Recorder) -> None:
    group = pulumi.ComponentResource("my:index:Group", "group", opts=pulumi.ResourceOptions(
        providers=[batch.Provider("emea-batch", project_key="project_x")]))
    with pytest.raises(pulumi.RunError, match="thrive:Structure 'eng': its parent passes down batch.Provider"):
        thrive.Structure("eng", name="Eng", reference="eng", opts=pulumi.ResourceOptions(parent=group))
    # The dual: a parent passing down this vendor's tenant gives it to the child.
    emea = thrive.Provider("emea", tenant_id="t")
    team = pulumi.ComponentResource("my:index:Group", "team", opts=pulumi.ResourceOptions(providers=[emea]))
    child = thrive.Structure("child", name="Child", reference="child", opts=pulumi.ResourceOptions(parent=team))
    assert child._provider is emea


def test_resource__a_provider_of_an_unrelated_package_is_left_to_pulumi(mocks: Recorder) -> None:
    other = pulumi.ProviderResource("aws", "aws", {})
    eng = thrive.Structure("eng", name="Eng", reference="eng", opts=pulumi.ResourceOptions(provider=other))
    assert eng._provider is None  # Pulumi's own rule: a provider of another package serves children only


def test_get__reads_through_the_tenant_it_is_given(mocks: Recorder) -> None:
    emea = thrive.Provider("emea", tenant_id="t")
    got = thrive.Structure.get("got", "some-id", opts=pulumi.ResourceOptions(provider=emea))
    assert got._provider is emea
