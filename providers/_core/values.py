"""Values as the engine hands them to a lifecycle: unknown ones at preview, and the provider key to leave out.

No Pulumi here: an adapter registers its SDK's type for unknown values (:func:`register_unknown_type`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .vendors import PROVIDER_KEY

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
