"""The pickled provider in every resource's state is a stable key, not a module path (providers/_core/registry.py)."""

from __future__ import annotations

import base64
import copyreg
import io
import pickle
import pickletools
import subprocess
import sys
from pathlib import Path
from typing import Any

import dill
import pytest
from pulumi.dynamic.dynamic import serialize_provider

import audience_provider_ref
from providers import batch, sonarly, thrive, unleashx
from providers._core import registry
from providers._core.dynamic import VendorProvider

ROOT = Path(__file__).resolve().parents[2]
PROVIDERS: list[type[VendorProvider]] = [  # type: ignore[type-arg]
    batch.AudienceProvider, sonarly.AudienceFolderProvider, sonarly.AudienceProvider, thrive.StructureProvider,
    thrive.AudienceProvider, thrive.AudienceMembersProvider, thrive.AudienceManagersProvider,
    unleashx.CampaignProvider, unleashx.CampaignAudienceProvider,
]
# `__provider` of a thrive.Structure as written to state by the module-path pickling (commit 271f98a).
OLD_STRUCTURE_BLOB = ("gASVOQAAAAAAAACMGXByb3ZpZGVycy50aHJpdmUucmVzb3VyY2WUjBFTdHJ1Y3R1cmVQcm92aWRlcpSTlCmBlH2UYi4=")


def blob_of(provider: object) -> bytes:
    return base64.b64decode(serialize_provider(provider))  # type: ignore[arg-type]


def globals_in(raw: bytes) -> list[str]:
    """Every global a pickle refers to, as 'module name' (STACK_GLOBAL takes the two strings before it)."""
    found, strings = [], []
    for op, arg, _ in pickletools.genops(raw):
        if op.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE"):
            strings.append(arg)
        elif op.name == "STACK_GLOBAL":
            found.append(f"{strings[-2]} {strings[-1]}")
        elif op.name == "GLOBAL":
            found.append(str(arg))
    return found


def old_style_blob(provider: object) -> bytes:
    """Pickle ``provider`` the way the code before the registry did: its class by module path, empty state."""

    class OldPickler(pickle.Pickler):
        def reducer_override(self, obj: Any) -> Any:
            if isinstance(obj, VendorProvider):
                return copyreg.__newobj__, (type(obj),), {}
            return NotImplemented

    out = io.BytesIO()
    OldPickler(out, protocol=4).dump(provider)
    return out.getvalue()


@pytest.mark.parametrize("cls", PROVIDERS, ids=lambda c: c.resource_label)
def test_pickle__provider_is_one_call_by_stable_key(cls: type[VendorProvider]) -> None:  # type: ignore[type-arg]
    raw = blob_of(cls())
    # One reference to the stable function, by name (dill did not inline its code), and the key: no module path.
    assert globals_in(raw) == ["audience_provider_ref provider"]
    assert cls.resource_label.encode() in raw and b"resource" not in raw and b"providers" not in raw
    assert len(raw) < 100
    loaded = dill.loads(raw)
    assert type(loaded) is cls and loaded.__dict__ == {}


@pytest.mark.parametrize("cls", PROVIDERS, ids=lambda c: c.resource_label)
def test_load__state_written_with_the_module_path_still_loads(cls: type[VendorProvider]) -> None:  # type: ignore[type-arg]
    raw = old_style_blob(cls())
    assert globals_in(raw)[-1] == f"{cls.__module__} {cls.__name__}"
    assert type(dill.loads(raw)) is cls


def test_load__recorded_old_state_blob_still_loads() -> None:
    raw = base64.b64decode(OLD_STRUCTURE_BLOB)
    assert globals_in(raw) == ["providers.thrive.resource StructureProvider"]
    assert type(dill.loads(raw)) is thrive.StructureProvider


def test_load__a_moved_class_is_found_by_its_key(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = blob_of(thrive.StructureProvider())

    class MovedStructureProvider(thrive.StructureProvider):  # as if the class now lived in another module
        pass

    monkeypatch.setitem(registry._classes, "thrive:Structure", MovedStructureProvider)
    assert type(dill.loads(raw)) is MovedStructureProvider


def test_load__unknown_key_names_it() -> None:
    with pytest.raises(registry.UnknownProvider, match="'thrive:Nope'.*known: thrive:Audience"):
        audience_provider_ref.provider("thrive:Nope")
    with pytest.raises(registry.UnknownProvider, match="no vendor 'acme'"):
        audience_provider_ref.provider("acme:Audience")
    with pytest.raises(registry.UnknownProvider, match="not a provider key"):
        audience_provider_ref.provider("providers.thrive.resource.StructureProvider")


def test_register__a_second_class_under_a_taken_key_is_refused() -> None:
    with pytest.raises(ValueError, match="'batch:Audience' is taken"):
        class Impostor(VendorProvider):  # type: ignore[type-arg]
            resource_label = "batch:Audience"
    assert registry.provider_class("batch:Audience") is batch.AudienceProvider


def test_load__imports_only_the_vendor_it_names() -> None:
    raw = blob_of(unleashx.CampaignProvider())
    code = ("import base64, sys, dill; p = dill.loads(base64.b64decode(sys.argv[1])); "
            "print(type(p).__name__, sorted(m for m in sys.modules if m.count('.') == 1 and m.startswith('providers.')"
            " and not m.endswith('_core')))")
    out = subprocess.run([sys.executable, "-c", code, base64.b64encode(raw).decode()], cwd=ROOT,
                         capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.split(maxsplit=1) == ["CampaignProvider", "['providers.unleashx']\n"]
