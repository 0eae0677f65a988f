"""Small helpers shared by vendors."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from .errors import NotFound

T = TypeVar("T")

# How a boolean setting or environment variable may be spelled ("" is unset, read as false where a default applies).
TRUE_WORDS, FALSE_WORDS = ("true", "1", "yes", "on"), ("false", "0", "no", "off", "")


def chunks(items: Sequence[T], size: int) -> list[list[T]]:
    """Consecutive slices of at most ``size`` items (vendors cap ids/users per call)."""
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


def remove_quietly(remove: Callable[[], object]) -> None:
    """Run a delete/remove call; something already gone is what we wanted."""
    try:
        remove()
    except NotFound:
        pass


def wrap_once(owner: Any, name: str, mark: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    """Replace ``owner.name`` (an SDK function looked up by name when it runs) with ``make(current)``, once per
    process: the wrapper carries ``mark`` so a second call leaves it be, and ``__wrapped__`` (as functools.wraps
    names it) for tests and ablations to reach the SDK's own."""
    current = getattr(owner, name)
    if getattr(current, mark, False):
        return
    wrapper = make(current)
    setattr(wrapper, mark, True)
    wrapper.__wrapped__ = current  # type: ignore[attr-defined]
    setattr(owner, name, wrapper)


def camel(name: str) -> str:
    """``display_name`` -> ``displayName``: a model field's name in the schema, a setting's in the stack config."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)
