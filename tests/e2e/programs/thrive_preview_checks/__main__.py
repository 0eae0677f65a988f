import pulumi

from audience_providers import thrive

cfg = pulumi.Config()
parent = cfg.get("parent")
if parent:
    thrive.Audience("under", name="Under an existing parent", reference="pc-under", parent=parent)
members = cfg.get_object("members")
if members is not None:
    root = thrive.Structure("root", name="Preview checks root", reference="pc-root")
    team = thrive.Audience("team", name="Preview checks team", reference="pc-team", parent=root.id)
    thrive.AudienceMembers("team-members", audience=team.id, members=members)
