"""bench/profile.py's reading of py-spy's collapsed stacks: who owns a frame, what each role's shares are."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from bench.profile import PACKAGE_DIR, _python_children, owner, summarise

SDK = "/venv/lib/python3.11/site-packages/pulumi/runtime/resource.py"
OURS = PACKAGE_DIR + "thrive/resource.py"


def test_owner__names_each_kind_of_file() -> None:
    assert owner(OURS) == "ours"
    assert owner(SDK) == "pulumi SDK"
    assert owner("/venv/lib/python3.11/site-packages/grpc/_channel.py") == "grpc"
    assert owner("/usr/lib/python3.11/asyncio/tasks.py") == "asyncio"
    assert owner("/usr/lib/python3.11/typing.py") == "python stdlib"
    assert owner("<frozen importlib._bootstrap>") == "import machinery"


def test_summarise__charges_the_innermost_frame_and_counts_ours_inclusive() -> None:
    collapsed = "\n".join([
        f'process 1:"program";<module> (/p/__main__.py:3);Audience.__init__ ({OURS}:70);do_register ({SDK}:9) 6',
        f'process 1:"program";<module> (/p/__main__.py:4);Audience.__init__ ({OURS}:71) 2',
        'process 1:"program";_run (/usr/lib/python3.11/asyncio/events.py:80) 2',
        'process 2:"provider";<module> (/b/server.py:1);_find_and_load (<frozen importlib._bootstrap>:1) 5',
    ])
    roles = summarise(collapsed + "\n", rate=100)
    program = roles["program"]
    assert program["samples"] == 10 and program["cpu_s"] == 0.1
    assert program["self_share_by_owner"] == {"pulumi SDK": 0.6, "ours": 0.2, "asyncio": 0.2}
    assert program["ours_inclusive_share"] == 0.8 and program["importing_share"] == 0
    assert roles["provider"]["importing_share"] == 1.0


def test_python_children__only_processes_of_the_profiled_command() -> None:
    # A provider left running by some other command (here: a stand-in with a provider's command line) never exits;
    # py-spy attached to it would never end, so it is only a candidate under the command being profiled.
    stray = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "pulumi-dynamic-wide-server.py"])
    try:
        for _ in range(100):  # until its command line is the interpreter's, not the fork's
            if b"wide-server" in Path(f"/proc/{stray.pid}/cmdline").read_bytes():
                break
            time.sleep(0.01)
        assert (stray.pid, "provider") in _python_children(set(), root=os.getpid())  # under us: found
        assert all(pid != stray.pid for pid, _ in _python_children(set(), root=1_000_000_000))  # under another
        assert all(pid != stray.pid for pid, _ in _python_children({stray.pid}, root=os.getpid()))  # seen
    finally:
        stray.kill()
        stray.wait()
