"""What `pulumi preview` can know from read-only calls, it says: rejected credentials, cross-resource mistakes."""

from __future__ import annotations

import pytest

from tests.conftest import Emulators, LiveEmulator

from .conftest import MakeStack, Stack
from .fleet import destroy_and_check, offer_folder_delete

pytestmark = pytest.mark.e2e

APIKEY, PROJECT = "preview-batch-key-7a1f", "project_preview0000000000000000000000"
REVOKED = "revoked-batch-key-3e9d"


def _writes(live: LiveEmulator) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in live.requests() if r["method"] != "GET"]


def test_preview__revoked_key_fails_with_no_write_and_the_skip_setting_lets_it_pass(make_stack: MakeStack,
                                                                                    emulator: Emulators) -> None:
    live = emulator("batch")
    live.seed({"credentials": [{"api_key": APIKEY, "project_key": PROJECT}]})
    live.configure(indexing_seconds=0.02)
    stack = make_stack("batch_lifecycle")
    stack.config("name", "preview_vip")
    stack.config("batch:baseUrl", live.base_url)
    stack.config("batch:projectKey", PROJECT)
    stack.config("batch:apiKey", APIKEY, secret=True)
    stack.up()

    # Unchanged stack, good key: preview asks Batch exactly once (the credential read).
    live.clear_requests()
    stack.preview()
    assert [f"{r['method']} {r['path']}" for r in live.requests()] == ["GET /2.8/audiences/list"]

    # The key is revoked: the plan is no longer green.
    stack.config("batch:apiKey", REVOKED, secret=True)
    live.clear_requests()
    out = stack.preview(check=False)
    text = out.stdout + out.stderr
    assert out.returncode != 0, text
    assert "Batch rejected the configured credentials" in text
    assert "batch:apiKey" in text and "The Rest API Key is not valid for this project" in text
    assert REVOKED not in text and "Traceback" not in text
    assert _writes(live) == [] and len(live.requests()) == 1

    # Told not to ask, preview passes without a single request.
    stack.config("batch:skipCredentialsValidation", "true")
    live.clear_requests()
    stack.preview()
    assert live.requests() == []

    stack.config("batch:skipCredentialsValidation", "false")
    stack.config("batch:apiKey", APIKEY, secret=True)
    destroy_and_check(stack, live)


def test_oauth__token_url_follows_a_custom_base_url(make_stack: MakeStack, emulator: Emulators) -> None:
    live = emulator("thrive")
    stack = make_stack("thrive_tree")
    stack.config("thrive:baseUrl", live.base_url)
    stack.config("thrive:tenantId", "demo-tenant")
    stack.config("thrive:clientId", "demo-thrive-client")
    stack.config("thrive:clientSecret", "demo-thrive-client-secret", secret=True)  # OAuth, and no thrive:tokenUrl
    stack.preview()
    assert any(r["method"] == "POST" and r["path"] == "/oauth2/token/demo-tenant" for r in live.requests())


def test_preview__unknown_host_fails_fast_naming_the_token_url_and_the_setting(make_stack: MakeStack) -> None:
    stack = make_stack("thrive_tree")
    stack.config("thrive:baseUrl", "https://thrive-api.invalid/rest/v1")  # .invalid never resolves (RFC 6761)
    stack.config("thrive:tenantId", "demo-tenant")
    stack.config("thrive:clientId", "demo-client")
    stack.config("thrive:clientSecret", "demo-thrive-secret", secret=True)
    out = stack.preview(check=False)
    text = out.stdout + out.stderr
    assert out.returncode != 0
    assert "could not connect to https://thrive-api.invalid/oauth2/token/demo-tenant" in text, text
    assert "check thrive:baseUrl (THRIVE_BASE_URL; the token URL follows it" in text
    assert "demo-thrive-secret" not in text


def _thrive_stack(make_stack: MakeStack, emulator: Emulators) -> tuple[LiveEmulator, Stack]:
    live = emulator("thrive")
    stack = make_stack("thrive_preview_checks")
    stack.config("thrive:baseUrl", live.base_url)
    stack.config("thrive:tenantId", "demo-tenant")
    stack.config("thrive:apiSecret", "demo-thrive-secret", secret=True)
    return live, stack


def test_preview__thrive_audience_under_a_ui_made_or_missing_parent_fails(make_stack: MakeStack,
                                                                          emulator: Emulators) -> None:
    live, stack = _thrive_stack(make_stack, emulator)
    live.seed({"audiences": [{"name": "Made in the UI", "reference": "ui-struct", "apiControlled": False}]})
    stack.config("parent", "ui-struct")
    out = stack.preview(check=False)
    text = out.stdout + out.stderr
    assert out.returncode != 0
    assert "thrive:Audience: parent 'ui-struct' was made in the Thrive UI (apiControlled=false)" in text, text
    stack.config("parent", "no-such-structure")
    out = stack.preview(check=False)
    assert out.returncode != 0
    assert "parent 'no-such-structure': Thrive has no structure with this id or reference" in out.stdout + out.stderr
    assert _writes(live) == []


def test_preview__thrive_members_that_do_not_exist_fail_before_any_write(make_stack: MakeStack,
                                                                         emulator: Emulators) -> None:
    live, stack = _thrive_stack(make_stack, emulator)
    stack.run("config", "set", "--path", "members[0]", "user1", "--stack", "e2e")
    stack.run("config", "set", "--path", "members[1]", "nobody@example.com", "--stack", "e2e")
    out = stack.preview(check=False)
    text = out.stdout + out.stderr
    assert out.returncode != 0
    assert "thrive:AudienceMembers: 1 user(s) in members do not exist in Thrive: nobody@example.com" in text, text
    assert "user1" not in text.split("do not exist in Thrive:")[1].split(".")[0]
    assert _writes(live) == []
    # Existing users only: the same preview passes.
    stack.run("config", "set", "--path", "members[1]", "user2@example.com", "--stack", "e2e")
    stack.preview()


def test_preview__sonarly_audience_type_that_its_folder_does_not_hold_fails(make_stack: MakeStack,
                                                                            emulator: Emulators) -> None:
    live = emulator("sonarly")
    offer_folder_delete(live)  # the stack's folders are destroyed at the end
    stack = make_stack("sonarly_lifecycle")
    stack.config("sonarly:baseUrl", live.base_url)
    stack.config("sonarly:accountGroupId", "ag_demo")
    stack.config("sonarly:apiKey", "sk_live_demo_full", secret=True)
    stack.up()
    live.clear_requests()
    stack.config("type", "monitoring")  # folder "a" holds on_demand audiences
    out = stack.preview(check=False)
    text = out.stdout + out.stderr
    assert out.returncode != 0
    assert "sonarly:Audience: type 'monitoring' does not match folder" in text, text
    assert "which holds on_demand audiences" in text
    assert _writes(live) == []
    stack.config("folder", "m")  # the monitoring folder: consistent again
    stack.preview()
    stack.config("type", "on_demand")
    stack.config("folder", "a")
    destroy_and_check(stack, live)
