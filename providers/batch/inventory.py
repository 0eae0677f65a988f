"""A Batch project as `audience-providers discover batch` sees it: its custom-id audiences. No Pulumi.

Read-only: the paged audience list (``GET /audiences/list``, 100 per page, ``next_from`` while ``has_more``).
Audiences are adopted by name (``adopt=True``). Batch reports an audience's id count, never its ids, so the
program declares no ``members``: the audience keeps its ids (declaring them later rewrites it to exactly those).
"""

from __future__ import annotations

import re
from typing import Any

from .._core.discovery import Found, Inventory, Names, Progress, Skipped
from .config import BatchConfig
from .models import NAME_PATTERN


def discover(cfg: BatchConfig, progress: Progress, *, prefix: str | None = None) -> Inventory:
    inv = Inventory("batch")
    progress.line("listing audiences (GET /audiences/list, 100 per page)")
    audiences = list(progress.counted(cfg.client.iter_audiences(), "audiences listed"))
    names = Names()
    for view in sorted(audiences, key=lambda v: v.name):
        if prefix and not view.name.startswith(prefix):
            continue
        what = f"batch audience {view.name!r}"
        if view.type and "custom" not in view.type.lower():
            inv.skipped.append(Skipped(what, f"type {view.type!r}: the provider manages custom-id audiences only"))
            continue
        if not re.fullmatch(NAME_PATTERN, view.name) or len(view.name) > 255:
            inv.skipped.append(Skipped(what, "its name is not one the provider can declare ([A-Za-z0-9_-], at most "
                                             "255 characters)"))
            continue
        inputs: dict[str, Any] = {"name": view.name}
        if view.display_name is not None:
            inputs["display_name"] = view.display_name
        inputs["adopt"] = True
        inv.found.append(Found("batch:Audience", names.take("batch", view.name), view.name, inputs, view.name,
                               comment=f"{view.nb_ids} ids now (Batch lists no ids, so none are declared)"))
    if inv.found:
        inv.notes.append("Batch reports an audience's id count, not its ids: no members are declared, so each audience "
                         "keeps its ids; declaring members= later makes an adopted audience exactly that list "
                         "(docs/batch/audience.md)")
    return inv
