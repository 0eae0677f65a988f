"""N audiences of one vendor (config `vendor`, `count`, `prefix`): the load for fault and kill trials."""

import pulumi

cfg = pulumi.Config()
vendor = cfg.require("vendor")
count = cfg.require_int("count")
prefix = cfg.get("prefix") or "fleet"

if vendor == "batch":
    from audience_providers import batch

    for i in range(count):
        batch.Audience(f"a{i}", name=f"{prefix}_{i:03d}", display_name=f"Fleet {i}")
elif vendor == "thrive":
    from audience_providers import thrive

    root = thrive.Structure("root", name="Fleet root", reference=f"{prefix}-root")
    for i in range(count - 1):
        thrive.Audience(f"a{i}", name=f"Fleet {i}", reference=f"{prefix}-{i:03d}", parent=root.id)
elif vendor == "sonarly":
    from audience_providers import sonarly

    for i in range(count):
        sonarly.Audience(f"a{i}", name=f"{prefix}-{i:03d}", type="monitoring", description="Fleet audience")
elif vendor == "unleashx":
    from audience_providers import unleashx

    # UnleashX documents no way to create audience records: its creatable unit is the campaign holding them.
    # `adopt` maps a campaign_name to the id of a campaign the provider can't find by itself (a lost create answer).
    adopt = cfg.get_object("adopt") or {}
    for i in range(count):
        name = f"{prefix}-{i:03d}"
        unleashx.Campaign(f"c{i}", campaign_name=name, agent_id=101, description="Fleet campaign",
                          start_date="2026-01-01", end_date="2026-03-31", max_retry=1, adopt_id=adopt.get(name))
else:
    raise ValueError(f"unknown vendor {vendor}")
