"""Issue #31: what a user runs, from a repo of their own — Pulumi's dynamic-provider launcher, our wheel, their backend.

The lane (tests/e2e/user_lane.py) is built once per module: the official-launcher bin directory, the wheel, and a
user repo whose `.venv` holds it. Every test writes its own program into that repo and uses its own stack.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from emulators.admin import Admin
from emulators.server import EmulatorThread
from tests.conftest import Emulators

from .conftest import ROOT, Stack
from .fleet import DEMO_SETTINGS, SECRET_SETTINGS, answer_with_campaign_ids, offer_folder_delete, reap_orphans
from .user_lane import sdk_floor, user_env, user_repo

pytestmark = pytest.mark.e2e

VENDORS = ("thrive", "sonarly", "unleashx", "batch")
DEMO = DEMO_SETTINGS
SECRET_KEYS = SECRET_SETTINGS


class Lane:
    def __init__(self, bin_dir: Path, repo: Path) -> None:
        self.bin, self.repo = bin_dir, repo
        self.sdk = ""
        self._count = 0

    def stack(self, program: str, configs: dict[str, Admin]) -> Stack:
        """A new stack of ``program`` in the user repo, its default providers on ``configs``' emulators."""
        (self.repo / "__main__.py").write_text(program)
        self._count += 1
        stack = Stack(self.repo, self.bin, name=f"s{self._count}")
        stack.env = user_env(self.bin, self.repo)
        stack.run("stack", "init", stack.name, "--non-interactive")
        for vendor, live in configs.items():
            stack.config(f"{vendor}:baseUrl", live.base_url)
            for key, value in DEMO[vendor].items():
                stack.config(f"{vendor}:{key}", value, secret=key in SECRET_KEYS)
        return stack


# Two lanes: the newest Pulumi SDK pip resolves for the wheel, and the oldest pyproject.toml declares (its own repo
# and venv), so every promise below holds at both ends of the supported range.
@pytest.fixture(scope="module", params=["newest-sdk", "oldest-sdk"])
def lane(request: pytest.FixtureRequest, official_pulumi: Path, lane_wheel: Path,
         tmp_path_factory: pytest.TempPathFactory) -> Lane:
    sdk = sdk_floor() if request.param == "oldest-sdk" else None
    bin_dir = official_pulumi
    repo = user_repo(tmp_path_factory.mktemp("user") / "audiences", lane_wheel, sdk=sdk)
    lane = Lane(bin_dir, repo)
    lane.sdk = subprocess.run([str(repo / ".venv" / "bin" / "python"), "-c",
                               "import importlib.metadata as m; print(m.version('pulumi'))"],
                              capture_output=True, text=True, check=True).stdout.strip()
    if sdk is not None:
        assert lane.sdk == sdk
    return lane


def test_lane__sdk_versions_are_the_ends_of_the_declared_range(lane: Lane) -> None:
    floor = tuple(int(x) for x in sdk_floor().split("."))
    got = tuple(int(x) for x in lane.sdk.split("."))
    assert got >= floor


@pytest.fixture(scope="module")
def emea() -> Iterator[dict[str, Admin]]:
    """A second tenant of every vendor: its own emulators, beside the session's (the `emulator` fixture)."""
    thread = EmulatorThread(VENDORS).start()
    admins = {v: Admin(v, thread.running[v].base_url) for v in VENDORS}
    yield admins
    for admin in admins.values():
        admin.close()
    thread.stop()


def _home(emulator: Emulators) -> dict[str, Admin]:
    return {v: emulator(v) for v in VENDORS}


def _names(admin: Admin) -> set[str]:
    """Every name, reference or campaign name the vendor holds."""
    found = set()
    for objects in admin.state()["objects"].values():
        for obj in objects.values():
            for key in ("reference", "name", "campaign_name"):
                if isinstance(obj.get(key), str):
                    found.add(obj[key])
    return found


def _mentions(admin: Admin, word: str) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in admin.requests() if word in json.dumps(r)]


