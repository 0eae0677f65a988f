"""What each resource records in the stack's state, so that it can't grow back unnoticed (issue #20: <= 1 KB each).

`python -m bench.state_size` measures the bytes (bench/README.md); these tests pin what the bytes are made of: the
outputs each type records (a new one is a decision: add it here and to the type's docs page), no nulls where a
missing key reads the same, and the short texts recorded per resource.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import pytest
from pulumi.provider.experimental import provider as sdk
from pulumi.provider.experimental.property_value import PropertyValue

from audience_providers._core import native
from audience_providers._core.lifecycle import Created, Read, Updated
from audience_providers.batch.audience import AudienceArgs, AudienceState
from audience_providers.batch.members import Members
from audience_providers.batch.models import MembersSpec
from audience_providers.unleashx import campaign

# Every output each type records (its state model's fields). Docs: docs/<vendor>/<resource>.md, "Outputs".
RECORDED_OUTPUTS = {
    "thrive:Structure": ["name", "reference", "adopt", "thrive_id", "api_controlled", "category", "type"],
    "thrive:Audience": ["name", "reference", "adopt", "thrive_id", "api_controlled", "category", "type", "parent"],
    "thrive:AudienceMembers": ["audience", "members", "membership", "adopt", "member_count", "added"],
    "thrive:AudienceManagers": ["audience", "managers", "adopt"],
    "sonarly:AudienceFolder": ["name", "audience_type", "account_group_id"],
    "sonarly:Audience": ["name", "type", "description", "folder_id", "adopt_id", "prospect_urls", "prospect_count",
                         "account_group_id"],
    "unleashx:Campaign": ["campaign_name", "agent_id", "description", "start_date", "end_date", "max_retry",
                          "max_delay", "status", "conditions", "adopt_id", "delete_records_on_destroy", "campaign_id",
                          "on_destroy"],
    "unleashx:CampaignAudience": ["campaign_id", "phone_numbers", "records", "record_ids"],
    "batch:Audience": ["name", "display_name", "members", "membership", "adopt", "nb_ids", "adopted"],
}


def _lifecycles() -> dict[str, Any]:
    return {lc.resource_label: lc for vendor in ("thrive", "sonarly", "unleashx", "batch")
            for lc in native.vendor_lifecycles(vendor)}


def test_outputs__each_type_records_exactly_these_fields() -> None:
    recorded = {label: list(lc.state_model.model_fields) for label, lc in _lifecycles().items()}
    assert recorded == RECORDED_OUTPUTS


def _nulls(value: Any, path: str = "") -> list[str]:
    if isinstance(value, Mapping):
        return [p for k, v in value.items() for p in
                ([f"{path}{k}"] if v is None else _nulls(v, f"{path}{k}."))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _nulls(v, f"{path}[{i}].")]
    return []


def test_batch_members__recorded_without_nulls() -> None:
    spec = Members.of(["u1", "u2", {"id": "u3", "attributes": {"tier": "gold"}}]).spec()
    args = AudienceArgs.model_validate({"name": "vip", "members": spec})
    dumped = args.model_dump(mode="json")  # what check records among the inputs
    assert dumped["members"] == {"digest": spec["digest"], "count": 3,
                                 "inline": ["u1", "u2", {"id": "u3", "attributes": {"tier": "gold"}}]}
    assert _nulls(dumped["members"]) == []
    big = MembersSpec(digest=spec["digest"], count=101)  # digest and count only (a file, or a long inline list)
    assert big.model_dump(mode="json") == {"digest": spec["digest"], "count": 101}
    assert MembersSpec.model_validate(big.model_dump(mode="json")) == big  # reads back the same
    state = AudienceState(name="vip", members=args.members).model_dump(mode="json")
    assert _nulls(state["members"]) == []


@pytest.mark.parametrize("adopted", [False, True])
@pytest.mark.parametrize("delete_records", [False, True])
def test_unleashx_on_destroy__short_text_recorded_twice_per_campaign(delete_records: bool, adopted: bool) -> None:
    text = campaign.on_destroy(delete_records, adopted=adopted)
    assert text == (f"pause{'' if adopted else ' and rename'} (no campaign delete), "
                    f"{'delete' if delete_records else 'keep'} audience records")
    assert len(text) <= 64


class _Stub:
    """A lifecycle answering with an unset (None) output, as the models dump optional fields."""

    declared_schemas: dict[str, Any] = {}
    outs = {"campaign_name": "Winter", "adopt_id": None, "max_delay": None, "campaign_id": 7}

    def create(self, props: Mapping[str, Any]) -> Created:
        return Created("7", dict(self.outs))

    def read(self, id_: str, props: Mapping[str, Any]) -> Read:
        return Read(id_, dict(self.outs), {"campaign_name": "Winter", "adopt_id": None})

    def update(self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Updated:
        return Updated(dict(self.outs))


def test_native__state_records_no_null_outputs_or_inputs() -> None:
    provider = native.NativeProvider("unleashx", native.vendor_lifecycles("unleashx"),
                                     native.vendor_settings("unleashx"))
    urn = "urn:pulumi:s::p::unleashx:index:Campaign::c"
    provider._instances["unleashx:index:Campaign"] = _Stub()  # type: ignore[assignment]
    props = {"campaignName": PropertyValue("Winter")}
    created = asyncio.run(provider.create(sdk.CreateRequest(urn, props, 60.0, False)))
    read = asyncio.run(provider.read(sdk.ReadRequest(urn, "7", props, props)))
    updated = asyncio.run(provider.update(sdk.UpdateRequest(urn, "7", props, props, 60.0, [], False)))
    expected = {"campaignName", "campaignId"}
    assert set(created.properties or {}) == expected
    assert set(read.properties or {}) == expected and set(read.inputs or {}) == {"campaignName"}
    assert set(updated.properties or {}) == expected
