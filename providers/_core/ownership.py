"""Who holds a natural key: this resource, another resource of the program, or something outside the stack.

Two checks every resource gets at `preview`, before any write, from its lifecycle's declarations (``key_field``,
``key_space``, ``adopt_field``) and two capabilities (``claims``, ``find_existing``):

- :func:`sibling_failures`: a key another resource of the same program takes too (``siblings`` records what each
  check declares);
- :func:`key_taken`: a key an object outside this stack holds (the stack never takes over what it didn't create
  unless told to adopt it).

No Pulumi here.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from . import siblings
from .values import contains_unknown, user_inputs

if TYPE_CHECKING:
    from .lifecycle import Failure, Lifecycle

RECOVERY_COMMAND = "python -m audience_providers.recover --stack <stack>"

# Natural keys this provider process has seen in the stack's state (see ``key_taken``).
_held_keys: set[tuple[str, str]] = set()
_held_lock = threading.Lock()


def sibling_failures(lc: Lifecycle[Any, Any], olds: Mapping[str, Any], inputs: Mapping[str, Any],
                     failures: list[Failure]) -> list[Failure]:
    """Record what this resource declares (``siblings``) and refuse a key another resource of the program takes.

    Two resources of one program with one natural key pass every other check at `preview` (nothing holds the key
    yet); `up` would create the first and fail on the second. Named here, before any write.
    """
    urn = siblings.SERVING_URN.get()
    this = siblings.Declared(siblings.identity_of(lc.resource_label, inputs), lc.resource_label,
                             siblings.resource_name(urn), dict(inputs), lc.is_new(olds, inputs))
    held = lc.claims(user_inputs(olds)) if user_inputs(olds) else []
    out: list[Failure] = []
    for claim, other, moved in siblings.DECLARED.declare(this, lc.claims(inputs), held):
        if any(f.property == claim.field for f in (*failures, *out)):
            continue  # one message per field
        me = this.describe() if this.name else f"this {lc.resource_label}"
        if moved:
            reason = (f"{claim.field} {claim.shown!r} moves from one resource of this stack to another in one "
                      f"update ({other.describe()} and {me}). {claim.rule}, and the two changes run in parallel, "
                      "so the object taking it may be created before the other lets it go. Change one of the two "
                      "per `pulumi up`. Nothing was changed.")
        else:
            reason = (f"{claim.field} {claim.shown!r} is declared twice in this program, by {other.describe()} "
                      f"and by {me}. {claim.rule}, so `pulumi up` would create the first and fail on the "
                      f"second. Give each its own {claim.field}, or remove one. Nothing was changed.")
        out.append(lc.failure(claim.field, reason))
    return out


def key_taken(lc: Lifecycle[Any, Any], olds: Mapping[str, Any], inputs: Mapping[str, Any],
              failures: list[Failure]) -> list[Failure]:
    """At preview, before any write: refuse a natural key (``key_field``) that an object outside this stack holds
    (``find_existing`` describes it), unless the resource asks to adopt it."""
    from .lifecycle import Failure

    key_field = lc.key_field
    if key_field is None or (lc.adopt_field is not None and inputs.get(lc.adopt_field)):
        return []
    key = inputs.get(key_field)
    if not isinstance(key, str) or contains_unknown(key) or any(f.property == key_field for f in failures):
        return []
    if user_inputs(olds).get(key_field) == key:
        with _held_lock:
            _held_keys.add((lc.resource_label, key))
        return []  # the stack already holds the object with this key
    with _held_lock:
        if (lc.resource_label, key) in _held_keys:
            # A replacement: the engine checks the new resource again without olds, after the check above saw
            # this key in the stack's state during the same deployment (same provider process).
            return []
    existing = lc.find_existing(key)
    return [] if existing is None else [Failure(key_field, taken_message(lc, key, existing))]


def taken_message(lc: Lifecycle[Any, Any], key: str, existing: str) -> str:
    field_name = lc.key_field
    return (f"{lc.resource_label}: {field_name} {key!r} is already taken in {lc.vendor} by {existing}, which this "
            "stack did not create (another stack, a person, or an interrupted run of this stack made it). Nothing "
            f"was changed. To manage that object from this stack on purpose, {lc.adopt_hint()}. If an interrupted "
            f"`pulumi up` of this stack created it, recover it with `{RECOVERY_COMMAND}` (docs/recovery.md). If "
            f"another resource of this program declares {field_name} {key!r} too, that one holds it: keep one of "
            "the two.")
