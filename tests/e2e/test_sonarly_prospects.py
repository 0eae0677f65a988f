"""Sonarly `prospect_urls` through the real engine: keyed url_upload jobs, lost answers, refresh while a job runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from typing import Any

import pytest

from tests.conftest import Emulators, LiveEmulator

from .conftest import MakeStack, Stack
from .fleet import destroy_and_check, reap_orphans

pytestmark = pytest.mark.e2e

FULL_KEY = "sk_live_demo_full"
UPLOAD = r"POST /v1/accounts/[^/]+/prospecting$"
FOREIGN = "f0" * 12
PROFILES = [f"https://www.linkedin.com/in/e2e-prospect-{i}" for i in range(3)]


def _stack(make_stack: MakeStack, emulator: Emulators,
           foreign_name: str = "E2E prospect upload") -> tuple[LiveEmulator, Stack]:
    live = emulator("sonarly")
    # Someone else's audience in the same account group, with its own members: never touched by the stack.
    live.seed({"audiences": [{"id": FOREIGN, "name": foreign_name, "prospectUrls": PROFILES[:1],
                              "prospectCount": 4}]})
    live.configure(job_seconds=1.5)
    stack = make_stack("sonarly_prospects")
    stack.config("sonarly:baseUrl", live.base_url)
    stack.config("sonarly:apiKey", FULL_KEY, secret=True)
    return live, stack


def _uploads(live: LiveEmulator) -> list[dict[str, Any]]:
    return [r for r in live.requests() if r["method"] == "POST" and r["path"].endswith("/prospecting")]


def _recorded(stack: Stack) -> dict[str, Any]:
    """The audience's outputs in the state (refresh updates these, not the stack's exports)."""
    (res,) = [r for r in json.loads(stack.export())["deployment"]["resources"] if r["urn"].endswith("::prospects")]
    return dict(res["outputs"])


def _ours(live: LiveEmulator) -> dict[str, Any]:
    (aud,) = [a for a in live.objects("audiences").values() if a["id"] != FOREIGN]
    return aud


def test_prospects__dropped_upload_answer_is_one_job_refresh_waits_for_a_running_job_destroy_leaves_nothing(
        make_stack: MakeStack, emulator: Emulators) -> None:
    live, stack = _stack(make_stack, emulator)
    foreign_before = live.objects("audiences")[FOREIGN]

    # The job is created but its answer is lost: the retry carries the same Idempotency-Key, so Sonarly answers
    # with the job it already has. Exactly one job, one import.
    live.fault(kind="drop_after_commit", route=UPLOAD)
    stack.config("urls", ",".join(PROFILES))
    stack.up()
    uploads = _uploads(live)
    assert [str(r["status"]) for r in uploads] == ["dropped:202", "202"]
    assert uploads[0]["body"] == uploads[1]["body"]
    jobs = list(live.objects("jobs").values())
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
    assert _recorded(stack)["prospect_count"] == 7
    stack.preview("--expect-no-changes")

    # Someone removes a member in the Sonarly app: refresh sees it (the profile drops out of prospect_urls), the
    # preview shows the change, and `up` uploads that one profile again.
    live.seed({"removeProspects": [{"audienceId": aud["id"], "urls": PROFILES[1:2]}]})
    stack.refresh()
    assert _recorded(stack)["prospect_urls"] == [PROFILES[0], PROFILES[2]]
    assert stack.preview("--expect-no-changes", check=False).returncode != 0
    live.clear_requests()
    stack.up()
    (upload,) = _uploads(live)
    assert json.loads(upload["body"])["urls"] == PROFILES[1:2]
    assert "e2e-prospect-1" in _ours(live)["prospects"]
    stack.preview("--expect-no-changes")

    # One more profile: one more job with only that profile, same audience.
    stack.config("urls", ",".join([*PROFILES, "https://www.linkedin.com/in/e2e-prospect-new"]))
    live.clear_requests()
    out = stack.up()
    assert "replaced" not in out.stdout
    (upload,) = _uploads(live)
    assert json.loads(upload["body"])["urls"] == ["https://www.linkedin.com/in/e2e-prospect-new"]
    assert _ours(live)["id"] == aud["id"] and _ours(live)["prospectCount"] == 8  # 3 + 4 (other job) + 1

    # Dropping a profile from the list removes nothing (Sonarly documents no prospect removal): an in-place
    # update without writes, and the member stays.
    stack.config("urls", ",".join(PROFILES[:2]))
    live.clear_requests()
    out = stack.up()
    assert "replaced" not in out.stdout
    assert all(r["method"] == "GET" for r in live.requests())
    assert "e2e-prospect-2" in _ours(live)["prospects"]

    live.clear_requests()
    destroy_and_check(stack, live)
    state_after = live.all_objects()
    assert set(state_after["audiences"]) == {FOREIGN}
    assert state_after["audiences"][FOREIGN] == foreign_before
    assert all(FOREIGN not in r["path"] and FOREIGN not in r.get("body", "") for r in live.requests())


def test_prospects__bad_profile_url_fails_preview_before_any_write(make_stack: MakeStack, emulator: Emulators) -> None:
    live, stack = _stack(make_stack, emulator)
    stack.config("urls", f"{PROFILES[0]},https://example.com/in/not-linkedin")
    live.clear_requests()
    out = stack.preview(check=False)
    text = str(out.stdout) + str(out.stderr)
    assert out.returncode != 0
    assert "sonarly:Audience" in text and "prospect_urls[1]" in text and "Traceback" not in text
    assert all(r["method"] == "GET" for r in live.requests())


def test_prospects__credits_exhausted_fail_once_with_the_reason_and_leave_nothing_half_made(
        make_stack: MakeStack, emulator: Emulators) -> None:
    """prospecting-jobs-start: "Insufficient credits return 402 INSUFFICIENT_CREDITS" (1 credit per imported
    prospect). The create fails at once, names the cause, retries nothing, and leaves no audience behind."""
    live, stack = _stack(make_stack, emulator)
    live.configure(credits=2, job_seconds=0.2)  # 3 profiles to import: one credit short
    foreign_before = live.objects("audiences")[FOREIGN]
    stack.config("urls", ",".join(PROFILES))
    live.clear_requests()
    out = stack.up(check=False)
    text = str(out.stdout) + str(out.stderr)
    assert out.returncode != 0
    assert "HTTP 402 [INSUFFICIENT_CREDITS]" in text and "too few credits" in text and "nothing was imported" in text
    assert "it was deleted again" in text and "Traceback" not in text
    assert [r["status"] for r in _uploads(live)] == [402]  # asked once: a 402 is not retried
    assert set(live.objects("audiences")) == {FOREIGN} and live.objects("jobs") == {}
    assert live.objects("audiences")[FOREIGN] == foreign_before
    resources = json.loads(stack.export())["deployment"].get("resources") or []
    assert not [r for r in resources if r["urn"].endswith("::prospects")]  # nothing recorded
    assert live.state()["meta"]["credits"] == 2  # nothing spent

    # With credits, the same `up` goes through: one job, three prospects, three credits spent.
    live.configure(credits=10)
    live.clear_requests()
    stack.up()
    assert [r["status"] for r in _uploads(live)] == [202]
    assert sorted(_ours(live)["prospects"]) == [f"e2e-prospect-{i}" for i in range(3)]
    assert live.state()["meta"]["credits"] == 7
    destroy_and_check(stack, live)


def test_prospects__an_update_short_of_credits_keeps_the_recorded_state_and_the_rerun_pays_once(
        make_stack: MakeStack, emulator: Emulators) -> None:
    live, stack = _stack(make_stack, emulator)
    live.configure(job_seconds=0.2)
    stack.config("urls", PROFILES[0])
    stack.up()
    aud_id = _ours(live)["id"]
    live.configure(credits=1)  # the update adds two profiles
    stack.config("urls", ",".join(PROFILES))
    out = stack.up(check=False)
    text = str(out.stdout) + str(out.stderr)
    assert out.returncode != 0 and "INSUFFICIENT_CREDITS" in text and "Traceback" not in text
    assert _recorded(stack)["prospect_urls"] == PROFILES[:1]  # the state still says what is really there
    assert _ours(live)["id"] == aud_id and _ours(live)["prospects"] == ["e2e-prospect-0"]
    live.configure(credits=2)
    live.clear_requests()
    stack.up()
    (upload,) = _uploads(live)
    assert json.loads(upload["body"])["urls"] == PROFILES[1:]  # only the missing ones
    assert live.state()["meta"]["credits"] == 0 and _recorded(stack)["prospect_urls"] == PROFILES
    destroy_and_check(stack, live)


def test_prospects__plan_cap_on_max_results_does_not_limit_a_url_upload(make_stack: MakeStack,
                                                                        emulator: Emulators) -> None:
    """"maxResults is capped by plan: Tester 100 ... url_upload ignores maxResults": on the lowest plan (the
    emulator's default) 150 declared profiles are all imported, in one job. (The provider sends no maxResults:
    tests/unit/test_sonarly_provider.py.)"""
    live, stack = _stack(make_stack, emulator)
    live.configure(job_seconds=0.2)
    assert live.state()["meta"]["plan"] == "tester"
    urls = [f"https://www.linkedin.com/in/e2e-capped-{i:03d}" for i in range(150)]
    stack.config("urls", ",".join(urls))
    stack.up()
    assert len(_uploads(live)) == 1 and [j["urls"] for j in live.objects("jobs").values()] == [150]
    assert _ours(live)["prospectCount"] == 150 and stack.outputs()["prospect_count"] == 150
    destroy_and_check(stack, live)


def test_prospects__run_killed_while_its_upload_runs_is_recovered_with_one_audience_and_one_job(
        make_stack: MakeStack, emulator: Emulators) -> None:
    # A namesake would make the recovery refuse to choose (names are not unique in Sonarly; it lists both).
    live, stack = _stack(make_stack, emulator, foreign_name="Someone else's list")
    live.configure(job_seconds=8)
    stack.config("urls", ",".join(PROFILES))
    proc = subprocess.Popen(["pulumi", "up", "--yes", "--non-interactive", "--skip-preview", "--stack", stack.name],
                            cwd=stack.dir, env=stack.env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not live.objects("jobs") and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before its upload started"
    os.killpg(proc.pid, signal.SIGKILL)  # the job is running at Sonarly; the create never reached the state
    proc.wait()
    reap_orphans(stack.dir)

    stack.run("cancel", "--yes", "--stack", stack.name, check=False)
    # The new audience is hidden from the list while its job runs: the recovery waits for the job, then finds it.
    recovered = subprocess.run([sys.executable, "-m", "audience_providers.recover", "--stack", stack.name, "--yes"],
                               cwd=stack.dir, env=stack.env, capture_output=True, text=True, timeout=300)
    assert recovered.returncode == 0, recovered.stdout + recovered.stderr
    stack.up()
    ours = [a for a in live.objects("audiences").values() if a["id"] != FOREIGN]
    assert len(ours) == 1 and sorted(ours[0]["prospects"]) == [f"e2e-prospect-{i}" for i in range(3)]
    assert len(live.objects("jobs")) == 1  # the rerun waited for the killed run's job and started none
    stack.preview("--expect-no-changes")
    destroy_and_check(stack, live)
    assert set(live.objects("audiences")) == {FOREIGN}
