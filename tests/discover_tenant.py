"""A realistic existing tenant of each vendor, as `audience-providers discover` meets it (seeded through the
emulators' admin API, as if made in the vendors' UIs or by scripts), and what discover must make of it.

Used by tests/emulators/test_discover.py (what is listed, skipped and written) and
tests/e2e/test_discover_roundtrip.py (the round trip through the real CLI on both paths).
"""

from __future__ import annotations

import ast
import os
from typing import Any

from emulators.admin import Admin

ENG = "65b000000000000000000001"  # a fixed id, so the expected files can name it
FOLDER_OUT, FOLDER_WATCH = "f" * 24, "e" * 24
CTOS, FOUNDERS, COMPETITORS, LEGACY = "a" * 24, "b" * 24, "c" * 24, "d" * 24

THRIVE: dict[str, Any] = {"audiences": [
    {"id": ENG, "name": "Engineering", "reference": "eng", "category": "structure", "members": ["user1", "user2"],
     "managers": [{"reference": "user3", "permissions": {"administrator": {"canAddAudienceManagers": True},
                                                         "audienceManager": {"manageContent": True}}}]},
    {"name": "Backend", "reference": "eng-backend", "parentId": "eng", "members": ["user4", "user5", "user6"],
     "managers": [{"reference": "user9", "permissions": {"peopleManager": {"insights": True}}}]},
    {"name": "Frontend", "reference": "eng-frontend", "parentId": "eng", "members": ["user10", "user11"]},
    {"name": "Sales", "reference": "sales", "category": "structure"},
    {"name": "EMEA sales", "reference": "sales-emea", "parentId": "sales", "members": ["user12"]},
    # Made in the Thrive UI: a structure and a smart audience in it (the API can change neither).
    {"name": "People team", "reference": "hr", "category": "structure", "apiControlled": False,
     "members": ["user14"]},
    {"name": "New joiners", "reference": "hr-new", "parentId": "hr", "apiControlled": False, "type": "smart",
     "members": ["user13"]},
]}
THRIVE_MANAGED = {"eng", "eng-backend", "eng-frontend", "sales", "sales-emea"}
THRIVE_FOREIGN = {"hr", "hr-new"}

SONARLY: dict[str, Any] = {
    "folders": [{"id": FOLDER_OUT, "name": "Outbound", "audienceType": "on_demand"},
                {"id": FOLDER_WATCH, "name": "Watch lists", "audienceType": "monitoring"}],
    "audiences": [
        {"id": CTOS, "name": "CTOs EU", "type": "on_demand", "description": "Series A+", "folderId": FOLDER_OUT,
         "prospectUrls": ["https://www.linkedin.com/in/ada-lovelace", "https://www.linkedin.com/in/grace-hopper"]},
        {"id": FOUNDERS, "name": "Founders", "type": "on_demand"},
        {"id": COMPETITORS, "name": "Competitor hires", "type": "monitoring", "folderId": FOLDER_WATCH},
        # A type the provider can't declare (the docs' examples show it).
        {"id": LEGACY, "name": "Legacy scrape", "type": "linkedin_search"},
    ]}

BATCH: dict[str, Any] = {"audiences": [
    {"name": "vip_customers", "display_name": "VIP customers", "ids": ["c1", "c2", "c3"]},
    {"name": "churn_risk", "ids": ["c4", "c5"]},
    {"name": "newsletter", "display_name": "Newsletter"},
]}

UNLEASHX: dict[str, Any] = {
    "campaigns": [{"id": 7001, "agent_id": 101, "campaign_name": "Winter renewals"},
                  {"id": 7002, "agent_id": 101, "campaign_name": "Not named to discover"}],
    "audience": [{"campaign_id": 7001, "mobile_no": "+15550000001"},
                 {"campaign_id": 7001, "mobile_no": "+15550000002"},
                 {"campaign_id": 7001, "mobile_no": "+1 555 000 0003"},
                 {"campaign_id": 7002, "mobile_no": "+15550000009"}]}

SEEDS = {"thrive": THRIVE, "sonarly": SONARLY, "batch": BATCH, "unleashx": UNLEASHX}
# What `discover <vendor>` is given besides the vendor (UnleashX has no campaign list: campaigns are named).
ARGS: dict[str, list[str]] = {"thrive": [], "sonarly": [], "batch": [], "unleashx": ["--under", "7001"]}


def seed(live: Admin) -> None:
    live.seed(SEEDS[live.vendor])
    if live.vendor == "batch":
        live.configure(indexing_seconds=0.02)


def environment(live: Admin) -> dict[str, str]:
    """The settings discover reads from the environment (the providers' fallbacks), for the demo credentials."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("THRIVE_", "SONARLY_", "BATCH_", "UNLEASHX_"))}
    vendor = live.vendor
    if vendor == "thrive":
        return {**base, "THRIVE_BASE_URL": live.base_url, "THRIVE_TENANT_ID": "demo-tenant",
                "THRIVE_API_SECRET": "demo-thrive-secret"}
    if vendor == "sonarly":
        return {**base, "SONARLY_BASE_URL": live.base_url, "SONARLY_API_KEY": "sk_live_demo_full"}
    if vendor == "batch":
        return {**base, "BATCH_BASE_URL": live.base_url, "BATCH_API_KEY": "demo-batch-rest-key",
                "BATCH_PROJECT_KEY": "project_demo0000000000000000000000000"}
    return {**base, "UNLEASHX_BASE_URL": live.base_url, "UNLEASHX_TOKEN": "demo-unleashx-token"}


def writes(live: Admin) -> list[str]:
    """Every request of the emulator's log that is not a read, as "METHOD path"."""
    return [f"{r['method']} {r['path']}" for r in live.requests() if r["method"] not in ("GET", "HEAD")]


def program_calls(source: str) -> dict[str, ast.Call]:
    """Each `var = vendor.Kind(...)` / `vendor.Kind.get(...)` of a generated program, by variable."""
    out = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            target = node.targets[0]
            assert isinstance(target, ast.Name)
            out[target.id] = node.value
    return out


def call_kwargs(call: ast.Call) -> dict[str, Any]:
    """A call's keyword arguments: literals as values, anything else (a reference) as its source text."""
    out: dict[str, Any] = {}
    for k in call.keywords:
        try:
            out[k.arg or ""] = ast.literal_eval(k.value)
        except ValueError:
            out[k.arg or ""] = ast.unparse(k.value)
    return out
