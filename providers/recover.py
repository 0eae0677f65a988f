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

Before that, a file backend whose checkpoint a SIGKILL left unreadable is repaired (see `repair_file_backend`).
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
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from ._core import registry
from ._core.config import ConfigSource
from ._core.errors import ProviderError
from ._core.lifecycle import Lifecycle
from ._core.schema import snake
from ._core.vendors import DYNAMIC_TYPE_PREFIX, label_of


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


def _inputs_of(resource_type: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Inputs as the lifecycle names them (the plugin's state names them camelCase)."""
    if resource_type.startswith(DYNAMIC_TYPE_PREFIX):
        return dict(inputs)
    return {snake(k): v for k, v in inputs.items()}


def _provider_for(resource_type: str) -> Lifecycle[Any, Any] | None:
    """The lifecycle of one of our resource types (dynamic or plugin token), or None."""
    label = label_of(resource_type)
    if label is None:
        return None
    try:
        lifecycle: Lifecycle[Any, Any] = registry.provider_class(label)().impl
    except registry.UnknownProvider:
        return None
    return lifecycle


def _broken_sidecar(path: Path) -> bool:
    try:
        json.loads(path.read_bytes())
    except (OSError, ValueError):
        return True
    return False


def file_backend_root(url: str, cwd: Path) -> Path | None:
    """The directory of a ``file://`` backend URL (query such as ``?metadata=skip`` ignored), else None."""
    parts = urlsplit(url)
    if parts.scheme != "file":
        return None
    raw = unquote(parts.netloc + parts.path)
    if raw.startswith("~"):
        return Path(raw).expanduser()
    if parts.netloc == ".":  # file://./state: relative to the project, as the CLI reads it
        return cwd / unquote(parts.path).lstrip("/")
    return Path(unquote(parts.path) or "/")


def broken_sidecars(root: Path, project: str, stack: str | None) -> list[Path]:
    """Truncated ``.attrs`` metadata files of one stack (None: every stack of the project) in a file backend.

    The CLI's file backend (gocloud.dev fileblob) writes each blob to a temporary file and renames it, which a
    SIGKILL can't tear, but writes the blob's metadata sidecar ``<blob>.attrs`` in place, before the rename.
    A kill between its create and its write leaves it empty, and every later read of the checkpoint fails with
    ``failed to load checkpoint: EOF`` (seen with pulumi 3.276; the checkpoint itself is intact). The sidecar
    only holds a content type and an MD5 that nothing verifies on read, and fileblob reads a missing one as
    defaults, so removing a broken one loses nothing.
    """
    name = stack.rsplit("/", 1)[-1] if stack else "*"  # naming the selected stack needs the checkpoint read
    state = root / ".pulumi"
    patterns = [f"stacks/{project}/{name}.json*.attrs",
                f"stacks/{name}.json*.attrs",  # the layout before project-scoped stacks
                f"history/{project}/{name}/*.attrs", f"backups/{project}/{name}/*.attrs"]
    candidates = [path for pattern in patterns for path in state.glob(pattern)]
    return sorted(p for p in candidates if p.is_file() and _broken_sidecar(p))


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

    def try_run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["pulumi", *args, *self._args()], cwd=self.cwd, text=True, capture_output=True,
                              check=False)

    def project(self) -> str | None:
        """The project name from Pulumi.yaml (read as text: a missing YAML parser must not stop a repair)."""
        here = Path(self.cwd or ".")
        for candidate in ("Pulumi.yaml", "Pulumi.yml"):
            try:
                text = (here / candidate).read_text()
            except OSError:
                continue
            for line in text.splitlines():
                if line.startswith("name:"):
                    return line.split(":", 1)[1].strip().strip("'\"")
        return None

    def backend_url(self) -> str:
        out = subprocess.run(["pulumi", "whoami", "--json"], cwd=self.cwd, text=True, capture_output=True,
                             check=False)
        try:
            return str(json.loads(out.stdout).get("url") or "")
        except ValueError:
            return ""

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


def repair_file_backend(pulumi: Pulumi, *, apply_fix: bool) -> list[Path]:
    """Find (and with ``apply_fix`` remove) the broken metadata sidecars that make the checkpoint unreadable."""
    root = file_backend_root(pulumi.backend_url(), Path(pulumi.cwd or ".").resolve())
    project = pulumi.project()
    if root is None or project is None:
        return []
    broken = broken_sidecars(root, project, pulumi.stack)
    if apply_fix:
        for path in broken:
            path.unlink()
    return broken


def _export(pulumi: Pulumi, *, repair: bool) -> str:
    exported = pulumi.try_run("stack", "export")
    if exported.returncode == 0:
        return exported.stdout
    error = exported.stderr.strip()
    broken = repair_file_backend(pulumi, apply_fix=repair) if "failed to load checkpoint" in error else []
    if not broken:
        raise SystemExit(f"recover: `pulumi stack export` failed ({exported.returncode}):\n{error}")
    shown = "\n".join(f"  {p}" for p in broken)
    if not repair:
        raise SystemExit(f"recover: the stack's checkpoint can't be read ({error}) because a killed run left "
                         f"these metadata files truncated:\n{shown}\nRerun with --yes to remove them (they hold "
                         "only a content type and a checksum; the checkpoint itself is intact). Nothing was changed.")
    print(f"Repaired the file backend: removed {len(broken)} metadata file(s) a killed run left truncated "
          f"(they made `pulumi` fail with: {error}):\n{shown}")
    # The `pulumi cancel` run before this one failed on the same unreadable checkpoint, so the killed run's
    # lock is still held; release it as that command was asked to.
    pulumi.run("cancel", "--yes")
    print("Released the killed run's lock (`pulumi cancel --yes`).")
    return pulumi.run("stack", "export")


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
    exported = json.loads(_export(pulumi, repair=opts.yes))
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
