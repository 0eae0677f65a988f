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

from .._core.dynamic import DynamicProvider, LifecycleRef, ReadableResource, placeholders


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
