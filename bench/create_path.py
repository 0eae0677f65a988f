"""How many files and calls one create crosses: a Batch ``Audience`` with two members, served the way the engine
serves it (the dynamic provider from its pickled reference: check, then create), against the Batch emulator.

For #35's before/after figure ("files crossed by one create"): the package's source files with a line run, and
the calls into the package's functions, counted with ``sys.setprofile`` in this process only (the emulator runs
in its own). The program side (the Resource class's constructor) is counted separately: it runs in the program's
process, not the provider's.

    .venv/bin/python -m bench.create_path            # prints one JSON line
"""

from __future__ import annotations

import json
import os
import pickle
import sys
import tempfile
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

from emulators.admin import EmulatorProcess


def _trace(package_dir: str, run: Any) -> dict[str, Any]:
    files: Counter[str] = Counter()

    def profile(frame: FrameType, event: str, _arg: Any) -> None:
        if event == "call":
            name = frame.f_code.co_filename
            if name.startswith(package_dir):
                files[os.path.relpath(name, package_dir)] += 1

    sys.setprofile(profile)
    try:
        run()
    finally:
        sys.setprofile(None)
    return {"files": len(files), "calls": sum(files.values()), "by_file": dict(sorted(files.items()))}


def main() -> None:
    import audience_providers
    from audience_providers.batch.members import Members
    from audience_providers.batch.resource import AudienceProvider

    package_dir = str(Path(audience_providers.__file__).resolve().parent) + os.sep
    with EmulatorProcess(("batch",)) as emus, tempfile.TemporaryDirectory() as snapshots:
        batch = emus["batch"]
        batch.configure(indexing_seconds=0)
        os.environ.update(BATCH_BASE_URL=batch.base_url, BATCH_API_KEY="demo-batch-rest-key",
                          BATCH_PROJECT_KEY="project_demo0000000000000000000000000", BATCH_SNAPSHOT_DIR=snapshots)
        spec = Members.of(["u1", "u2"]).spec()
        news = {"name": "create_path", "members": spec, "membership": "authoritative", "adopt": False}
        # The engine's provider process unpickles the reference the program recorded, then checks and creates.
        provider = pickle.loads(pickle.dumps(AudienceProvider()))
        warm = pickle.loads(pickle.dumps(AudienceProvider()))
        warm.check({}, {**news, "name": "warm_up"})  # imports and the credential read, outside the count

        def create() -> None:
            checked = provider.check({}, news)
            provider.create(checked.inputs)

        figures = _trace(package_dir, create)
    print(json.dumps({"what": "batch:Audience check+create, provider side", **figures}))


if __name__ == "__main__":
    main()
