"""The pieces behind issue #32's checks, one at a time: what a deployment declares (siblings), unknown settings,
the plugin's CheckConfig, member lists given as a string, lists diffed as sets, Batch's membership summary.
The same behaviour through the real CLI is in tests/e2e/test_program_mistakes.py."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextvars import copy_context
from pathlib import Path
from typing import Any

import pytest
from pulumi.dynamic.config import Config as DynamicConfig
from pulumi.provider.experimental import provider as sdk
from pulumi.provider.experimental.property_value import PropertyValue

from audience_providers._core import native, siblings
from audience_providers._core.config import ConfigSource, known_keys, unknown_settings
from audience_providers._core.errors import InputError
from audience_providers._core.lifecycle import set_paths
from audience_providers.batch.audience import AudienceLifecycle as BatchAudience
from audience_providers.batch.members import Members, MembersError
from audience_providers.batch.snapshots import SnapshotStore
from audience_providers.thrive.members import AudienceMembersLifecycle
from audience_providers.thrive.structure import StructureLifecycle

URN = "urn:pulumi:dev::proj::pulumi-python:dynamic/thrive:Structure::{}"


def declared(name: str, label: str = "thrive:Structure", **inputs: Any) -> siblings.Declared:
    return siblings.Declared(URN.format(name), label, name, inputs)


def claim(value: str) -> siblings.Claim:
    return siblings.Claim("thrive:reference", value, "reference", value, "one per reference")


# -- siblings ---------------------------------------------------------------------------------------------------
def test_declare__a_key_claimed_twice_conflicts_with_the_first_claimer_only() -> None:
    seen = siblings.Declarations()
    assert seen.declare(declared("a"), [claim("k")]) == []
    ((what, other, moved),) = seen.declare(declared("b"), [claim("k")])
    assert what.value == "k" and other.name == "a" and not moved
    assert seen.declare(declared("a"), [claim("k")]) == []  # `a` checked again (a replacement): its own key
    assert seen.declare(declared("c"), [claim("other")]) == []


@pytest.mark.parametrize("holder_first", [True, False])
def test_declare__a_key_moving_between_two_resources_conflicts_in_either_order(holder_first: bool) -> None:
    seen = siblings.Declarations()
    Declaration = tuple[siblings.Declared, list[siblings.Claim], list[siblings.Claim]]
    holder: Declaration = (declared("a"), [claim("new-a")], [claim("k")])  # state holds `k`, the program `new-a`
    taker: Declaration = (declared("b"), [claim("k")], [])
    first, second = (holder, taker) if holder_first else (taker, holder)
    assert seen.declare(*first) == []
    ((what, other, moved),) = seen.declare(*second)
    assert what.value == "k" and moved and other.name == first[0].name


def test_declare__a_resource_keeping_its_key_is_no_move() -> None:
    seen = siblings.Declarations()
    assert seen.declare(declared("a"), [claim("k")], [claim("k")]) == []
    assert seen.declare(declared("b"), [claim("j")], [claim("j")]) == []


def test_identity__the_served_urn_else_the_inputs() -> None:
    assert siblings.identity_of("thrive:Structure", {"reference": "k"}).startswith("thrive:Structure {")
    assert siblings.identity_of("thrive:Structure", {"reference": "k", "__provider": "x"}) == \
        siblings.identity_of("thrive:Structure", {"reference": "k"})
    context = copy_context()
    context.run(siblings.SERVING_URN.set, URN.format("a"))
    assert context.run(siblings.identity_of, "thrive:Structure", {"reference": "k"}) == URN.format("a")
    assert siblings.resource_name(URN.format("a")) == "a"


def test_describe__names_the_resource_or_says_what_it_declares() -> None:
    assert declared("a").describe() == "thrive:Structure 'a'"
    unnamed = siblings.Declared("x", "thrive:Structure", "", {"name": "A", "reference": "k", "adopt": False})
    assert unnamed.describe() == "another thrive:Structure of this program (name 'A', reference 'k')"


@pytest.fixture
def thrive() -> Iterator[StructureLifecycle]:
    lifecycle = StructureLifecycle()
    lifecycle.configure(ConfigSource({"thrive:tenantId": "t", "thrive:apiSecret": "s",
                                      "thrive:baseUrl": "http://127.0.0.1:9/rest/v1"}))
    lifecycle.find_existing = lambda key: None  # type: ignore[method-assign]  # nothing taken in Thrive
    yield lifecycle


def test_check__two_resources_with_one_reference_fail_on_the_second_naming_both(thrive: StructureLifecycle) -> None:
    def check_as(name: str, reference: str) -> list[str]:
        context = copy_context()
        context.run(siblings.SERVING_URN.set, URN.format(name))
        result = context.run(thrive.check, {}, {"name": name.upper(), "reference": reference})
        return [f"{f.property}: {f.reason}" for f in result.failures]

    assert check_as("a", "dup") == []
    (failure,) = check_as("b", "dup")
    assert failure.startswith("reference: thrive:Structure: reference 'dup' is declared twice in this program, by "
                              "thrive:Structure 'a' and by thrive:Structure 'b'"), failure
    assert check_as("c", "own") == []


def test_check__without_a_served_urn_identical_declarations_are_one_and_others_are_described(
        thrive: StructureLifecycle) -> None:
    inputs = {"name": "A", "reference": "dup"}
    assert thrive.check({}, dict(inputs)).failures == []
    assert thrive.check({}, dict(inputs)).failures == []  # the engine checks a replacement twice
    (failure,) = thrive.check({}, {"name": "B", "reference": "dup"}).failures
    assert "by another thrive:Structure of this program (name 'A', reference 'dup')" in failure.reason


# -- settings ---------------------------------------------------------------------------------------------------
KNOWN = known_keys("sonarly", [])


@pytest.mark.parametrize(("key", "meant"), [("notReadyTimout", "notReadyTimeout"),
                                            ("requestPerMinute", "requestsPerMinute"),
                                            ("READTIMEOUT", "readTimeout"), ("zzz", None)])
def test_unknown_settings__name_the_key_and_the_closest_known_one(key: str, meant: str | None) -> None:
    problem = unknown_settings(ConfigSource({f"sonarly:{key}": "5", "sonarly:apiKey": "k"}), "sonarly",
                               [*KNOWN, "notReadyTimeout", "apiKey"])
    assert problem is not None and f"sonarly:{key} is not a setting of this provider" in str(problem)
    if meant:
        assert f"(did you mean sonarly:{meant}?)" in str(problem)
    else:
        assert "did you mean" not in str(problem)
    assert "sonarly reads: " in str(problem) and "sonarly:apiKey" in str(problem).split("reads: ")[1]


def test_unknown_settings__other_namespaces_and_the_engines_keys_pass() -> None:
    source = ConfigSource({"thrive:tennantId": "x", "proj:anything": "1", "sonarly:version": "1.0.0",
                           "sonarly:pluginDownloadURL": "https://x", "sonarly:readTimeout": "3"})
    assert unknown_settings(source, "sonarly", KNOWN) is None


def test_config_source__lists_the_keys_of_the_sdks_dynamic_config() -> None:
    config = DynamicConfig({"thrive:tennantId": "x", "thrive:apiSecret": "s"}, "proj")
    assert sorted(ConfigSource(config.get).keys() or []) == ["thrive:apiSecret", "thrive:tennantId"]
    assert ConfigSource(lambda key: None).keys() is None  # a source that only answers lookups: nothing to say


def test_check_config__the_plugin_refuses_an_unknown_key_naming_the_closest() -> None:
    provider = native.NativeProvider("thrive", native.vendor_lifecycles("thrive"), native.vendor_settings("thrive"))

    async def ask(inputs: dict[str, str]) -> sdk.CheckResponse:
        news = {k: PropertyValue(v) for k, v in inputs.items()}
        return await provider.check_config(sdk.CheckRequest("urn:x", {}, news, b""))

    assert asyncio.run(ask({"tenantId": "t", "version": "1.0.0"})).failures == []
    (failure,) = asyncio.run(ask({"tennantId": "t"})).failures or []
    assert "thrive:tennantId is not a setting of this provider (did you mean thrive:tenantId?)" in failure.reason


# -- a string where a list of ids belongs ---------------------------------------------------------------------
@pytest.mark.parametrize(("given", "says"), [("gold", "got the string 'gold'"), (b"gold", "got the string 'gold'"),
                                             ({"id": "u1"}, "got a mapping"), (7, "got int")])
def test_members_of__refuses_what_is_not_a_list_when_the_ids_are_read(given: Any, says: str) -> None:
    members = Members.of(given)  # declaring it raises nothing: the Resource names itself around spec()
    with pytest.raises(MembersError, match=f"members: expected a list of ids, {says}"):
        members.spec()


def test_from_declared__a_string_fails_on_the_members_field() -> None:
    with pytest.raises(InputError) as info:
        BatchAudience().from_declared({"name": "v", "members": "gold"})
    assert info.value.field == "members" and "batch:Audience: members: expected a list of ids" in str(info.value)


# -- lists the vendor holds as sets -------------------------------------------------------------------------------
def test_set_paths__only_what_comes_and_goes_and_nothing_for_a_new_order() -> None:
    assert set_paths("m", ["a", "b", "c"], ["c", "a", "d"]) == {"m[1]": "delete", "m[2]": "add"}
    assert set_paths("m", ["a", "B"], ["b", "A"], key=str.lower) == {}
    assert set_paths("m", "a", ["a"]) is None


def test_thrive_members__reordered_or_recased_are_no_change() -> None:
    olds = {"audience": "t", "members": ["User1", "user2"], "membership": "authoritative", "adopt": False}
    lifecycle = AudienceMembersLifecycle()
    assert not lifecycle.diff("t/members", olds, {**olds, "members": ["user2", "user1"]}).changes
    changed = lifecycle.diff("t/members", olds, {**olds, "members": ["user2", "user3"]})
    assert changed.detailed_diff == {"members[0]": "delete", "members[1]": "add"}


# -- Batch: which ids an update adds and removes ------------------------------------------------------------------
def _spec(ids: list[str], *, inline: bool) -> dict[str, Any]:
    spec = Members.of(ids).spec()
    return spec if inline else {k: v for k, v in spec.items() if k != "inline"} | {"file": "ids.txt"}


def test_membership_change__counts_and_the_first_ids_from_the_old_inline_list(tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ids.txt").write_text("\n".join(["b", *(f"n{i}" for i in range(7))]))
    olds: dict[str, Any] = {"name": "v", "members": _spec(["a", "b"], inline=True), "membership": "authoritative"}
    new = _spec(["b", *(f"n{i}" for i in range(7))], inline=False)
    change = BatchAudience()._membership_change(olds, new, "authoritative")
    assert change == "+7 ids (n0, n1, n2, n3, n4, ...); -1 id (a)"
    assert BatchAudience()._membership_change(olds, new, "additive") == "+7 ids (n0, n1, n2, n3, n4, ...)"
    assert BatchAudience()._membership_change(olds, olds["members"], "authoritative") is None  # no change


def test_membership_change__from_this_machines_snapshot_else_counts_only(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BATCH_SNAPSHOT_DIR", str(tmp_path / "snapshots"))
    (tmp_path / "ids.txt").write_text("x\ny\n")
    olds: dict[str, Any] = {"name": "v", "members": _spec(["w", "x"], inline=False), "membership": "authoritative"}
    olds["members"]["count"] = 2.0  # the engine hands numbers back as floats
    new = _spec(["x", "y"], inline=False)
    assert BatchAudience()._membership_change(olds, new, "authoritative") == (
        "now 2 id(s), was 2; which ids come and go is not known on this machine (no copy of the list last applied "
        "here)")
    SnapshotStore().save({"w": None, "x": None})
    assert BatchAudience()._membership_change(olds, new, "authoritative") == "+1 id (y); -1 id (w)"
