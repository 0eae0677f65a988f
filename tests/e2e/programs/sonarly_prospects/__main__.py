import pulumi

from audience_providers import sonarly

cfg = pulumi.Config()
urls = [u for u in (cfg.get("urls") or "").split(",") if u]
aud = sonarly.Audience(
    "prospects",
    name=cfg.get("name") or "E2E prospect upload",
    type="on_demand",
    prospect_urls=urls or None,
)
pulumi.export("aud_id", aud.id)
pulumi.export("prospect_count", aud.prospect_count)
pulumi.export("prospect_urls", aud.prospect_urls)
