"""The benchmarks' /proc sampler (bench/metering.py, PeakRss) sees short-lived descendants and re-judges a role
at exec: OpenTofu's provider lives 13-61 ms a start at N=10, and the comparison reports its memory."""

from __future__ import annotations

import subprocess
import sys

from bench.metering import PeakRss


def _sampled(script: str) -> PeakRss:
    proc = subprocess.Popen(["sh", "-c", script])
    with PeakRss(proc.pid, " ".join) as rss:
        proc.wait()
    return rss


def test_sample__grandchildren_living_under_a_hundred_milliseconds_are_each_seen() -> None:
    # Four ~70 ms processes one after another: a 100 ms sampler misses some of them in most runs.
    rss = _sampled("sleep 0.2; sleep 0.071; sleep 0.072; sleep 0.073; sleep 0.074; sleep 0.2")
    assert {f"sleep 0.07{i}" for i in range(1, 5)} <= set(rss.peaks), rss.peaks


def test_sample__a_role_is_judged_again_when_the_process_execs() -> None:
    # Seen first as Python, then (same pid) as `sleep`: each role gets the process's figures while it is that one.
    script = f"exec {sys.executable} -c 'import os, time; time.sleep(0.3); os.execvp(\"sleep\", [\"sleep\", \"0.3\"])'"
    rss = _sampled(script)
    roles = set(rss.peaks)
    assert "sleep 0.3" in roles, roles
    assert any(role.startswith(sys.executable) for role in roles), roles
    assert rss.threads["sleep 0.3"] == 1
