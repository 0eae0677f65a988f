"""UnleashX ``Campaign`` and ``CampaignAudience`` as Pulumi dynamic resources: declarations only.

The lifecycles (what each engine call does) are in ``campaign.py``; the outputs are ``CampaignState`` and
``CampaignAudienceState`` in ``models.py``.
"""

# No `from __future__ import annotations` here: the SDK reads each Resource class's annotations with
# `typing.get_type_hints` on every registration, and string annotations cost ~0.2 ms more per resource to evaluate
# (bench/README.md, "Where the CPU goes").

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
from pulumi.dynamic import Resource
from typing_extensions import Unpack

from .._core.dynamic import DynamicProvider, LifecycleRef, ReadableResource, placeholders
from .._core.tenants import CommonSettings, TenantProvider

__all__ = ["Campaign", "CampaignAudience", "CampaignAudienceProvider", "CampaignProvider"]


# The class names stay: states written before the provider registry pickled these classes by module path.
class CampaignProvider(DynamicProvider):
    lifecycle = LifecycleRef("unleashx:Campaign", ".campaign", "CampaignLifecycle")


class CampaignAudienceProvider(DynamicProvider):
    lifecycle = LifecycleRef("unleashx:CampaignAudience", ".campaign", "CampaignAudienceLifecycle")


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.date) else value


class Campaign(ReadableResource, Resource, module="unleashx", name="Campaign"):
    """An UnleashX calling campaign. Destroy pauses it (no delete API). See docs/unleashx/campaign.md."""

    provider_class = CampaignProvider

    # = CampaignState's fields (tests/unit/test_unleashx_provider.py keeps them equal)
    campaign_name: pulumi.Output[str]
    agent_id: pulumi.Output[int]
    description: pulumi.Output[str]
    start_date: pulumi.Output[str]
    end_date: pulumi.Output[str]
    max_retry: pulumi.Output[int]
    max_delay: pulumi.Output[dict[str, int] | None]
    status: pulumi.Output[str]
    conditions: pulumi.Output[list[dict[str, Any]] | None]
    adopt_id: pulumi.Output[int | None]
    delete_records_on_destroy: pulumi.Output[bool]
    campaign_id: pulumi.Output[int]
    on_destroy: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        campaign_name: pulumi.Input[str],
        agent_id: pulumi.Input[int],
        description: pulumi.Input[str],
        start_date: pulumi.Input[str] | datetime.date,
        end_date: pulumi.Input[str] | datetime.date,
        max_retry: pulumi.Input[int],
        max_delay: pulumi.Input[Mapping[str, int]] | None = None,
        status: pulumi.Input[str] = "draft",
        conditions: pulumi.Input[Sequence[Mapping[str, Any]]] | None = None,
        adopt_id: int | None = None,
        delete_records_on_destroy: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = placeholders(self.__class__, {
            "campaign_name": campaign_name,
            "agent_id": agent_id,
            "description": description,
            "start_date": _iso(start_date),
            "end_date": _iso(end_date),
            "max_retry": max_retry,
            "max_delay": max_delay,
            "status": status,
            "conditions": conditions,
            "adopt_id": adopt_id,
            "delete_records_on_destroy": delete_records_on_destroy,
        })
        super().__init__(CampaignProvider(), resource_name, props, opts)


class CampaignAudience(ReadableResource, Resource, module="unleashx", name="CampaignAudience"):
    """Existing audience records of one campaign, owned by phone number. See docs/unleashx/campaign-audience.md."""

    provider_class = CampaignAudienceProvider

    # = CampaignAudienceState's fields (tests/unit/test_unleashx_provider.py keeps them equal)
    campaign_id: pulumi.Output[int]
    phone_numbers: pulumi.Output[list[str]]
    records: pulumi.Output[list[dict[str, Any]]]
    record_ids: pulumi.Output[list[int]]

    def __init__(self, resource_name: str, *, campaign_id: pulumi.Input[int],
                 phone_numbers: pulumi.Input[Sequence[pulumi.Input[str]]],
                 opts: pulumi.ResourceOptions | None = None) -> None:
        props = placeholders(self.__class__, {"campaign_id": campaign_id, "phone_numbers": phone_numbers})
        super().__init__(CampaignAudienceProvider(), resource_name, props, opts)


class Provider(TenantProvider):
    """Another UnleashX workspace for the Python classes: pass it as ``opts=pulumi.ResourceOptions(provider=...)``.

    Takes the settings the default provider reads from the stack's ``unleashx:*`` config, as keyword arguments in snake
    case (``unleashx:token`` -> ``token``); what isn't given falls back to the environment variable, as
    for the default provider, never to the stack config. Secret settings are stored encrypted. See the README,
    "Several tenants in one stack".
    """

    vendor = "unleashx"
    secret_settings = frozenset({"token"})

    def __init__(self, resource_name: str, *, token: pulumi.Input[str] | None = None,
                 base_url: pulumi.Input[str] | None = None,
                 opts: pulumi.ResourceOptions | None = None, **settings: Unpack[CommonSettings]) -> None:
        super().__init__(resource_name, dict(token=token, base_url=base_url, **settings),
                         opts)
