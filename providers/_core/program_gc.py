"""Keep the cyclic garbage collector off the objects a Pulumi program process loads at start.

A Python program that the language host runs has, by the time it imports one of our vendors, ~40,000 long-lived
objects from the SDK, gRPC, protobuf and our package. Every full collection walks all of them
again, and a program that registers hundreds of resources (each a dozen futures, outputs and tasks) triggers many.
`install()` calls `gc.freeze()` once: every object alive at that moment moves to the permanent generation, which
collections skip. Objects made afterwards are collected as usual; what was frozen lives as long as the process,
as those modules would anyway.

Only in a program the language host started (`pulumi-language-python-exec` on the interpreter's command line):
a long-lived process that imports the package (an Automation API inline program in a web service, a test run)
is left alone. The provider process freezes its own start-up objects in its launcher
(`tools/python-runtime/pulumi-dynamic-wide-server.py`).

Measured on the compass workload (bench/README.md, "The engine's one-at-a-time path"): `preview` of 100
resources, median of 15, 1.91 → 1.80 s. ``AUDIENCE_PROVIDERS_GC_FREEZE=0`` turns it off (an escape hatch, and the
ablation).
"""

from __future__ import annotations

import gc
import os
import sys

from .util import FALSE_WORDS

ENV = "AUDIENCE_PROVIDERS_GC_FREEZE"
LAUNCHER = "pulumi-language-python-exec"
_done: list[bool] = []


def started_by_language_host(argv: list[str]) -> bool:
    """Whether ``argv`` (the interpreter's own command line) runs the language host's program launcher."""
    return any(os.path.basename(arg) == LAUNCHER for arg in argv[:4])


def install() -> bool:
    """Freeze once per process, in a language-host program only. Returns whether it froze."""
    turned_off = os.environ.get(ENV, "").strip().lower()
    if _done or (turned_off and turned_off in FALSE_WORDS):
        return False
    if not started_by_language_host(list(getattr(sys, "orig_argv", sys.argv))):
        return False
    _done.append(True)
    gc.freeze()
    return True
