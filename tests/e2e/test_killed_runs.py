"""SIGKILL `pulumi up` / `pulumi destroy` at random moments; recover as a user would; never a duplicate or orphan.

Recovery (documented in the README): `pulumi cancel --yes` (the killed run left its lock), then rerun the same
command. Creates whose outcome was lost are adopted by natural key (identical audience), so the rerun
converges. Seeded: KILL_SEED=... replays a run. 20 trials by default (alternating Batch and Thrive).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from .fleet import configure, declared, held

pytestmark = pytest.mark.e2e

SEED = int(os.environ.get("KILL_SEED", random.SystemRandom().randrange(1 << 30)))
COUNT = 12


def _reap_orphans(workdir: Path) -> int:
    """Kill provider processes a SIGKILLed run left behind.

    The engine starts plugins outside its process group, so killing the group orphans the dynamic-provider
    processes, which then wait forever. A user's machine accumulates them too (noted in the README); here they
    are found by their working directory, the stack's.
    """
    reaped = 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cwd = os.readlink(proc / "cwd")
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if cwd == str(workdir) and b"pulumi" in cmdline:
            try:
                os.kill(int(proc.name), signal.SIGKILL)
                reaped += 1
            except OSError:
                pass
    return reaped


def _kill_during(stack, command: list[str], delay: float) -> None:  # type: ignore[no-untyped-def]
    proc = subprocess.Popen(["pulumi", *command, "--yes", "--non-interactive", "--skip-preview", "--stack",
                             stack.name], cwd=stack.dir, env=stack.env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the whole group: CLI, language host, program
        proc.wait()
        orphans = _reap_orphans(stack.dir)
        print(f"  reaped {orphans} orphaned provider process(es)", file=sys.stderr)


def _recover(stack, command: str) -> None:  # type: ignore[no-untyped-def]
    stack.run("cancel", "--yes", "--stack", stack.name, check=False)  # releases the killed run's lock
    if command == "up":
        stack.up()
    else:
        stack.destroy()


@pytest.mark.parametrize("vendor", ["batch", "thrive"])
def test_killed_runs__recovery_converges_without_duplicates(make_stack, emulator, vendor: str,
                                                            full_run: bool) -> None:  # type: ignore[no-untyped-def]
    trials = 20 if full_run else 10  # per vendor: 20 in the default run overall
    rng = random.Random(f"{SEED}-{vendor}")
    print(f"KILL_SEED={SEED} vendor={vendor} trials={trials}", file=sys.stderr)
    live = emulator(vendor)
    stack = make_stack("fleet")
    live.configure(latency_ms=40)
    configure(stack, live, vendor, count=COUNT, prefix="kill")
    started = time.monotonic()
    for trial in range(trials):
        command = "up" if trial % 2 == 0 else "destroy"
        delay = rng.uniform(0.5, 5.0)
        print(f"trial {trial}: kill `{command}` after {delay:.2f}s", file=sys.stderr)
        _kill_during(stack, [command], delay)
        _recover(stack, command)
        have = held(live, vendor)
        expected = declared(vendor, count=COUNT, prefix="kill") if command == "up" else Counter()
        assert have == expected, f"trial {trial} ({command}, {delay:.2f}s): held {have}"
        assert time.monotonic() - started < 900, "trial budget exceeded"
    stack.destroy()
    assert not held(live, vendor)
