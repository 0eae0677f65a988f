"""The code generator (providers/_core/codegen.py, scripts/gen): the Python classes, the plugin schema and the docs
tables follow from the lifecycles' models, so adding an input field is one edit to the model (issue #35)."""

from __future__ import annotations

import datetime
import inspect
import json
import shutil
import subprocess
import sys
import types
from pathlib import Path
from typing import ClassVar

import pulumi
import pytest
from pydantic import Field

from audience_providers import batch, sonarly, thrive, unleashx
from audience_providers._core import codegen, registry
from audience_providers._core.forms import ProgramForm, iso_text
from audience_providers._core.schema import _Types, resource_spec
from audience_providers._core.vendors import VENDORS, vendor
from audience_providers.batch.audience import AudienceArgs, AudienceLifecycle, AudienceState
from audience_providers.thrive.structure import StructureLifecycle
from tests.unit.test_tenants import Recorder, _settle, mocks  # noqa: F401 (mocks: the fixture)

ROOT = Path(__file__).resolve().parents[2]


# -- the tree is generated --------------------------------------------------------------------------------------------
def test_gen_check__passes_on_the_tree() -> None:
    proc = subprocess.run([str(ROOT / "scripts" / "gen"), "--check"], cwd=ROOT, capture_output=True, text=True,
                          check=False, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == ""


def _copy_generated(tmp: Path) -> None:
    for path in codegen.generated():
        target = tmp / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


def test_gen_check__names_a_stale_file_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _copy_generated(tmp_path)
    stale = tmp_path / "providers" / "batch" / "resource.py"
    edited = stale.read_text().replace("display_name: pulumi.Input[str] | None = None", "display_name: str = ''")
    stale.write_text(edited)
    assert codegen.main(["--check"], root=tmp_path) == 1
    assert capsys.readouterr().out == "providers/batch/resource.py is stale: run scripts/gen\n"
    assert stale.read_text() == edited
    # The dual: without --check it rewrites the file, after which --check passes.
    assert codegen.main([], root=tmp_path) == 0
    assert codegen.main(["--check"], root=tmp_path) == 0 and "display_name: str = ''" not in stale.read_text()


@pytest.mark.parametrize("module", [batch.resource, sonarly.resource, thrive.resource, unleashx.resource],
                         ids=lambda m: m.__name__.split(".")[1])
def test_generated_module__is_headed_and_evaluates_its_annotations(module: types.ModuleType) -> None:
    text = Path(module.__file__ or "").read_text()
    assert text.startswith(codegen.HEADER) and "\nfrom __future__ import" not in text
    classes = [c for c in vars(module).values() if isinstance(c, type) and c.__module__ == module.__name__]
    assert len(classes) == 2 * len(codegen.lifecycles(module.__name__.split(".")[1])) + 1  # + the tenant Provider
    for cls in classes:
        assert not any(isinstance(a, str) for a in vars(cls).get("__annotations__", {}).values()), cls


def test_lifecycles__a_module_after_those_it_imports_else_by_name_then_definition_order() -> None:
    # sonarly/audience.py imports sonarly/folder.py: folders first, though "audience" sorts before "folder".
    assert [lc.resource_label for lc in codegen.lifecycles("sonarly")] == ["sonarly:AudienceFolder",
                                                                           "sonarly:Audience"]
    assert [lc.resource_label for lc in codegen.lifecycles("thrive")] == [
        "thrive:AudienceMembers", "thrive:AudienceManagers", "thrive:Structure", "thrive:Audience"]
    assert sum(len(codegen.lifecycles(v.key)) for v in VENDORS) == len(registry.keys()) == 9


# -- one more field -------------------------------------------------------------------------------------------------
class _WiderArgs(AudienceArgs):
    locale: str | None = Field(default=None, min_length=2, max_length=35, description="Audience locale, e.g. fr-FR.")


class _WiderState(AudienceState):
    locale: str | None = None


class _WiderLifecycle(AudienceLifecycle):
    """A Batch audience with a locale (a test's copy: one field more than the real one)."""

    resource_label = "batch:WiderAudience"
    args_model = _WiderArgs
    state_model = _WiderState


def _load(text: str) -> types.ModuleType:
    """``text`` as a module of the batch package (its relative imports resolve there)."""
    module = types.ModuleType("audience_providers.batch._wider_resource")
    module.__package__ = "audience_providers.batch"
    # dont_inherit: this test module's `from __future__ import annotations` must not reach the generated code.
    exec(compile(text, "<generated>", "exec", dont_inherit=True), module.__dict__)
    return module


def wider_module() -> types.ModuleType:
    """The batch module scripts/gen writes for ``_WiderLifecycle``, loaded (its provider refers to this module)."""
    text = codegen.module_text(vendor("batch"), [_WiderLifecycle])
    return _load(text.replace('LifecycleRef("batch:WiderAudience", ".audience", "_WiderLifecycle")',
                              'LifecycleRef("batch:WiderAudience", "tests.unit.test_codegen", "_WiderLifecycle")'))


# Run in a process of its own: the generated class is a Resource class and a registered provider for good (the
# SDK and our caches hold it), and other tests count those.
PROBE = """
import asyncio, inspect, json
import pulumi
from audience_providers import batch
from tests.unit.test_codegen import wider_module
from tests.unit.test_tenants import Recorder

cls = wider_module().WiderAudience
param = inspect.signature(cls.__init__).parameters["locale"]
real = inspect.signature(batch.Audience.__init__).parameters["display_name"]
out = vars(cls)["__annotations__"]
recorder = Recorder()
asyncio.set_event_loop(asyncio.new_event_loop())
pulumi.runtime.set_mocks(recorder, project="p", stack="s", preview=False)
cls("vip", name="vip", locale="fr-FR")
batch.Audience("plain", name="plain")
asyncio.get_event_loop().run_until_complete(asyncio.sleep(0.05))
print(json.dumps({
    "keyword_only": param.kind is inspect.Parameter.KEYWORD_ONLY, "default": param.default,
    "annotated_as_display_name": param.annotation == real.annotation and "Awaitable" in str(param.annotation),
    "output_as_display_name": out["locale"] == vars(batch.Audience)["__annotations__"]["display_name"],
    "outputs": list(out),
    "sent": {args.name: args.inputs.get("locale", "<absent>") for args in recorder.registered},
}))
"""


def test_add_field__the_class_takes_it_sends_it_and_declares_it_an_output() -> None:
    proc = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=False,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout.splitlines()[-1])
    assert seen["keyword_only"] and seen["default"] is None
    # Declared as the real class declares display_name, the other optional string: pulumi.Input[str] | None in,
    # pulumi.Output[str | None] out; every State field an output, in order.
    assert seen["annotated_as_display_name"] and seen["output_as_display_name"]
    assert seen["outputs"] == list(_WiderState.model_fields)
    assert seen["sent"] == {"vip": "fr-FR", "plain": "<absent>"}
    # The dual: the real class has neither the keyword nor the output.
    assert "locale" not in inspect.signature(batch.Audience.__init__).parameters
    assert "locale" not in vars(batch.Audience)["__annotations__"]


