"""Pulumi's own idioms on our resources, chosen by config: `ResourceOptions(import_=...)` on the provider plugins'
types (`<vendor>:index:<Kind>`, camelCase properties), `Resource.get` on the Python classes, and `import_=` on a
Python class, which is refused at preview (Pulumi's dynamic-provider launcher can't serve an import)."""

from typing import Any

import pulumi

from audience_providers import batch, sonarly, thrive, unleashx

cfg = pulumi.Config()
case = cfg.require("case")
target = cfg.require("target")  # the vendor id to import or get


def imported(kind: str, name: str, props: dict[str, Any], *exports: str) -> None:
    """A resource of the plugin's type ``kind`` ("thrive:index:AudienceMembers") imported by ``target``; each of
    ``exports`` (camelCase outputs) is a stack output. The SDK resolves only the properties a resource registered,
    so those are registered too, as None (which the SDK doesn't send)."""
    resource = pulumi.CustomResource(kind, name, {**dict.fromkeys(exports), **props},
                                     opts=pulumi.ResourceOptions(import_=target))
    for key in exports:
        pulumi.export(key, getattr(resource, key))


if case == "batch-import":
    imported("batch:index:Audience", "aud", {"name": target, "displayName": cfg.get("displayName"),
                                             "members": cfg.get_object("members")}, "adopted", "nbIds")
elif case == "batch-get":
    got = batch.Audience.get("got", target)
    pulumi.export("display_name", got.display_name)
    pulumi.export("nb_ids", got.nb_ids)
elif case == "thrive-structure-get":
    pulumi.export("reference", thrive.Structure.get("got", target).reference)
elif case == "thrive-members-import":
    imported("thrive:index:AudienceMembers", "members",
             {"audience": target, "members": cfg.require_object("members")}, "memberCount")
elif case == "thrive-managers-import":
    imported("thrive:index:AudienceManagers", "managers",
             {"audience": target, "managers": cfg.require_object("managers")})
elif case == "unleashx-audience-import":
    imported("unleashx:index:CampaignAudience", "records",
             {"campaignId": int(target), "phoneNumbers": cfg.require_object("phones")}, "recordIds")
elif case == "unleashx-campaign-import":
    imported("unleashx:index:Campaign", "calls",
             {"campaignName": "Made in the UI", "agentId": 101, "description": "calls", "startDate": "2026-01-01",
              "endDate": "2026-01-31", "maxRetry": 1})
elif case == "sonarly-import":
    imported("sonarly:index:Audience", "aud", {"name": cfg.require("name"), "type": "monitoring"}, "prospectCount")
elif case == "unleashx-get":
    pulumi.export("campaign_id", unleashx.Campaign.get("got", target).campaign_id)
elif case == "dynamic-import":  # refused by our constructor, before anything is registered
    opts = pulumi.ResourceOptions(import_=target)
    if cfg.require("kind") == "batch:Audience":
        batch.Audience("aud", name=target, opts=opts)
    else:
        sonarly.Audience("aud", name="Made in the app", type="monitoring", opts=opts)
