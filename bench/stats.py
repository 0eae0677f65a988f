"""Statistics of benchmark runs: request-log summaries, median/min/max per tool, N and phase, and ratios."""

from __future__ import annotations

import statistics
from collections import Counter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .contenders import Run

PHASES = ("up", "preview", "refresh", "destroy")
TOOLS = ("us", "tofu", "floor")
# The compass benchmark's contenders: also `sdkfloor`, the same objects through bench/sdk_floor.py's minimal dynamic
# provider (what the engine and the Python SDK alone cost).
COMPASS_TOOLS = ("us", "sdkfloor", "tofu", "floor")


def request_summary(log: list[dict[str, Any]], seconds: float | None, n: int,
                    split: dict[str, int] | None = None) -> dict[str, Any]:
    """Counts of an emulator request log; with ``split`` (resources per vendor) also a summary per vendor."""
    by_method = Counter(str(r["method"]) for r in log)
    busy_ms = sum(float(r.get("ms") or 0.0) for r in log)
    return {
        "total": len(log),
        "per_resource": len(log) / n,
        "by_method": dict(sorted(by_method.items())),
        "errors": sum(1 for r in log if not (isinstance(r.get("status"), int) and r["status"] < 400)),
        # Summed server-side request time over wall time: how many requests were in flight on average.
        "mean_in_flight": round(busy_ms / 1000 / seconds, 2) if seconds else None,
        **({"by_vendor": {vendor: request_summary([r for r in log if r.get("vendor") == vendor], seconds, count)
                          for vendor, count in split.items()}} if split else {}),
    }


def describe(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    return {"median": round(statistics.median(values), 4), "min": round(min(values), 4),
            "max": round(max(values), 4), "count": len(values)}


def in_report_order(names: set[str] | dict[str, Any]) -> list[str]:
    """Contenders in report order: us, its variants (us:<name>), sdkfloor, tofu, floor."""
    variants = sorted(n for n in names if n.startswith("us:"))
    return [t for t in ("us", *variants, "sdkfloor", "tofu", "floor") if t in names]


def summarise(runs: list[Run]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for tool in in_report_order({r.tool for r in runs}):
        for n in sorted({r.n for r in runs}):
            group = [r for r in runs if r.tool == tool and r.n == n and r.error is None]
            if not group:
                continue
            entry: dict[str, Any] = {"runs": len(group), "phases": {}}
            for name in PHASES:
                phases = [r.phases[name] for r in group if name in r.phases]
                seconds = [p["seconds"] for p in phases if p["seconds"] is not None]
                rss: dict[str, list[float]] = {}
                roles: dict[str, list[float]] = {}
                for p in phases:
                    for role, used in p.get("cpu", {}).get("tool_by_role_s", {}).items():
                        roles.setdefault(role, []).append(used)
                    for role, kb in p["rss_kb"].items():
                        rss.setdefault(role, []).append(kb)
                entry["phases"][name] = {
                    "seconds": describe(seconds),
                    "requests_per_resource": describe([p["requests"]["per_resource"] for p in phases]),
                    "requests_by_method": phases[0]["requests"]["by_method"] if phases else {},
                    "mean_in_flight": describe([p["requests"]["mean_in_flight"] for p in phases
                                              if p["requests"]["mean_in_flight"] is not None]),
                    "peak_rss_kb": {role: statistics.median(v) for role, v in sorted(rss.items())},
                    "cpu_s": {key: describe([p["cpu"][key] for p in phases if p.get("cpu")])
                              for key in ("tool_s", "emulator_s", "foreign_s")},
                    "tool_cpu_by_role_s": {role: statistics.median(v) for role, v in sorted(roles.items())},
                }
            sizes = [r.state_bytes / n for r in group if r.state_bytes is not None]
            entry["state_bytes_per_resource"] = describe(sizes)
            blobs = [r.state_detail["pickled_provider_bytes"] / n for r in group
                     if "pickled_provider_bytes" in r.state_detail]
            if blobs:
                entry["pickled_provider_bytes_per_resource"] = describe(blobs)
            summary.setdefault(tool, {})[str(n)] = entry
    return summary


def _median(summary: dict[str, Any], tool: str, n: int, phase: str) -> float | None:
    try:
        stats = summary[tool][str(n)]["phases"][phase]["seconds"]
    except KeyError:
        return None
    return None if stats is None else float(stats["median"])


def ratios(summary: dict[str, Any], ns: list[int]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for n in ns:
        for phase in PHASES:
            us = _median(summary, "us", n, phase)
            for other in ("tofu", "floor"):
                them = _median(summary, other, n, phase)
                if us is not None and them:
                    out[f"{phase}@{n} us/{other}"] = round(us / them, 2)
            floor_sdk = _median(summary, "sdkfloor", n, phase)
            if floor_sdk:
                them = _median(summary, "tofu", n, phase)
                if them:
                    out[f"{phase}@{n} sdkfloor/tofu"] = round(floor_sdk / them, 2)
                if us is not None:
                    out[f"{phase}@{n} us/sdkfloor"] = round(us / floor_sdk, 2)
            for variant in (t for t in summary if t.startswith("us:")):
                theirs = _median(summary, variant, n, phase)
                if us and theirs is not None:
                    out[f"{phase}@{n} {variant}/us"] = round(theirs / us, 2)
    return out
