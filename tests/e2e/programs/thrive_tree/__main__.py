import pulumi

from audience_providers import thrive

cfg = pulumi.Config()
eng = thrive.Structure("eng", name="Engineering", reference="e2e-eng")
ops = thrive.Structure("ops", name="Operations", reference="e2e-ops")
parents = {"eng": eng, "ops": ops}
for i in (1, 2, 3):
    parent = parents[cfg.get(f"parent{i}") or "eng"]
    thrive.Audience(f"a{i}", name=cfg.get(f"name{i}") or f"Team {i}", reference=f"e2e-a{i}", parent=parent.id)
adopt = cfg.get("adoptRef")
if adopt:
    adopted = thrive.Audience("adopted", name="Adopted team", reference=adopt, parent=eng.id, adopt=True)
    pulumi.export("adopted_id", adopted.id)
pulumi.export("eng_id", eng.id)