def test_lane__uses_pulumis_launcher_and_the_wheel_not_this_checkout(lane: Lane, emulator: Emulators) -> None:
    program = ("import os, sys\nimport pulumi\nimport audience_providers\nfrom audience_providers import thrive\n"
               "thrive.Structure('s', name='Lane', reference='lane-probe')\n"
               "pulumi.export('package', audience_providers.__file__)\npulumi.export('python', sys.executable)\n")
    homes = _home(emulator)
    stack = lane.stack(program, {"thrive": homes["thrive"]})
    stack.up()
    out = stack.outputs()
    assert str(out["package"]).startswith(str(lane.repo / ".venv")) and "site-packages" in str(out["package"])
    assert str(ROOT) not in str(out["package"])
    # The provider process is the SDK's own server: its launcher is the stand-in, and nothing of ours serves it.
    launcher = (lane.bin / "pulumi-resource-pulumi-python").read_text()
    assert "-m pulumi.dynamic" in launcher and "wide-server" not in launcher
    assert "lane-probe" in _names(homes["thrive"])
    stack.destroy()
    assert "lane-probe" not in _names(homes["thrive"])


TENANTS_PROGRAM = '''
import pulumi
from audience_providers import batch, sonarly, thrive, unleashx

cfg = pulumi.Config()
emea_thrive = thrive.Provider("emea-thrive", tenant_id="demo-tenant", api_secret=cfg.require_secret("emeaThriveSecret"),
                              base_url=cfg.require("emeaThriveUrl"))
emea_sonarly = sonarly.Provider("emea-sonarly", account_group_id="ag_demo",
                                api_key=cfg.require_secret("emeaSonarlyKey"), base_url=cfg.require("emeaSonarlyUrl"))
emea_unleashx = unleashx.Provider("emea-unleashx", token=cfg.require_secret("emeaUnleashxToken"),
                                  base_url=cfg.require("emeaUnleashxUrl"))
emea_batch = batch.Provider("emea-batch", project_key="project_demo0000000000000000000000000",
                            api_key=cfg.require_secret("emeaBatchKey"), base_url=cfg.require("emeaBatchUrl"))


def on(provider):
    return pulumi.ResourceOptions(provider=provider)


home_root = thrive.Structure("home-root", name="Home root", reference="home-root")
thrive.Audience("home-team", name="Home team", reference="home-team", parent=home_root.id)
emea_root = thrive.Structure("emea-root", name="EMEA root", reference="emea-root", opts=on(emea_thrive))
thrive.Audience("emea-team", name="EMEA team", reference="emea-team", parent=emea_root.id, opts=on(emea_thrive))
thrive.AudienceMembers("emea-members", audience=emea_root.id, members=["user1", "user2"], opts=on(emea_thrive))

sonarly.AudienceFolder("home-folder", name="home-folder", audience_type="monitoring")
folder = sonarly.AudienceFolder("emea-folder", name="emea-folder", audience_type="monitoring", opts=on(emea_sonarly))
sonarly.Audience("emea-aud", name="emea-aud", type="monitoring", folder_id=folder.id, opts=on(emea_sonarly))

dates = dict(agent_id=101, description="calls", start_date="2026-01-05", end_date="2026-03-31", max_retry=1)
unleashx.Campaign("home-calls", campaign_name="home-calls", **dates)
unleashx.Campaign("emea-calls", campaign_name="emea-calls", **dates, opts=on(emea_unleashx))

batch.Audience("home-vip", name="home_vip", members=["c1"])
# `providers=[...]` of several vendors: each resource takes the one of its own vendor.
batch.Audience("emea-vip", name="emea_vip", members=["c2"],
               opts=pulumi.ResourceOptions(providers=[emea_thrive, emea_batch]))
read_back = thrive.Structure.get("emea-root-read", emea_root.id, opts=on(emea_thrive))
pulumi.export("emea_root_reference", read_back.reference)
'''

HOME_NAMES = {"thrive": {"home-root", "home-team"}, "sonarly": {"home-folder"}, "unleashx": {"home-calls"},
              "batch": {"home_vip"}}
EMEA_NAMES = {"thrive": {"emea-root", "emea-team"}, "sonarly": {"emea-folder", "emea-aud"},
              "unleashx": {"emea-calls"}, "batch": {"emea_vip"}}


