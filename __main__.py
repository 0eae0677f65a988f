"""Example stack: the audiences a platform team declares, one block per vendor (see docs/<vendor>/)."""

import pulumi

from providers import batch, thrive

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

pulumi.export("thrive_structure_id", engineering.id)
pulumi.export("thrive_audiences", [backend.reference, frontend.reference])
pulumi.export("batch_vip_audience", vip.name)
pulumi.export("batch_vip_members", vip.nb_ids)
