"""One audience per vendor whose provider is enabled in config (`vendors`: comma list)."""

import pulumi

cfg = pulumi.Config()
vendors = set((cfg.get("vendors") or "").split(","))

if "batch" in vendors:
    from audience_providers import batch

    batch.Audience("batch", name="canary_batch", display_name="Canary")
if "thrive" in vendors:
    from audience_providers import thrive

    root = thrive.Structure("thrive-root", name="Canary", reference="canary-root")
    thrive.Audience("thrive", name="Canary team", reference="canary-team", parent=root.id)
if "sonarly" in vendors:
    from audience_providers import sonarly

    sonarly.Audience("sonarly", name="Canary", type="monitoring")
if "unleashx" in vendors:
    from audience_providers import unleashx

    unleashx.Campaign("unleashx", campaign_name="canary calls", agent_id=101, description="Canary",
                      start_date="2026-01-01", end_date="2026-01-31", max_retry=1)
