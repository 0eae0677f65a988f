"""Small helpers shared by vendors."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from .errors import NotFound

T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> list[list[T]]:
    """Consecutive slices of at most ``size`` items (vendors cap ids/users per call)."""
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


def remove_quietly(remove: Callable[[], object]) -> None:
    """Run a delete/remove call; something already gone is what we wanted."""
    try:
        remove()
    except NotFound:
        pass
