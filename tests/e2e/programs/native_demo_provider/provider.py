"""Test-only provider plugin `demo`: one resource, `demo:index:Thing`, kept as JSON files in $DEMO_STORE_DIR.

It exists so the e2e tests can drive a real (non-dynamic) provider plugin from a Pulumi YAML program, and import an
object that the stack did not create, without depending on the vendor providers.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pulumi.provider.experimental import property_value as pv
from pulumi.provider.experimental import provider as p
from pulumi.provider.experimental.server import main

SCHEMA = (Path(__file__).resolve().parent / "schema.json").read_text()


def _store() -> Path:
    return Path(os.environ["DEMO_STORE_DIR"])


def _props(obj: Mapping[str, Any]) -> dict[str, pv.PropertyValue]:
    return {"label": pv.PropertyValue(str(obj["label"])), "serial": pv.PropertyValue(float(obj["serial"]))}


class Demo(p.Provider):
    async def get_schema(self, request: p.GetSchemaRequest) -> p.GetSchemaResponse:
        return p.GetSchemaResponse(schema=SCHEMA)

    async def check(self, request: p.CheckRequest) -> p.CheckResponse:
        label = request.new_inputs.get("label")
        if label is None or not isinstance(label.value, str) or not label.value:
            return p.CheckResponse(failures=[p.CheckFailure("label", "label must be a non-empty string")])
        return p.CheckResponse(inputs={"label": label})

    async def diff(self, request: p.DiffRequest) -> p.DiffResponse:
        old, new = request.old_state.get("label"), request.new_inputs.get("label")
        changed = (old.value if old else None) != (new.value if new else None)
        return p.DiffResponse(changes=changed, replaces=["label"] if changed else [])

    async def create(self, request: p.CreateRequest) -> p.CreateResponse:
        label = request.properties["label"].value
        if request.preview:
            return p.CreateResponse(properties={"label": request.properties["label"]})
        serial = len(list(_store().glob("*.json"))) + 1
        ident = uuid.uuid4().hex[:12]
        obj = {"label": label, "serial": serial}
        (_store() / f"{ident}.json").write_text(json.dumps(obj))
        return p.CreateResponse(resource_id=ident, properties=_props(obj))

    async def read(self, request: p.ReadRequest) -> p.ReadResponse:
        path = _store() / f"{request.resource_id}.json"
        if not path.exists():
            return p.ReadResponse(resource_id=None)
        obj = json.loads(path.read_text())
        return p.ReadResponse(resource_id=request.resource_id, properties=_props(obj),
                              inputs={"label": pv.PropertyValue(obj["label"])})

    async def delete(self, request: p.DeleteRequest) -> None:
        (_store() / f"{request.resource_id}.json").unlink(missing_ok=True)


if __name__ == "__main__":
    main(sys.argv[1:], "0.1.0", Demo())
