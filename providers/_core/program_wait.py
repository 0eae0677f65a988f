"""Let the SDK's end-of-program wait see the program's registrations before it waits on every output.

When a Python program's top level returns, the SDK (3.272, `pulumi.runtime.stack.run_pulumi_func`) calls
`wait_for_rpcs()`: first it awaits each outstanding RPC, then every still-pending output with
`asyncio.wait(pending, return_when=FIRST_COMPLETED)`, again and again as they complete. A resource constructor only
*schedules* its registration (`asyncio.ensure_future`), and the scheduled task puts itself on the RPC list when it
first runs. A program that declares its resources and returns has not yielded to the event loop yet, so
`wait_for_rpcs` finds the RPC list empty, goes straight to the outputs loop, and sits in it for the whole deployment:
one `asyncio.wait` over every pending output (about ten per resource) each time some complete, quadratic in the
number of resources (python/cpython#74741 for the cost of each call).

`install()` wraps `wait_for_rpcs` so that it yields to the event loop once before the SDK's own code runs. The
scheduled registrations then list themselves, the SDK awaits them one by one, and by the time it reaches the outputs
loop they are settled. Nothing else changes: the same function waits for the same RPCs and outputs, in a different
order. Measured (bench/README.md, "The SDK's wait for outputs"): 300 resources of 10 properties, `up`, program CPU
1.28 s → 0.72 s, `asyncio.wait` calls 284 → 0; in py-spy, that loop was 44% of the program's CPU in a
500-resource compass `up`.

``AUDIENCE_PROVIDERS_PROGRAM_WAIT=sdk`` leaves the SDK's function as it is (an escape hatch, and the ablation the
benchmark compares against).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import Any

from .util import wrap_once

ENV = "AUDIENCE_PROVIDERS_PROGRAM_WAIT"
_MARK = "_audience_yields_first"


def install() -> None:
    """Wrap `pulumi.runtime.stack.wait_for_rpcs` once per process (idempotent; a no-op with ENV=sdk)."""
    if os.environ.get(ENV, "").strip().lower() == "sdk":
        return
    from pulumi.runtime import stack

    def make(current: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def wait_for_rpcs(*args: Any, **kwargs: Any) -> Any:
            await asyncio.sleep(0)  # let the registrations scheduled by the program's top level list themselves
            return await current(*args, **kwargs)

        return wait_for_rpcs

    # run_pulumi_func looks the name up in its module when it calls it.
    wrap_once(stack, "wait_for_rpcs", _MARK, make)
