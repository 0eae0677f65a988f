"""What a Pulumi program pays to import a vendor: the Resource classes, not the provider's machinery (issue #20).

The program process only declares resources and pickles a reference to their provider; the lifecycle, models,
client and HTTP stack run in the provider process. These tests keep the program side light and check that the
lazily named parts still resolve to what the provider serves.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from audience_providers._core import registry
from audience_providers._core.dynamic import PROVIDER_KEY, DynamicProvider, LifecycleRef, ReadableResource, output_names
from audience_providers._core.lifecycle import PROVIDER_KEY as LIFECYCLE_PROVIDER_KEY

ROOT = Path(__file__).resolve().parents[2]
VENDORS = ("batch", "sonarly", "thrive", "unleashx")

PROBE = textwrap.dedent("""
    import importlib, json, sys
    importlib.import_module("audience_providers." + sys.argv[1])
    print(json.dumps(sorted(name for name, mod in sys.modules.items() if mod is not None)))
""")


def _modules_after_importing(target: str) -> set[str]:
    proc = subprocess.run([sys.executable, "-c", PROBE, target], cwd=ROOT, capture_output=True, text=True,
                          check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return set(json.loads(proc.stdout))


@pytest.mark.parametrize("vendor", VENDORS)
def test_import__a_vendor_loads_no_http_stack_and_no_lifecycle(vendor: str) -> None:
    loaded = _modules_after_importing(vendor)
    assert "pulumi" in loaded and f"audience_providers.{vendor}.resource" in loaded
    heavy = {"httpx", "httpcore", "pydantic", "audience_providers._core.http", "audience_providers._core.lifecycle",
             f"audience_providers.{vendor}.client", f"audience_providers.{vendor}.models"}
    assert not heavy & loaded, sorted(heavy & loaded)


def test_import__the_probe_sees_the_provider_side_when_it_is_imported() -> None:
    # The dual: the same probe does report the HTTP stack and the lifecycle once a lifecycle module is imported.
    loaded = _modules_after_importing("thrive.structure")
    assert {"httpx", "audience_providers._core.lifecycle", "pydantic"} <= loaded


def _providers() -> list[type[DynamicProvider]]:
    for vendor in VENDORS:
        importlib.import_module(f"audience_providers.{vendor}")
    return [registry.provider_class(key) for key in registry.keys()]


def test_lifecycle_ref__every_provider_resolves_to_the_lifecycle_of_its_label() -> None:
    providers = _providers()
    assert len(providers) == 9
    for cls in providers:
        ref = vars(cls)["lifecycle"]
        assert isinstance(ref, LifecycleRef)
        assert cls.lifecycle.resource_label == ref.label == cls.resource_label


def test_lifecycle_ref__a_label_that_differs_from_the_lifecycle_is_refused() -> None:
    class Mislabelled(DynamicProvider):
        lifecycle = LifecycleRef("thrive:NotStructure", "audience_providers.thrive.structure", "StructureLifecycle")

    try:
        with pytest.raises(TypeError, match="serves 'thrive:Structure', not 'thrive:NotStructure'"):
            _ = Mislabelled.lifecycle
    finally:
        registry._classes.pop("thrive:NotStructure", None)


def test_outputs__each_resource_class_declares_exactly_its_state_fields() -> None:
    _providers()
    pending, resources = list(ReadableResource.__subclasses__()), []
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        resources.append(cls)
    assert len(resources) == 9
    for resource in resources:
        provider_class = resource.provider_class
        assert issubclass(provider_class, DynamicProvider)
        state_model = provider_class.lifecycle.state_model
        assert state_model is not None, resource.__name__
        assert list(output_names(resource)) == list(state_model.model_fields), resource.__name__


def test_provider_key__adapter_and_lifecycle_name_the_same_property() -> None:
    assert PROVIDER_KEY == LIFECYCLE_PROVIDER_KEY == "__provider"
