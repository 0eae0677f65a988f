"""Pulumi's own idioms on our resources: `ResourceOptions(import_=...)` and `Resource.get`, chosen by config."""

import pulumi

from audience_providers import batch, sonarly, thrive, unleashx

cfg = pulumi.Config()
case = cfg.require("case")
target = cfg.require("target")  # the vendor id to import or get

if case == "batch-import":
    aud = batch.Audience("aud", name=target, display_name=cfg.get("displayName"),
                         members=cfg.get_object("members"), opts=pulumi.ResourceOptions(import_=target))
    pulumi.export("adopted", aud.adopted)
    pulumi.export("nb_ids", aud.nb_ids)
elif case == "batch-get":
    got = batch.Audience.get("got", target)
    pulumi.export("display_name", got.display_name)
    pulumi.export("nb_ids", got.nb_ids)
elif case == "thrive-structure-get":
    pulumi.export("reference", thrive.Structure.get("got", target).reference)
elif case == "thrive-members-import":
    members = thrive.AudienceMembers("members", audience=target, members=cfg.require_object("members"),
                                     opts=pulumi.ResourceOptions(import_=target))
    pulumi.export("member_count", members.member_count)
elif case == "thrive-managers-import":
    thrive.AudienceManagers("managers", audience=target, managers=cfg.require_object("managers"),
                            opts=pulumi.ResourceOptions(import_=target))
elif case == "unleashx-audience-import":
    records = unleashx.CampaignAudience("records", campaign_id=int(target), phone_numbers=cfg.require_object("phones"),
                                        opts=pulumi.ResourceOptions(import_=target))
    pulumi.export("record_ids", records.record_ids)
elif case == "unleashx-campaign-import":
    unleashx.Campaign("calls", campaign_name="Made in the UI", agent_id=101, description="calls",
                      start_date="2026-01-01", end_date="2026-01-31", max_retry=1,
                      opts=pulumi.ResourceOptions(import_=target))
elif case == "sonarly-import":
    found = sonarly.Audience("aud", name=cfg.require("name"), type="monitoring",
                           opts=pulumi.ResourceOptions(import_=target))
    pulumi.export("prospect_count", found.prospect_count)
elif case == "unleashx-get":
    pulumi.export("campaign_id", unleashx.Campaign.get("got", target).campaign_id)
