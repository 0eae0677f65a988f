"""Example stack: the audiences a platform team declares, one block per vendor."""

import pulumi

from providers import batch

vip = batch.Audience(
    "vip",
    name="vip_customers",
    display_name="VIP customers",
    members=batch.Members.of(["customer-001", "customer-002", "customer-003"]),
)

pulumi.export("batch_vip_audience", vip.name)
pulumi.export("batch_vip_members", vip.nb_ids)
