"""Which object a create whose answer was lost made, when the vendor has no idempotency key and names repeat.

``create_or_adopt`` (``_core/lifecycle.py``) calls a ``find`` after a create whose outcome is unknown. Where
the natural key is unique, ``find`` is a lookup by key. Where it is not (Sonarly: names repeat, creates are not
idempotent), an identical object may be somebody else's, made before our attempt. The rule here tells ours
apart without guessing:

1. before creating, take a :class:`Snapshot`: the ids that already match the request, and the vendor's clock;
2. after the lost answer, :func:`pick_created` keeps the candidates that are not in the snapshot *and* were
   created at or after its time (an older object the snapshot missed, e.g. hidden from the list while the
   vendor was busy with it, is not ours either);
3. exactly one left: ours. None: the create never committed. Several: :class:`AmbiguousCreate`, since adopting
   any of them would be a guess; the user decides.

No Pulumi and no vendor here: candidates are anything with an ``id`` and an ISO-8601 ``created_at``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Protocol, TypeVar

from .errors import ProviderError

# When a listing carries no server time (no `Date` header) we fall back to our own clock, allowing this much skew.
CLOCK_SKEW = timedelta(seconds=60)


class AmbiguousCreate(ProviderError):
    """A lost create left more than one candidate: adopting any of them would be a guess."""


class Candidate(Protocol):
    """What the rule reads of a vendor object: its id and when the vendor says it was created."""

    @property
    def id(self) -> str: ...

    @property
    def created_at(self) -> str | None: ...


C = TypeVar("C", bound=Candidate)


def parse_instant(value: str | None) -> datetime | None:
    """An ISO-8601 timestamp (``2026-05-01T12:00:00.000Z`` included) as an aware datetime; None if unparseable.

    A value without an offset is taken as UTC.
    """
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Snapshot:
    """What matched the request just before our create: those ids, and the vendor's clock at that moment."""

    ids: frozenset[str]
    since: datetime

    @classmethod
    def of(cls, ids: Iterable[str], server_times: Iterable[datetime | None], *,
           clock_skew: timedelta = CLOCK_SKEW) -> Snapshot:
        """``server_times``: the vendor's clock on each listing read (e.g. the responses' `Date` headers)."""
        seen = [t for t in server_times if t is not None]
        # A Date header is whole seconds, taken after the list was read: anything we create is at or after it.
        since = max(seen) if seen else datetime.now(timezone.utc) - clock_skew
        return cls(frozenset(ids), since)


def pick_created(label: str, name: str, candidates: Iterable[C], snapshot: Snapshot, *, vendor: str,
                 keep_one: str | None = None) -> C | None:
    """The one candidate our lost create made, None if there is none, :class:`AmbiguousCreate` if several.

    ``candidates`` are the objects that match the request now (the caller filters on name and the other
    requested fields). A candidate in the snapshot existed before the attempt; one created before the
    snapshot's time did too. ``keep_one`` is how the user can keep one of several, for the error message.
    """
    new = []
    for item in candidates:
        if item.id in snapshot.ids:
            continue
        created = parse_instant(item.created_at)
        if created is not None and created < snapshot.since:
            continue
        new.append(item)
    if len(new) > 1:
        ids = ", ".join(sorted(c.id for c in new))
        raise AmbiguousCreate(
            f"{label} {name!r}: the create request got no answer and {len(new)} matching objects appeared since "
            f"(ids {ids}); {vendor} has no idempotency key and names are not unique, so the provider can't tell "
            f"which one is its own and adopts none. Delete the extra ones in {vendor} and rerun `pulumi up`"
            + (f" ({keep_one})" if keep_one else ""))
    return new[0] if new else None


__all__ = ["CLOCK_SKEW", "AmbiguousCreate", "Candidate", "Snapshot", "parse_instant", "pick_created"]