def test_tenants__each_explicit_provider_reaches_its_tenant_and_no_other(lane: Lane, emulator: Emulators,
                                                                          emea: dict[str, Admin]) -> None:
    homes = _home(emulator)
    for admin in emea.values():
        admin.reset()
    for tenant in (homes, emea):
        # Inventions this scenario needs, turned on by name (emulators/*/COVERAGE.md): it creates UnleashX
        # campaigns and destroys Sonarly folders, which the vendors' documented APIs don't allow.
        answer_with_campaign_ids(tenant["unleashx"])
        offer_folder_delete(tenant["sonarly"])
    stack = lane.stack(TENANTS_PROGRAM, homes)
    urls = {"Thrive": "thrive", "Sonarly": "sonarly", "Unleashx": "unleashx", "Batch": "batch"}
    for title, vendor in urls.items():
        stack.config(f"emea{title}Url", emea[vendor].base_url)
    stack.config("emeaThriveSecret", DEMO["thrive"]["apiSecret"], secret=True)
    stack.config("emeaSonarlyKey", DEMO["sonarly"]["apiKey"], secret=True)
    stack.config("emeaUnleashxToken", DEMO["unleashx"]["token"], secret=True)
    stack.config("emeaBatchKey", DEMO["batch"]["apiKey"], secret=True)

    stack.preview()
    stack.up()
    for vendor in VENDORS:
        home_names, emea_names = _names(homes[vendor]), _names(emea[vendor])
        assert HOME_NAMES[vendor] <= home_names and not (EMEA_NAMES[vendor] & home_names), (vendor, home_names)
        assert EMEA_NAMES[vendor] <= emea_names and not (HOME_NAMES[vendor] & emea_names), (vendor, emea_names)
        # The request logs: no request to one tenant ever named an object of the other.
        for word in EMEA_NAMES[vendor]:
            assert _mentions(homes[vendor], word) == [], (vendor, word)
        for word in HOME_NAMES[vendor]:
            assert _mentions(emea[vendor], word) == [], (vendor, word)
    assert stack.outputs()["emea_root_reference"] == "emea-root"
    # The tenants' secrets are in the state only encrypted; nothing in it names this machine's checkout.
    exported = stack.export()
    for settings in DEMO.values():
        for key, value in settings.items():
            if key in SECRET_KEYS:
                assert value not in exported, key
    assert '"type": "pulumi:providers:pulumi-python"' in exported

    for admin in [*homes.values(), *emea.values()]:
        admin.clear_requests()
    stack.preview("--expect-no-changes")
    stack.destroy()
    for vendor in ("thrive", "sonarly", "batch"):
        assert not (_names(homes[vendor]) & HOME_NAMES[vendor]), vendor
        assert not (_names(emea[vendor]) & EMEA_NAMES[vendor]), vendor


@pytest.mark.parametrize(("opts", "expected"), [
    ("opts=pulumi.ResourceOptions(provider=batch.Provider('other', project_key='project_x'))",
     r"thrive:Structure 'bad': `provider=` is batch\.Provider 'other', which can't serve it: it holds batch settings"),
    ("opts=pulumi.ResourceOptions(provider=pulumi.ProviderResource('pulumi-python', 'raw', {}))",
     r"thrive:Structure 'bad': `provider=` is a pulumi:providers:pulumi-python provider 'raw', which can't serve it"),
    ("opts=pulumi.ResourceOptions(import_='6b161c654d259b962ece8cb8')",
     r"thrive:Structure 'bad': `import_=` doesn't work on the Python class thrive\.Structure.*adopt=True.*"
     r"thrive\.Structure\.get\('bad', <id>\).*pulumi import thrive:index:Structure bad <id>"),
], ids=["other-vendors-provider", "foreign-dynamic-provider", "import-option"])
def test_preview__a_resource_option_we_cant_honour_is_refused_before_any_request(
        lane: Lane, emulator: Emulators, opts: str, expected: str) -> None:
    homes = _home(emulator)
    program = ("import pulumi\nfrom audience_providers import batch, thrive\n"
               "thrive.Structure('fine', name='Fine', reference='lane-fine')\n"
               f"thrive.Structure('bad', name='Bad', reference='lane-bad', {opts})\n")
    stack = lane.stack(program, {"thrive": homes["thrive"], "batch": homes["batch"]})
    homes["thrive"].clear_requests()
    failed = stack.preview(check=False)
    out = failed.stdout + failed.stderr
    assert failed.returncode != 0
    assert re.search(expected, out), out
    assert "KeyError" not in out and "Traceback" not in out
    writes = [r for r in homes["thrive"].requests() + homes["batch"].requests() if r["method"] != "GET"]
    assert writes == []
    assert "lane-bad" not in _names(homes["thrive"])


