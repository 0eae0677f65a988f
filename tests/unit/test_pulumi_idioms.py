"""Import/get by id and detailed diffs at the provider level (the CLI side is tests/e2e/test_pulumi_idioms.py)."""

from __future__ import annotations

import base64
import importlib
import importlib.util
from pathlib import Path
from typing import Any

import dill
import httpx
import pytest
from pulumi.dynamic.dynamic import serialize_provider

from audience_providers._core.dynamic import DynamicProvider, ReadableResource, provider_for_type
from audience_providers._core.errors import InputError
from audience_providers._core.http import ClientSettings
from audience_providers._core.retry import RetryPolicy
from audience_providers.batch.audience import AudienceLifecycle
from audience_providers.batch.client import Client
from audience_providers.batch.config import BatchConfig
from audience_providers.batch.members import Members, resolve
from audience_providers.batch.models import MembersSpec
from audience_providers.batch.resource import AudienceProvider
from audience_providers.unleashx.resource import CampaignProvider

ROOT = Path(__file__).resolve().parents[2]


def _readable() -> list[type[ReadableResource]]:
    pending, seen = list(ReadableResource.__subclasses__()), []
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        seen.append(cls)
    return seen


def test_provider_for_type__every_resource_maps_back_to_its_provider() -> None:
    for vendor in ("batch", "sonarly", "thrive", "unleashx"):
        importlib.import_module(f"audience_providers.{vendor}.resource")
    resources = _readable()
    assert len(resources) == 9
    for cls in resources:
        # attr-defined: every ReadableResource (a mixin) is also a pulumi.dynamic.Resource, which mypy can't see.
        provider = provider_for_type(f"pulumi-python:{cls._resource_type_name}")  # type: ignore[attr-defined]
        assert type(provider) is cls.provider_class
    assert provider_for_type("pulumi-python:dynamic/nope:Thing") is None


def test_provider_for_type__serializes_like_the_program() -> None:
    # The serialized provider the dynamic server puts into an imported resource's state must be the one a program
    # sends, or every import would show a `__provider` change.
    provider = provider_for_type("pulumi-python:dynamic/batch:Audience")
    assert provider is not None
    assert isinstance(provider, DynamicProvider)
    assert provider.serialized_reference() == AudienceProvider().serialized_reference()
    assert type(dill.loads(base64.b64decode(provider.serialized_reference()))) is AudienceProvider
    assert type(dill.loads(base64.b64decode(serialize_provider(provider)))) is AudienceProvider


@pytest.mark.parametrize(("provider", "adopt"), [(CampaignProvider(), "adopt_id=")])
def test_read__by_id_alone_of_an_unreadable_resource_points_to_adopt(provider: DynamicProvider, adopt: str) -> None:
    with pytest.raises(Exception) as info:
        provider.read("42", {"__provider": "x"})
    # Raised as the message alone (ProviderFailure, see _core/dynamic.py), the InputError kept beside it.
    assert isinstance(getattr(info.value, "provider_error", None), InputError)
    assert str(info.value) == str(info.value.provider_error)  # type: ignore[attr-defined]
    assert provider.resource_label in str(info.value) and adopt in str(info.value)


def test_read__only_the_unleashx_campaign_still_refuses_a_read_by_id() -> None:
    for vendor in ("batch", "sonarly", "thrive", "unleashx"):
        importlib.import_module(f"audience_providers.{vendor}.resource")
    # attr-defined: every ReadableResource (a mixin) is also a pulumi.dynamic.Resource, which mypy can't see.
    providers = [provider_for_type(f"pulumi-python:{cls._resource_type_name}")  # type: ignore[attr-defined]
                 for cls in _readable()]
    refusing = {p.resource_label for p in providers
                if isinstance(p, DynamicProvider) and p.lifecycle.read_by_id_unsupported}
    assert refusing == {"unleashx:Campaign"}


def _batch(audiences: dict[str, dict[str, Any]]) -> AudienceProvider:
    def handler(request: httpx.Request) -> httpx.Response:
        name = request.url.params.get("name")
        if request.url.path.endswith("/audiences/view") and name in audiences:
            return httpx.Response(200, json=audiences[name])
        return httpx.Response(404, json={"error_code": "AUDIENCE_NOT_FOUND", "error_message": "no"})

    settings = ClientSettings(base_url="https://batch.test/2.8", transport=httpx.MockTransport(handler),
                              retry=RetryPolicy(deadline=2, base_delay=0.001))
    return AudienceProvider(AudienceLifecycle(BatchConfig(Client(settings, api_key="unit-key-123456", project_key="p"),
                                                          5)))


