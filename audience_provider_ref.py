"""The one name every stack's state uses to find its dynamic providers: ``audience_provider_ref.provider``.

Each resource's ``__provider`` is a pickled call ``provider("thrive:Structure")``. This module's name and that
function are a stable format: keep both when the package is renamed or its modules move (only the import below
follows a rename). It stays top-level and tiny so that unpickling a state imports the vendor it needs and nothing
else.
"""

from __future__ import annotations

from typing import Any

from providers._core.registry import provider_class


def provider(key: str) -> Any:
    """A fresh, unconfigured provider for ``key``; the engine's ``configure()`` call gives it its settings."""
    return provider_class(key)()