CYCLE_PROGRAM = """
import pulumi
from audience_providers import thrive

cfg = pulumi.Config()
root = thrive.Structure("root", name=cfg.get("rootName") or "Cycle root", reference="cycle-root")
thrive.Audience("team", name="Cycle team", reference="cycle-team", parent=root.id)
thrive.Audience("ops", name="Cycle ops", reference="cycle-ops", parent=root.id)
"""


def test_cycle__update_drift_refresh_repair_destroy(lane: Lane, emulator: Emulators) -> None:
    homes = _home(emulator)
    live = homes["thrive"]
    stack = lane.stack(CYCLE_PROGRAM, {"thrive": live})
    stack.up()
    # Each resource's source position is the line of the user's program, not our class in site-packages.
    ours = [r for r in json.loads(stack.export())["deployment"]["resources"] if "thrive:" in r["type"]]
    assert len(ours) == 3 and all(r["sourcePosition"].startswith("project:///__main__.py#") for r in ours), ours
    assert "audience_providers" not in json.dumps([r.get("stackTrace") for r in ours])
    stack.preview("--expect-no-changes")
    stack.config("rootName", "Cycle root renamed")
    live.clear_requests()
    stack.up()
    assert [r["method"] for r in live.requests() if r["method"] != "GET"] == ["PATCH"]  # in place, one write
    by_ref = {a["reference"]: a for a in live.objects("audiences").values()}
    assert by_ref["cycle-root"]["name"] == "Cycle root renamed"

    # Drift made outside the stack: one audience renamed, another deleted.
    auth = httpx.BasicAuth(DEMO["thrive"]["tenantId"], DEMO["thrive"]["apiSecret"])
    assert httpx.patch(f"{live.base_url}/audiences/cycle-team", auth=auth,
                       json={"name": "Renamed by a person"}).status_code == 200
    assert httpx.delete(f"{live.base_url}/audiences/cycle-ops", auth=auth).status_code in (200, 204)
    refreshed = stack.refresh().stdout
    assert "deleted" in refreshed and "updated" in refreshed, refreshed
    stack.up()  # puts the declared name back and makes the deleted audience again
    by_ref = {a["reference"]: a for a in live.objects("audiences").values()}
    assert by_ref["cycle-team"]["name"] == "Cycle team" and "cycle-ops" in by_ref
    stack.preview("--expect-no-changes")
    stack.destroy()
    assert not {"cycle-root", "cycle-team", "cycle-ops"} & _names(live)


def test_progress__a_long_wait_shows_on_the_resources_row(lane: Lane, emulator: Emulators) -> None:
    # Pulumi's launcher gives the provider no engine connection; ours opens its own to the engine's Log service.
    homes = _home(emulator)
    homes["batch"].configure(indexing_seconds=3.5)
    program = "from audience_providers import batch\nbatch.Audience('slow', name='lane_slow', members=['c1'])\n"
    stack = lane.stack(program, {"batch": homes["batch"]})
    out = stack.up().stdout
    rows = [line for line in out.splitlines() if re.search(r"\bslow\b", line)]
    assert any("waiting for Batch audience 'lane_slow' to finish indexing" in row for row in rows), out
    homes["batch"].configure(indexing_seconds=0.05)
    stack.destroy()


KILL_PROGRAM = """
from audience_providers import thrive

for i in range(8):
    thrive.Structure(f"s{i}", name=f"Killed {i}", reference=f"lane-kill-{i}")
"""


