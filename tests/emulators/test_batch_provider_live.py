"""The Batch provider against the emulator: listing through pages, adoption by listing, destroy robustness."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from audience_providers._core.config import ConfigSource
from audience_providers._core.errors import ApiError
from audience_providers.batch import config
from audience_providers.batch.audience import AudienceLifecycle
from audience_providers.batch.members import Members

if TYPE_CHECKING:
    from tests.conftest import Emulators, LiveEmulator

KEY, PROJECT = "demo-batch-rest-key", "project_demo0000000000000000000000000"


@pytest.fixture
def live(emulator: Emulators, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> LiveEmulator:
    emu = emulator("batch")
    emu.configure(indexing_seconds=0.05)
    monkeypatch.setenv("BATCH_BASE_URL", emu.base_url)
    monkeypatch.setenv("BATCH_API_KEY", KEY)
    monkeypatch.setenv("BATCH_PROJECT_KEY", PROJECT)
    monkeypatch.setenv("BATCH_SNAPSHOT_DIR", str(tmp_path / "snap"))
    # The listing is read once per client (one per provider process); each test is its own "process" here.
    config.load(ConfigSource(None)).client.forget("audiences")
    return emu


def _provider() -> AudienceLifecycle:
    return AudienceLifecycle(config.load(ConfigSource(None)))


def _lists(live: LiveEmulator) -> list[dict[str, Any]]:
    return [r for r in live.requests() if r["path"].endswith("/audiences/list")]


def test_iter_audiences__follows_next_from_with_the_default_limit_of_10(live: LiveEmulator) -> None:
    live.seed({"audiences": [{"name": f"seed_{i:02d}"} for i in range(25)]})
    names = [a.name for a in _provider().config.client.iter_audiences(limit=None)]
    assert names == [f"seed_{i:02d}" for i in range(25)]
    assert len(_lists(live)) == 3 and all("limit" not in r["query"] for r in _lists(live))


def test_ownership__a_taken_name_on_a_later_page_is_found(live: LiveEmulator) -> None:
    live.seed({"audiences": [{"name": f"seed_{i:03d}", "display_name": f"Seed {i}"} for i in range(130)]})
    result = _provider().check({}, {"name": "seed_120", "membership": "authoritative"})
    assert [f.property for f in result.failures] == ["name"]
    assert "'seed_120' is already taken in Batch" in result.failures[0].reason
    # 100 + 30: the page past the first was read (beside the one-item credential check, once per process).
    pages = [r for r in _lists(live) if r["query"] != "limit=1"]
    assert len(pages) == 2 and "from=" in pages[1]["query"]


def test_adopt__an_audience_beyond_the_first_page_is_adopted_and_nothing_else_is_written(live: LiveEmulator) -> None:
    live.seed({"audiences": [{"name": f"seed_{i:03d}", "ids": ["a"]} for i in range(130)]})
    p = _provider()
    inputs = {"name": "seed_125", "membership": "additive", "adopt": True,
              "members": Members.of(["new"]).spec()}
    checked = p.check({}, inputs)
    assert checked.failures == []
    # Found by listing, across pages (beside the one-item credential check, once per process: absent when an
    # earlier test of this process made it, so the count doesn't depend on which tests ran first).
    assert len([r for r in _lists(live) if r["query"] != "limit=1"]) == 2
    live.clear_requests()
    result = p.create(checked.inputs)
    assert result.id == "seed_125" and result.outs["adopted"] is True
    writes = [r for r in live.requests() if r["method"] == "POST"]
    assert writes and all('"seed_125"' in r["body"] for r in writes)
    state = live.objects("audiences")
    assert state["seed_125"]["ids"] == ["a", "new"]
    assert all(state[f"seed_{i:03d}"]["ids"] == ["a"] for i in range(130) if i != 125)


def test_adopt__unknown_name_fails_at_check(live: LiveEmulator) -> None:
    live.seed({"audiences": [{"name": f"seed_{i:03d}"} for i in range(15)]})
    result = _provider().check({}, {"name": "nope_1", "membership": "authoritative", "adopt": True})
    assert [f.property for f in result.failures] == ["adopt"] and "no audience named 'nope_1'" in \
        result.failures[0].reason


def test_delete__waits_until_view_no_longer_finds_the_audience(live: LiveEmulator) -> None:
    live.configure(indexing_seconds=0.3)
    live.seed({"audiences": [{"name": "gone_soon"}, {"name": "keep_me"}]})
    _provider().delete("gone_soon", {"name": "gone_soon", "membership": "authoritative"})
    assert set(live.objects("audiences")) == {"keep_me"}
    views = [r for r in live.requests() if r["path"].endswith("/view") and "indexing_token" in r["query"]]
    assert views  # the remove token was polled


@pytest.mark.parametrize("mode", ["error", "accepted"])
def test_delete__already_removed_succeeds_whatever_batch_answers(live: LiveEmulator, mode: str) -> None:
    live.configure(remove_unknown=mode)
    live.seed({"audiences": [{"name": "keep_me"}]})
    _provider().delete("removed_elsewhere", {"name": "removed_elsewhere", "membership": "authoritative"})
    removes = [r for r in live.requests() if r["path"].endswith("/remove")]
    assert [r["status"] for r in removes] == [400 if mode == "error" else 202]
    assert set(live.objects("audiences")) == {"keep_me"}


def test_delete__a_400_for_an_audience_that_still_exists_is_raised(live: LiveEmulator) -> None:
    live.seed({"audiences": [{"name": "still_here"}]})
    live.fault(kind="status", status=400, route="POST /audiences/remove$")
    with pytest.raises(ApiError) as info:
        _provider().delete("still_here", {"name": "still_here", "membership": "authoritative"})
    assert info.value.status == 400
    assert "still_here" in live.objects("audiences")


def test_rate_limit__bare_429s_are_paced_by_the_adaptive_limiter_and_nothing_fails(live: LiveEmulator,
                                                                                   monkeypatch: pytest.MonkeyPatch
                                                                                   ) -> None:
    """Batch lists 429 and no Retry-After: the emulator's default 429 is bare, and the client's shared pace (not a
    header) is what keeps parallel writes going. (Its dual, a client never refused is never paced, is in
    tests/unit/test_core_pace.py.)"""
    # A credential of its own: the pace is shared per credential for the whole process.
    live.seed({"credentials": [{"api_key": "pace-test-key", "project_key": PROJECT}]})
    monkeypatch.setenv("BATCH_API_KEY", "pace-test-key")
    live.configure(rate_limit_rpm=1200, rate_limit_burst=4)  # 20 requests/s, bursts of 4
    client = config.load(ConfigSource(None)).client
    assert client.pace.rate is None  # unpaced until the vendor says 429
    failures: list[BaseException] = []

    def create(n: int) -> None:
        for i in range(5):
            try:
                client.create_audience(f"paced_{n}_{i}", None)
            except ApiError as exc:
                failures.append(exc)

    threads = [threading.Thread(target=create, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    served = [r for r in live.requests() if r["path"].endswith("/audiences/create")]
    refused = [r for r in served if r["status"] == 429]
    assert failures == [] and len(live.objects("audiences")) == 30
    assert refused and client.pace.rate is not None  # bare 429s happened and set the pace
    assert len(served) - len(refused) == 30  # each audience created once: a 429 is retried, never duplicated