def test_add_field__the_plugin_schema_and_the_docs_row_follow() -> None:
    spec = resource_spec("batch", _WiderLifecycle, _Types("batch", {}))
    assert spec["inputProperties"]["locale"] == {"type": "string", "description": "Audience locale, e.g. fr-FR."}
    assert "locale" in spec["properties"] and "locale" not in spec["requiredInputs"]
    row = "| `locale` | `locale` | string (2–35 chars) | optional |  | Audience locale, e.g. fr-FR. |"
    assert row in codegen.fields_table(_WiderLifecycle).splitlines()
    assert "`locale`" not in codegen.fields_table(AudienceLifecycle)


# -- program forms --------------------------------------------------------------------------------------------------
def test_program_form__a_date_is_sent_as_iso_text(mocks: Recorder) -> None:  # noqa: F811
    unleashx.Campaign("c", campaign_name="c", agent_id=1, description="d", start_date=datetime.date(2026, 1, 31),
                      end_date="2026-02-01", max_retry=1)
    _settle()
    (args,) = mocks.registered
    assert args.inputs["start_date"] == "2026-01-31" and args.inputs["end_date"] == "2026-02-01"
    assert iso_text(5) == 5


def test_program_form__a_bad_member_list_is_one_run_error_naming_the_resource(mocks: Recorder) -> None:  # noqa: F811
    with pytest.raises(pulumi.RunError, match=r"^batch:Audience 'vip': .*got the string 'gold'"):
        batch.Audience("vip", name="vip", members="gold")
    _settle()
    assert mocks.registered == []


def test_program_form__naming_no_field_is_refused_by_the_generator() -> None:
    class Typo(StructureLifecycle):
        """A structure with a misspelt program form."""

        program_forms: ClassVar[dict[str, ProgramForm]] = {"refrence": ProgramForm(str)}

    with pytest.raises(TypeError, match=r"Typo.program_forms names no field of StructureArgs: \['refrence'\]"):
        codegen.params(Typo, codegen.Imports("audience_providers.thrive"))


def test_generator__a_lifecycle_without_a_docstring_is_refused() -> None:
    bare = type("Bare", (StructureLifecycle,), {"resource_label": "thrive:Bare"})
    with pytest.raises(TypeError, match="needs a docstring"):
        codegen.module_text(vendor("thrive"), [bare])


def test_generator__is_not_imported_by_a_program_or_a_provider() -> None:
    probe = ("import sys, audience_providers.batch, audience_providers.batch.audience; "
             "print('audience_providers._core.codegen' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                          timeout=120).stdout.strip() == "False"


def test_generated_docs__each_page_holds_one_table_between_markers() -> None:
    for vendor_ in VENDORS:
        for lc in codegen.lifecycles(vendor_.key):
            text = (ROOT / codegen.page_of(lc)).read_text()
            assert text.count(codegen.DOCS_BEGIN) == text.count(codegen.DOCS_END) == 1, codegen.page_of(lc)
            assert codegen.fields_table(lc) in text
