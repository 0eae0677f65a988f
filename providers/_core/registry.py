"""Provider classes by stable key (``"thrive:Structure"``), for the reference every resource's state holds.

The engine stores the pickled dynamic provider (``__provider``) in every resource's inputs and outputs, and
unpickles it for every later diff, update, refresh and delete. Pickled by class it names the module path
(``audience_providers.thrive.resource.StructureProvider``), so moving a class or renaming the package would make every
existing stack unreadable. Instead a provider pickles as a call to ``audience_provider_ref.provider(key)``: a
top-level module whose name never changes, holding one function that asks this registry for the class.

Each provider class registers itself when it is defined (``DynamicProvider.__init_subclass__``), under its
``resource_label``. A key whose vendor is not imported yet imports that vendor's subpackage of *this* package,
whatever the package is called, so loading a state imports only the vendor it needs.
"""

from __future__ import annotations

import importlib
import threading
from typing import Any

_classes: dict[str, type[Any]] = {}
_lock = threading.Lock()
# The package this module belongs to (``providers`` today), derived so that a rename changes nothing here.
_PACKAGE = __name__.rsplit(".", 2)[0]


class UnknownProvider(LookupError):
    """A state names a provider key that this version of the package does not have."""


def register(key: str, cls: type[Any]) -> None:
    """Record ``cls`` under ``key``; a second class under one key is a programming error."""
    with _lock:
        held = _classes.get(key)
        if held is not None and held is not cls and held.__qualname__ != cls.__qualname__:
            raise ValueError(f"provider key {key!r} is taken by {held.__module__}.{held.__qualname__}")
        # A module reloaded in tests defines the class again: the newest definition wins.
        _classes[key] = cls


def provider_class(key: str) -> type[Any]:
    """The provider class registered under ``key`` (``"<vendor>:<Resource>"``), importing its vendor if needed."""
    cls = _classes.get(key)
    if cls is not None:
        return cls
    vendor, sep, resource = key.partition(":")
    if not sep or not vendor.isidentifier() or not resource:
        raise UnknownProvider(f"{key!r} is not a provider key (expected '<vendor>:<Resource>')")
    try:
        importlib.import_module(f"{_PACKAGE}.{vendor}")
    except ModuleNotFoundError as exc:
        raise UnknownProvider(f"the state names provider {key!r}, but {_PACKAGE} has no vendor {vendor!r}") from exc
    cls = _classes.get(key)
    if cls is None:
        raise UnknownProvider(f"the state names provider {key!r}, which {_PACKAGE}.{vendor} does not define; "
                              f"known: {', '.join(sorted(k for k in _classes if k.startswith(vendor + ':')))}")
    return cls


def keys() -> list[str]:
    """Every key registered so far (the vendors imported in this process)."""
    with _lock:
        return sorted(_classes)
