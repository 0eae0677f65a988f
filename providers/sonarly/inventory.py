"""A Sonarly account group as `audience-providers discover sonarly` sees it: folders and audiences. No Pulumi.

Read-only: the paged audience list (``GET .../audiences``), the navigation (the only documented folder read) and
the running prospecting jobs, whose audiences Sonarly hides from both lists until they finish.

Audiences are adopted by id (``adopt_id``). Folders have no adoption input on the Python class (names repeat and
there is no folder ``GET``, docs/sonarly/audience-folder.md), so the program reads them with ``.get`` and the
audiences name them by variable; the plugin path imports them by id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._core.discovery import Found, Inventory, Names, Progress, Ref, Skipped
from .._core.errors import Forbidden, InputError
from .config import SonarlyConfig
from .models import ACTIVE_JOB_STATUSES, AUDIENCE_TYPES, AudienceObject, NavigationFolder


def _folders_under(folders: Sequence[NavigationFolder], under: Sequence[str]) -> set[str]:
    by_id = {f.id: f for f in folders}
    chosen: set[str] = set()
    for key in under:
        if key in by_id:
            chosen.add(key)
            continue
        named = [f.id for f in folders if f.name == key]
        if len(named) != 1:
            found = f"{len(named)} folders have this name ({', '.join(named)}): give the id" if named else \
                "no folder has this id or name"
            raise InputError(f"--under {key!r}: {found}")
        chosen.add(named[0])
    return chosen


def discover(cfg: SonarlyConfig, progress: Progress, *, prefix: str | None = None,
             under: Sequence[str] = ()) -> Inventory:
    client = cfg.client
    group = cfg.account_group()
    inv = Inventory("sonarly")
    progress.line(f"listing audiences of account group {group} (GET /v1/accounts/{group}/audiences)")
    audiences = list(progress.counted((a for page in client.iter_audience_pages(group) for a in page.items),
                                      "audiences listed"))
    progress.line("reading folders (GET .../audiences/navigation)")
    folders = client.get_navigation(group).folders
    progress.line(f"{len(folders)} folders read")
    try:
        running = [j.job_id for status in ACTIVE_JOB_STATUSES for j in client.iter_jobs(group, status)]
    except Forbidden:
        inv.notes.append("the API key can't list prospecting jobs (prospecting:read), so audiences a running job "
                         "is filling, which Sonarly hides from its lists, may be missing")
    else:
        if running:
            inv.unlisted.append(f"audiences being filled by the {len(running)} prospecting job(s) running now "
                                f"({', '.join(running[:5])}{', ...' if len(running) > 5 else ''}): Sonarly hides "
                                "them from its lists until the jobs finish; rerun discover then")

    roots = _folders_under(folders, under)

    def selected(aud: AudienceObject) -> bool:
        return (not roots or aud.folder_id in roots) and (not prefix or aud.name.startswith(prefix))

    chosen = sorted((a for a in audiences if selected(a)), key=lambda a: (a.name, a.id))
    names = Names()
    folder_names: dict[str, str] = {}
    wanted_folders = {a.folder_id for a in chosen if a.folder_id}
    for folder in sorted(folders, key=lambda f: (f.name, f.id)):
        in_scope = folder.id in roots if roots else (not prefix or folder.name.startswith(prefix))
        if folder.id in wanted_folders or in_scope:
            found = Found("sonarly:AudienceFolder", names.take("sonarly", folder.name), folder.id, None, folder.id,
                          comment=f"Folder {folder.name!r} ({folder.audience_type}): read only here (the Python "
                                  "class adopts no folder); the plugin path imports it.")
            folder_names[folder.id] = found.name
            inv.found.append(found)

    for aud in chosen:
        if aud.type not in AUDIENCE_TYPES:
            inv.skipped.append(Skipped(f"sonarly audience {aud.name!r} (id {aud.id})",
                                       f"Sonarly reports type {aud.type!r}, and the provider declares only "
                                       f"{' or '.join(AUDIENCE_TYPES)}; adopt it by hand with adopt_id= and the "
                                       "type you know it has"))
            continue
        inputs: dict[str, Any] = {"name": aud.name, "type": aud.type}
        if aud.description:
            inputs["description"] = aud.description
        if aud.folder_id:
            inputs["folder_id"] = Ref(folder_names[aud.folder_id]) if aud.folder_id in folder_names else aud.folder_id
        inputs["adopt_id"] = aud.id
        inv.found.append(Found("sonarly:Audience", names.take("sonarly", aud.name), aud.id, inputs, aud.id))
    inv.notes.append("prospects are not declared (prospect_urls only ever uploads profiles; unset, the provider "
                     "never lists or uploads any), so each audience keeps the prospects it has")
    return inv
