"""Shared by the reliability trials: configure the `fleet` program for a vendor and count what it holds."""

from __future__ import annotations

from collections import Counter
from typing import Any

VENDOR_NAME = {"batch": "Batch", "thrive": "Thrive", "unleashx": "UnleashX", "sonarly": "Sonarly"}


def configure(stack: Any, live: Any, vendor: str, *, count: int, prefix: str) -> None:
    stack.config("vendor", vendor)
    stack.config("count", str(count))
    stack.config("prefix", prefix)
    configure_vendor(stack, live, vendor)


def configure_vendor(stack: Any, live: Any, vendor: str) -> None:
    """Point the stack's `<vendor>:*` config at an emulator, with the demo credentials."""
    if vendor == "batch":
        live.configure(indexing_seconds=0.02)
        stack.config("batch:baseUrl", live.base_url)
        stack.config("batch:projectKey", "project_demo0000000000000000000000000")
        stack.config("batch:apiKey", "demo-batch-rest-key", secret=True)
    elif vendor == "sonarly":
        stack.config("sonarly:baseUrl", live.base_url)
        stack.config("sonarly:accountGroupId", "ag_demo")
        stack.config("sonarly:apiKey", "sk_live_demo_full", secret=True)
    elif vendor == "unleashx":
        stack.config("unleashx:baseUrl", live.base_url)
        stack.config("unleashx:token", "demo-unleashx-token", secret=True)
    else:
        stack.config("thrive:baseUrl", live.base_url)
        stack.config("thrive:tenantId", "demo-tenant")
        stack.config("thrive:apiSecret", "demo-thrive-secret", secret=True)


def held(live: Any, vendor: str) -> Counter[str]:
    """Natural keys the emulator holds, with multiplicity (a duplicate shows as a count of 2)."""
    state = live.state()
    if vendor == "batch":
        return Counter(list(state["audiences"]))
    if vendor == "sonarly":
        return Counter(a["name"] for a in state["audiences"].values())
    if vendor == "unleashx":
        return Counter(c["campaign_name"] for c in state["campaigns"].values() if c.get("campaign_status") != "pause")
    return Counter(a["reference"] for a in state["audiences"])


def declared(vendor: str, *, count: int, prefix: str) -> Counter[str]:
    if vendor == "batch":
        return Counter(f"{prefix}_{i:03d}" for i in range(count))
    if vendor in ("unleashx", "sonarly"):
        return Counter(f"{prefix}-{i:03d}" for i in range(count))
    return Counter([f"{prefix}-root", *(f"{prefix}-{i:03d}" for i in range(count - 1))])


def seed_foreign(live: Any, vendor: str, prefix: str) -> str:
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


def foreign_intact(live: Any, vendor: str, key: str) -> bool:
    state = live.state()
    if vendor == "batch":
        aud = state["audiences"].get(key)
        return aud is not None and sorted(aud.get("members") or aud.get("ids") or []) == ["a", "b"]
    return any(a["reference"] == key and a["name"] == "Not ours" for a in state["audiences"])


def writes_naming(live: Any, *keys: str) -> list[dict[str, Any]]:
    """Every non-GET request whose path or body names one of ``keys`` (the emulator's request log)."""
    return [r for r in live.requests() if r["method"] not in ("GET", "HEAD")
            and any(k in r["path"] or k in (r.get("body") or "") for k in keys)]


def handles(live: Any, vendor: str, key: str) -> list[str]:
    """The strings a request could address object ``key`` by: the key, and the vendor id where there is one."""
    if vendor == "thrive":
        return [key, *(a["id"] for a in live.objects("audiences").values() if a["reference"] == key)]
    return [key]
