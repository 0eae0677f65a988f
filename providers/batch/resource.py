"""Batch ``Audience`` for Pulumi: the provider the engine pickles into state, and the Resource a program declares.

The lifecycle (what each engine call does) is ``audience.py``; this module only serves it through
``pulumi.dynamic``.
"""

# No `from __future__ import annotations` here: the SDK reads each Resource class's annotations with
# `typing.get_type_hints` on every registration, and string annotations cost ~0.2 ms more per resource to evaluate
# (bench/README.md, "Where the CPU goes").

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
from pulumi.dynamic import Resource
from typing_extensions import Unpack

from .._core.dynamic import DynamicProvider, LifecycleRef, ReadableResource, placeholders
from .._core.tenants import CommonSettings, TenantProvider
from .members import Members, MembersError


class AudienceProvider(DynamicProvider):
    # The class keeps its name and module: states written before the registry pickled it by module path
    # (audience_providers.batch.resource.AudienceProvider) and still load.
    lifecycle = LifecycleRef("batch:Audience", ".audience", "AudienceLifecycle")


class Audience(ReadableResource, Resource, module="batch", name="Audience"):
    """A Batch custom-id audience. See docs/batch/audience.md."""

    provider_class = AudienceProvider

    # Written out for type checkers; tests/unit/test_batch_provider.py keeps them equal to AudienceState's fields.
    name: pulumi.Output[str]
    display_name: pulumi.Output[str | None]
    members: pulumi.Output[dict[str, Any] | None]
    membership: pulumi.Output[str]
    adopt: pulumi.Output[bool]
    nb_ids: pulumi.Output[int]
    adopted: pulumi.Output[bool]

    def __init__(
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str],
        display_name: pulumi.Input[str] | None = None,
        members: Members | Sequence[str | Mapping[str, Any]] | None = None,
        membership: str = "authoritative",
        adopt: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        if members is not None and not isinstance(members, Members):
            members = Members.of(members)
        try:
            spec = members.spec() if members is not None else None
        except MembersError as exc:
            # A clean one-line error at preview (RunError: no traceback), naming the resource, file and line.
            raise pulumi.RunError(f"{AudienceProvider.resource_label} {resource_name!r}: {exc}") from None
        props = placeholders(self.__class__, {"name": name, "display_name": display_name, "members": spec,
                                             "membership": membership, "adopt": adopt})
        super().__init__(AudienceProvider(), resource_name, props, opts)


class Provider(TenantProvider):
    """Another Batch.com project for the Python classes: pass it as ``opts=pulumi.ResourceOptions(provider=...)``.

    Takes the settings the default provider reads from the stack's ``batch:*`` config, as keyword arguments in snake
    case (``batch:apiKey`` -> ``api_key``); what isn't given falls back to the environment variable, as
    for the default provider, never to the stack config. Secret settings are stored encrypted. See the README,
    "Several tenants in one stack".
    """

    vendor = "batch"
    secret_settings = frozenset({"api_key"})

    def __init__(self, resource_name: str, *, api_key: pulumi.Input[str] | None = None,
                 project_key: pulumi.Input[str] | None = None,
                 base_url: pulumi.Input[str] | None = None,
                 indexing_timeout: pulumi.Input[float] | None = None,
                 opts: pulumi.ResourceOptions | None = None, **settings: Unpack[CommonSettings]) -> None:
        super().__init__(resource_name, dict(api_key=api_key, project_key=project_key, base_url=base_url,
                              indexing_timeout=indexing_timeout, **settings),
                         opts)
