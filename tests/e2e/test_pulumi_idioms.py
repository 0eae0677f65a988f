"""Pulumi's own idioms through the real CLI: `import_=`, `pulumi import`, `Resource.get` (issue #16 point 8).

The engine's Read for an import carries no properties, so the SDK's dynamic server can't find the provider
(`KeyError: '__provider'`); our dynamic server supplies it from the type token. Resources whose inputs can't be
read back by id fail at preview, pointing to their adopt input.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import Emulators, LiveEmulator

from .conftest import MakeStack, Stack
from .fleet import destroy_and_check
from .test_batch import APIKEY_CANARY, PROJECT

pytestmark = pytest.mark.e2e

TENANT, SECRET = "demo-tenant", "demo-thrive-secret"


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


def test_import_option__batch_audience_is_imported_then_managed(make_stack, emulator) -> None:  # type: ignore[no-untyped-def]
    live, stack = _batch(make_stack, emulator, case="batch-import", displayName="Legacy VIP")
    preview = stack.preview()
    text = preview.stdout + preview.stderr
    assert "__provider" not in text and "import" in text, text
    stack.up()
    assert stack.outputs() == {"adopted": True, "nb_ids": 2}
    assert live.objects("audiences")["legacy_vip"]["nb_ids"] == 2  # importing changed nothing
    # The imported resource is managed like any other: a second preview is clean, members then apply.
    assert "~" not in stack.preview("--diff").stdout
    stack.config("members", json.dumps(["new-1"]))
    stack.up()
    assert live.objects("audiences")["legacy_vip"]["ids"] == ["new-1"]  # authoritative: rewritten, as adopt does
    destroy_and_check(stack, live)
    assert "legacy_vip" not in live.objects("audiences")


def test_pulumi_import__batch_audience_lands_in_state(make_stack, emulator) -> None:  # type: ignore[no-untyped-def]
    live, stack = _batch(make_stack, emulator, case="batch-get")
    out = stack.run("import", "pulumi-python:dynamic/batch:Audience", "imported", "legacy_vip", "--yes",
                    "--non-interactive", "--generate-code=false", "--stack", "e2e", check=False)
    text = out.stdout + out.stderr
    assert out.returncode == 0 and "__provider" not in text, text
    state = json.loads(stack.export())
    imported = [r for r in state["deployment"]["resources"] if r["urn"].endswith("::imported")]
    assert imported and imported[0]["id"] == "legacy_vip"
    assert imported[0]["outputs"]["display_name"] == "Legacy VIP"


def test_get__batch_audience_is_read_and_never_touched(make_stack, emulator) -> None:  # type: ignore[no-untyped-def]
    live, stack = _batch(make_stack, emulator, case="batch-get")
    stack.up()
    assert stack.outputs() == {"display_name": "Legacy VIP", "nb_ids": 2}
    live.clear_requests()
    destroy_and_check(stack, live)
    assert [r for r in live.requests() if r["method"] != "GET"] == []  # a got resource is never deleted
    assert "legacy_vip" in live.objects("audiences")


def test_get__thrive_structure_by_id(make_stack, emulator) -> None:  # type: ignore[no-untyped-def]
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


def test_import_option__unreadable_resource_fails_at_preview_pointing_to_adopt(make_stack, emulator) -> None:  # type: ignore[no-untyped-def]
    live = emulator("thrive")
    live.seed({"audiences": [{"name": "Seeded", "reference": "e2e-aud", "category": "structure",
                              "apiControlled": True}]})
    stack = make_stack("pulumi_idioms")
    stack.config("thrive:baseUrl", live.base_url)
    stack.config("thrive:tenantId", TENANT)
    stack.config("thrive:apiSecret", SECRET, secret=True)
    stack.config("case", "thrive-members-import")
    stack.config("target", "e2e-aud")
    live.clear_requests()
    out = stack.preview(check=False)
    text = out.stdout + out.stderr
    assert out.returncode != 0, text
    assert "thrive:AudienceMembers" in text and "adopt=" in text and "docs/thrive/audience-members.md" in text
    assert "KeyError" not in text and "Traceback" not in text
    assert [r for r in live.requests() if r["method"] != "GET"] == []


def test_import_option__sonarly_audience_is_imported_then_renamed_in_place(make_stack, emulator) -> None:  # type: ignore[no-untyped-def]
    live = emulator("sonarly")
    seeded = "a" * 24
    live.seed({"audiences": [{"id": seeded, "name": "Made in the app", "type": "monitoring"}]})
    stack = make_stack("pulumi_idioms")
    stack.config("sonarly:baseUrl", live.base_url)
    stack.config("sonarly:apiKey", "sk_live_demo_full", secret=True)
    stack.config("case", "sonarly-import")
    stack.config("target", seeded)
    stack.config("name", "Made in the app")
    live.clear_requests()
    stack.up()
    assert [r for r in live.requests() if r["method"] != "GET"] == []  # importing wrote nothing
    assert "~" not in stack.preview("--diff").stdout
    stack.config("name", "Renamed by the stack")
    stack.up()
    assert live.objects("audiences")[seeded]["name"] == "Renamed by the stack"  # same object, managed
    destroy_and_check(stack, live)
    assert live.objects("audiences") == {}
