"""Recover the creates an interrupted `pulumi up` left pending: find each one's vendor object, record it in state.

    python -m audience_providers.recover --stack dev          # show what was found (changes nothing)
    python -m audience_providers.recover --stack dev --yes    # record it: state edit + `pulumi refresh`

A create that reached the vendor but never reached the state (the run was killed, the machine lost power) is
a *pending create* in the stack's state. The providers never adopt such an object on their own: to them it is
indistinguishable from one another stack owns. The pending create is the proof that this stack asked for it,
so this command looks each one up by the inputs it recorded (natural key and every field the create sent),
and takes it only when exactly one object matches and no resource of the stack already holds it.

Why not `pulumi refresh --import-pending-creates URN ID`: in the engines tried here (3.259, 3.276) that flag
turns the operation into a pending import that the refresh then drops, without reading the resource (tried:
the resource is absent afterwards and the next `up` creates it again). So the recorded step is done the way
Pulumi's troubleshooting guide describes for pending creates, export -> edit -> import, and then a real
`pulumi refresh` reads every recovered resource through its provider. Pending creates that found nothing are
cleared (the create never took effect). See docs/recovery.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._core import registry
from ._core.config import ConfigSource
from ._core.errors import ProviderError
from ._core.lifecycle import Lifecycle
from ._core.schema import snake

DYNAMIC_PREFIX = "pulumi-python:dynamic/"
VENDORS = ("batch", "sonarly", "thrive", "unleashx")


@dataclass
class Finding:
    urn: str
    label: str
    candidates: list[tuple[str, str]] | None  # None: the vendor's API can't look such an object up
    chosen: str | None = None

    @property
    def verdict(self) -> str:
        if self.chosen is not None:
            return "record"
        if self.candidates == []:
            return "clear"
        return "unresolved"


def _label_of(resource_type: str) -> str | None:
    """``pulumi-python:dynamic/batch:Audience`` (dynamic) or ``batch:index:Audience`` (plugin) -> ``batch:Audience``."""
    if resource_type.startswith(DYNAMIC_PREFIX):
        return resource_type[len(DYNAMIC_PREFIX):]
    vendor, sep, rest = resource_type.partition(":index:")
    return f"{vendor}:{rest}" if sep and rest else None


def _inputs_of(resource_type: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Inputs as the lifecycle names them (the plugin's state names them camelCase)."""
    if resource_type.startswith(DYNAMIC_PREFIX):
        return dict(inputs)
    return {snake(k): v for k, v in inputs.items()}


def _provider_for(resource_type: str) -> Lifecycle[Any, Any] | None:
    """The lifecycle of one of our resource types (dynamic or plugin token), or None."""
    label = _label_of(resource_type)
    if label is None or label.split(":", 1)[0] not in VENDORS:
        return None
    try:
        lifecycle: Lifecycle[Any, Any] = registry.provider_class(label)().impl
    except registry.UnknownProvider:
        return None
    return lifecycle


class Pulumi:
    def __init__(self, stack: str | None, cwd: str | None) -> None:
        self.stack, self.cwd = stack, cwd

    def _args(self) -> list[str]:
        return ["--stack", self.stack] if self.stack else []

    def run(self, *args: str, input_text: str | None = None) -> str:
        proc = subprocess.run(["pulumi", *args, *self._args()], cwd=self.cwd, input=input_text, text=True,
                              capture_output=True, check=False)
        if proc.returncode != 0:
            raise SystemExit(f"recover: `pulumi {' '.join(args)}` failed ({proc.returncode}):\n{proc.stderr.strip()}")
        return proc.stdout

    def config(self) -> dict[str, str]:
        raw = json.loads(self.run("config", "--json", "--show-secrets") or "{}")
        out: dict[str, str] = {}
        for key, entry in raw.items():
            value = entry.get("value") if isinstance(entry, Mapping) else None
            if value is None and isinstance(entry, Mapping) and "objectValue" in entry:
                value = json.dumps(entry["objectValue"])
            if value is not None:
                out[key] = str(value)
        return out


