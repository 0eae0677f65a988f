"""`audience-providers discover <vendor>` against the emulators: what it lists, skips and writes, that it only
reads, how it pages, and its one-line errors (issue #36). The round trip through `pulumi` is
tests/e2e/test_discover_roundtrip.py."""

from __future__ import annotations

import ast
import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from audience_providers import discover
from audience_providers._core.config import ConfigSource
from audience_providers.thrive import config as thrive_config
from audience_providers.thrive.members import AudienceManagersLifecycle
from tests import discover_tenant as tenant

if TYPE_CHECKING:
    from tests.conftest import Emulators, LiveEmulator

CLI = Path(sys.executable).parent / "audience-providers"


def _run(live: LiveEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
         *args: str) -> tuple[dict[str, Any], str, str, str]:
    """discover in this process (environment settings); returns (import file, program, stdout, stderr)."""
    for name in [n for n in os.environ if n.startswith(("THRIVE_", "SONARLY_", "BATCH_", "UNLEASHX_"))]:
        monkeypatch.delenv(name)
    for key, value in tenant.environment(live).items():
        monkeypatch.setenv(key, value)
    out = tmp_path / "out"
    assert discover.run([live.vendor, *args, "--out", str(out)]) == 0
    captured = capsys.readouterr()
    data = json.loads((out / f"{live.vendor}-import.json").read_text())
    return data, (out / f"adopt_{live.vendor}.py").read_text(), captured.out, captured.err


def _seeded(emulator: Emulators, vendor: str) -> LiveEmulator:
    live = emulator(vendor)
    tenant.seed(live)
    live.clear_requests()
    return live


