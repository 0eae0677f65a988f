import pulumi

from audience_providers import batch

cfg = pulumi.Config()
batch.Audience("aud", name=cfg.require("name"), display_name=cfg.get("displayName"),
               members=cfg.get_object("members"))
