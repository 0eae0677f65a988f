"""The one name every stack's state uses to find its dynamic providers: ``audience_provider_ref.provider``.

Each resource's ``__provider`` is a pickled call ``provider("thrive:Structure")``. This module's name and that
function are a stable format: keep both when the package is renamed or its modules move (only ``PACKAGE``
follows a rename). It stays top-level and tiny so that unpickling a state imports the vendor it needs and nothing
else.
"""

from __future__ import annotations

import importlib
from typing import Any

# By name, not an import statement: the package's folder (providers/) differs from its import name, which mypy,
# checking the folder, can't follow from here.
PACKAGE = "audience_providers"


def provider(key: str) -> Any:
    """A fresh, unconfigured provider for ``key``; the engine's ``configure()`` call gives it its settings."""
    return importlib.import_module(f"{PACKAGE}._core.registry").provider_class(key)()