def find_pending(deployment: Mapping[str, Any], config: Mapping[str, str],
                 overrides: Mapping[str, str]) -> list[Finding]:
    held: dict[str, set[str]] = {}
    for res in deployment.get("resources") or []:
        held.setdefault(str(res.get("type")), set()).add(str(res.get("id")))
    findings = []
    for op in deployment.get("pending_operations") or []:
        res = op.get("resource") or {}
        if op.get("type") != "creating":
            continue
        urn, rtype = str(res.get("urn")), str(res.get("type"))
        if urn in overrides:
            findings.append(Finding(urn, rtype, [(overrides[urn], "given with --id")], overrides[urn]))
            continue
        provider = _provider_for(rtype)
        if provider is None:
            findings.append(Finding(urn, rtype, None))
            continue
        provider.configure(ConfigSource(config.get))
        _ = provider.config  # a missing setting is raised here, naming the fix
        candidates = provider.locate(_inputs_of(rtype, res.get("inputs") or {}), held.get(rtype, set()))
        finding = Finding(urn, provider.resource_label, candidates)
        if candidates is not None and len(candidates) == 1:
            finding.chosen = candidates[0][0]
        findings.append(finding)
    return findings


def apply(deployment: dict[str, Any], findings: Sequence[Finding]) -> dict[str, Any]:
    """The deployment with recorded findings moved into resources and cleared ones dropped."""
    by_urn = {f.urn: f for f in findings}
    kept_ops, recovered = [], []
    for op in deployment.get("pending_operations") or []:
        finding = by_urn.get(str((op.get("resource") or {}).get("urn")))
        if op.get("type") != "creating" or finding is None or finding.verdict == "unresolved":
            kept_ops.append(op)
            continue
        if finding.verdict == "record":
            res = dict(op["resource"])
            res["id"] = finding.chosen
            # Outputs are rewritten by the refresh that follows; until then the inputs stand in for them.
            res["outputs"] = dict(res.get("inputs") or {})
            recovered.append(res)
    # Their dependencies completed before they started, so appending keeps the resources in dependency order.
    return {**deployment, "resources": [*(deployment.get("resources") or []), *recovered],
            "pending_operations": kept_ops}


def _report(findings: Sequence[Finding], out: Any) -> None:
    for f in findings:
        print(f"- {f.urn}", file=out)
        if f.verdict == "record":
            described = next((d for i, d in f.candidates or [] if i == f.chosen), "")
            print(f"    found {f.label} {f.chosen}: {described}", file=out)
        elif f.verdict == "clear":
            print(f"    no matching {f.label} exists: the create never took effect; the pending create is cleared",
                  file=out)
        elif f.candidates is None:
            print(f"    {f.label}: the vendor's API offers no way to look this object up. Find its id in the "
                  f"vendor's UI and rerun with --id '{f.urn}=<id>'", file=out)
        else:
            print(f"    {len(f.candidates)} objects match, so none is taken:", file=out)
            for id_, described in f.candidates:
                print(f"      {id_}: {described}", file=out)
            print(f"    rerun with --id '{f.urn}=<the one this stack made>'", file=out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m audience_providers.recover", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", help="stack to repair (default: the selected stack)")
    parser.add_argument("--cwd", help="the Pulumi project directory (default: the current one)")
    parser.add_argument("--id", action="append", default=[], metavar="URN=ID",
                        help="the vendor id of a pending create, when it can't be found or several match")
    parser.add_argument("--yes", action="store_true", help="record what was found (otherwise only show it)")
    opts = parser.parse_args(argv)
    overrides = dict(item.split("=", 1) for item in opts.id if "=" in item)
    pulumi = Pulumi(opts.stack, opts.cwd)
    exported = json.loads(pulumi.run("stack", "export"))
    deployment = exported.get("deployment") or {}
    try:
        findings = find_pending(deployment, pulumi.config(), overrides)
    except ProviderError as exc:
        print(f"recover: {exc}", file=sys.stderr)
        return 1
    if not findings:
        print("No pending creates in this stack: nothing to recover.")
        return 0
    print(f"{len(findings)} pending create(s):")
    _report(findings, sys.stdout)
    unresolved = [f for f in findings if f.verdict == "unresolved"]
    if not opts.yes:
        print("\nNothing was changed. Rerun with --yes to record this in the stack's state.")
        return 2 if unresolved else 0
    if all(f.verdict == "unresolved" for f in findings):
        print("\nNothing could be recorded.", file=sys.stderr)
        return 2
    exported["deployment"] = apply(dict(deployment), findings)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(exported, fh)
        path = fh.name
    try:
        pulumi.run("stack", "import", "--file", path)
    finally:
        os.unlink(path)
    print("\nState updated; reading the recovered resources back (`pulumi refresh`)...")
    pulumi.run("refresh", "--yes", "--non-interactive", "--skip-preview")
    print("Done. `pulumi up` now converges without creating them again.")
    return 2 if unresolved else 0


if __name__ == "__main__":
    sys.exit(main())
