"""Sonarly ``AudienceFolder`` and ``Audience`` as Pulumi dynamic resources: declarations only.

The lifecycles are ``folder.py`` and ``audience.py``; the outputs are ``AudienceFolderState`` and
``AudienceState`` in ``models.py``. The provider class names stay: states written before the provider registry
pickled ``audience_providers.sonarly.resource.AudienceProvider`` by module path, and those still load.
"""

# No `from __future__ import annotations` here: the SDK reads each Resource class's annotations with
# `typing.get_type_hints` on every registration, and string annotations cost ~0.2 ms more per resource to evaluate
# (bench/README.md, "Where the CPU goes").

import pulumi
from pulumi.dynamic import Resource
from typing_extensions import Unpack

from .._core.dynamic import DynamicProvider, LifecycleRef, ReadableResource, placeholders
from .._core.tenants import CommonSettings, TenantProvider


class AudienceFolderProvider(DynamicProvider):
    lifecycle = LifecycleRef("sonarly:AudienceFolder", ".folder", "AudienceFolderLifecycle")


class AudienceProvider(DynamicProvider):
    lifecycle = LifecycleRef("sonarly:Audience", ".audience", "AudienceLifecycle")


class AudienceFolder(ReadableResource, Resource, module="sonarly", name="AudienceFolder"):
    """A Sonarly audience folder (holds audiences of one type). See docs/sonarly/audience-folder.md."""

    provider_class = AudienceFolderProvider

    # Written out for type checkers; tests/unit/test_sonarly_provider.py keeps them equal to AudienceFolderState.
    name: pulumi.Output[str]
    audience_type: pulumi.Output[str]
    account_group_id: pulumi.Output[str]

    def __init__(self, resource_name: str, *, name: pulumi.Input[str], audience_type: pulumi.Input[str],
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(AudienceFolderProvider(), resource_name,
                         placeholders(self.__class__, {"name": name, "audience_type": audience_type}), opts)


class Audience(ReadableResource, Resource, module="sonarly", name="Audience"):
    """A Sonarly audience (on_demand or monitoring), optionally in a folder. See docs/sonarly/audience.md."""

    provider_class = AudienceProvider

    # Written out for type checkers; tests/unit/test_sonarly_provider.py keeps them equal to AudienceState.
    name: pulumi.Output[str]
    type: pulumi.Output[str]
    description: pulumi.Output[str | None]
    folder_id: pulumi.Output[str | None]
    adopt_id: pulumi.Output[str | None]
    prospect_urls: pulumi.Output[list[str] | None]
    prospect_count: pulumi.Output[int]
    account_group_id: pulumi.Output[str]

    def __init__(self, resource_name: str, *, name: pulumi.Input[str], type: pulumi.Input[str],
                 description: pulumi.Input[str] | None = None, folder_id: pulumi.Input[str] | None = None,
                 adopt_id: pulumi.Input[str] | None = None,
                 prospect_urls: pulumi.Input[list[str]] | None = None,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        inputs = {"name": name, "type": type, "description": description, "folder_id": folder_id,
                  "adopt_id": adopt_id, "prospect_urls": prospect_urls}
        super().__init__(AudienceProvider(), resource_name, placeholders(self.__class__, inputs), opts)


__all__ = ["Audience", "AudienceFolder", "AudienceFolderProvider", "AudienceProvider"]


class Provider(TenantProvider):
    """Another Sonarly account for the Python classes: pass it as ``opts=pulumi.ResourceOptions(provider=...)``.

    Takes the settings the default provider reads from the stack's ``sonarly:*`` config, as keyword arguments in snake
    case (``sonarly:apiKey`` -> ``api_key``); what isn't given falls back to the environment variable, as
    for the default provider, never to the stack config. Secret settings are stored encrypted. See the README,
    "Several tenants in one stack".
    """

    vendor = "sonarly"
    secret_settings = frozenset({"api_key"})

    def __init__(self, resource_name: str, *, api_key: pulumi.Input[str] | None = None,
                 account_group_id: pulumi.Input[str] | None = None,
                 base_url: pulumi.Input[str] | None = None,
                 not_ready_timeout: pulumi.Input[float] | None = None,
                 opts: pulumi.ResourceOptions | None = None, **settings: Unpack[CommonSettings]) -> None:
        super().__init__(resource_name, dict(api_key=api_key, account_group_id=account_group_id, base_url=base_url,
                              not_ready_timeout=not_ready_timeout, **settings),
                         opts)
