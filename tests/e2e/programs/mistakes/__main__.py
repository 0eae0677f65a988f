"""Declares the resources listed in the `resources` config, in order: {"vendor", "kind", "name", "args"}.

An argument {"ref": <name>, "attr": <output>} is that resource's output (its `id` by default), so one resource can
take another's id as a program does (`folder_id=folder.id`); {"file": <path>} is `batch.Members.from_file(path)`.
Anything else is passed as written, mistakes included (a string where a list belongs). "after": [<name>, ...]
makes the resource depend on those (the engine then checks them first).
"""

from typing import Any

import pulumi

from audience_providers import batch, sonarly, thrive, unleashx

VENDORS = {"batch": batch, "sonarly": sonarly, "thrive": thrive, "unleashx": unleashx}
made: dict[str, Any] = {}


def value(raw: Any) -> Any:
    if isinstance(raw, dict) and "ref" in raw:
        return getattr(made[raw["ref"]], raw.get("attr", "id"))
    if isinstance(raw, dict) and "file" in raw:
        return batch.Members.from_file(raw["file"])
    return raw


for spec in pulumi.Config().require_object("resources"):
    kind = getattr(VENDORS[spec["vendor"]], spec["kind"])
    # "after": resources this one waits for (depends_on), to fix the order in which the engine checks them.
    opts = pulumi.ResourceOptions(depends_on=[made[n] for n in spec.get("after", [])])
    made[spec["name"]] = kind(spec["name"], **{k: value(v) for k, v in spec.get("args", {}).items()}, opts=opts)
