"""Small helpers shared by vendors, and values as the engine hands them to a lifecycle: unknown ones at preview
(an adapter registers its SDK's type for them, :func:`register_unknown_type`), and the provider key to leave out.
No Pulumi here."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from .errors import NotFound
from .vendors import PROVIDER_KEY

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


# -- values as the engine hands them ---------------------------------------------------------------------------
# The engine's marker for a value not yet known during preview (the wire form of an unknown property).
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

# Types an adapter's engine SDK uses for unknown values (registered by the adapter: the SDK's own ``Unknown``).
_unknown_types: tuple[type, ...] = ()


def register_unknown_type(kind: type) -> None:
    """Treat instances of ``kind`` as values not known yet (the adapter's SDK represents them so)."""
    global _unknown_types
    if kind not in _unknown_types:
        _unknown_types = (*_unknown_types, kind)


def contains_unknown(value: Any) -> bool:
    """Whether ``value`` (or anything inside it) is not known yet at preview (e.g. a parent's future id)."""
    if _unknown_types and isinstance(value, _unknown_types):
        return True
    if isinstance(value, str):
        return value == UNKNOWN
    if isinstance(value, Mapping):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(contains_unknown(v) for v in value)
    return False


def user_inputs(props: Mapping[str, Any]) -> dict[str, Any]:
    """``props`` without the provider reference a dynamic resource's state carries."""
    return {k: v for k, v in props.items() if k != PROVIDER_KEY}
