"""The lost-create rule of providers/_core/reconcile.py on its own: snapshot, then the vendor's clock, then one."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from audience_providers._core.errors import ProviderError
from audience_providers._core.reconcile import CLOCK_SKEW, AmbiguousCreate, Snapshot, parse_instant, pick_created

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime.now(timezone.utc).replace(microsecond=0)  # a Date header has whole seconds


@dataclass(frozen=True)
class Thing:
    """Any vendor object: an id and an ISO-8601 creation time (or none)."""

    id: str
    created_at: str | None = None


def at(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def pick(candidates: list[Thing], snap: Snapshot, keep_one: str | None = None) -> Thing | None:
    return pick_created("acme:Widget", "w", candidates, snap, vendor="Acme", keep_one=keep_one)


def test_pick_created__rule_snapshot_then_clock_then_uniqueness() -> None:
    snap = Snapshot(frozenset({"old"}), NOW)
    assert pick([Thing("old", at(NOW + timedelta(seconds=5)))], snap) is None
    assert pick([Thing("early", at(NOW - timedelta(seconds=1)))], snap) is None
    found = pick([Thing("old", at(NOW)), Thing("new", at(NOW + timedelta(milliseconds=3)))], snap)
    assert found is not None and found.id == "new"
    with pytest.raises(AmbiguousCreate):
        pick([Thing("n1", at(NOW)), Thing("n2", None)], snap)


def test_pick_created__nothing_new_means_the_create_never_committed() -> None:
    assert pick([], Snapshot(frozenset(), NOW)) is None
    assert pick([Thing("a", at(NOW)), Thing("b", at(NOW))], Snapshot(frozenset({"a", "b"}), NOW)) is None


def test_pick_created__created_exactly_at_the_snapshot_time_is_ours() -> None:
    # The server time is read after the listing, in whole seconds: our create can carry that very second.
    found = pick([Thing("x", at(NOW))], Snapshot(frozenset(), NOW))
    assert found is not None and found.id == "x"


def test_pick_created__unknown_or_unparseable_creation_time_is_not_ruled_out_by_the_clock() -> None:
    found = pick([Thing("x", "yesterday-ish")], Snapshot(frozenset(), NOW))
    assert found is not None and found.id == "x"


def test_pick_created__several_new_names_every_id_the_vendor_and_how_to_keep_one() -> None:
    with pytest.raises(AmbiguousCreate) as info:
        pick([Thing("n2", at(NOW)), Thing("n1", at(NOW))], Snapshot(frozenset(), NOW),
             keep_one="or keep one with adopt_id=<id>")
    text = str(info.value)
    assert text.startswith("acme:Widget 'w': the create request got no answer and 2 matching objects")
    assert "(ids n1, n2)" in text and "Acme has no idempotency key" in text and "adopts none" in text
    assert text.endswith("rerun `pulumi up` (or keep one with adopt_id=<id>)")
    assert isinstance(info.value, ProviderError)  # reaches the user as its message, not a traceback


def test_pick_created__without_keep_one_the_message_ends_at_the_rerun() -> None:
    with pytest.raises(AmbiguousCreate) as info:
        pick([Thing("a"), Thing("b")], Snapshot(frozenset(), NOW))
    assert str(info.value).endswith("rerun `pulumi up`")


def test_snapshot_of__takes_the_latest_server_time_and_the_ids() -> None:
    snap = Snapshot.of(iter(["a", "b", "a"]), [NOW - timedelta(seconds=3), None, NOW])
    assert snap == Snapshot(frozenset({"a", "b"}), NOW)


def test_snapshot_of__without_a_server_time_falls_back_to_our_clock_less_the_skew() -> None:
    before = datetime.now(timezone.utc)
    snap = Snapshot.of([], [None])
    after = datetime.now(timezone.utc)
    assert before - CLOCK_SKEW <= snap.since <= after - CLOCK_SKEW
    wide = Snapshot.of([], [], clock_skew=timedelta(hours=1))
    assert wide.since <= datetime.now(timezone.utc) - timedelta(hours=1)


def test_parse_instant__iso_with_z_offset_or_none_and_garbage() -> None:
    assert parse_instant("2026-05-01T12:00:00.000Z") == datetime(2026, 5, 1, 12, tzinfo=timezone.utc)
    assert parse_instant("2026-05-01T14:00:00+02:00") == datetime(2026, 5, 1, 12, tzinfo=timezone.utc)
    assert parse_instant("2026-05-01T12:00:00") == datetime(2026, 5, 1, 12, tzinfo=timezone.utc)  # naive is UTC
    assert parse_instant(None) is None and parse_instant("") is None and parse_instant("not a date") is None


def test_reconcile__imports_no_pulumi_and_no_vendor() -> None:
    # A fresh interpreter where `pulumi` can't be imported: the module still loads, and pulls in no vendor.
    code = ("import sys; sys.modules['pulumi'] = None\n"
            "import audience_providers._core.reconcile\n"
            "print(sorted(m for m in sys.modules if m.startswith('audience_providers.') and '_core' not in m))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"
