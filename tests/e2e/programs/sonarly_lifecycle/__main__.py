import pulumi

from audience_providers import sonarly

cfg = pulumi.Config()
folders = {
    "a": sonarly.AudienceFolder("folder-a", name=cfg.get("folderAName") or "E2E folder A", audience_type="on_demand"),
    "b": sonarly.AudienceFolder("folder-b", name="E2E folder B", audience_type="on_demand"),
    "m": sonarly.AudienceFolder("folder-m", name="E2E monitoring", audience_type="monitoring"),
}
folder = cfg.get("folder") or "a"
aud = sonarly.Audience(
    "aud",
    name=cfg.get("name") or "E2E prospects",
    type=cfg.get("type") or "on_demand",
    description=cfg.get("description"),
    folder_id=None if folder == "none" else folders[folder].id,
)
adopt_id = cfg.get("adoptId")
if adopt_id:
    adopted = sonarly.Audience("adopted", name=cfg.get("adoptName") or "Adopted list",
                               type=cfg.get("adoptType") or "on_demand", adopt_id=adopt_id)
    pulumi.export("adopted_id", adopted.id)
pulumi.export("aud_id", aud.id)
pulumi.export("prospect_count", aud.prospect_count)
pulumi.export("account_group_id", aud.account_group_id)
pulumi.export("folder_ids", {k: f.id for k, f in folders.items()})
