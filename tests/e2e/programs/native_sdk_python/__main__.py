"""Typed Thrive resources from the generated Python SDK, through an explicit provider configured from stack config."""

import pulumi
import pulumi_audience_thrive as thrive

config = pulumi.Config()
tenant = thrive.Provider("tenant", base_url=config.require("thriveBaseUrl"),
                         tenant_id=config.require("thriveTenantId"),
                         api_secret=config.require_secret("thriveApiSecret"))
opts = pulumi.ResourceOptions(provider=tenant)
eng = thrive.Structure("eng", name="Engineering", reference="py-eng", opts=opts)
team = thrive.Audience("team", name="Platform team", reference="py-team", parent=eng.id, opts=opts)

pulumi.export("eng_id", eng.id)
pulumi.export("eng_category", eng.category)
pulumi.export("team_parent", team.parent)
