"""Sonarly `prospect_urls` through the real engine: keyed url_upload jobs, lost answers, refresh while a job runs."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.e2e

FULL_KEY = "sk_live_demo_full"
UPLOAD = r"POST /v1/accounts/[^/]+/prospecting$"
FOREIGN = "f0" * 12
PROFILES = [f"https://www.linkedin.com/in/e2e-prospect-{i}" for i in range(3)]


def _stack(make_stack, emulator):  # type: ignore[no-untyped-def]
    live = emulator("sonarly")
    # Someone else's audience in the same account group, with its own members: never touched by the stack.
    live.seed({"audiences": [{"id": FOREIGN, "name": "E2E prospect upload", "prospectUrls": PROFILES[:1],
                              "prospectCount": 4}]})
    live.configure(job_seconds=1.5)
    stack = make_stack("sonarly_prospects")
    stack.config("sonarly:baseUrl", live.base_url)
    stack.config("sonarly:apiKey", FULL_KEY, secret=True)
    return live, stack


def _uploads(live) -> list[dict]:  # type: ignore[no-untyped-def, type-arg]
    return [r for r in live.requests() if r["method"] == "POST" and r["path"].endswith("/prospecting")]


def _ours(live) -> dict:  # type: ignore[no-untyped-def, type-arg]
    (aud,) = [a for a in live.state()["audiences"].values() if a["id"] != FOREIGN]
    return aud  # type: ignore[no-any-return]


def test_prospects__dropped_upload_answer_is_one_job_refresh_waits_for_a_running_job_destroy_leaves_nothing(  # type: ignore[no-untyped-def]
        make_stack, emulator) -> None:
    live, stack = _stack(make_stack, emulator)
    foreign_before = live.state()["audiences"][FOREIGN]

    # The job is created but its answer is lost: the retry carries the same Idempotency-Key, so Sonarly answers
    # with the job it already has. Exactly one job, one import.
    live.fault(kind="drop_after_commit", route=UPLOAD)
    stack.config("urls", ",".join(PROFILES))
    stack.up()
    uploads = _uploads(live)
    assert [str(r["status"]) for r in uploads] == ["dropped:202", "202"]
    assert uploads[0]["body"] == uploads[1]["body"]
    jobs = list(live.state()["jobs"].values())
    assert len(jobs) == 1 and jobs[0]["status"] == "completed" and jobs[0]["urls"] == 3
    assert jobs[0]["idempotencyKey"].startswith("pulumi-sonarly-")
    aud = _ours(live)
    assert sorted(aud["prospects"]) == [f"e2e-prospect-{i}" for i in range(3)]
    assert stack.outputs()["prospect_count"] == 3
    stack.preview("--expect-no-changes")

    # A prospecting job (started elsewhere) is filling the audience: GET answers 409 AUDIENCE_NOT_READY, and
    # refresh waits for the job instead of failing, then records the new count.
    live.seed({"jobs": [{"audienceId": aud["id"], "seconds": 5, "prospects": 4}]})
    live.clear_requests()
    stack.refresh()
    gets = [r for r in live.requests() if r["method"] == "GET" and r["path"].endswith(aud["id"])]
    assert gets[0]["status"] == 409 and gets[-1]["status"] == 200
    state = json.loads(stack.export())["deployment"]["resources"]
    (res,) = [r for r in state if r["urn"].endswith("::prospects")]
    assert res["outputs"]["prospect_count"] == 7
    stack.preview("--expect-no-changes")

    # One more profile: one more job with only that profile, same audience.
    stack.config("urls", ",".join([*PROFILES, "https://www.linkedin.com/in/e2e-prospect-new"]))
    live.clear_requests()
    out = stack.up()
    assert "replaced" not in out.stdout
    (upload,) = _uploads(live)
    assert json.loads(upload["body"])["urls"] == ["https://www.linkedin.com/in/e2e-prospect-new"]
    assert _ours(live)["id"] == aud["id"] and _ours(live)["prospectCount"] == 8

    # Dropping a profile from the list removes nothing (Sonarly documents no prospect removal): an in-place
    # update without writes, and the member stays.
    stack.config("urls", ",".join(PROFILES[:2]))
    live.clear_requests()
    out = stack.up()
    assert "replaced" not in out.stdout
    assert all(r["method"] == "GET" for r in live.requests())
    assert "e2e-prospect-2" in _ours(live)["prospects"]

    live.clear_requests()
    stack.destroy()
    state_after = live.state()
    assert set(state_after["audiences"]) == {FOREIGN}
    assert state_after["audiences"][FOREIGN] == foreign_before
    assert all(FOREIGN not in r["path"] and FOREIGN not in r.get("body", "") for r in live.requests())


def test_prospects__bad_profile_url_fails_preview_before_any_write(make_stack, emulator) -> None:  # type: ignore[no-untyped-def]
    live, stack = _stack(make_stack, emulator)
    stack.config("urls", f"{PROFILES[0]},https://example.com/in/not-linkedin")
    live.clear_requests()
    out = stack.preview(check=False)
    text = str(out.stdout) + str(out.stderr)
    assert out.returncode != 0
    assert "sonarly:Audience" in text and "prospect_urls[1]" in text and "Traceback" not in text
    assert all(r["method"] == "GET" for r in live.requests())
