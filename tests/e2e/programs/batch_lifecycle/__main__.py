import pulumi

from audience_providers import batch

cfg = pulumi.Config()
members = cfg.get("membersFile")
aud = batch.Audience(
    "aud",
    name=cfg.require("name"),
    display_name=cfg.get("displayName"),
    members=batch.Members.from_file(members) if members else None,
    membership=cfg.get("membership") or "authoritative",
    adopt=cfg.get_bool("adopt") or False,
)
pulumi.export("adopted", aud.adopted)
pulumi.export("name", aud.name)
pulumi.export("nb_ids", aud.nb_ids)
