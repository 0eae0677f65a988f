"""Members of an audience the stack did not create (config `audience`): the ownership rules of AudienceMembers."""

import pulumi

from audience_providers import thrive

cfg = pulumi.Config()
members = thrive.AudienceMembers("members", audience=cfg.require("audience"), members=cfg.require_object("members"),
                                 membership=cfg.get("membership") or "authoritative",
                                 adopt=cfg.get_bool("adopt") or False)
pulumi.export("added", members.added)
