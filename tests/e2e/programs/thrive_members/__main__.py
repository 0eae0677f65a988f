import pulumi

from audience_providers import thrive

cfg = pulumi.Config()
root = thrive.Structure("root", name="Members root", reference="mem-root")
team = thrive.Audience("team", name="Members team", reference="mem-team", parent=root.id)
members = thrive.AudienceMembers("team-members", audience=team.id, members=cfg.require_object("members"),
                                 membership=cfg.get("membership") or "authoritative")
pulumi.export("member_count", members.member_count)
managers = cfg.get_object("managers")
if managers is not None:
    thrive.AudienceManagers("team-managers", audience=team.id, managers=managers)
