"""Thrive resources as Pulumi declares them: one dynamic provider per lifecycle and the typed Resource classes.

The behaviour lives in ``structure.py`` and ``members.py`` (no Pulumi there); the outputs in ``models.py``'s
``*State`` models. The provider classes keep their names here: states written before the provider registry
pickled them by this module path (``audience_providers.thrive.resource.StructureProvider``).
"""

# No `from __future__ import annotations` here: the SDK reads each Resource class's annotations with
# `typing.get_type_hints` on every registration, and string annotations cost ~0.2 ms more per resource to evaluate
# (bench/README.md, "Where the CPU goes").

from typing import Any

import pulumi
from pulumi.dynamic import Resource
from typing_extensions import Unpack

from .._core.dynamic import DynamicProvider, LifecycleRef, ReadableResource, placeholders
from .._core.tenants import CommonSettings, TenantProvider


class StructureProvider(DynamicProvider):
    lifecycle = LifecycleRef("thrive:Structure", ".structure", "StructureLifecycle")


class AudienceProvider(DynamicProvider):
    lifecycle = LifecycleRef("thrive:Audience", ".structure", "AudienceLifecycle")


class AudienceMembersProvider(DynamicProvider):
    lifecycle = LifecycleRef("thrive:AudienceMembers", ".members", "AudienceMembersLifecycle")


class AudienceManagersProvider(DynamicProvider):
    lifecycle = LifecycleRef("thrive:AudienceManagers", ".members", "AudienceManagersLifecycle")


class Structure(ReadableResource, Resource, module="thrive", name="Structure"):
    """A Thrive structure: a top-level audience (category `structure`). See docs/thrive/structure.md."""

    provider_class = StructureProvider

    # Written out for type checkers, and the outputs named at registration: tests/unit/test_program_imports.py
    # keeps them equal to StructureState's fields (the models stay out of the program's imports).

    name: pulumi.Output[str]
    reference: pulumi.Output[str]
    adopt: pulumi.Output[bool]
    thrive_id: pulumi.Output[str]
    api_controlled: pulumi.Output[bool]
    category: pulumi.Output[str]
    type: pulumi.Output[str]

    def __init__(self, resource_name: str, *, name: pulumi.Input[str], reference: pulumi.Input[str],
                 adopt: bool = False, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(StructureProvider(), resource_name,
                         placeholders(self.__class__, {"name": name, "reference": reference, "adopt": adopt}), opts)


class Audience(ReadableResource, Resource, module="thrive", name="Audience"):
    """A Thrive child audience inside a structure (category `audience`). See docs/thrive/audience.md."""

    provider_class = AudienceProvider

    name: pulumi.Output[str]
    reference: pulumi.Output[str]
    adopt: pulumi.Output[bool]
    thrive_id: pulumi.Output[str]
    api_controlled: pulumi.Output[bool]
    category: pulumi.Output[str]
    type: pulumi.Output[str]
    parent: pulumi.Output[str]

    def __init__(self, resource_name: str, *, name: pulumi.Input[str], reference: pulumi.Input[str],
                 parent: pulumi.Input[str], adopt: bool = False,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(AudienceProvider(), resource_name,
                         placeholders(self.__class__, {"name": name, "reference": reference, "parent": parent,
                                                      "adopt": adopt}), opts)


class AudienceMembers(ReadableResource, Resource, module="thrive", name="AudienceMembers"):
    """The members of a Thrive audience. See docs/thrive/audience-members.md."""

    provider_class = AudienceMembersProvider

    audience: pulumi.Output[str]
    members: pulumi.Output[list[str]]
    membership: pulumi.Output[str]
    adopt: pulumi.Output[bool]
    member_count: pulumi.Output[int]
    added: pulumi.Output[list[str] | None]

    def __init__(self, resource_name: str, *, audience: pulumi.Input[str], members: pulumi.Input[list[str]],
                 membership: str = "authoritative", adopt: bool = False,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(AudienceMembersProvider(), resource_name,
                         placeholders(self.__class__, {"audience": audience, "members": members,
                                                             "membership": membership, "adopt": adopt}), opts)


class AudienceManagers(ReadableResource, Resource, module="thrive", name="AudienceManagers"):
    """The managers of a Thrive audience or structure. See docs/thrive/audience-managers.md."""

    provider_class = AudienceManagersProvider

    audience: pulumi.Output[str]
    managers: pulumi.Output[list[dict[str, Any]]]
    adopt: pulumi.Output[bool]

    def __init__(self, resource_name: str, *, audience: pulumi.Input[str],
                 managers: pulumi.Input[list[dict[str, Any]]], adopt: bool = False,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(AudienceManagersProvider(), resource_name,
                         placeholders(self.__class__, {"audience": audience, "managers": managers,
                                                              "adopt": adopt}), opts)


class Provider(TenantProvider):
    """Another Thrive Learning tenant for the Python classes: pass it as ``opts=pulumi.ResourceOptions(provider=...)``.

    Takes the settings the default provider reads from the stack's ``thrive:*`` config, as keyword arguments in snake
    case (``thrive:tenantId`` -> ``tenant_id``); what isn't given falls back to the environment variable, as
    for the default provider, never to the stack config. Secret settings are stored encrypted. See the README,
    "Several tenants in one stack".
    """

    vendor = "thrive"
    secret_settings = frozenset({"api_secret", "client_secret"})

    def __init__(self, resource_name: str, *, tenant_id: pulumi.Input[str] | None = None,
                 api_secret: pulumi.Input[str] | None = None,
                 client_id: pulumi.Input[str] | None = None,
                 client_secret: pulumi.Input[str] | None = None,
                 region: pulumi.Input[str] | None = None,
                 base_url: pulumi.Input[str] | None = None,
                 token_url: pulumi.Input[str] | None = None,
                 scope: pulumi.Input[str] | None = None,
                 opts: pulumi.ResourceOptions | None = None, **settings: Unpack[CommonSettings]) -> None:
        super().__init__(resource_name, dict(tenant_id=tenant_id, api_secret=api_secret, client_id=client_id,
                              client_secret=client_secret, region=region, base_url=base_url,
                              token_url=token_url, scope=scope, **settings),
                         opts)
