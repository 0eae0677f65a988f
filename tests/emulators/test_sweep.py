"""scripts/sweep.py removes exactly the prefixed leftovers (children before structures) and nothing else."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

if TYPE_CHECKING:
    from tests.conftest import Emulators

spec = importlib.util.spec_from_file_location("sweep", Path(__file__).resolve().parents[2] / "scripts" / "sweep.py")
assert spec and spec.loader
sweep = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sweep)


def test_sweep__batch_by_prefix(emulator: Emulators, monkeypatch: pytest.MonkeyPatch) -> None:
    live = emulator("batch")
    live.seed({"audiences": [{"name": f"e2e_{i}"} for i in range(130)] + [{"name": "keep_me"}]})
    monkeypatch.setenv("BATCH_BASE_URL", live.base_url)
    monkeypatch.setenv("BATCH_API_KEY", "demo-batch-rest-key")
    monkeypatch.setenv("BATCH_PROJECT_KEY", "project_demo0000000000000000000000000")
    assert sweep.main(["batch", "--prefix", "e2e_"]) == 0 and len(live.objects("audiences")) == 131  # dry run
    sweep.main(["batch", "--prefix", "e2e_", "--yes"])
    assert list(live.objects("audiences")) == ["keep_me"]


def test_sweep__thrive_children_before_structures(emulator: Emulators, monkeypatch: pytest.MonkeyPatch) -> None:
    live = emulator("thrive")
    auth = httpx.BasicAuth("demo-tenant", "demo-thrive-secret")
    root = httpx.post(f"{live.base_url}/audiences", auth=auth,
                      json={"name": "R", "reference": "e2e-root", "category": "structure"}).json()
    for i in range(3):
        httpx.post(f"{live.base_url}/audiences", auth=auth,
                   json={"name": f"C{i}", "reference": f"e2e-c{i}", "category": "audience", "parentId": root["id"]})
    httpx.post(f"{live.base_url}/audiences", auth=auth,
               json={"name": "K", "reference": "keep", "category": "structure"})
    monkeypatch.setenv("THRIVE_BASE_URL", live.base_url)
    monkeypatch.setenv("THRIVE_TENANT_ID", "demo-tenant")
    monkeypatch.setenv("THRIVE_API_SECRET", "demo-thrive-secret")
    sweep.main(["thrive", "--prefix", "e2e-", "--yes"])
    assert [a["reference"] for a in live.objects("audiences").values()] == ["keep"]


@pytest.mark.parametrize("folder_delete", [True, False])
def test_sweep__sonarly_audiences_then_folders(emulator: Emulators, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str], folder_delete: bool) -> None:
    live = emulator("sonarly")
    # No page documents a folder delete: the emulator offers one only when asked (the invented folder_delete).
    live.configure(folder_delete=folder_delete)
    api = httpx.Client(base_url=live.base_url + "/accounts/ag_demo",
                       headers={"Authorization": "Bearer sk_live_demo_full"})
    folder = api.post("/audiences/folders", json={"name": "e2e-folder", "audienceType": "monitoring"}).json()["data"]
    for name in ("e2e-a", "e2e-b", "keep"):
        aud = api.post("/audiences", json={"name": name, "type": "monitoring"}).json()["data"]
        if name == "e2e-a":
            api.post(f"/audiences/{aud['id']}/move-to-folder", json={"folderId": folder["id"]}).raise_for_status()
    monkeypatch.setenv("SONARLY_BASE_URL", live.base_url)
    monkeypatch.setenv("SONARLY_API_KEY", "sk_live_demo_full")
    monkeypatch.setenv("SONARLY_ACCOUNT_GROUP_ID", "ag_demo")
    sweep.main(["sonarly", "--prefix", "e2e-", "--yes"])
    state = live.all_objects()
    assert [a["name"] for a in state["audiences"].values()] == ["keep"]
    out = capsys.readouterr()
    if folder_delete:
        assert state["folders"] == {} and "deleted sonarly folder:e2e-folder" in out.out
    else:
        # Kept, and said so: never reported as deleted.
        assert [f["name"] for f in state["folders"].values()] == ["e2e-folder"]
        assert "folder:e2e-folder" not in out.out and "offers no folder delete" in out.err
