"""bench/profile.py's reading of py-spy's collapsed stacks: who owns a frame, what each role's shares are."""

from __future__ import annotations

from bench.profile import PACKAGE_DIR, owner, summarise

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
