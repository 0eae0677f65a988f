"""A Thrive tenant as `audience-providers discover thrive` sees it: structures, audiences, members and managers.

Read-only: the paged audience list (``GET /audiences``, 1,000 per page), then per managed audience its members
(paged) and managers, read the way an import reads them (the lifecycles' ``read_by_id``), so the generated
program declares exactly what a ``pulumi import`` of the same objects would. No Pulumi.

Only API-controlled audiences can be managed (Thrive lets the API change nothing else): UI-made and smart
audiences are listed as skipped, with their members and managers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .._core.discovery import Found, Inventory, Names, Progress, Ref, Skipped
from .._core.errors import InputError, NotFound
from .config import ThriveConfig
from .members import AudienceManagersLifecycle, AudienceMembersLifecycle
from .models import AudienceObject


def _what(obj: AudienceObject) -> str:
    ref = f", reference {obj.reference!r}" if obj.reference else ""
    return f"thrive {obj.category} {obj.name!r} (id {obj.id}{ref})"


def _unmanageable(obj: AudienceObject) -> str | None:
    if not obj.api_controlled:
        why = "a smart audience (members by rules, made in the Thrive UI)" if obj.type == "smart" else \
            "made in the Thrive UI"
        return (f"{why}: apiControlled=false, and Thrive lets the API change only API-controlled audiences, so "
                "neither it nor its members and managers can be managed")
    if not obj.reference:
        return "no reference: the provider adopts and addresses Thrive audiences by their reference"
    if obj.category not in ("structure", "audience"):
        return f"category {obj.category!r} is neither structure nor audience"
    return None


def _selected(audiences: Sequence[AudienceObject], prefix: str | None,
              under: Sequence[str]) -> list[AudienceObject]:
    by_key = {k: a for a in audiences for k in (a.id, a.reference) if k}
    roots: set[str] = set()
    for key in under:
        obj = by_key.get(key)
        if obj is None:
            raise InputError(f"--under {key!r}: the tenant has no structure with this id or reference")
        if obj.category != "structure":
            raise InputError(f"--under {key!r} is a child audience ({obj.id}), not a structure")
        roots.add(obj.id)

    def inside(obj: AudienceObject) -> bool:
        if not roots:
            return True
        return obj.id in roots or (obj.parent is not None and obj.parent.id in roots)

    return [a for a in audiences if inside(a) and (not prefix or (a.reference or "").startswith(prefix))]


def discover(cfg: ThriveConfig, progress: Progress, *, prefix: str | None = None, under: Sequence[str] = (),
             people: bool = True, workers: int = 8) -> Inventory:
    client = cfg.client
    inv = Inventory("thrive")
    progress.line("listing audiences and structures (GET /audiences, 1000 per page)")
    audiences = list(progress.counted(client.iter_audiences(), "audiences and structures listed"))
    by_id = {a.id: a for a in audiences}
    chosen = _selected(audiences, prefix, under)
    names = Names()
    managed: dict[str, str] = {}  # Thrive id -> the resource name of its Structure/Audience
    declared: list[tuple[AudienceObject, Found]] = []

    structures = sorted((a for a in chosen if a.category == "structure"), key=lambda a: a.reference or a.id)
    children: dict[str, list[AudienceObject]] = {}
    for obj in chosen:
        if obj.category != "structure":
            parent = obj.parent.id if obj.parent is not None and obj.parent.id else ""
            children.setdefault(parent, []).append(obj)
    ordered: list[AudienceObject] = []
    for structure in structures:
        ordered.append(structure)
        ordered += sorted(children.pop(structure.id, []), key=lambda a: a.reference or a.id)
    for parent_id in sorted(children):  # children whose structure is outside the selection
        ordered += sorted(children[parent_id], key=lambda a: a.reference or a.id)

    for obj in ordered:
        reason = _unmanageable(obj)
        if reason:
            inv.skipped.append(Skipped(_what(obj), reason))
            continue
        if obj.category == "structure":
            found = Found("thrive:Structure", names.take("thrive", obj.reference or obj.id), obj.id,
                          {"name": obj.name, "reference": obj.reference, "adopt": True}, obj.id)
        else:
            holder = by_id.get(obj.parent.id if obj.parent is not None and obj.parent.id else "")
            if holder is None or _unmanageable(holder):
                inv.skipped.append(Skipped(_what(obj), "its parent structure is missing or can't be managed"))
                continue
            if holder.id not in managed:
                # Outside the selection: read with `.get`, so the audience still names it by variable.
                got = Found("thrive:Structure", names.take("thrive", holder.reference or holder.id), holder.id, None,
                            None, comment="The parent of selected audiences, outside the selection: read only.")
                managed[holder.id] = got.name
                inv.found.append(got)
            found = Found("thrive:Audience", names.take("thrive", obj.reference or obj.id), obj.id,
                          {"name": obj.name, "reference": obj.reference, "parent": Ref(managed[holder.id]),
                           "adopt": True}, obj.id)
        managed[obj.id] = found.name
        inv.found.append(found)
        declared.append((obj, found))

    if not people:
        inv.notes.append("members and managers were not read (--no-members): the program declares none, and the "
                         "stack leaves them alone")
        return inv
    people_of = _read_people(cfg, [obj.id for obj, _ in declared], progress, workers)
    with_people: list[Found] = []
    for obj, found in declared:
        with_people.append(found)
        members, managers = people_of[obj.id]
        key = obj.reference or obj.id
        if members:
            with_people.append(Found("thrive:AudienceMembers", names.take("thrive", key, "members"),
                                     f"{obj.id}/members",
                                     {"audience": Ref(found.name), "members": members}, f"{obj.id}/members"))
        if managers:
            with_people.append(Found("thrive:AudienceManagers", names.take("thrive", key, "managers"),
                                     f"{obj.id}/managers",
                                     {"audience": Ref(found.name), "managers": managers}, f"{obj.id}/managers"))
    read_only = [f for f in inv.found if f.inputs is None]
    inv.found = read_only + with_people
    return inv


def _read_people(cfg: ThriveConfig, audience_ids: Sequence[str], progress: Progress,
                 workers: int) -> dict[str, tuple[list[str], list[dict[str, Any]]]]:
    """Members and managers of each audience, as an import reads them (sorted), ``workers`` audiences at a time
    (the client's rate limit and 429 pacing hold across the threads)."""
    members, managers = AudienceMembersLifecycle(cfg), AudienceManagersLifecycle(cfg)
    tick: Callable[[], None] = progress.ticker("audiences' members and managers read", len(audience_ids))

    def read(audience_id: str) -> tuple[list[str], list[dict[str, Any]]]:
        try:
            got_members = members.read_by_id(audience_id) or {}
            got_managers = managers.read_by_id(audience_id) or {}
        except NotFound:  # deleted since it was listed: nothing of it to declare
            got_members, got_managers = {}, {}
        tick()
        return list(got_members.get("members") or []), list(got_managers.get("managers") or [])

    if not audience_ids:
        return {}
    progress.line(f"reading the members and managers of {len(audience_ids)} audiences, {workers} at a time")
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return dict(zip(audience_ids, pool.map(read, audience_ids), strict=True))