def test_discover__thrive_tree_with_members_and_managers_and_ui_made_ones_skipped(
        emulator: Emulators, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    live = _seeded(emulator, "thrive")
    data, program, out, err = _run(live, tmp_path, monkeypatch, capsys)
    ids = {a["reference"]: a["id"] for a in live.objects("audiences").values()}
    assert tenant.writes(live) == []  # read-only

    expected = [("thrive:index:Structure", "thrive-eng", ids["eng"]),
                ("thrive:index:AudienceMembers", "thrive-eng-members", f"{ids['eng']}/members"),
                ("thrive:index:AudienceManagers", "thrive-eng-managers", f"{ids['eng']}/managers"),
                ("thrive:index:Audience", "thrive-eng-backend", ids["eng-backend"]),
                ("thrive:index:AudienceMembers", "thrive-eng-backend-members", f"{ids['eng-backend']}/members"),
                ("thrive:index:AudienceManagers", "thrive-eng-backend-managers", f"{ids['eng-backend']}/managers"),
                ("thrive:index:Audience", "thrive-eng-frontend", ids["eng-frontend"]),
                ("thrive:index:AudienceMembers", "thrive-eng-frontend-members", f"{ids['eng-frontend']}/members"),
                ("thrive:index:Structure", "thrive-sales", ids["sales"]),
                ("thrive:index:Audience", "thrive-sales-emea", ids["sales-emea"]),
                ("thrive:index:AudienceMembers", "thrive-sales-emea-members", f"{ids['sales-emea']}/members")]
    assert [(r["type"], r["name"], r["id"]) for r in data["resources"]] == expected
    assert not any(ids[ref] in json.dumps(data) for ref in tenant.THRIVE_FOREIGN)

    calls = tenant.program_calls(program)
    assert ast.unparse(calls["thrive_eng"].func) == "thrive.Structure"
    assert tenant.call_kwargs(calls["thrive_eng"]) == {"name": "Engineering", "reference": "eng", "adopt": True,
                                            "opts": "adopted()"}
    backend = tenant.call_kwargs(calls["thrive_eng_backend"])
    assert backend["parent"] == "thrive_eng.id" and backend["adopt"] is True  # by variable, not the literal id
    assert tenant.call_kwargs(calls["thrive_eng_backend_members"])["members"] == [
        "user4@example.com", "user5@example.com", "user6@example.com"]
    assert tenant.call_kwargs(calls["thrive_eng_backend_members"])["audience"] == "thrive_eng_backend.id"
    (manager,) = tenant.call_kwargs(calls["thrive_eng_managers"])["managers"]
    assert manager["user"] == "user3@example.com"
    assert manager["permissions"]["administrator"] == {"canAddAudienceManagers": True}
    assert manager["permissions"]["audienceManager"]["manageContent"] is True
    assert ids["eng"] not in "".join(ast.unparse(c) for c in calls.values())  # ids only as adopt keys

    assert "skipped thrive structure 'People team'" in out and "made in the Thrive UI" in out
    assert "skipped thrive audience 'New joiners'" in out and "smart audience" in out
    assert "# Skipped thrive audience 'New joiners'" in program
    assert "thrive: 7 audiences and structures listed" in err
    assert "thrive: 5 of 5 audiences' members and managers read" in err


def test_discover__thrive_under_a_structure_and_by_prefix(emulator: Emulators, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    live = _seeded(emulator, "thrive")
    data, _, _, _ = _run(live, tmp_path / "under", monkeypatch, capsys, "--under", "sales", "--no-members")
    assert [r["name"] for r in data["resources"]] == ["thrive-sales", "thrive-sales-emea"]

    data, program, _, _ = _run(live, tmp_path / "prefix", monkeypatch, capsys, "--prefix", "eng-")
    assert [r["name"] for r in data["resources"]][:1] == ["thrive-eng-backend"]
    calls = tenant.program_calls(program)
    # The parent structure is outside the selection: read with .get, and still referenced by variable.
    assert ast.unparse(calls["thrive_eng"]) == f"thrive.Structure.get('thrive-eng', '{tenant.ENG}')"
    assert tenant.call_kwargs(calls["thrive_eng_frontend"])["parent"] == "thrive_eng.id"
    assert "thrive-eng" not in [r["name"] for r in data["resources"]]
    assert tenant.writes(live) == []


def test_discover__sonarly_folders_read_audiences_adopted_and_an_undeclarable_type_skipped(
        emulator: Emulators, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    live = _seeded(emulator, "sonarly")
    data, program, out, _ = _run(live, tmp_path, monkeypatch, capsys)
    assert [(r["type"], r["id"]) for r in data["resources"]] == [
        ("sonarly:index:AudienceFolder", tenant.FOLDER_OUT), ("sonarly:index:AudienceFolder", tenant.FOLDER_WATCH),
        ("sonarly:index:Audience", tenant.CTOS), ("sonarly:index:Audience", tenant.COMPETITORS),
        ("sonarly:index:Audience", tenant.FOUNDERS)]
    calls = tenant.program_calls(program)
    assert ast.unparse(calls["sonarly_outbound"].func) == "sonarly.AudienceFolder.get"
    assert tenant.call_kwargs(calls["sonarly_ctos_eu"]) == {
        "name": "CTOs EU", "type": "on_demand", "description": "Series A+", "folder_id": "sonarly_outbound.id",
        "adopt_id": tenant.CTOS, "opts": "adopted()"}
    assert "folder_id" not in tenant.call_kwargs(calls["sonarly_founders"])
    assert f"skipped sonarly audience 'Legacy scrape' (id {tenant.LEGACY})" in out and "linkedin_search" in out
    assert tenant.writes(live) == []

    data, _, _, _ = _run(live, tmp_path / "under", monkeypatch, capsys, "--under", "Watch lists")
    assert [r["id"] for r in data["resources"]] == [tenant.FOLDER_WATCH, tenant.COMPETITORS]


def test_discover__batch_audiences_adopted_by_name_without_members(emulator: Emulators, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    live = _seeded(emulator, "batch")
    data, program, out, _ = _run(live, tmp_path, monkeypatch, capsys)
    assert data["resources"] == [{"type": "batch:index:Audience", "name": f"batch-{n.replace('_', '-')}", "id": n}
                                 for n in ("churn_risk", "newsletter", "vip_customers")]
    calls = tenant.program_calls(program)
    assert tenant.call_kwargs(calls["batch_vip_customers"]) == {
        "name": "vip_customers", "display_name": "VIP customers", "adopt": True, "opts": "adopted()"}
    assert "display_name" not in tenant.call_kwargs(calls["batch_churn_risk"])
    assert "# 3 ids now (Batch lists no ids, so none are declared)" in program
    assert "Batch reports an audience's id count, not its ids" in out
    data, _, _, _ = _run(live, tmp_path / "p", monkeypatch, capsys, "--prefix", "vip")
    assert [r["id"] for r in data["resources"]] == ["vip_customers"]
    assert tenant.writes(live) == []


def test_discover__unleashx_records_of_named_campaigns_and_campaigns_named_unlistable(
        emulator: Emulators, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    live = _seeded(emulator, "unleashx")
    data, program, out, _ = _run(live, tmp_path, monkeypatch, capsys)
    assert data == {"resources": []}
    assert "not listable: unleashx:Campaign: UnleashX documents no campaign list or get" in out

    data, program, out, _ = _run(live, tmp_path / "named", monkeypatch, capsys, "--under", "7001", "--under", "9999")
    assert data["resources"] == [{"type": "unleashx:index:CampaignAudience", "name": "unleashx-7001-records",
                                  "id": "7001/audience"}]
    assert tenant.call_kwargs(tenant.program_calls(program)["unleashx_7001_records"])["phone_numbers"] == [
        "+15550000001", "+15550000002", "+1 555 000 0003"]
    assert "skipped unleashx campaign 9999's audience records: UnleashX says \"Campaign not exist\"" in out
    assert tenant.writes(live) == []


def test_discover__pages_through_every_list_with_reads_only(emulator: Emulators, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    thrive = emulator("thrive")
    thrive.seed({"audiences": [{"name": f"S{i}", "reference": f"s-{i:04d}", "category": "structure"}
                               for i in range(2100)]})
    thrive.clear_requests()
    data, _, _, err = _run(thrive, tmp_path / "t", monkeypatch, capsys, "--no-members")
    assert len(data["resources"]) == 2100
    lists = [r for r in thrive.requests() if r["path"].endswith("/audiences")]
    # The credential check (perPage=1), then pages of 1000: 2100 audiences in 3 pages.
    assert len(lists) == 4 and all(r["method"] == "GET" for r in thrive.requests())
    assert "thrive: 2100 audiences and structures listed" in err

    batch = emulator("batch")
    batch.seed({"audiences": [{"name": f"aud_{i:04d}"} for i in range(250)]})
    batch.clear_requests()
    data, _, _, _ = _run(batch, tmp_path / "b", monkeypatch, capsys)
    assert len(data["resources"]) == 250
    assert [r["method"] for r in batch.requests()] == ["GET"] * 4  # limit=1 check, then 100 + 100 + 50


def _cli(vendor: str, env: dict[str, str], tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CLI), "discover", vendor, "--out", str(tmp_path / "out"), *args], env=env,
                          capture_output=True, text=True, timeout=120)


SECRET_SETTING = {"thrive": ("THRIVE_API_SECRET", "thrive:apiSecret"), "sonarly": ("SONARLY_API_KEY", "sonarly:apiKey"),
                  "batch": ("BATCH_API_KEY", "batch:apiKey"), "unleashx": ("UNLEASHX_TOKEN", "unleashx:token")}
VENDOR = {"thrive": "Thrive", "sonarly": "Sonarly", "batch": "Batch", "unleashx": "UnleashX"}


@pytest.mark.parametrize("vendor", ["thrive", "sonarly", "batch", "unleashx"])
def test_discover__rejected_credentials_fail_in_one_line_naming_vendor_and_setting(
        emulator: Emulators, tmp_path: Path, vendor: str) -> None:
    live = emulator(vendor)
    env_name, setting = SECRET_SETTING[vendor]
    canary = "canary-secret-9d2f71"
    env = {**tenant.environment(live), env_name: canary}
    proc = _cli(vendor, env, tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    (line,) = [line for line in proc.stderr.splitlines() if line.startswith("discover")]
    assert line.startswith(f"discover {vendor}: {VENDOR[vendor]} rejected the configured credentials (")
    assert setting in line and env_name in line
    assert "Traceback" not in proc.stderr and canary not in proc.stdout + proc.stderr
    assert not (tmp_path / "out").exists()  # nothing written
    assert tenant.writes(live) == []


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_discover__unreachable_host_and_missing_setting_name_the_setting(emulator: Emulators,
                                                                          tmp_path: Path) -> None:
    live = emulator("thrive")
    env = {**tenant.environment(live), "THRIVE_BASE_URL": f"http://127.0.0.1:{_closed_port()}/rest/v1",
           "THRIVE_RETRY_DEADLINE": "2"}
    proc = _cli("thrive", env, tmp_path)
    assert proc.returncode == 1
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("discover thrive: Thrive ") and "could not connect" in line
    assert "thrive:baseUrl (THRIVE_BASE_URL)" in line and "Traceback" not in proc.stderr

    env = {k: v for k, v in tenant.environment(live).items() if k != "BATCH_PROJECT_KEY"}
    env = {k: v for k, v in env.items() if not k.startswith("BATCH_")}
    proc = _cli("batch", env, tmp_path)
    assert proc.returncode == 1
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("discover batch: missing configuration batch:apiKey, batch:projectKey")
    assert "BATCH_API_KEY" in line and "Traceback" not in proc.stderr

    proc = _cli("batch", {**tenant.environment(emulator("batch"))}, tmp_path, "--under", "x")
    assert proc.returncode == 1 and "--under applies to thrive" in proc.stderr


def test_managers__taken_over_as_they_are_sends_no_write(emulator: Emulators) -> None:
    live = _seeded(emulator, "thrive")
    cfg = thrive_config.load(ConfigSource(None, tenant.environment(live)))
    lifecycle = AudienceManagersLifecycle(cfg)
    read = lifecycle.read_by_id(tenant.ENG)
    assert read is not None
    live.clear_requests()
    lifecycle.create({"audience": tenant.ENG, "managers": read["managers"]})
    assert tenant.writes(live) == []
    # The dual: a permission that differs is written (one PATCH of the list).
    changed = [{**read["managers"][0], "permissions": {"peopleManager": {"insights": True}}}]
    lifecycle.create({"audience": tenant.ENG, "managers": changed, "adopt": True})
    assert tenant.writes(live) == [f"PATCH /rest/v1/audiences/{tenant.ENG}/managers"]


def test_batch_adopt__without_members_takes_the_audience_as_it_is_with_reads_only(emulator: Emulators) -> None:
    from audience_providers.batch import config as batch_config
    from audience_providers.batch.audience import AudienceLifecycle

    live = _seeded(emulator, "batch")
    lifecycle = AudienceLifecycle(batch_config.load(ConfigSource(None, tenant.environment(live))))
    created = lifecycle.create({"name": "vip_customers", "display_name": "VIP customers", "adopt": True})
    assert created.id == "vip_customers" and created.outs["adopted"] is True and created.outs["nb_ids"] == 3
    assert tenant.writes(live) == []
    assert sorted(live.objects("audiences")["vip_customers"]["ids"]) == ["c1", "c2", "c3"]


def test_bench__discover_runs_small_and_reports_requests_and_pages(tmp_path: Path) -> None:
    """bench/discover.py end to end at a small size: what it counts (never how fast)."""
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "-m", "bench.discover", "--thrive", "120", "--batch", "30",
                           "--latency-ms", "1", "--workers", "4", "--out", str(tmp_path)], cwd=root,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (path,) = tmp_path.glob("discover-*.json")
    runs = json.loads(path.read_text())["runs"]
    assert runs["thrive_listing_only"]["requests"] == {"list": 2} and runs["thrive_listing_only"]["list_pages"] == 1
    # 120 audiences = 2 structures (one manager each) + 118 audiences (3 members each): two reads per audience.
    full = runs["thrive_with_members_and_managers"]
    assert full["requests"] == {"list": 2, "members": 120, "managers": 120}
    assert full["import_file_resources"] == 120 + 118 + 2 and full["methods"] == {"GET": 242}
    assert runs["batch"]["list_pages"] == 1 and runs["batch"]["import_file_resources"] == 30


def test_discover__sonarly_names_the_audiences_a_running_job_hides(emulator: Emulators, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    live = _seeded(emulator, "sonarly")
    live.seed({"jobs": [{"audienceId": tenant.FOUNDERS, "seconds": 600}]})
    data, _, out, _ = _run(live, tmp_path, monkeypatch, capsys)
    assert tenant.FOUNDERS not in {r["id"] for r in data["resources"]}  # hidden by Sonarly while the job runs
    assert "not listable: audiences being filled by the 1 prospecting job(s) running now" in out
    assert tenant.writes(live) == []
