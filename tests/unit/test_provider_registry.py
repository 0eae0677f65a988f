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
from audience_providers import batch, sonarly, thrive, unleashx
from audience_providers._core import registry
from audience_providers._core.dynamic import DynamicProvider, LifecycleRef

ROOT = Path(__file__).resolve().parents[2]
PROVIDERS: list[type[DynamicProvider]] = [
    batch.AudienceProvider, sonarly.AudienceFolderProvider, sonarly.AudienceProvider, thrive.StructureProvider,
    thrive.AudienceProvider, thrive.AudienceMembersProvider, thrive.AudienceManagersProvider,
    unleashx.CampaignProvider, unleashx.CampaignAudienceProvider,
]
# `__provider` of a thrive.Structure as written to state by the module-path pickling (commit 271f98a).
OLD_STRUCTURE_BLOB = ("gASVOQAAAAAAAACMGXByb3ZpZGVycy50aHJpdmUucmVzb3VyY2WUjBFTdHJ1Y3R1cmVQcm92aWRlcpSTlCmBlH2UYi4=")


def blob_of(provider: DynamicProvider) -> bytes:
    return base64.b64decode(serialize_provider(provider))


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


OLD_PACKAGE = "providers"  # the import name before `audience_providers`
LAUNCHER = ROOT / "tools" / "python-runtime" / "pulumi-dynamic-wide-server.py"


def old_style_blob(provider: object) -> bytes:
    """Pickle ``provider`` the way the code before the registry and the rename did: its class by module path
    under the old import name ``providers``, empty state."""

    class OldPickler(pickle.Pickler):
        def reducer_override(self, obj: Any) -> Any:
            if isinstance(obj, DynamicProvider):
                return copyreg.__newobj__, (type(obj),), {}  # type: ignore[attr-defined]  # not in typeshed's copyreg stub
            return NotImplemented

    out = io.BytesIO()
    # Protocol 2 names a class with the text opcode GLOBAL ("c<module>\n<name>\n", no length prefix), so the
    # module can be put back to its old name in place.
    OldPickler(out, protocol=2).dump(provider)
    raw = out.getvalue()
    new = type(provider).__module__.encode()
    assert new.startswith(b"audience_providers.") and raw.count(b"c" + new + b"\n") == 1
    return raw.replace(b"c" + new + b"\n", b"c" + new.replace(b"audience_providers", OLD_PACKAGE.encode(), 1) + b"\n")


