import pulumi

from audience_providers import unleashx

cfg = pulumi.Config()
camp = unleashx.Campaign(
    "camp",
    campaign_name=cfg.get("campaignName") or "e2e winter calls",
    agent_id=cfg.get_int("agentId") or 101,
    description="Calls made by the e2e stack",
    start_date="2026-01-01",
    end_date=cfg.get("endDate") or "2026-01-31",
    max_retry=cfg.get_int("maxRetry") or 3,
    max_delay={"d": 0, "h": 1, "m": 0},
    status=cfg.get("status") or "draft",
    adopt_id=cfg.get_int("adoptId"),
    delete_records_on_destroy=cfg.get_bool("deleteRecordsOnDestroy") or False,
)
pulumi.export("campaign_id", camp.campaign_id)

audience_campaign = cfg.get_int("audienceCampaign")
if audience_campaign:
    aud = unleashx.CampaignAudience("aud", campaign_id=audience_campaign, phone_numbers=cfg.require_object("phones"))
    pulumi.export("record_ids", aud.record_ids)
    pulumi.export("records", aud.records)
