"""Shared by the e2e tests: point a stack at an emulator, count what the emulator holds, and check after
`destroy` that the vendor holds nothing of the stack (:func:`destroy_and_check`, Terraform's CheckDestroy)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emulators.admin import Admin

if TYPE_CHECKING:
    from .conftest import Stack

VENDOR_NAME = {"batch": "Batch", "thrive": "Thrive", "unleashx": "UnleashX", "sonarly": "Sonarly"}


def configure(stack: Stack, live: Admin, vendor: str, *, count: int, prefix: str) -> None:
    stack.config("vendor", vendor)
    stack.config("count", str(count))
    stack.config("prefix", prefix)
    configure_vendor(stack, live, vendor)


def answer_with_campaign_ids(live: Admin) -> None:
    """UnleashX: answer create-campaign with the new campaign (`data.id`), which its pages never show.

    An invented emulator answer, turned on by name (emulators/unleashx/COVERAGE.md). On the documented answer
    alone every create stops, saying the answer carried no campaign id and how to adopt it:
    tests/e2e/test_unleashx.py tests that path on the emulator's default. Stacks that create campaigns for
    another purpose (fleets, faults, docs examples) turn this on.
    """
    live.configure(return_campaign_data=True)


def offer_folder_delete(live: Admin) -> None:
    """Sonarly: serve the folder delete that no page documents (an invented route, off by default).

    On the documented API a stack's AudienceFolder can't be destroyed: destroy stops and says so, which
    tests/e2e/test_sonarly.py tests on the emulator's default. Stacks that destroy folders for another purpose
    turn this on.
    """
    live.configure(folder_delete=True)


# The emulators' demo credentials, by vendor and config key (emulators/<vendor>/state.py), and which keys are secret.
DEMO_SETTINGS: dict[str, dict[str, str]] = {
    "thrive": {"tenantId": "demo-tenant", "apiSecret": "demo-thrive-secret"},
    "sonarly": {"accountGroupId": "ag_demo", "apiKey": "sk_live_demo_full"},
    "unleashx": {"token": "demo-unleashx-token"},
    "batch": {"projectKey": "project_demo0000000000000000000000000", "apiKey": "demo-batch-rest-key"},
}
SECRET_SETTINGS = frozenset({"apiSecret", "apiKey", "token"})


def configure_vendor(stack: Stack, live: Admin, vendor: str) -> None:
    """Point the stack's `<vendor>:*` config at an emulator, with the demo credentials.

    UnleashX and Sonarly stacks also get the invented answers their creates and destroys need (above).
    """
    if vendor == "batch":
        live.configure(indexing_seconds=0.02)
        stack.config("batch:baseUrl", live.base_url)
        stack.config("batch:projectKey", "project_demo0000000000000000000000000")
        stack.config("batch:apiKey", "demo-batch-rest-key", secret=True)
    elif vendor == "sonarly":
        offer_folder_delete(live)
        stack.config("sonarly:baseUrl", live.base_url)
        stack.config("sonarly:accountGroupId", "ag_demo")
        stack.config("sonarly:apiKey", "sk_live_demo_full", secret=True)
    elif vendor == "unleashx":
        answer_with_campaign_ids(live)
        stack.config("unleashx:baseUrl", live.base_url)
        stack.config("unleashx:token", "demo-unleashx-token", secret=True)
    else:
        stack.config("thrive:baseUrl", live.base_url)
        stack.config("thrive:tenantId", "demo-tenant")
        stack.config("thrive:apiSecret", "demo-thrive-secret", secret=True)


def held(live: Admin, vendor: str) -> Counter[str]:
    """Natural keys the emulator holds, with multiplicity (a duplicate shows as a count of 2)."""
    if vendor == "batch":
        return Counter(list(live.objects("audiences")))
    if vendor == "sonarly":
        return Counter(a["name"] for a in live.objects("audiences").values())
    if vendor == "unleashx":
        return Counter(c["campaign_name"] for c in live.objects("campaigns").values()
                       if c.get("campaign_status") != "pause")
    return Counter(a["reference"] for a in live.objects("audiences").values())


def declared(vendor: str, *, count: int, prefix: str) -> Counter[str]:
    if vendor == "batch":
        return Counter(f"{prefix}_{i:03d}" for i in range(count))
    if vendor in ("unleashx", "sonarly"):
        return Counter(f"{prefix}-{i:03d}" for i in range(count))
    return Counter([f"{prefix}-root", *(f"{prefix}-{i:03d}" for i in range(count - 1))])


def seed_foreign(live: Admin, vendor: str, prefix: str) -> str:
    """An object made outside the stack, beside the fleet (same prefix, key not declared); returns its key."""
    if vendor == "batch":
        key = f"{prefix}_foreign"
        live.seed({"audiences": [{"name": key, "display_name": "Not ours", "ids": ["a", "b"]}]})
    elif vendor == "thrive":
        key = f"{prefix}-foreign"
        live.seed({"audiences": [{"name": "Not ours", "reference": key}]})
    else:
        raise ValueError(f"no foreign seed for {vendor}")
    return key


def foreign_intact(live: Admin, vendor: str, key: str) -> bool:
    audiences = live.objects("audiences")
    if vendor == "batch":
        aud = audiences.get(key)
        return aud is not None and sorted(aud.get("members") or aud.get("ids") or []) == ["a", "b"]
    return any(a["reference"] == key and a["name"] == "Not ours" for a in audiences.values())


def writes_naming(live: Admin, *keys: str) -> list[dict[str, Any]]:
    """Every non-GET request whose path or body names one of ``keys`` (the emulator's request log)."""
    return [r for r in live.requests() if r["method"] not in ("GET", "HEAD")
            and any(k in r["path"] or k in (r.get("body") or "") for k in keys)]


def handles(live: Admin, vendor: str, key: str) -> list[str]:
    """The strings a request could address object ``key`` by: the key, and the vendor id where there is one."""
    if vendor == "thrive":
        return [key, *(a["id"] for a in live.objects("audiences").values() if a["reference"] == key)]
    return [key]


# -- CheckDestroy ------------------------------------------------------------------------------------------
# The kinds of object a stack creates and `destroy` deletes, per vendor (kinds of the /_emulator/state dump), and
# the field that holds each object's natural key (what a prefix names).
DESTROYED_KINDS: dict[str, tuple[str, ...]] = {
    "batch": ("audiences",), "thrive": ("audiences",), "sonarly": ("audiences", "folders"),
    "unleashx": ("campaigns",),
}
NATURAL_KEY = {"batch": "name", "thrive": "reference", "sonarly": "name", "unleashx": "campaign_name"}


def stack_ids(stack: Stack) -> set[str]:
    """The vendor ids of the objects the stack's state says it manages.

    A resource's id is its object's id (Batch: the audience name). Left out: resources read with `get`
    (``external``: destroy never deletes them) and ids of the form ``<parent>/<part>`` (Thrive members/managers,
    UnleashX campaign audience): those manage a part of an object that may be someone else's, and their own
    tests check what destroy does to it.
    """
    deployment = json.loads(stack.export())["deployment"]
    return {str(r["id"]) for r in deployment.get("resources") or []
            if r.get("id") and not r.get("external") and "/" not in str(r["id"])
            and not str(r.get("type", "")).startswith(("pulumi:pulumi:", "pulumi:providers:"))}


Lives = Admin | Mapping[str, Admin] | Iterable[Admin]


def _admins(lives: Lives) -> list[Admin]:
    if isinstance(lives, Admin):
        return [lives]
    if isinstance(lives, Mapping):
        return list(lives.values())
    return list(lives)


def leftovers(lives: Lives, ids: Iterable[str], *, prefixes: Iterable[str] = (),
              keep: Iterable[str] = ()) -> list[str]:
    """What the emulators still hold of a destroyed stack: objects whose id is in ``ids`` or whose natural key
    starts with one of ``prefixes``, except the documented survivors: an UnleashX campaign destroy paused (the
    API has no campaign delete, docs/unleashx/campaign.md) and the ids in ``keep`` (objects the stack adopted
    and was told to leave, e.g. a Batch audience adopted additively; foreign seeds sharing the prefix)."""
    ids, prefixes, keep = set(ids), tuple(prefixes), set(keep)
    found = []
    for live in _admins(lives):
        vendor, objects = live.vendor, live.all_objects()
        for kind in DESTROYED_KINDS[vendor]:
            for oid, obj in objects.get(kind, {}).items():
                natural = str(obj.get(NATURAL_KEY[vendor], ""))
                if oid in keep or natural in keep:
                    continue
                if oid not in ids and not (prefixes and natural.startswith(prefixes)):
                    continue
                if vendor == "unleashx" and obj.get("campaign_status") == "pause":
                    continue
                found.append(f"{vendor} {kind} {oid} ({NATURAL_KEY[vendor]} {natural!r})")
    return found


def destroy_and_check(stack: Stack, lives: Lives, *extra: str, prefixes: Iterable[str] = (),
                      keep: Iterable[str] = ()) -> subprocess.CompletedProcess[str]:
    """`pulumi destroy`, then assert the vendors hold nothing of the stack (Terraform's CheckDestroy): the ids
    are taken from the state before destroy, and ``prefixes`` catch objects a lost answer kept out of it."""
    admins = _admins(lives)
    ids = stack_ids(stack)
    out = stack.destroy(*extra)
    left = leftovers(admins, ids, prefixes=prefixes, keep=keep)
    assert not left, f"destroy left objects of the stack in the vendor: {left}"
    return out


def reap_orphans(workdir: Path) -> int:
    """Kill provider processes a SIGKILLed run left behind.

    The engine starts plugins outside its process group, so killing the group orphans the dynamic-provider
    processes, which then wait forever. A user's machine accumulates them too (noted in the README); here they
    are found by their working directory, the stack's.
    """
    reaped = 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cwd = os.readlink(proc / "cwd")
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if cwd == str(workdir) and b"pulumi" in cmdline:
            try:
                os.kill(int(proc.name), signal.SIGKILL)
                reaped += 1
            except OSError:
                pass
    return reaped
