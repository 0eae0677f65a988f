"""The program's end-of-run wait (providers/_core/program_wait.py) through the SDK's own `wait_for_rpcs`.

A scenario shaped like a program's top level: registrations scheduled but not started, each resolving a few tracked
outputs when it completes. Counted: the SDK's `asyncio.wait` calls over pending outputs. The wrapped wait must make
none and still finish every registration and output; the SDK's own function (the dual) makes one per completion.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from pulumi import Output
from pulumi.runtime import stack
from pulumi.runtime.settings import SETTINGS, _get_rpc_manager

from audience_providers._core import program_wait

RESOURCES, OUTPUTS_EACH = 40, 5
WAVE_TURNS = 10  # event-loop turns between two waves: more than the SDK's loop needs to wait again


@pytest.fixture
def sdk_wait(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Awaitable[Any]]]:
    """The SDK's own wait_for_rpcs, whatever this process installed before; restored afterwards."""
    original = stack.wait_for_rpcs
    while getattr(original, "_audience_yields_first", False):  # unwrap what the package import installed
        original = original.__wrapped__  # type: ignore[attr-defined]
    monkeypatch.setattr(stack, "wait_for_rpcs", original)
    monkeypatch.delenv(program_wait.ENV, raising=False)
    yield original
    SETTINGS.outputs.clear()
    _get_rpc_manager().clear()


def _run(wait: Callable[..., Awaitable[Any]], monkeypatch: pytest.MonkeyPatch) -> tuple[int, list[Output[int]]]:
    calls = [0]
    real_wait = asyncio.wait

    async def counting_wait(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return await real_wait(*args, **kwargs)

    monkeypatch.setattr(asyncio, "wait", counting_wait)
    outputs: list[Output[int]] = []

    async def program() -> None:
        loop = asyncio.get_running_loop()
        rpcs = _get_rpc_manager()
        for i in range(RESOURCES):
            values = [loop.create_future() for _ in range(OUTPUTS_EACH)]
            known: asyncio.Future[bool] = loop.create_future()
            known.set_result(True)
            outputs.extend(Output(set(), value, known) for value in values)

            async def register(values: list[asyncio.Future[int]] = values, i: int = i) -> None:
                # The engine answering in five waves. Counted in event-loop turns, not timers: a loaded machine
                # would fire timers a millisecond apart in one turn, and the SDK would see fewer completions.
                for _ in range(WAVE_TURNS * (i % 5)):
                    await asyncio.sleep(0)
                for value in values:
                    value.set_result(i)

            # As the SDK's register_resource does: scheduled, not started, when the program's top level returns.
            asyncio.ensure_future(rpcs.do_rpc("register resource", register)())
        await wait()

    asyncio.run(program())
    return calls[0], outputs


def test_wait__wrapped_makes_no_wait_over_pending_outputs_and_settles_everything(
        sdk_wait: Callable[..., Awaitable[Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    program_wait.install()
    assert stack.wait_for_rpcs is not sdk_wait
    calls, outputs = _run(stack.wait_for_rpcs, monkeypatch)
    assert calls == 0
    assert all(o._data.done() and o._data.result().value is not None for o in outputs)  # every output settled
    assert not SETTINGS.outputs and not _get_rpc_manager().rpcs


def test_wait__the_sdks_own_function_waits_once_per_completion(sdk_wait: Callable[..., Awaitable[Any]],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    calls, outputs = _run(sdk_wait, monkeypatch)
    assert calls >= 5  # the loop this module avoids: one asyncio.wait over the pending outputs per completion
    assert all(o._data.done() for o in outputs)


def test_install__is_idempotent_and_stays_off_when_asked(sdk_wait: Callable[..., Awaitable[Any]],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(program_wait.ENV, "sdk")
    program_wait.install()
    assert stack.wait_for_rpcs is sdk_wait
    monkeypatch.delenv(program_wait.ENV)
    program_wait.install()
    once = stack.wait_for_rpcs
    program_wait.install()
    assert stack.wait_for_rpcs is once is not sdk_wait
