"""N audiences of one vendor (config `vendor`, `count`, `prefix`): the load for fault and kill trials."""

import pulumi

cfg = pulumi.Config()
vendor = cfg.require("vendor")
count = cfg.require_int("count")
prefix = cfg.get("prefix") or "fleet"
# "native": the same resources through the provider plugins (pulumi-resource-<vendor>) instead of dynamic providers.
native = cfg.get("path") == "native"
adopt = cfg.get_object("adopt") or {}
if cfg.get_bool("tuning"):
    from audience_providers import tuning  # the opt-in SDK adjustments (providers/tuning.py)

    tuning.install()


def declare_native() -> None:
    def res(token: str, name: str, props: dict[str, object]) -> pulumi.CustomResource:
        return pulumi.CustomResource(f"{vendor}:index:{token}", name, props)

    if vendor == "batch":
        for i in range(count):
            res("Audience", f"a{i}", {"name": f"{prefix}_{i:03d}", "displayName": f"Fleet {i}"})
    elif vendor == "thrive":
        root = res("Structure", "root", {"name": "Fleet root", "reference": f"{prefix}-root"})
        for i in range(count - 1):
            res("Audience", f"a{i}", {"name": f"Fleet {i}", "reference": f"{prefix}-{i:03d}", "parent": root.id})
    elif vendor == "sonarly":
        for i in range(count):
            res("Audience", f"a{i}", {"name": f"{prefix}-{i:03d}", "type": "monitoring",
                                      "description": "Fleet audience"})
    elif vendor == "unleashx":
        for i in range(count):
            name = f"{prefix}-{i:03d}"
            res("Campaign", f"c{i}", {"campaignName": name, "agentId": 101, "description": "Fleet campaign",
                                      "startDate": "2026-01-01", "endDate": "2026-03-31", "maxRetry": 1,
                                      "adoptId": adopt.get(name)})
    else:
        raise ValueError(f"unknown vendor {vendor}")


if native:
    declare_native()
elif vendor == "batch":
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
    for i in range(count):
        name = f"{prefix}-{i:03d}"
        unleashx.Campaign(f"c{i}", campaign_name=name, agent_id=101, description="Fleet campaign",
                          start_date="2026-01-01", end_date="2026-03-31", max_retry=1, adopt_id=adopt.get(name))
else:
    raise ValueError(f"unknown vendor {vendor}")