def test_read__import_of_batch_audience_takes_defaults_and_marks_it_adopted() -> None:
    provider = _batch({"vip": {"name": "vip", "display_name": "VIP", "nb_ids": 3, "indexing_state": "APPLIED"}})
    result = provider.read("vip", {"__provider": "x"})
    assert result.outs is not None and result.outs["adopted"] is True and result.outs["nb_ids"] == 3
    assert result.outs["membership"] == "authoritative" and result.outs["adopt"] is False
    # Inputs at their default are left out (Lifecycle.input_defaults): the code `pulumi import` writes omits them.
    assert result.inputs == {"name": "vip", "display_name": "VIP", "members": None}


def test_read__get_of_a_missing_audience_is_gone() -> None:
    result = _batch({}).read("nope", {"__provider": "x", "name": None, "nb_ids": None})
    assert result.id is None


def test_diff__inline_members_report_added_and_removed_ids_only() -> None:
    old = {"name": "a", "membership": "authoritative", "members": Members.of(["u1", "u2", "u3"]).spec()}
    new = {"name": "a", "membership": "authoritative", "members": Members.of(["u0", "u1", "u3"]).spec()}
    # attr-defined: _core/dynamic.py sets detailed_diff on pulumi's DiffResult, whose type doesn't declare it.
    detailed = AudienceProvider().diff("a", old, new).detailed_diff  # type: ignore[attr-defined]
    assert detailed == {"members.digest": "update", "members.inline[0]": "add", "members.inline[1]": "delete"}


def test_diff__inline_members_recorded_as_objects_before_read_as_the_same_ids() -> None:
    # States written before plain-string ids hold {"id": ...} objects: the same list must diff as no change,
    # and a change must still name only the ids added and removed.
    spec = Members.of(["u1", "u2"]).spec()
    recorded = {"name": "a", "membership": "authoritative", "members": {**spec, "inline": [{"id": "u1"}, {"id": "u2"}]}}
    same = {"name": "a", "membership": "authoritative", "members": spec}
    assert spec["inline"] == ["u1", "u2"]
    assert AudienceProvider().diff("a", recorded, same).changes is False
    grown = {"name": "a", "membership": "authoritative", "members": Members.of(["u1", "u2", "u3"]).spec()}
    detailed = AudienceProvider().diff("a", recorded, grown).detailed_diff  # type: ignore[attr-defined]
    assert detailed == {"members.digest": "update", "members.count": "update", "members.inline[2]": "add"}
    assert resolve(MembersSpec.model_validate(recorded["members"])) == {"u1": None, "u2": None}


def test_diff__replacement_lists_only_the_replacing_input() -> None:
    old = {"name": "a", "display_name": "A", "membership": "authoritative", "nb_ids": 3, "adopted": False}
    new = {"name": "a", "display_name": "B", "membership": "authoritative"}
    result = AudienceProvider().diff("a", old, new)
    assert result.replaces == ["display_name"]
    assert result.detailed_diff == {"display_name": "update-replace"}  # type: ignore[attr-defined]  # as above


def _server_module() -> Any:
    spec = importlib.util.spec_from_file_location(
        "wide_server", ROOT / "tools" / "python-runtime" / "pulumi-dynamic-wide-server.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_wide_server__resolves_our_types_through_the_entry_point() -> None:
    server = _server_module()
    assert type(server.resolve_provider("pulumi-python:dynamic/thrive:Structure")).__name__ == "StructureProvider"
    assert server.resolve_provider("pulumi-python:dynamic/other:Thing") is None
    request = type("R", (), {"type": "", "urn": "urn:pulumi:s::p::a:b:C$pulumi-python:dynamic/batch:Audience::x"})
    assert server.type_of(request) == "pulumi-python:dynamic/batch:Audience"


def test_wide_server__detailed_diff_kinds_are_the_engine_enum() -> None:
    from pulumi.runtime.proto import provider_pb2

    for kind in ("add", "delete", "update", "add-replace", "delete-replace", "update-replace"):
        provider_pb2.PropertyDiff.Kind.Value(kind.upper().replace("-", "_"))
