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

from .._core.dynamic import DynamicProvider, LifecycleRef, ReadableResource, placeholders
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
