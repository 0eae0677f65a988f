"""What `audience-providers discover` found in a tenant, and the two files it writes from it. No Pulumi, no I/O.

Each vendor's ``inventory.py`` lists the tenant through the documented list endpoints (read-only) into an
:class:`Inventory`: the objects a stack can take over (:class:`Found`, in dependency order), the ones it can't
(:class:`Skipped`, each with the reason) and what the vendor's API can't list at all. This module turns it into

- a bulk-import file for ``pulumi import --file`` (the plugins' types ``<vendor>:index:<Kind>``, names and ids),
  for YAML, TypeScript, Go and the plugin path: the engine reads each object by id and generates the code,
  guessing references where a property holds another imported resource's id;
- a Python program for the dynamic path: the typed classes with their adoption inputs (``adopt=True``,
  ``adopt_id=``), references as ``<variable>.id``, and ``.get`` for objects the Python class can't adopt
  (Sonarly folders) or that lie outside the selection (a parent structure).
"""

from __future__ import annotations

import json
import keyword
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .schema import token

T = TypeVar("T")


@dataclass(frozen=True)
class Ref:
    """The id of another discovered resource: ``<its variable>.id`` in Python."""

    name: str  # the referenced resource's logical name


@dataclass
class Found:
    """One object a stack can hold: adopted (``inputs``) or read-only (``inputs`` None: ``.get`` by ``vendor_id``)."""

    label: str  # "thrive:Structure"
    name: str  # the Pulumi resource name (unique in the inventory)
    vendor_id: str  # what `.get` takes
    inputs: dict[str, Any] | None  # the Python class's inputs, snake case; Ref values are references
    import_id: str | None  # what `pulumi import` of the plugin's type takes; None: not in the import file
    comment: str = ""  # shown above the declaration in the Python program

    @property
    def vendor(self) -> str:
        return self.label.partition(":")[0]

    @property
    def kind(self) -> str:
        return self.label.partition(":")[2]


@dataclass(frozen=True)
class Skipped:
    what: str  # "thrive audience 'Sales' (id 65a…)"
    reason: str


@dataclass
class Inventory:
    vendor: str
    found: list[Found] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    # Kinds the vendor's API can't list, each with the reason (e.g. UnleashX campaigns).
    unlisted: list[str] = field(default_factory=list)
    # What a reader of the generated files must know (e.g. Batch lists no ids, so members aren't declared).
    notes: list[str] = field(default_factory=list)

    def adopted(self) -> list[Found]:
        return [f for f in self.found if f.inputs is not None]

    def imported(self) -> list[Found]:
        return [f for f in self.found if f.import_id is not None]


