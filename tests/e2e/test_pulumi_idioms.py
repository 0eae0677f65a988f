"""Pulumi's own idioms through the real CLI: `import_=`, `pulumi import`, `Resource.get` (issue #16 point 8).

`ResourceOptions(import_=...)` is served by the provider plugins (`pulumi-resource-<vendor>`, types
`<vendor>:index:<Kind>`, camelCase properties), which run the same lifecycle code as the Python classes: Thrive
members/managers and UnleashX campaign records are imported by their audience's (campaign's) id, taking over all
of them, and importing (and the preview after it) sends the vendor only reads; the UnleashX campaign, whose
fields no endpoint reads back, fails at preview pointing to `adopt_id`. On the Python (dynamic) classes `import_=`
fails at preview with one message naming the ways that work: Pulumi's own launcher (`python -m pulumi.dynamic`)
can't serve an import, whose Read carries no `__provider` (pulumi/pulumi#16175). `Resource.get` works on the
Python classes; `pulumi import` of their `pulumi-python:dynamic/...` types is served here by the project's
launcher, which finds the provider from the type token.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.conftest import Emulators, LiveEmulator

from .conftest import MakeStack, Stack
from .fleet import destroy_and_check
from .test_batch import APIKEY_CANARY, PROJECT

pytestmark = pytest.mark.e2e

TENANT, SECRET = "demo-tenant", "demo-thrive-secret"


# When a plugin fails the preview, the engine interrupts the program; if that lands while the interpreter is
# joining its threads at exit, Python prints this block (seen 3 times in ~15 runs). Neither ours nor the program's.
_INTERRUPTED_AT_EXIT = re.compile(r"Exception ignored in: <module 'threading'.*?KeyboardInterrupt:", re.S)


def _ours(text: str) -> str:
    """The command's output without the interpreter's exit-time interruption block."""
    return _INTERRUPTED_AT_EXIT.sub("", text)


def _writes(live: LiveEmulator) -> list[dict[str, Any]]:
    return [r for r in live.requests() if r["method"] not in ("GET", "HEAD")]


def _batch(make_stack: MakeStack, emulator: Emulators, **seeded: str) -> tuple[LiveEmulator, Stack]:
    live = emulator("batch")
    live.seed({"credentials": [{"api_key": APIKEY_CANARY, "project_key": PROJECT}],
               "audiences": [{"name": "legacy_vip", "display_name": "Legacy VIP", "ids": ["old-1", "old-2"]}]})
    live.configure(indexing_seconds=0.05)
    stack = make_stack("pulumi_idioms")
    stack.config("batch:baseUrl", live.base_url)
    stack.config("batch:projectKey", PROJECT)
    stack.config("batch:apiKey", APIKEY_CANARY, secret=True)
    stack.config("target", "legacy_vip")
    for key, value in seeded.items():
        stack.config(key, value)
    return live, stack


def test_import_option__batch_audience_is_imported_then_managed(make_stack: MakeStack, emulator: Emulators) -> None:
    live, stack = _batch(make_stack, emulator, case="batch-import", displayName="Legacy VIP")
    live.clear_requests()
    preview = stack.preview()
    text = preview.stdout + preview.stderr
    assert "batch:index:Audience" in text and "import" in text, text
    stack.up()
    assert stack.outputs() == {"adopted": True, "nbIds": 2}
    assert live.objects("audiences")["legacy_vip"]["nb_ids"] == 2  # importing changed nothing
    # The imported resource is managed like any other: a second preview is clean, members then apply.
    assert "~" not in stack.preview("--diff").stdout
    assert _writes(live) == []  # importing, and the preview after it, only read
    stack.config("members", json.dumps(["new-1"]))
    stack.up()
    assert live.objects("audiences")["legacy_vip"]["ids"] == ["new-1"]  # authoritative: rewritten, as adopt does
    destroy_and_check(stack, live)
    assert "legacy_vip" not in live.objects("audiences")


def test_pulumi_import__batch_audience_lands_in_state(make_stack: MakeStack, emulator: Emulators) -> None:
    live, stack = _batch(make_stack, emulator, case="batch-get")
    out = stack.run("import", "pulumi-python:dynamic/batch:Audience", "imported", "legacy_vip", "--yes",
                    "--non-interactive", "--generate-code=false", "--stack", "e2e", check=False)
    text = out.stdout + out.stderr
    assert out.returncode == 0 and "__provider" not in text, text
    state = json.loads(stack.export())
    imported = [r for r in state["deployment"]["resources"] if r["urn"].endswith("::imported")]
    assert imported and imported[0]["id"] == "legacy_vip"
    assert imported[0]["outputs"]["display_name"] == "Legacy VIP"


def test_get__batch_audience_is_read_and_never_touched(make_stack: MakeStack, emulator: Emulators) -> None:
    live, stack = _batch(make_stack, emulator, case="batch-get")
    stack.up()
    assert stack.outputs() == {"display_name": "Legacy VIP", "nb_ids": 2}
    live.clear_requests()
    destroy_and_check(stack, live)
    assert [r for r in live.requests() if r["method"] != "GET"] == []  # a got resource is never deleted
    assert "legacy_vip" in live.objects("audiences")


def test_get__thrive_structure_by_id(make_stack: MakeStack, emulator: Emulators) -> None:
    live = emulator("thrive")
    live.seed({"audiences": [{"name": "Seeded", "reference": "e2e-seeded", "category": "structure",
                              "apiControlled": True}]})
    seeded = next(a for a in live.objects("audiences").values() if a["reference"] == "e2e-seeded")
    stack = make_stack("pulumi_idioms")
    stack.config("thrive:baseUrl", live.base_url)
    stack.config("thrive:tenantId", TENANT)
    stack.config("thrive:apiSecret", SECRET, secret=True)
    stack.config("case", "thrive-structure-get")
    stack.config("target", str(seeded["id"]))
    stack.up()
    assert stack.outputs() == {"reference": "e2e-seeded"}
    destroy_and_check(stack, live)


def _thrive(make_stack: MakeStack, emulator: Emulators, case: str) -> tuple[LiveEmulator, Stack, str]:
    """A Thrive audience made outside the stack (user1, user3 members; user2 a manager); returns its id."""
    live = emulator("thrive")
    live.seed({"audiences": [{"name": "Made in the UI", "reference": "e2e-ui", "category": "structure",
                              "apiControlled": True, "members": ["user1", "user3"],
                              "managers": [{"reference": "user2", "permissions": {
                                  "audienceManager": {"manageContent": True}}}]},
                             {"name": "Not imported", "reference": "e2e-other", "category": "structure",
                              "apiControlled": True, "members": ["user4"]}]})
    seeded = next(a for a in live.objects("audiences").values() if a["reference"] == "e2e-ui")
    stack = make_stack("pulumi_idioms")
    stack.config("thrive:baseUrl", live.base_url)
    stack.config("thrive:tenantId", TENANT)
    stack.config("thrive:apiSecret", SECRET, secret=True)
    stack.config("case", case)
    stack.config("target", str(seeded["id"]))
    return live, stack, str(seeded["id"])


def test_import_option__thrive_members_take_over_every_current_member(make_stack: MakeStack,
                                                                      emulator: Emulators) -> None:
    live, stack, audience = _thrive(make_stack, emulator, "thrive-members-import")
    # The program declares the audience's current members, as an import requires (by email, as import reads them).
    stack.config("members", json.dumps(["user1@example.com", "user3@example.com"]))
    live.clear_requests()
    stack.up()
    assert _writes(live) == []  # importing wrote nothing
    assert stack.outputs() == {"memberCount": 2}
    assert "~" not in stack.preview("--diff").stdout
    stack.preview("--expect-no-changes")
    assert _writes(live) == []
    stack.refresh()
    stack.preview("--expect-no-changes")
    # Managed from now on: a member change applies, the other audience stays untouched.
    stack.config("members", json.dumps(["user1@example.com"]))
    stack.up()
    audiences = {a["reference"]: a for a in live.objects("audiences").values()}
    assert sorted(audiences["e2e-ui"]["members"]) == ["user1"]
    destroy_and_check(stack, live)
    audiences = {a["reference"]: a for a in live.objects("audiences").values()}
    assert audiences["e2e-ui"]["members"] == [] and audiences["e2e-other"]["members"] == ["user4"]
    assert not [r for r in _writes(live) if "e2e-other" in r["path"]]
    assert audience in {a["id"] for a in live.objects("audiences").values()}  # the audience itself is not ours


def test_pulumi_import__thrive_members_by_audience_id_land_in_state_with_every_member(make_stack: MakeStack,
                                                                                      emulator: Emulators) -> None:
    live, stack, audience = _thrive(make_stack, emulator, "thrive-members-import")
    live.clear_requests()
    out = stack.run("import", "pulumi-python:dynamic/thrive:AudienceMembers", "imported", audience, "--yes",
                    "--non-interactive", "--generate-code=false", "--stack", "e2e", check=False)
    text = out.stdout + out.stderr
    assert out.returncode == 0 and "__provider" not in text, text
    assert _writes(live) == []
    state = json.loads(stack.export())
    (imported,) = [r for r in state["deployment"]["resources"] if r["urn"].endswith("::imported")]
    assert imported["id"] == f"{audience}/members"  # as a create records it
    assert imported["inputs"]["members"] == ["user1@example.com", "user3@example.com"]
    # At its default, membership is an output only (Lifecycle.input_defaults): the code import writes omits it.
    assert "membership" not in imported["inputs"] and imported["outputs"]["membership"] == "authoritative"
    stack.run("state", "unprotect", "--all", "--yes", "--stack", "e2e")
    destroy_and_check(stack, live)
    audiences = {a["reference"]: a for a in live.objects("audiences").values()}
    assert audiences["e2e-ui"]["members"] == [] and audiences["e2e-other"]["members"] == ["user4"]


def test_import_option__thrive_members_declared_differently_show_the_difference(make_stack: MakeStack,
                                                                                emulator: Emulators) -> None:
    live, stack, _ = _thrive(make_stack, emulator, "thrive-members-import")
    stack.config("members", json.dumps(["user1@example.com"]))
    live.clear_requests()
    out = stack.preview("--diff")
    assert "members" in out.stdout and "user3@example.com" in out.stdout, out.stdout
    assert _writes(live) == []


def test_import_option__thrive_managers_take_over_with_their_permissions(make_stack: MakeStack,
                                                                         emulator: Emulators) -> None:
    live, stack, _ = _thrive(make_stack, emulator, "thrive-managers-import")
    stack.config("managers", json.dumps([{"user": "user2@example.com", "permissions": {
        "audienceManager": {"manageContent": True}}}]))
    live.clear_requests()
    stack.up()
    assert _writes(live) == []
    stack.preview("--expect-no-changes")
    stack.refresh()
    stack.preview("--expect-no-changes")
    assert _writes(live) == []
    destroy_and_check(stack, live)
    ui = next(a for a in live.objects("audiences").values() if a["reference"] == "e2e-ui")
    assert not ui.get("managers")


def test_import_option__unleashx_campaign_audience_takes_the_campaigns_records(make_stack: MakeStack,
                                                                               emulator: Emulators) -> None:
    live = emulator("unleashx")
    live.seed({"campaigns": [{"id": 7001, "agent_id": 101, "campaign_name": "Made in the UI"},
                             {"id": 7002, "agent_id": 101, "campaign_name": "Not imported"}],
               "audience": [{"campaign_id": 7001, "mobile_no": "+15550000001"},
                            {"campaign_id": 7001, "mobile_no": "+15550000002"},
                            {"campaign_id": 7002, "mobile_no": "+15550000003"}]})
    stack = make_stack("pulumi_idioms")
    stack.config("unleashx:baseUrl", live.base_url)
    stack.config("unleashx:token", "demo-unleashx-token", secret=True)
    stack.config("case", "unleashx-audience-import")
    stack.config("target", "7001")
    stack.config("phones", json.dumps(["+15550000002", "+15550000001"]))  # order doesn't matter
    live.clear_requests()
    stack.up()
    assert _writes(live) == []
    assert len(stack.outputs()["recordIds"]) == 2
    stack.preview("--expect-no-changes")
    stack.refresh()
    stack.preview("--expect-no-changes")
    assert _writes(live) == []
    destroy_and_check(stack, live)  # owned records are deleted by id, as for adopted ones
    campaigns = live.objects("campaigns")
    assert [r["mobile_no"] for r in campaigns["7001"]["audience"]] == []
    assert [r["mobile_no"] for r in campaigns["7002"]["audience"]] == ["+15550000003"]


def test_import_option__unleashx_campaign_still_fails_at_preview_pointing_to_adopt_id(make_stack: MakeStack,
                                                                                      emulator: Emulators) -> None:
    live = emulator("unleashx")
    live.seed({"campaigns": [{"id": 7001, "agent_id": 101, "campaign_name": "Made in the UI"}]})
    stack = make_stack("pulumi_idioms")
    stack.config("unleashx:baseUrl", live.base_url)
    stack.config("unleashx:token", "demo-unleashx-token", secret=True)
    stack.config("case", "unleashx-campaign-import")
    stack.config("target", "7001")
    live.clear_requests()
    out = stack.preview(check=False)
    text = out.stdout + out.stderr
    assert out.returncode != 0, text
    assert "unleashx:Campaign" in text and "adopt_id=" in text and "docs/unleashx/campaign.md" in text
    assert "adoptId" in text  # the property's name on the plugin's type
    assert "no campaign list or get" in text
    assert "KeyError" not in _ours(text) and "Traceback" not in _ours(text)
    assert _writes(live) == []


def _sonarly(make_stack: MakeStack, emulator: Emulators, case: str) -> tuple[LiveEmulator, Stack, str]:
    """A Sonarly audience made in the app; returns its id."""
    live = emulator("sonarly")
    seeded = "a" * 24
    live.seed({"audiences": [{"id": seeded, "name": "Made in the app", "type": "monitoring"}]})
    stack = make_stack("pulumi_idioms")
    stack.config("sonarly:baseUrl", live.base_url)
    stack.config("sonarly:apiKey", "sk_live_demo_full", secret=True)
    stack.config("case", case)
    stack.config("target", seeded)
    return live, stack, seeded


def test_import_option__sonarly_audience_is_imported_then_renamed_in_place(make_stack: MakeStack,
                                                                           emulator: Emulators) -> None:
    live, stack, seeded = _sonarly(make_stack, emulator, "sonarly-import")
    stack.config("name", "Made in the app")
    live.clear_requests()
    stack.up()
    assert _writes(live) == []  # importing wrote nothing
    assert "~" not in stack.preview("--diff").stdout
    assert _writes(live) == []
    stack.config("name", "Renamed by the stack")
    stack.up()
    assert live.objects("audiences")[seeded]["name"] == "Renamed by the stack"  # same object, managed
    destroy_and_check(stack, live)
    assert live.objects("audiences") == {}


@pytest.mark.parametrize(("kind", "adopt"), [("batch:Audience", "adopt=True"), ("sonarly:Audience", "adopt_id=")])
def test_import_option__on_a_python_class_fails_at_preview_naming_the_ways_that_work(
        make_stack: MakeStack, emulator: Emulators, kind: str, adopt: str) -> None:
    vendor, _, name = kind.partition(":")
    if vendor == "batch":
        live, stack = _batch(make_stack, emulator, case="dynamic-import", kind=kind)
    else:
        live, stack, _ = _sonarly(make_stack, emulator, "dynamic-import")
        stack.config("kind", kind)
    live.clear_requests()
    out = stack.preview(check=False)
    text = out.stdout + out.stderr
    assert out.returncode != 0, text
    assert f"{kind} 'aud': `import_=` doesn't work on the Python class {vendor}.{name}" in text, text
    assert adopt in text and f"{vendor}.{name}.get('aud', <id>)" in text
    assert f"`pulumi import {vendor}:index:{name} aud <id>`" in text
    assert "pulumi/pulumi#16175" in text
    assert "KeyError" not in text and "Traceback" not in text and "__provider" not in text
    assert live.requests() == []  # refused in the program, before anything is read or written
