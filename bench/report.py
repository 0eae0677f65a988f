"""Reporting benchmark results: the markdown table, the PNG plot, and each figure checked against its target."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .stats import PHASES, TOOLS, in_report_order


def table(summary: dict[str, Any], ns: list[int]) -> str:
    tools = in_report_order(summary) or list(TOOLS)
    names = " / ".join(tools)
    lines = [f"| phase | N | {' | '.join(f'{t} s (min-max)' for t in tools)} | req/resource {names} "
             f"| tool CPU s {names} | foreign CPU s (max) |", "|---|---|" + "---|" * len(tools) + "---|---|---|"]
    for phase in PHASES:
        for n in ns:
            cells, reqs, cpu, foreign = [], [], [], 0.0
            for tool in tools:
                entry = summary.get(tool, {}).get(str(n), {}).get("phases", {}).get(phase)
                stats = entry["seconds"] if entry else None
                cells.append("-" if stats is None else
                             f"{stats['median']:.2f} ({stats['min']:.2f}-{stats['max']:.2f})")
                per = entry["requests_per_resource"] if entry else None
                reqs.append("-" if per is None else f"{per['median']:.2f}")
                used = entry["cpu_s"]["tool_s"] if entry else None
                cpu.append("-" if used is None else f"{used['median']:.1f}")
                other = entry["cpu_s"]["foreign_s"] if entry else None
                foreign = max(foreign, other["max"] if other else 0.0)
            lines.append(f"| {phase} | {n} | {' | '.join(cells)} | {' / '.join(reqs)} | {' / '.join(cpu)} "
                         f"| {foreign:.1f} |")
    lines += ["", "| tool | N | state bytes/resource | peak RSS MB by role (max over phases) |", "|---|---|---|---|"]
    for tool in tools:
        for n in ns:
            entry = summary.get(tool, {}).get(str(n))
            if not entry:
                continue
            size = entry["state_bytes_per_resource"]
            peaks: dict[str, float] = {}
            for phase in entry["phases"].values():
                for role, kb in phase["peak_rss_kb"].items():
                    peaks[role] = max(peaks.get(role, 0.0), kb)
            rss = ", ".join(f"{role} {kb / 1024:.0f}" for role, kb in sorted(peaks.items())) or "-"
            lines.append(f"| {tool} | {n} | {'-' if size is None else round(size['median'])} | {rss} |")
    return "\n".join(lines)


def plot(summary: dict[str, Any], ns: list[int], path: Path, title: str,
         xlabel: str = "N resources (1 structure + N-1 audiences)") -> str | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        return f"no plot: {exc} (pip install matplotlib)"
    fig, axes = plt.subplots(2, 2, figsize=(11, 8))
    labels = {"us": "us (pulumi + dynamic provider)", "tofu": "OpenTofu + restapi", "floor": "HTTP floor (httpx)",
              "sdkfloor": "pulumi + minimal dynamic provider (sdk floor)"}
    tools = in_report_order(summary)
    for ax, phase in zip(axes.flat, PHASES, strict=True):
        for tool in tools:
            xs, ys, lo, hi = [], [], [], []
            for n in ns:
                entry = summary.get(tool, {}).get(str(n), {}).get("phases", {}).get(phase)
                stats = entry["seconds"] if entry else None
                if stats is None:
                    continue
                xs.append(n)
                ys.append(stats["median"])
                lo.append(stats["median"] - stats["min"])
                hi.append(stats["max"] - stats["median"])
            if xs:
                ax.errorbar(xs, ys, yerr=[lo, hi], marker="o", capsize=3, label=labels.get(tool, tool))
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title({"up": "up / apply", "preview": "no-op preview / plan", "refresh": "refresh",
                      "destroy": "destroy"}[phase])
        ax.set_xlabel(xlabel)
        ax.set_ylabel("wall seconds (median, min-max)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return None


# -- targets (issues #20, #34): each figure beside its target and a pass flag ----------------------------------
# us/tofu wall-time ratio limits per phase; up has one limit per size (the ones the issues name; up@100 is #34's 1.2).
WALL_TIME_LIMITS: dict[str, dict[int, float]] = {
    "up": {100: 1.2, 500: 1.0}, "preview": {100: 1.0, 500: 1.0}, "refresh": {100: 1.0, 500: 1.0},
    "destroy": {100: 0.7, 500: 0.7},
}


def check(measured: float | None, limit: float, *, at_least: bool = False, **context: Any) -> dict[str, Any]:
    """One figure against its target; ``pass`` is None when the figure could not be measured."""
    ok = None if measured is None else (measured >= limit if at_least else measured <= limit)
    return {"measured": measured, "target": f"{'>=' if at_least else '<='} {limit:g}", "pass": ok, **context}


def wall_time_targets(ratios: dict[str, Any], ns: list[int]) -> dict[str, Any]:
    """us/tofu wall-time ratios of every size run, against the issue's limits.

    A size the issue names none for takes the limit of the next named size up (or the largest), and says so in
    ``limit_of``: a smoke run at N=8 is checked against the N=100 limits, which is only a rehearsal.
    """
    out: dict[str, Any] = {}
    for phase, limits in WALL_TIME_LIMITS.items():
        named = sorted(limits)
        for n in ns:
            size = next((s for s in named if n <= s), named[-1])
            out[f"{phase}@{n} us/tofu"] = check(ratios.get(f"{phase}@{n} us/tofu"), limits[size],
                                                limit_of=f"{phase}@{size}")
    return out
