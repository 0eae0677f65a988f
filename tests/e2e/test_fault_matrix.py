"""Fault matrix through the real engine: vendor x fault, injected at a random point of a 20-audience `up`.

Each trial: the first `up` either succeeds or fails naming vendor, operation and status; a second `up`
converges; the emulator then holds exactly the declared audiences (0 duplicates, 0 orphans); `destroy`
empties it. The seed is printed so a failing trial can be replayed (FAULT_SEED=...).
"""

from __future__ import annotations

import os
import random
import sys
from collections import Counter

import pytest

pytestmark = pytest.mark.e2e

COUNT = 20
SEED = int(os.environ.get("FAULT_SEED", random.SystemRandom().randrange(1 << 30)))
FAULTS: dict[str, dict[str, object]] = {
    "429-retry-after": {"kind": "status", "status": 429, "retry_after": "1", "count": 3},
    "429-bare": {"kind": "status", "status": 429, "count": 3},
    "500": {"kind": "status", "status": 500},
    "502": {"kind": "status", "status": 502},
    "503": {"kind": "status", "status": 503, "count": 2},
    "504": {"kind": "status", "status": 504},
    "reset": {"kind": "reset"},
    "read-timeout": {"kind": "timeout", "seconds": 4},
    "commit-then-drop": {"kind": "drop_after_commit"},
}
CREATE_ROUTE = {"batch": "POST /audiences/create$", "thrive": "POST /audiences/?$"}
VENDOR_NAME = {"batch": "Batch", "thrive": "Thrive"}


def _configure(stack, live, vendor: str) -> None:  # type: ignore[no-untyped-def]
    stack.config("vendor", vendor)
    stack.config("count", str(COUNT))
    stack.config(f"{vendor}:readTimeout", "2")
    stack.config(f"{vendor}:retryDeadline", "20")
    if vendor == "batch":
        live.configure(indexing_seconds=0.02)
        stack.config("batch:baseUrl", live.base_url)
        stack.config("batch:projectKey", "project_demo0000000000000000000000000")
        stack.config("batch:apiKey", "demo-batch-rest-key", secret=True)
    else:
        stack.config("thrive:baseUrl", live.base_url)
        stack.config("thrive:tenantId", "demo-tenant")
        stack.config("thrive:apiSecret", "demo-thrive-secret", secret=True)


def _held(live, vendor: str) -> Counter[str]:  # type: ignore[no-untyped-def]
    state = live.state()
    if vendor == "batch":
        return Counter(list(state["audiences"]))
    return Counter(a["reference"] for a in state["audiences"])


def _declared(vendor: str) -> Counter[str]:
    if vendor == "batch":
        return Counter(f"fleet_{i:03d}" for i in range(COUNT))
    return Counter(["fleet-root", *(f"fleet-{i:03d}" for i in range(COUNT - 1))])


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("vendor", ["batch", "thrive"])
def test_fault__up_succeeds_or_names_the_failure_then_converges(make_stack, emulator, vendor: str,
                                                                fault: str) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(f"{SEED}-{vendor}-{fault}")
    live = emulator(vendor)
    stack = make_stack("fleet")
    _configure(stack, live, vendor)
    after = rng.randrange(COUNT - 1)
    print(f"FAULT_SEED={SEED} vendor={vendor} fault={fault} after={after}", file=sys.stderr)
    live.fault(route=CREATE_ROUTE[vendor], after=after, **FAULTS[fault])

    first = stack.up(check=False)
    if first.returncode != 0:
        text = first.stdout + first.stderr
        assert VENDOR_NAME[vendor] in text and "create audience" in text, text[-3000:]
    assert live.admin.get("/faults").json()["faults"][0]["fired"] >= 1  # the fault really happened

    stack.up()  # converges
    held = _held(live, vendor)
    assert held == _declared(vendor), f"duplicates or orphans: {held - _declared(vendor)} / {_declared(vendor) - held}"
    preview = stack.preview().stdout
    assert "unchanged" in preview and "to create" not in preview
    stack.destroy()
    assert not _held(live, vendor)
