"""A 200-audience `up` against an emulator limiting R requests/min per credential completes without failure
because the provider's shared client-side limiter (`batch:requestsPerMinute`) paces all its threads.

Throughput (requests/min the emulator served during the run, vs R) is printed for the closing note; it is a
measurement, not an assertion (these machines are noisy).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import pytest

from .fleet import destroy_and_check

if TYPE_CHECKING:
    from tests.conftest import Emulators

    from .conftest import MakeStack

pytestmark = pytest.mark.e2e

RPM = 2400


def test_rate_limit__200_audiences_paced_under_the_vendor_limit(make_stack: MakeStack, emulator: Emulators) -> None:
    live = emulator("batch")
    live.configure(rate_limit_rpm=RPM, indexing_seconds=0.02)
    stack = make_stack("fleet")
    stack.config("vendor", "batch")
    stack.config("count", "200")
    stack.config("prefix", "rl")
    stack.config("batch:baseUrl", live.base_url)
    stack.config("batch:projectKey", "project_demo0000000000000000000000000")
    stack.config("batch:apiKey", "demo-batch-rest-key", secret=True)
    stack.config("batch:requestsPerMinute", str(RPM))

    stack.up()
    served = live.requests()
    assert len(live.objects("audiences")) == 200
    limited = [r for r in served if r["status"] == 429]
    ok = [r for r in served if r["status"] != 429]
    span = max(r["t"] for r in served) - min(r["t"] for r in served)
    throughput = len(ok) / span * 60
    print(f"rate limit R={RPM}/min: {len(ok)} requests in {span:.1f}s = {throughput:.0f}/min "
          f"({throughput / RPM:.2f} R), 429s: {len(limited)}", file=sys.stderr)
    # The limiter keeps us under the vendor's bucket; a rare 429 at a burst edge is retried, never a failure.
    assert len(limited) <= len(served) * 0.02
    destroy_and_check(stack, live)
