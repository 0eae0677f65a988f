"""What `pulumi preview` can know from read-only calls, it says: rejected credentials, cross-resource mistakes."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

APIKEY, PROJECT = "preview-batch-key-7a1f", "project_preview0000000000000000000000"
REVOKED = "revoked-batch-key-3e9d"


def _writes(live) -> list[str]:  # type: ignore[no-untyped-def]
    return [f"{r['method']} {r['path']}" for r in live.requests() if r["method"] != "GET"]


def test_preview__revoked_key_fails_with_no_write_and_the_skip_setting_lets_it_pass(make_stack, emulator) -> None:  # type: ignore[no-untyped-def]
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
    stack.destroy()


def test_oauth__token_url_follows_a_custom_base_url(make_stack, emulator) -> None:  # type: ignore[no-untyped-def]
    live = emulator("thrive")
    stack = make_stack("thrive_tree")
    stack.config("thrive:baseUrl", live.base_url)
    stack.config("thrive:tenantId", "demo-tenant")
    stack.config("thrive:clientSecret", "demo-thrive-secret", secret=True)  # OAuth, and no thrive:tokenUrl
    stack.preview()
    assert any(r["method"] == "POST" and r["path"] == "/oauth2/token/demo-tenant" for r in live.requests())


def test_preview__unknown_host_fails_fast_naming_the_token_url_and_the_setting(make_stack) -> None:  # type: ignore[no-untyped-def]
    stack = make_stack("thrive_tree")
    stack.config("thrive:baseUrl", "https://thrive-api.invalid/rest/v1")  # .invalid never resolves (RFC 6761)
    stack.config("thrive:tenantId", "demo-tenant")
    stack.config("thrive:clientSecret", "demo-thrive-secret", secret=True)
    out = stack.preview(check=False)
    text = out.stdout + out.stderr
    assert out.returncode != 0
    assert "could not connect to https://thrive-api.invalid/oauth2/token/demo-tenant" in text, text
    assert "check thrive:baseUrl (THRIVE_BASE_URL; the token URL follows it" in text
    assert "demo-thrive-secret" not in text