class Names:
    """Unique Pulumi resource names, readable and stable: ``thrive-eng-backend``, ``thrive-eng-backend-2``."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def take(self, *parts: str) -> str:
        slug = "-".join(p for p in (_slug(part) for part in parts) if p) or "object"
        name, n = slug, 1
        while name in self._taken:
            n += 1
            name = f"{slug}-{n}"
        self._taken.add(name)
        return name


def _slug(text: str, limit: int = 60) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit].strip("-")


class Progress:
    """Counts of what was read, as lines for the terminal: at most one a second while reading, then the total.

    ``say`` takes each line (the CLI prints it to stderr); the line names the vendor and the count so far.
    """

    def __init__(self, say: Callable[[str], None], vendor: str, *, interval: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._say, self.vendor, self._interval, self._clock = say, vendor, interval, clock
        self._lock = threading.Lock()

    def line(self, text: str) -> None:
        self._say(f"{self.vendor}: {text}")

    def counted(self, items: Iterable[T], what: str, *, total: int | None = None) -> Iterator[T]:
        """``items`` as they come, with a line now and then ("1000 audiences listed") and one at the end."""
        last, n = self._clock(), 0
        for item in items:
            n += 1
            now = self._clock()
            if now - last >= self._interval:
                last = now
                self.line(f"{n}{f' of {total}' if total is not None else ''} {what} so far")
            yield item
        self.line(f"{n} {what}")

    def ticker(self, what: str, total: int) -> Callable[[], None]:
        """A function to call once per item done, from any thread (the same lines as :meth:`counted`)."""
        state = {"n": 0, "last": self._clock()}

        def tick() -> None:
            with self._lock:
                state["n"] += 1
                now = self._clock()
                done = state["n"] == total
                if done or now - state["last"] >= self._interval:
                    state["last"] = now
                    self.line(f"{state['n']} of {total} {what}" + ("" if done else " so far"))

        return tick


# -- the bulk-import file ------------------------------------------------------------------------------------------
def import_file(inventory: Inventory) -> dict[str, Any]:
    """``pulumi import --file`` input: ``{"resources": [{type, name, id}, ...]}``, parents before children.

    No ``parent`` entries: a Thrive audience's structure or an audience's members are *inputs* (property values),
    not Pulumi's component parent. The engine reads every object by id through the plugin and, generating the
    code, writes ``<structure>.id`` where a property holds the id of another resource of the same import.
    """
    return {"resources": [{"type": token(f.vendor, f.label), "name": f.name, "id": f.import_id}
                          for f in inventory.imported()]}


# -- the Python program --------------------------------------------------------------------------------------------
def _variables(found: Sequence[Found]) -> dict[str, str]:
    out: dict[str, str] = {}
    taken: set[str] = {"pulumi", "PROTECT", "adopted", "batch", "sonarly", "thrive", "unleashx"}
    for f in found:
        base = re.sub(r"\W+", "_", f.name).strip("_") or "resource"
        if base[0].isdigit() or keyword.iskeyword(base):
            base = f"r_{base}"
        var, n = base, 1
        while var in taken:
            n += 1
            var = f"{base}_{n}"
        taken.add(var)
        out[f.name] = var
    return out


def _literal(value: Any, variables: Mapping[str, str], indent: int, width: int = 116) -> str:
    """``value`` as Python source; long lists and dicts one item per line."""
    if isinstance(value, Ref):
        return f"{variables[value.name]}.id"
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a Python string literal
    pad = " " * (indent + 4)
    if isinstance(value, Mapping):
        items = [f"{json.dumps(str(k), ensure_ascii=False)}: {_literal(v, variables, indent + 4)}"
                 for k, v in value.items()]
        flat = "{" + ", ".join(items) + "}"
        if len(flat) + indent <= width and "\n" not in flat:
            return flat
        return "{\n" + "".join(f"{pad}{item},\n" for item in items) + " " * indent + "}"
    if isinstance(value, (list, tuple)):
        items = [_literal(v, variables, indent + 4) for v in value]
        flat = "[" + ", ".join(items) + "]"
        if len(flat) + indent <= width and "\n" not in flat:
            return flat
        return "[\n" + "".join(f"{pad}{item},\n" for item in items) + " " * indent + "]"
    raise TypeError(f"can't write {type(value).__name__} into the program")


def _comment(text: str, indent: str = "") -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        words, line = paragraph.split(), ""
        for word in words:
            if line and len(line) + len(word) + 1 > 110:
                lines.append(f"{indent}# {line}")
                line = word
            else:
                line = f"{line} {word}" if line else word
        lines.append(f"{indent}# {line}".rstrip())
    return lines


def python_program(inventory: Inventory, *, command: str, protect: bool = True) -> str:
    """A Pulumi Python program declaring ``inventory``: adopted objects with their inputs, read-only ones with
    ``.get``, each reference as ``<variable>.id``; skipped objects and notes as comments at the end."""
    found = inventory.found
    variables = _variables(found)
    vendors = sorted({f.vendor for f in found}) or [inventory.vendor]
    adopted = len(inventory.adopted())
    lines = [
        f'"""The {inventory.vendor} objects `audience-providers discover` found, taken over by this stack.',
        "",
        f"Generated by: {command}",
        "",
        f"{adopted} object(s) are adopted through the resources' adoption inputs (adopt=True, adopt_id=), declared",
        "as they are now, so the first `pulumi up` sends the vendor only reads and the next `pulumi preview` shows",
        "no changes. Objects declared with `.get` are only read, never changed or deleted. What `pulumi destroy`",
        "then removes is each resource's own rule (docs/<vendor>/<resource>.md, \"Ownership\"); see docs/discover.md.",
        '"""',
        "",
        "import pulumi",
        "",
        f"from audience_providers import {', '.join(vendors)}",
        "",
        "# Like `pulumi import`, everything adopted is protected: `pulumi destroy` refuses to delete it until this is",
        "# False and a `pulumi up` has recorded that.",
        f"PROTECT = {protect}",
        "",
        "",
        "def adopted() -> pulumi.ResourceOptions:",
        "    return pulumi.ResourceOptions(protect=PROTECT)",
        "",
    ]
    for f in found:
        var = variables[f.name]
        lines.append("")
        if f.comment:
            lines += _comment(f.comment)
        cls = f"{f.vendor}.{f.kind}"
        if f.inputs is None:
            lines.append(f"{var} = {cls}.get({json.dumps(f.name)}, {json.dumps(f.vendor_id)})")
            continue
        args = [json.dumps(f.name)]
        args += [f"{k}={_literal(v, variables, 4)}" for k, v in f.inputs.items()]
        args.append("opts=adopted()")
        flat = f"{var} = {cls}({', '.join(args)})"
        if len(flat) <= 116 and "\n" not in flat:
            lines.append(flat)
        else:
            lines.append(f"{var} = {cls}(")
            lines += [f"    {a}," for a in args]
            lines.append(")")
    tail: list[str] = []
    for text in inventory.unlisted:
        tail += _comment(f"Not listable: {text}")
    for skipped in inventory.skipped:
        tail += _comment(f"Skipped {skipped.what}: {skipped.reason}")
    for note in inventory.notes:
        tail += _comment(f"Note: {note}")
    if tail:
        lines += ["", ""] + tail
    return "\n".join(lines) + "\n"


def summary(inventory: Inventory) -> list[str]:
    """What the terminal shows after the files are written: counts per kind, then every skip and note."""
    lines = []
    for label in sorted({f.label for f in inventory.found}):
        of_kind = [f for f in inventory.found if f.label == label]
        adopted = sum(1 for f in of_kind if f.inputs is not None)
        parts = ([f"{adopted} adopted"] if adopted else []) + \
            ([f"{len(of_kind) - adopted} read with .get"] if adopted < len(of_kind) else [])
        imported = sum(1 for f in of_kind if f.import_id is not None)
        lines.append(f"{label}: {', '.join(parts)} in the program; {imported} in the import file")
    lines += [f"not listable: {text}" for text in inventory.unlisted]
    lines += [f"skipped {s.what}: {s.reason}" for s in inventory.skipped]
    lines += [f"note: {note}" for note in inventory.notes]
    return lines
