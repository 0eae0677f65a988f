"""hatchling build hook: in an editable install, the import name ``audience_providers`` loads the folder ``providers/``.

The wheel carries the folder under its import name (pyproject.toml, ``force-include``). An editable install can't
copy it, and hatchling's own editable mode exposes a folder only under the folder's name. So for ``pip install -e``
(scripts/bootstrap) this adds one more redirect made with ``editables``, the library hatchling's editable installs
already use: ``import audience_providers`` loads providers/ from the checkout, edits show at once, and no other
folder of the checkout becomes importable. The redirect's two small files are written into a temporary directory
and packed into the editable wheel from there, never into the checkout. Regular wheels and sdists are untouched.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

IMPORT_NAME, FOLDER = "audience_providers", "providers"


def _drop_own_bytecode() -> None:
    """hatchling imports this file through the import system, which has just cached its bytecode in __pycache__/
    beside it (unless PYTHONDONTWRITEBYTECODE is set): remove that file, and the folder if it is left empty, so that
    a build or `pip install <checkout>` leaves the checkout as it was."""
    cached = Path(importlib.util.cache_from_source(__file__))
    cached.unlink(missing_ok=True)
    try:
        cached.parent.rmdir()
    except OSError:  # not empty (other modules' bytecode) or already gone
        pass


_drop_own_bytecode()


class EditableImportName(BuildHookInterface[Any]):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version != "editable":
            return
        from editables import EditableProject  # in every editable build's environment (hatchling requires it)

        # Its own project name: hatchling's redirect for audience_provider_ref is named after the distribution.
        project = EditableProject(f"{IMPORT_NAME}_folder", self.root)
        project.map(IMPORT_NAME, os.path.join(self.root, FOLDER))
        self._scratch = tempfile.mkdtemp(prefix="audience-providers-editable-")
        for name, content in project.files():
            path = os.path.join(self._scratch, name)
            with open(path, "w", encoding="utf-8") as file:
                file.write(content)
            # Replaces the wheel's force-include of the folder: an editable wheel must not hold a copy of it.
            build_data["force_include_editable"][path] = name

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        scratch = getattr(self, "_scratch", None)
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
