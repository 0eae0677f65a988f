"""A Pulumi package schema generated from the lifecycles' models, so the schema can't drift from the code.

Each resource's inputs come from its ``args_model`` and its outputs from its ``state_model`` (inputs when it has
none); nested models become the package's object types; the vendor's settings become the provider's config,
secrets marked secret and each with its environment variable as default. Names are camelCase at the top level
(``displayName`` for ``display_name``), as Pulumi users write them in YAML and TypeScript; values inside an object
keep the vendor's keys. Pulumi-free: the native adapter serves the result, tests compare it with the models.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from .config import Setting
from .lifecycle import Lifecycle
from .util import camel

JsonDict = dict[str, Any]


def snake(name: str) -> str:
    """``displayName`` -> ``display_name`` (the model's name for a schema property)."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", lambda m: "_" + m.group(1).lower(), name)


def token(package: str, label: str) -> str:
    """``thrive:Structure`` -> ``thrive:index:Structure``."""
    return f"{package}:index:{label.partition(':')[2]}"


class _Types:
    """Translates pydantic's JSON schema of one model into Pulumi schema type specs, collecting object types."""

    def __init__(self, package: str, types: JsonDict) -> None:
        self.package = package
        self.types = types

    def spec(self, node: Mapping[str, Any], defs: Mapping[str, Any]) -> JsonDict:
        if "$ref" in node:
            name = str(node["$ref"]).rsplit("/", 1)[-1]
            ref = f"{self.package}:index:{name}"
            if ref not in self.types:
                self.types[ref] = {}  # placeholder against recursion
                self.types[ref] = self.object_type(defs[name], defs)
            return {"$ref": f"#/types/{ref}"}
        variants = [v for v in node.get("anyOf", []) if v.get("type") != "null"]
        if variants:
            return self.spec(variants[0], defs) if len(variants) == 1 else {"$ref": "pulumi.json#/Any"}
        kind = node.get("type")
        if "enum" in node or "const" in node:
            kind = kind or "string"
        if kind == "array":
            return {"type": "array", "items": self.spec(node.get("items", {}), defs)}
        if kind == "object":
            extra = node.get("additionalProperties")
            if isinstance(extra, Mapping):
                return {"type": "object", "additionalProperties": self.spec(extra, defs)}
            return {"$ref": "pulumi.json#/Any"}
        if kind in ("string", "integer", "number", "boolean"):
            return {"type": kind}
        return {"$ref": "pulumi.json#/Any"}

    def object_type(self, node: Mapping[str, Any], defs: Mapping[str, Any]) -> JsonDict:
        props = {name: self.property(prop, defs) for name, prop in (node.get("properties") or {}).items()}
        out: JsonDict = {"type": "object", "properties": props}
        if node.get("required"):
            out["required"] = list(node["required"])
        if node.get("description"):
            out["description"] = node["description"]
        return out

    def property(self, node: Mapping[str, Any], defs: Mapping[str, Any]) -> JsonDict:
        out = self.spec(node, defs)
        description = node.get("description")
        if description:
            out = {**out, "description": description}
        if "default" in node and node["default"] is not None and "type" in out:
            out = {**out, "default": node["default"]}
        return out


def _properties(model: type[BaseModel], types: _Types) -> tuple[JsonDict, list[str]]:
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})
    props = {camel(name): types.property(node, defs) for name, node in schema.get("properties", {}).items()}
    return props, [camel(name) for name in schema.get("required", [])]


def resource_spec(package: str, lifecycle: type[Lifecycle[Any, Any]], types: _Types) -> JsonDict:
    inputs, required_inputs = _properties(lifecycle.args_model, types)
    for name, declared in lifecycle.declared_schemas.items():
        inputs[camel(name)] = types.property(declared, {})
    if lifecycle.state_model is not None:
        outputs, _ = _properties(lifecycle.state_model, types)
    else:
        outputs = dict(inputs)
    for name in lifecycle.replace_fields:
        key = camel(name)
        inputs[key] = {**inputs[key], "replaceOnChanges": True}
        if key in outputs:
            outputs[key] = {**outputs[key], "replaceOnChanges": True}
    doc = (lifecycle.__doc__ or "").strip().split("\n\n")[0]
    return {
        "description": doc or lifecycle.resource_label,
        "inputProperties": inputs,
        "requiredInputs": required_inputs,
        "properties": outputs,
        # Every output is set by create/read (None shows as null), so all are "required" outputs.
        "required": sorted(outputs),
    }


def config_spec(settings: Iterable[Setting]) -> tuple[JsonDict, list[str]]:
    """(properties, required) for the provider config: one per setting, by its name after the namespace."""
    props: JsonDict = {}
    for setting in settings:
        name = setting.key.split(":", 1)[1]
        prop: JsonDict = {"type": "string", "defaultInfo": {"environment": [setting.env]}}
        if setting.help:
            prop["description"] = setting.help
        if setting.secret:
            prop["secret"] = True
        if setting.default is not None:
            prop["default"] = setting.default
        props[name] = prop
    return props, []


def package_schema(package: str, version: str, lifecycles: Sequence[type[Lifecycle[Any, Any]]],
                   settings: Iterable[Setting], *, display_name: str, description: str) -> JsonDict:
    types_ = _Types(package, {})
    resources = {token(package, lc.resource_label): resource_spec(package, lc, types_) for lc in lifecycles}
    config_props, config_required = config_spec(settings)
    return {
        "name": package,
        "displayName": display_name,
        "version": version,
        "description": description,
        "config": {"variables": config_props, "defaults": config_required},
        "provider": {"description": f"The provider of {display_name} resources: one per tenant or account.",
                     "inputProperties": config_props, "properties": {}},
        "resources": resources,
        "types": types_.types,
        "language": {"python": {"packageName": f"pulumi_audience_{package}"},
                     "nodejs": {"packageName": f"@audience-providers/{package}"},
                     "go": {"importBasePath": f"example.invalid/audience-providers/sdk/go/{package}"}},
    }