def load_like_the_launcher(raws: list[bytes], cwd: Path) -> list[str]:
    """Unpickle each blob in a fresh interpreter in ``cwd`` with the launcher's module aliases installed, as the
    dynamic-provider process does; answers ``module.Class`` of each object loaded."""
    code = ("import base64, runpy, sys, dill\n"
            f"runpy.run_path({str(LAUNCHER)!r}, run_name='launcher')['install_module_aliases']()\n"
            "for arg in sys.argv[1:]:\n"
            "    obj = dill.loads(base64.b64decode(arg))\n"
            "    print(type(obj).__module__ + '.' + type(obj).__name__, sys.modules.get('providers').__name__)\n")
    out = subprocess.run([sys.executable, "-c", code, *(base64.b64encode(r).decode() for r in raws)], cwd=cwd,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.splitlines()


@pytest.mark.parametrize("cls", PROVIDERS, ids=lambda c: c.resource_label)
def test_pickle__provider_is_one_call_by_stable_key(cls: type[DynamicProvider]) -> None:
    raw = blob_of(cls())
    # One reference to the stable function, by name (dill did not inline its code), and the key: no module path.
    assert globals_in(raw) == ["audience_provider_ref provider"]
    assert cls.resource_label.encode() in raw and b"resource" not in raw and b"providers" not in raw
    assert len(raw) < 100
    loaded = dill.loads(raw)
    assert type(loaded) is cls and loaded.__dict__ == {}


def test_load__state_written_with_the_old_module_path_still_loads(tmp_path: Path) -> None:
    raws = [old_style_blob(cls()) for cls in PROVIDERS]
    for cls, raw in zip(PROVIDERS, raws, strict=True):
        assert globals_in(raw)[-1] == f"providers.{cls.__module__.split('.', 1)[1]} {cls.__name__}"
    # The old name resolves to the very modules of the new one: one copy, the registered classes.
    assert load_like_the_launcher(raws, tmp_path) == [
        f"{cls.__module__}.{cls.__name__} audience_providers" for cls in PROVIDERS]


def test_load__recorded_old_state_blob_still_loads(tmp_path: Path) -> None:
    raw = base64.b64decode(OLD_STRUCTURE_BLOB)
    assert globals_in(raw) == ["providers.thrive.resource StructureProvider"]
    assert load_like_the_launcher([raw], tmp_path) == [
        "audience_providers.thrive.resource.StructureProvider audience_providers"]


def test_load__a_users_own_providers_package_is_not_replaced(tmp_path: Path) -> None:
    # A user's repo with its own `providers/` package: the alias never applies, their package stays theirs.
    (tmp_path / "providers").mkdir()
    (tmp_path / "providers" / "__init__.py").write_text("")
    (tmp_path / "providers" / "thrive.py").write_text("class Mine:\n    pass\n")
    raw = pickle.dumps(_UsersClass(), protocol=2).replace(b"c" + __name__.encode() + b"\n_UsersClass",
                                                          b"cproviders.thrive\nMine")
    assert load_like_the_launcher([raw], tmp_path) == ["providers.thrive.Mine providers"]


class _UsersClass:
    pass


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
        audience_provider_ref.provider("audience_providers.thrive.resource.StructureProvider")


def test_register__a_second_class_under_a_taken_key_is_refused() -> None:
    with pytest.raises(ValueError, match="'batch:Audience' is taken"):
        class Impostor(DynamicProvider):
            lifecycle = LifecycleRef("batch:Audience", "audience_providers.batch.audience", "AudienceLifecycle")
    assert registry.provider_class("batch:Audience") is batch.AudienceProvider


def test_load__imports_only_the_vendor_it_names() -> None:
    raw = blob_of(unleashx.CampaignProvider())
    code = ("import base64, sys, dill; p = dill.loads(base64.b64decode(sys.argv[1])); "
            "print(type(p).__name__, sorted(m for m in sys.modules if m.count('.') == 1 "
            "and m.startswith('audience_providers.') and not m.endswith('_core')))")
    out = subprocess.run([sys.executable, "-c", code, base64.b64encode(raw).decode()], cwd=ROOT,
                         capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.split(maxsplit=1) == ["CampaignProvider", "['audience_providers.unleashx']\n"]


@pytest.mark.parametrize("cls", PROVIDERS, ids=lambda c: c.resource_label)
def test_record__resources_record_the_short_form_of_the_same_call(cls: type[DynamicProvider]) -> None:
    from pulumi.dynamic import dynamic as sdk_dynamic

    from audience_providers._core.dynamic import compact_reference

    # Our Resource classes record compact_reference themselves (ReadableResource.__init__): the SDK's function
    # is not replaced (tests/unit/test_host_left_alone.py), and keeps its own, longer encoding of the same call.
    assert not hasattr(sdk_dynamic.serialize_provider, "__wrapped__")
    recorded = compact_reference(cls())
    assert cls().serialized_reference() == recorded
    raw = base64.b64decode(recorded)
    assert globals_in(raw) == ["audience_provider_ref provider"]
    sdk_own = sdk_dynamic.serialize_provider(cls())
    assert len(recorded) + 20 <= len(sdk_own)
    assert type(dill.loads(base64.b64decode(sdk_own))) is cls  # the same call, in the SDK's encoding
    loaded = dill.loads(raw)  # as the SDK's provider process loads it
    assert type(loaded) is cls and loaded.__dict__ == {}

