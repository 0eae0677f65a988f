"""What the resources of one deployment declare, as the provider process sees their checks.

A program's mistakes that involve two of its resources (a natural key declared twice; an audience whose folder,
declared beside it, holds other audiences) pass every check that looks at one resource and the vendor: at
`preview` nothing exists yet. But every ``Check`` of a provider reaches one process, one deployment per process
(`preview` and `update` each start their own), in the order the program registers its resources, and a resource
that takes another's id is registered after it. So each check records here what its resource declares, and later
checks compare themselves with what is recorded, before anything is written.

Explicit providers (another tenant) are served by processes of their own, so their resources never meet here.

The checks that use it are at the end (:func:`sibling_failures`), beside their other half, :func:`key_taken`: a
natural key that an object outside the stack holds (the stack never takes over what it didn't create unless told
to adopt it). Every lifecycle gets both at `preview`, from its declarations (``key_field``, ``key_space``,
``adopt_field``) and two capabilities (``claims``, ``find_existing``).

Which resource a check serves comes from :data:`SERVING_URN`, set by the adapter for the call: the native plugin
sets it from the request, and our dynamic-provider launcher (tools/python-runtime/pulumi-dynamic-wide-server.py)
from the request's URN through the ``pulumi.dynamic_serving_urn`` entry point. Under a launcher that names no
resource (the SDK's own), a declaration is known by its inputs: messages describe the other resource by what it
declares instead of naming it, and two resources declared with identical inputs count as one.

Standard library only: the program process and the launcher may import this module.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Hashable, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .util import contains_unknown, user_inputs

if TYPE_CHECKING:
    from .lifecycle import Failure, Lifecycle

# The URN of the resource whose call this thread serves ("" when the adapter doesn't say).
SERVING_URN: ContextVar[str] = ContextVar("audience_providers_serving_urn", default="")


def resource_name(urn: str) -> str:
    """The resource's name in the program: the last ``::`` part of its URN."""
    return urn.rsplit("::", 1)[-1] if urn else ""


@dataclass(frozen=True)
class Claim:
    """A value the vendor lets only one object hold (a Thrive reference, a Batch audience name, ...).

    ``space`` groups what the vendor compares (Thrive structures and audiences share one reference space), ``value``
    is the key as the vendor compares it (e.g. case-folded), ``field`` and ``shown`` say it as the program wrote it,
    and ``rule`` is the vendor's rule in words, for the message.
    """

    space: str
    value: Hashable
    field: str
    shown: str
    rule: str


@dataclass(frozen=True)
class Declared:
    """One resource of the deployment, as its check saw it."""

    identity: str  # its URN, or its inputs when the adapter names no resource
    label: str  # e.g. "thrive:Structure"
    name: str  # its name in the program ("" when not known)
    inputs: Mapping[str, Any] = field(compare=False)
    # True when its id is not known at preview: it is created (or replaced) by this deployment.
    new: bool = True

    def describe(self) -> str:
        if self.name:
            return f"{self.label} {self.name!r}"
        shown = ", ".join(f"{k} {v!r}" for k, v in self.inputs.items()
                          if isinstance(v, (str, int)) and not isinstance(v, bool) and not k.startswith("__"))[:160]
        return f"another {self.label} of this program ({shown})" if shown else f"another {self.label} of this program"


def identity_of(label: str, inputs: Mapping[str, Any]) -> str:
    """The served resource's URN, or (no URN known) its label and inputs."""
    urn = SERVING_URN.get()
    if urn:
        return urn
    shown = {k: v for k, v in inputs.items() if not k.startswith("__")}
    return f"{label} {json.dumps(shown, sort_keys=True, default=str)}"


class Declarations:
    """The deployment's declarations in this process, by identity; who claims each key, and who holds it now."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_identity: dict[str, Declared] = {}
        self._claimed: dict[tuple[str, Hashable], str] = {}
        # Keys the stack's state says a resource holds in the vendor today (its olds), for a key that moves.
        self._held: dict[tuple[str, Hashable], str] = {}
        # Natural keys (label, value) seen in the stack's state by a check of this deployment (see ``key_taken``).
        self._in_state: set[tuple[str, str]] = set()

    def note_in_state(self, label: str, key: str) -> None:
        with self._lock:
            self._in_state.add((label, key))

    def in_state(self, label: str, key: str) -> bool:
        with self._lock:
            return (label, key) in self._in_state

    def declare(self, declared: Declared, claims: Iterable[Claim],
                held: Iterable[Claim] = ()) -> list[tuple[Claim, Declared, bool]]:
        """Record ``declared``, the keys it claims and the keys it holds now (from the stack's state).

        Returns each of its claims that another resource claimed first, and each key it holds or claims that
        another resource holds or claims in the other role: ``(claim, other, moved)``, ``moved`` True when the key
        passes from one resource to the other in this deployment. A resource checked again (a replacement is checked
        twice) replaces its own record and conflicts with nothing of its own.
        """
        claims, held = list(claims), list(held)
        conflicts: list[tuple[Claim, Declared, bool]] = []
        with self._lock:
            self._by_identity[declared.identity] = declared
            claimed_now = {(c.space, c.value) for c in claims}
            for claim in claims:
                key = (claim.space, claim.value)
                first = self._claimed.setdefault(key, declared.identity)
                if first != declared.identity:
                    conflicts.append((claim, self._by_identity[first], False))
                    continue
                holder = self._held.get(key)
                if holder is not None and holder != declared.identity:
                    conflicts.append((claim, self._by_identity[holder], True))
            for claim in held:
                key = (claim.space, claim.value)
                self._held.setdefault(key, declared.identity)
                claimer = self._claimed.get(key)
                if key not in claimed_now and claimer is not None and claimer != declared.identity:
                    conflicts.append((claim, self._by_identity[claimer], True))
        return conflicts

    def of(self, *labels: str) -> list[Declared]:
        """Every declaration of these resource types so far, in check order."""
        with self._lock:
            return [d for d in self._by_identity.values() if d.label in labels]

    def clear(self) -> None:
        """Forget everything (tests; a process serves one deployment)."""
        with self._lock:
            self._by_identity.clear()
            self._claimed.clear()
            self._held.clear()
            self._in_state.clear()


DECLARED = Declarations()


# -- the checks: a key another resource of the program takes, or an object outside the stack holds --------------
RECOVERY_COMMAND = "python -m audience_providers.recover --stack <stack>"



def sibling_failures(lc: Lifecycle[Any, Any], olds: Mapping[str, Any], inputs: Mapping[str, Any],
                     failures: list[Failure]) -> list[Failure]:
    """Record what this resource declares (``siblings``) and refuse a key another resource of the program takes.

    Two resources of one program with one natural key pass every other check at `preview` (nothing holds the key
    yet); `up` would create the first and fail on the second. Named here, before any write.
    """
    urn = SERVING_URN.get()
    this = Declared(identity_of(lc.resource_label, inputs), lc.resource_label,
                             resource_name(urn), dict(inputs), lc.is_new(olds, inputs))
    held = lc.claims(user_inputs(olds)) if user_inputs(olds) else []
    out: list[Failure] = []
    for claim, other, moved in DECLARED.declare(this, lc.claims(inputs), held):
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
        DECLARED.note_in_state(lc.resource_label, key)
        return []  # the stack already holds the object with this key
    if DECLARED.in_state(lc.resource_label, key):
        # A replacement: the engine checks the new resource again without olds, after the check above saw this
        # key in the stack's state during the same deployment (same provider process).
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