def test_recover__a_killed_up_converges_with_the_installed_command(lane: Lane, emulator: Emulators) -> None:
    homes = _home(emulator)
    live = homes["thrive"]
    stack = lane.stack(KILL_PROGRAM, {"thrive": live})
    live.configure(latency_ms=300)
    live.clear_requests()
    proc = subprocess.Popen(["pulumi", "up", "--yes", "--non-interactive", "--skip-preview", "--stack", stack.name],
                            cwd=stack.dir, env=stack.env, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline and \
            sum(r["method"] == "POST" for r in live.requests()) < 2:
        time.sleep(0.02)
    assert proc.poll() is None, "the run ended before it could be killed mid-way"
    os.killpg(proc.pid, signal.SIGKILL)  # with creates in flight: 300 ms each, 4 at a time
    proc.wait()
    reap_orphans(stack.dir)
    live.configure(latency_ms=0)

    stack.run("cancel", "--yes", "--stack", stack.name, check=False)
    recover = subprocess.run([str(lane.repo / ".venv" / "bin" / "audience-providers-recover"), "--stack", stack.name,
                              "--yes"], cwd=stack.dir, env=stack.env, capture_output=True, text=True, timeout=300)
    assert recover.returncode == 0, recover.stdout + recover.stderr
    # Killed with creates in flight: the recovery had pending creates to decide (found, or never took effect).
    assert "pending create(s):" in recover.stdout, recover.stdout
    stack.up()
    references = [a["reference"] for a in live.objects("audiences").values()
                  if str(a.get("reference", "")).startswith("lane-kill-")]
    assert sorted(references) == sorted(f"lane-kill-{i}" for i in range(8))  # each once: no duplicate, no orphan
    stack.preview("--expect-no-changes")
    stack.destroy()
    assert not [a for a in live.objects("audiences").values() if str(a.get("reference", "")).startswith("lane-kill-")]


def test_errors__a_vendor_refusal_at_check_reads_as_one_message(lane: Lane, emulator: Emulators) -> None:
    homes = _home(emulator)
    program = ("from audience_providers import thrive\n"
               "thrive.Structure('s', name='Lane', reference='lane-creds')\n")
    stack = lane.stack(program, {"thrive": homes["thrive"]})
    stack.config("thrive:apiSecret", "revoked-canary-secret", secret=True)
    failed = stack.preview(check=False)
    out = failed.stdout + failed.stderr
    assert failed.returncode != 0
    assert "resource 's' has a problem: Thrive rejected the configured credentials" in out, out
    assert "Traceback" not in out and "revoked-canary-secret" not in out


def _readme_blocks() -> list[tuple[str, str]]:
    """The README's `<!-- user-lane: <what> -->` blocks, in order: (what, code)."""
    text = (ROOT / "README.md").read_text()
    return re.findall(r"<!-- user-lane: (\S+) -->\s*```\w*\n(.*?)```", text, flags=re.S)


def test_readme__own_repo_section_runs_as_written(official_pulumi: Path, lane_wheel: Path, emulator: Emulators,
                                                   tmp_path: Path) -> None:
    official, wheel = official_pulumi, lane_wheel
    # Its own fresh directory and venv, as the README makes them (pip resolves the newest SDK of the range).
    homes = _home(emulator)
    blocks = _readme_blocks()
    assert [what for what, _ in blocks] == ["shell", "Pulumi.yaml", "__main__.py", "shell"]
    named = re.search(r"pulumi_audience_providers-\S+\.whl", blocks[0][1])
    assert named and named.group(0) == wheel.name, "the README installs a wheel by another name than the build's"
    (tmp_path / wheel.name).write_bytes(wheel.read_bytes())
    project = tmp_path / "audiences"
    env = user_env(official, tmp_path) | {
        "THRIVE_TENANT_ID": DEMO["thrive"]["tenantId"], "THRIVE_API_SECRET": DEMO["thrive"]["apiSecret"],
        "BATCH_PROJECT_KEY": DEMO["batch"]["projectKey"], "BATCH_API_KEY": DEMO["batch"]["apiKey"],
        "SONARLY_API_KEY": DEMO["sonarly"]["apiKey"],
        "THRIVE_BASE_URL": homes["thrive"].base_url, "BATCH_BASE_URL": homes["batch"].base_url,
        "SONARLY_BASE_URL": homes["sonarly"].base_url,
    }
    cwd = tmp_path
    for what, code in blocks:
        if what == "shell":
            done = subprocess.run(["bash", "-euc", code], cwd=cwd, env=env, capture_output=True, text=True,
                                  timeout=900)
            assert done.returncode == 0, f"{code}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
            cwd = project
        else:
            (project / what).write_text(code)
    assert {"eng", "eng-backend"} <= _names(homes["thrive"])
    assert "vip_customers" in _names(homes["batch"])
    assert "Fintech CFOs" in _names(homes["sonarly"])
    down = subprocess.run(["pulumi", "destroy", "--yes", "--non-interactive"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=900)
    assert down.returncode == 0, down.stdout[-3000:] + down.stderr[-3000:]
    assert not {"eng", "eng-backend"} & _names(homes["thrive"])
    assert "vip_customers" not in _names(homes["batch"])
    assert "Fintech CFOs" not in _names(homes["sonarly"])
