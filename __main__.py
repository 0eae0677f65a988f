"""Example stack: the audiences a platform team declares, one block per vendor (see docs/<vendor>/)."""

import pulumi

from audience_providers import batch, sonarly, thrive, unleashx

# Thrive Learning: a structure with two child audiences.
engineering = thrive.Structure("engineering", name="Engineering", reference="eng")
backend = thrive.Audience("backend", name="Backend team", reference="eng-backend", parent=engineering.id)
frontend = thrive.Audience("frontend", name="Frontend team", reference="eng-frontend", parent=engineering.id)

# Batch.com: a custom-id audience with its members.
vip = batch.Audience(
    "vip",
    name="vip_customers",
    display_name="VIP customers",
    members=batch.Members.of(["customer-001", "customer-002", "customer-003"]),
)

# Sonarly: a monitoring audience filed in a folder.
folder = sonarly.AudienceFolder("enterprise", name="Enterprise", audience_type="monitoring")
cfos = sonarly.Audience("fintech-cfos", name="Fintech CFOs", type="monitoring",
                        description="CFOs at Series B+ fintechs", folder_id=folder.id)

# UnleashX: the calling campaign whose contact records (its "audience") the team manages.
campaign = unleashx.Campaign("renewals", campaign_name="Q1 renewals", agent_id=101,
                             description="Renewal reminder calls", start_date="2026-01-05",
                             end_date="2026-03-31", max_retry=3, max_delay={"d": 0, "h": 4, "m": 0})

pulumi.export("sonarly_audience_id", cfos.id)
pulumi.export("unleashx_campaign_id", campaign.id)
pulumi.export("thrive_structure_id", engineering.id)
pulumi.export("thrive_audiences", [backend.reference, frontend.reference])
pulumi.export("batch_vip_audience", vip.name)
pulumi.export("batch_vip_members", vip.nb_ids)
