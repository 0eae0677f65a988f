"""What destroy says about an UnleashX campaign, through the real CLI (issue #16 point 9).

The engine asks no provider anything when it previews a delete, so what destroy will do is an output of the
resource (`on_destroy`), shown by `pulumi destroy --preview-only --diff` on the resource; the warning at destroy
names the campaign as UnleashX now calls it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest

from .fleet import destroy_and_check
from .test_unleashx import TOKEN, _stack, _text

if TYPE_CHECKING:
    from tests.conftest import Emulators

    from .conftest import MakeStack

pytestmark = pytest.mark.e2e


def test_destroy_preview__says_the_campaign_is_paused_not_deleted(make_stack: MakeStack, emulator: Emulators) -> None:
    live, stack = _stack(make_stack, emulator, campaign_ids=True)
    stack.up()
    (cid,) = list(live.objects("campaigns"))
    out = stack.run("destroy", "--preview-only", "--diff", "--non-interactive", "--stack", "e2e")
    text = _text(out)
    assert "pause and rename (no campaign delete), keep audience records" in text, text
    assert live.objects("campaigns")[cid]["campaign_status"] == "draft"  # a preview changes nothing
    destroy_and_check(stack, live)


def test_destroy__warning_names_the_campaign_by_its_current_name(make_stack: MakeStack, emulator: Emulators) -> None:
    live, stack = _stack(make_stack, emulator, campaign_ids=True)
    stack.up()
    (cid,) = list(live.objects("campaigns"))
    # Renamed in the UnleashX UI after the last `up`: the stack's state still has the old name.
    httpx.post(f"{live.base_url}/update-campaign", headers={"token": TOKEN},
               json={"id": int(cid), "campaign_name": "renamed in the UI"}).raise_for_status()
    text = _text(destroy_and_check(stack, live))
    assert "'renamed in the UI'" in text and "remains in UnleashX with status 'pause'" in text, text
    assert "'e2e winter calls'" not in text
    assert "the name this stack gave it is free already" in text  # not renamed again: it isn't the stack's name
    # Listed under the campaign in the engine's diagnostics, not under the Stack (#16 point 9).
    diagnostics = text.split("Diagnostics:", 1)[-1].splitlines()
    (at,) = [i for i, line in enumerate(diagnostics) if "'renamed in the UI'" in line][:1]
    heading = next(line for line in reversed(diagnostics[:at]) if line.startswith("  ") and line.rstrip().endswith(":")
                   and not line.startswith("    "))
    assert heading.strip().startswith("pulumi-python:dynamic/unleashx:Campaign ("), diagnostics
