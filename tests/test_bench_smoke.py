"""Smoke: the comparison harness (bench/harness.py) runs end to end at N=10 and reports every phase and count;
the compass benchmark (bench/compass.py) runs at N=8 and reports every figure of issue #20 beside its target.

It asserts what was measured, never how fast (a target's pass flag is reported, not asserted).
The us-vs-floor part always runs; the OpenTofu part is skipped,
with the build error as the reason, only when bench/tofu/build.sh could not build OpenTofu + restapi.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent
N = 10
PHASES = ("up", "preview", "refresh", "destroy")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("bench")
    # A cold OpenTofu build takes minutes; later runs reuse ~/.cache/audience-providers.
    proc = subprocess.run([sys.executable, "-m", "bench.harness", "--n", str(N), "--repeat", "1",
                           "--latency-ms", "2", "--out", str(out), "--name", "smoke",
                           "--us-variant", "sdkpool:PULUMI_DYNAMIC_PROVIDER_WORKERS=4"],
                          cwd=ROOT, capture_output=True, text=True, timeout=2400)
    assert proc.returncode == 0, f"harness failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr[-5000:]}"
    files = list(out.glob("smoke-*.json"))
    assert len(files) == 1, files
    data: dict[str, Any] = json.loads(files[0].read_text())
    return data


def _run(report: dict[str, Any], tool: str) -> dict[str, Any]:
    runs = [r for r in report["runs"] if r["tool"] == tool]
    assert len(runs) == 1, runs
    run: dict[str, Any] = runs[0]
    assert run["error"] is None, run["error"]
    assert set(run["phases"]) == set(PHASES)
    return run


def _methods(run: dict[str, Any], phase: str) -> dict[str, int]:
    methods: dict[str, int] = run["phases"][phase]["requests"]["by_method"]
    return methods


def test_harness__us_and_floor_report_every_phase(report: dict[str, Any]) -> None:
    assert report["errors"] == []
    us, floor = _run(report, "us"), _run(report, "floor")
    # Our up also reads twice per provider process: the credential check (a revoked key fails at preview) and the
    # listing of the tenant's references (the ownership check: a taken reference fails at preview).
    assert _methods(us, "up") == {"POST": N, "GET": 2} and _methods(floor, "up") == {"POST": N}
    for run in (us, floor):
        assert _methods(run, "refresh") == {"GET": N}
        assert _methods(run, "destroy") == {"DELETE": N}
        assert run["phases"]["up"]["created"] == N
        for phase in ("up", "refresh", "destroy"):
            assert run["phases"][phase]["seconds"] > 0
            expected = (N + 2) / N if run is us and phase == "up" else 1.0
            assert run["phases"][phase]["requests"]["per_resource"] == pytest.approx(expected, abs=0.01)
    # A no-op preview of ours sends only the credential check and finds nothing to change; the floor needs no
    # preview at all.
    assert us["phases"]["preview"]["no_changes"] is True
    assert us["phases"]["preview"]["requests"]["by_method"] == {"GET": 1}
    assert floor["phases"]["preview"]["seconds"] is None
    assert us["state_bytes"] > 0 and us["state_detail"]["resources"] >= N
    assert us["phases"]["up"]["rss_kb"].get("provider", 0) > 0
    assert us["phases"]["up"]["rss_kb"].get("engine", 0) > 0
    summary = report["summary"]
    for tool in ("us", "floor"):
        assert summary[tool][str(N)]["phases"]["up"]["seconds"]["median"] > 0
    assert f"up@{N} us/floor" in report["ratios"]
    assert report["us"]["parallel"] > 0 and report["floor"]["concurrency"] > 0
    assert us["phases"]["up"]["cpu"]["threads_peak_by_role"].get("provider", 0) > 0


def test_harness__us_variant_runs_in_the_same_run_with_its_environment(report: dict[str, Any]) -> None:
    variant = _run(report, "us:sdkpool")
    assert _methods(variant, "up") == {"POST": N, "GET": 2} and _methods(variant, "destroy") == {"DELETE": N}
    assert report["us"]["dynamic_provider_grpc_workers"] == 32
    assert report["us"]["variants"]["sdkpool"] == {"env": {"PULUMI_DYNAMIC_PROVIDER_WORKERS": "4"},
                                                   "dynamic_provider_grpc_workers": 4}
    assert f"up@{N} us:sdkpool/us" in report["ratios"]
    assert report["summary"]["us:sdkpool"][str(N)]["phases"]["up"]["seconds"]["median"] > 0


def test_harness__tofu_restapi_reports_every_phase(report: dict[str, Any]) -> None:
    error = report.get("tofu", {}).get("error")
    if error:
        pytest.skip(f"OpenTofu + restapi could not be built by bench/tofu/build.sh: {error}")
    tofu = _run(report, "tofu")
    assert report["tofu"]["opentofu"] and report["tofu"]["restapi"]
    assert _methods(tofu, "up").get("POST") == N
    assert _methods(tofu, "destroy").get("DELETE") == N
    assert tofu["phases"]["preview"]["no_changes"] is True
    assert tofu["phases"]["up"]["created"] == N
    assert tofu["state_bytes"] > 0 and tofu["state_detail"]["resources"] == N
    # At N=10 each start of OpenTofu's provider lives 13-61 ms (3-4 starts a phase), so the sampler (every 20 ms)
    # must catch it in some phase; one phase alone may hold only starts shorter than a sampling interval.
    assert max(tofu["phases"][phase]["rss_kb"].get("provider", 0) for phase in PHASES) > 0
    assert tofu["phases"]["up"]["rss_kb"].get("engine", 0) > 0
    assert f"up@{N} us/tofu" in report["ratios"]


# -- compass (bench/compass.py) ------------------------------------------------------------------------------
VENDORS = ("thrive", "sonarly", "batch", "unleashx")
COMPASS_N, SOLO_N, LOAD_N = 8, 12, 6


@pytest.fixture(scope="module")
def compass(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("compass")
    proc = subprocess.run([sys.executable, "-m", "bench.compass", "--n", str(COMPASS_N), "--repeat", "1",
                           "--latency-ms", "2", "--solo-n", str(SOLO_N), "--load-n", str(LOAD_N),
                           "--rate-rpm", "240", "--import-repeat", "2", "--out", str(out), "--name", "smoke"],
                          cwd=ROOT, capture_output=True, text=True, timeout=2400)
    assert proc.returncode == 0, f"compass failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr[-5000:]}"
    files = list(out.glob("smoke-*.json"))
    assert len(files) == 1, files
    assert (out / files[0].name.replace(".json", ".png")).exists()
    data: dict[str, Any] = json.loads(files[0].read_text())
    return data


def _compass_run(report: dict[str, Any], tool: str, n: int = COMPASS_N) -> dict[str, Any]:
    runs = [r for r in report["runs"] if r["tool"] == tool and r["n"] == n]
    assert len(runs) == 1, runs
    run: dict[str, Any] = runs[0]
    assert run["error"] is None, run["error"]
    assert set(run["phases"]) == set(PHASES)
    return run


def test_compass__us_and_floor_manage_every_vendor_in_one_run(compass: dict[str, Any]) -> None:
    assert compass["errors"] == []
    split = compass["split"][str(COMPASS_N)]
    assert set(split) == set(VENDORS) and sum(split.values()) == COMPASS_N
    for tool in ("us", "us:plugin", "floor"):  # us:plugin: the same objects through pulumi-resource-<vendor>
        run = _compass_run(compass, tool)
        assert run["phases"]["up"]["created_by_vendor"] == split
        refresh = run["phases"]["refresh"]["requests"]["by_vendor"]
        for vendor, count in split.items():
            assert refresh[vendor]["by_method"] == {"GET": count}, (tool, vendor, refresh[vendor])
    floor_up = _compass_run(compass, "floor")["phases"]["up"]["requests"]["by_vendor"]
    # Batch: create, then one update with the members (its create takes no ids).
    assert all(floor_up[v]["by_method"] == {"POST": split[v] * (2 if v == "batch" else 1)} for v in VENDORS), floor_up
    assert compass["summary"]["us"][str(SOLO_N)]["phases"]["up"]["seconds"]["median"] > 0


def test_compass__plugin_path_runs_beside_the_dynamic_path_in_the_same_run(compass: dict[str, Any]) -> None:
    for phase in PHASES:
        assert f"{phase}@{COMPASS_N} us:plugin/us" in compass["ratios"]
    plugin_state = compass["figures"]["state_by_type_plugin"]
    assert {kind.split(":")[0] for kind in plugin_state} == set(VENDORS)
    assert all(":index:" in kind and entry["bytes_per_resource"] > 0 for kind, entry in plugin_state.items())
    assert _compass_run(compass, "us:plugin")["state_detail"]["pickled_provider_bytes"] == 0  # no pickled provider


def test_compass__sdk_floor_sends_the_http_floors_requests_through_the_engine(compass: dict[str, Any]) -> None:
    sdk, floor = _compass_run(compass, "sdkfloor"), _compass_run(compass, "floor")
    split = compass["split"][str(COMPASS_N)]
    assert sdk["phases"]["up"]["created_by_vendor"] == split
    assert sdk["phases"]["preview"]["no_changes"] is True
    for phase in ("up", "refresh", "destroy"):
        mine, theirs = (r["phases"][phase]["requests"]["by_vendor"] for r in (sdk, floor))
        assert {v: e["by_method"] for v, e in mine.items()} == {v: e["by_method"] for v, e in theirs.items()}, phase
    assert sdk["phases"]["preview"]["requests"]["total"] == 0
    # The dual: ours does more than the floor (credential checks, ownership listings, Batch's indexing polls).
    assert _compass_run(compass, "us")["phases"]["up"]["requests"]["total"] > sdk["phases"]["up"]["requests"]["total"]
    for phase in PHASES:
        assert f"{phase}@{COMPASS_N} us/sdkfloor" in compass["ratios"]
    if not compass.get("tofu", {}).get("error"):
        assert all(e["sdkfloor_over_tofu"] is not None for e in compass["targets"]["wall_time"].values())
    assert compass["figures"]["state_sdkfloor"]["compact_bytes_per_resource"] > 0


def test_compass__tofu_restapi_manages_the_same_objects(compass: dict[str, Any]) -> None:
    error = compass.get("tofu", {}).get("error")
    if error:
        pytest.skip(f"OpenTofu + restapi could not be built by bench/tofu/build.sh: {error}")
    run = _compass_run(compass, "tofu")
    split = compass["split"][str(COMPASS_N)]
    assert run["phases"]["up"]["created_by_vendor"] == split
    assert run["phases"]["preview"]["no_changes"] is True
    up = run["phases"]["up"]["requests"]["by_vendor"]
    assert all(up[v]["by_method"].get("POST") == split[v] * (2 if v == "batch" else 1) for v in VENDORS), up
    assert {"unleashx", "batch"} <= set(compass["tofu"]["not_expressible"])
    for phase in PHASES:
        assert f"{phase}@{COMPASS_N} us/tofu" in compass["ratios"]


def test_compass__every_figure_is_reported_beside_its_target(compass: dict[str, Any]) -> None:
    targets, figures = compass["targets"], compass["figures"]

    def reported(entry: dict[str, Any]) -> None:
        assert entry["measured"] is not None and isinstance(entry["pass"], bool) and entry["target"], entry

    if not compass.get("tofu", {}).get("error"):
        assert set(targets["wall_time"]) == {f"{p}@{COMPASS_N} us/tofu" for p in PHASES}
        for entry in targets["wall_time"].values():
            reported(entry)
    vendors_with_state = {e["vendor"] for e in targets["state_bytes_per_resource"].values()}
    assert vendors_with_state == set(VENDORS)
    for entry in targets["state_bytes_per_resource"].values():
        reported(entry)
    assert set(targets["import_seconds"]) == set(VENDORS)
    for entry in targets["import_seconds"].values():
        reported(entry)
    reported(targets["provider_peak_rss_mb"])
    assert targets["provider_peak_rss_mb"]["n"] == SOLO_N
    assert figures["solo"]["state_bytes_per_resource"] > 0
    assert set(figures["solo"]["seconds_per_resource"]) == {"up", "preview", "refresh", "destroy"}
    assert set(targets["refresh_requests_per_resource"]) == {f"{v}@{n}" for v in VENDORS
                                                             for n in (COMPASS_N, SOLO_N)}
    for entry in targets["refresh_requests_per_resource"].values():
        reported(entry)
    assert set(targets["load_held"]) == set(VENDORS)
    for vendor, entry in targets["load_held"].items():
        reported(entry)
        held = figures["load_held"][vendor]
        assert held["created"] == LOAD_N and held["failed_operations"] == 0, held
        assert held["rate_limit_rpm"] == 240 and held["successful_writes"] >= LOAD_N


def test_profile__samples_the_program_and_the_provider_of_a_preview(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "bench.profile", "--n", "8", "--latency-ms", "2", "--rate", "500",
                           "--out", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"profile failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr[-5000:]}"
    (result_file,) = tmp_path.glob("profile-preview-*.json")
    result = json.loads(result_file.read_text())
    assert set(result["roles"]) == {"program", "provider"}, result["roles"].keys()
    for role in result["roles"].values():
        assert role["samples"] > 0 and role["cpu_s"] > 0
        assert abs(sum(role["self_share_by_owner"].values()) - 1) < 0.01
    assert "ours" in result["roles"]["provider"]["self_share_by_owner"] or \
        result["roles"]["provider"]["ours_inclusive_share"] > 0
    collapsed = (tmp_path / result["collapsed"]).read_text()
    assert str(ROOT) not in collapsed and str(Path.home()) + "/" not in collapsed  # no machine paths kept


# -- the one-at-a-time path (bench/check_path.py) ----------------------------------------------------------------
def test_check_path__times_every_types_first_check_and_diff_for_us_and_the_sdk_floor(tmp_path: Path) -> None:
    n = 8
    proc = subprocess.run([sys.executable, "-m", "bench.check_path", "--n", str(n), "--repeat", "1",
                           "--latency-ms", "2", "--out", str(tmp_path), "--name", "smoke"],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"check_path failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr[-5000:]}"
    files = list(tmp_path.glob("smoke-*.json"))
    assert len(files) == 1, files
    results = json.loads(files[0].read_text())["results"]
    assert set(results) == {"us", "sdkfloor"}
    ours = {"thrive:Structure", "thrive:Audience", "sonarly:Audience", "batch:Audience", "unleashx:Campaign"}
    for tool, kinds in (("us", {f"pulumi-python:dynamic/{k}" for k in ours}),
                        ("sdkfloor", {"pulumi-python:dynamic:Resource"})):
        r = results[tool]
        assert r["calls"] == 2 * n, (tool, r["calls"])  # a Check and a Diff per resource the stack holds
        assert set(r["first_ms"]) == {f"{call} {k}" for call in ("Check", "Diff") for k in kinds}, r["first_ms"]
        assert r["sum_s"] > 0 and r["wall_s"] >= r["span_s"] > 0
