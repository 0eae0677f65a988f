"""Generated mistakes in every resource's inputs are refused by `check` (preview), naming the resource and the
field, and the vendor sees nothing but reads (issue #32, point 1).

Each resource starts from inputs that pass against a live emulator seeded with what they name (a structure, an
audience with members, a campaign with a record); hypothesis then replaces one input by a value of a kind users get
wrong: the wrong type (a string where a list belongs, a list where an id belongs), empty, too long, an id the vendor
doesn't have, a list with a repeat. The emulators' request logs must hold reads only. Batch member lists travel as
the program builds them; a program in another language declares the list itself, which ``from_declared`` turns
into that form, so Batch's `members` cases go through it as the native plugin's check does.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audience_providers._core import siblings
from audience_providers._core.config import ConfigSource
from audience_providers._core.errors import InputError
from audience_providers._core.http import BaseClient
from audience_providers._core.lifecycle import Failure, Lifecycle
from audience_providers.batch.audience import AudienceLifecycle as BatchAudience
from audience_providers.sonarly.audience import AudienceLifecycle as SonarlyAudience
from audience_providers.sonarly.folder import AudienceFolderLifecycle as SonarlyFolder
from audience_providers.thrive.members import AudienceManagersLifecycle, AudienceMembersLifecycle
from audience_providers.thrive.structure import AudienceLifecycle as ThriveAudience
from audience_providers.thrive.structure import StructureLifecycle
from audience_providers.unleashx.campaign import CampaignAudienceLifecycle, CampaignLifecycle
from tests.conftest import Emulators, LiveEmulator

EXAMPLES = 150

SEEDS: dict[str, dict[str, Any]] = {
    "thrive": {"audiences": [{"name": "Root", "reference": "hp-root"},
                             {"name": "Team", "reference": "hp-team", "parentId": "hp-root", "members": ["user1"]}]},
    "sonarly": {"folders": [{"id": "fld_hp", "name": "HP", "audienceType": "monitoring"}]},
    "unleashx": {"campaigns": [{"id": 7301, "campaign_name": "HP seeded"}],
                 "audience": [{"campaign_id": 7301, "mobile_no": "+15550001001"}]},
    "batch": {},
}


def settings_of(vendor: str, base_url: str) -> dict[str, str]:
    return {"batch": {"batch:baseUrl": base_url, "batch:apiKey": "demo-batch-rest-key",
                      "batch:projectKey": "project_demo0000000000000000000000000"},
            "thrive": {"thrive:baseUrl": base_url, "thrive:tenantId": "demo-tenant",
                       "thrive:apiSecret": "demo-thrive-secret"},
            "sonarly": {"sonarly:baseUrl": base_url, "sonarly:apiKey": "sk_live_demo_full",
                        "sonarly:accountGroupId": "ag_demo"},
            "unleashx": {"unleashx:baseUrl": base_url, "unleashx:token": "demo-unleashx-token"}}[vendor]


# -- values users get wrong -----------------------------------------------------------------------------------
text = st.text(min_size=1, max_size=20).filter(lambda s: s.strip() == s and bool(s))
not_a_list = st.one_of(text, st.integers(), st.dictionaries(text, st.integers(), min_size=1, max_size=2))
not_a_string = st.one_of(st.integers(), st.lists(text, min_size=1, max_size=3), st.dictionaries(text, text,
                                                                                               min_size=1, max_size=2))


def too_long(limit: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="abcdefghij", min_size=limit + 1, max_size=limit + 40)


def unknown(prefix: str) -> st.SearchStrategy[str]:
    return st.from_regex(rf"\A{prefix}-nope-[a-z0-9]{{4,12}}\Z")


def repeated(items: st.SearchStrategy[list[str]], twin: Callable[[str], str] = lambda s: s) -> st.SearchStrategy[Any]:
    """A list with one item listed again (as the vendor compares it: ``twin`` spells it another way)."""
    return items.flatmap(lambda xs: st.integers(0, len(xs)).map(lambda at: [*xs[:at], twin(xs[0]), *xs[at:]]))


@dataclass
class Case:
    kind: str  # wrong type | empty | too long | unknown id | duplicates
    field: str  # the input replaced
    values: st.SearchStrategy[Any]
    expect: str = ""  # the field the failure names, when not ``field`` (e.g. adopt=True with an unknown name)
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)  # inputs set alongside (e.g. adopt=True)

    @property
    def named(self) -> str:
        return self.expect or self.field


@dataclass
class Resource:
    lifecycle: type[Lifecycle[Any, Any]]
    vendor: str
    valid: dict[str, Any]
    cases: list[Case]


USERS = st.lists(st.sampled_from(["user1", "user2", "user3", "user4@example.com"]), min_size=1, max_size=3,
                 unique_by=str.lower)
PHONES = st.just(["+15550001001"])
URLS = st.lists(st.from_regex(r"\Ahttps://www\.linkedin\.com/in/[a-z]{3,10}\Z"), min_size=1, max_size=3,
                unique=True)
CAMPAIGN = {"campaign_name": "HP calls", "agent_id": 101, "description": "Calls", "start_date": "2030-01-01",
            "end_date": "2030-01-31", "max_retry": 1}

RESOURCES = [
    Resource(BatchAudience, "batch", {"name": "hp_v", "display_name": "V"}, [
        Case("wrong type", "name", not_a_string),
        Case("empty", "name", st.just("")),
        Case("too long", "name", too_long(255)),
        Case("wrong type", "display_name", not_a_string),
        Case("too long", "display_name", too_long(255)),
        Case("wrong type", "members", not_a_list),
        Case("empty", "members", st.lists(st.just(""), min_size=1, max_size=2)),
        Case("duplicates", "members", repeated(st.lists(text, min_size=1, max_size=4, unique=True))),
        Case("duplicates", "members", repeated(st.lists(text, min_size=1, max_size=4, unique=True),
                                               lambda s: f" {s} ")),
        Case("wrong type", "membership", st.one_of(text.filter(lambda s: s not in ("authoritative", "additive")),
                                                   st.integers())),
        Case("unknown id", "name", st.from_regex(r"\Ahp_nope_[a-z0-9]{4,10}\Z"), expect="adopt",
             extra={"adopt": True}),
    ]),
    Resource(StructureLifecycle, "thrive", {"name": "S", "reference": "hp-s"}, [
        Case("wrong type", "reference", not_a_string),
        Case("empty", "reference", st.just("")),
        Case("too long", "reference", too_long(100)),
        Case("too long", "name", too_long(100)),
        Case("unknown id", "reference", unknown("hp"), extra={"adopt": True}),
    ]),
    Resource(ThriveAudience, "thrive", {"name": "A", "reference": "hp-a", "parent": "hp-root"}, [
        Case("wrong type", "parent", not_a_string),
        Case("empty", "parent", st.just("")),
        Case("unknown id", "parent", unknown("hp")),
        Case("unknown id", "parent", st.just("hp-team")),  # a child audience, not a structure
        Case("too long", "reference", too_long(100)),
    ]),
    Resource(AudienceMembersLifecycle, "thrive", {"audience": "hp-team", "members": ["user1"]}, [
        Case("wrong type", "members", not_a_list),
        Case("wrong type", "audience", not_a_string),
        Case("empty", "members", st.lists(st.just(""), min_size=1, max_size=2)),
        Case("empty", "audience", st.just("")),
        Case("unknown id", "members", st.lists(unknown("ghost"), min_size=1, max_size=3)),
        Case("duplicates", "members", repeated(USERS)),
        Case("duplicates", "members", repeated(USERS, str.upper)),
    ]),
    Resource(AudienceManagersLifecycle, "thrive", {"audience": "hp-team", "managers": []}, [
        Case("wrong type", "managers", not_a_list),
        Case("empty", "managers", st.just([{"user": ""}])),
        Case("unknown id", "managers", st.lists(unknown("ghost").map(lambda u: {"user": u}), min_size=1,
                                                max_size=2)),
        Case("duplicates", "managers", repeated(USERS, str.upper).map(lambda us: [{"user": u} for u in us])),
        Case("wrong type", "managers", st.just([{"user": "user1", "permissions": {"audienceManager": "yes"}}])),
    ]),
    Resource(SonarlyFolder, "sonarly", {"name": "F", "audience_type": "monitoring"}, [
        Case("wrong type", "audience_type", st.one_of(text.filter(lambda s: s not in ("on_demand", "monitoring")),
                                                      st.integers())),
        Case("empty", "name", st.just("")),
        Case("too long", "name", too_long(255)),
    ]),
    Resource(SonarlyAudience, "sonarly", {"name": "A", "type": "monitoring"}, [
        Case("wrong type", "prospect_urls", not_a_list),
        Case("wrong type", "folder_id", not_a_string),
        Case("unknown id", "folder_id", unknown("fld")),
        Case("unknown id", "folder_id", st.just("fld_hp"), extra={"type": "on_demand"}, expect="type"),
        Case("unknown id", "adopt_id", unknown("aud")),
        Case("duplicates", "prospect_urls", repeated(URLS, lambda u: u.upper() + "/")),
        Case("wrong type", "prospect_urls", st.lists(text, min_size=1, max_size=2)),
        Case("too long", "name", too_long(255)),
    ]),
    Resource(CampaignLifecycle, "unleashx", dict(CAMPAIGN), [
        Case("wrong type", "conditions", not_a_list),
        Case("empty", "conditions", st.just([{"rules": []}])),
        Case("wrong type", "max_delay", st.one_of(text, st.lists(st.integers(), min_size=1))),
        Case("wrong type", "agent_id", st.one_of(st.lists(st.integers(), min_size=1), text.filter(
            lambda s: not s.strip().lstrip("+-").isdigit()))),
        Case("wrong type", "agent_id", st.booleans()),
        Case("unknown id", "agent_id", st.integers(200, 10_000)),
        Case("unknown id", "adopt_id", st.integers(90_000, 99_999)),
        Case("empty", "campaign_name", st.just("")),
        Case("too long", "campaign_name", too_long(255)),
        Case("empty", "description", st.just("")),
    ]),
    Resource(CampaignAudienceLifecycle, "unleashx", {"campaign_id": 7301, "phone_numbers": ["+15550001001"]}, [
        Case("wrong type", "phone_numbers", not_a_list),
        Case("wrong type", "campaign_id", st.one_of(st.lists(st.integers(), min_size=1), text.filter(
            lambda s: not s.strip().lstrip("+-").isdigit()))),
        Case("wrong type", "campaign_id", st.booleans()),
        Case("unknown id", "campaign_id", st.integers(90_000, 99_999)),
        Case("unknown id", "phone_numbers", st.lists(st.from_regex(r"\A\+1555900\d{4}\Z"), min_size=1, max_size=3,
                                                     unique=True)),
        Case("duplicates", "phone_numbers", repeated(PHONES, lambda p: p.replace("+1", "+1 "))),
        Case("wrong type", "phone_numbers", st.lists(st.from_regex(r"\A[a-z]{3,8}\Z"), min_size=1, max_size=2)),
    ]),
]


@pytest.fixture
def live(emulator: Emulators) -> Iterator[dict[str, LiveEmulator]]:
    lives = {vendor: emulator(vendor) for vendor in SEEDS}
    for vendor, seed in SEEDS.items():
        if seed:
            lives[vendor].seed(seed)
    BaseClient.forget_everywhere()
    yield lives
    BaseClient.forget_everywhere()


def check(lifecycle: Lifecycle[Any, Any], news: dict[str, Any]) -> list[Failure]:
    """What `preview` asks: Batch members in a program's declared form go through ``from_declared`` first."""
    siblings.DECLARED.clear()  # each example is a deployment of its own
    if lifecycle.declared_schemas:
        try:
            news = lifecycle.from_declared(news)
        except InputError as exc:
            return [Failure(exc.field or "", str(exc))]
    return lifecycle.check({}, {**news, "__provider": "serialized"}).failures


def top(path: str) -> str:
    return path.split(".")[0].split("[")[0]


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.lifecycle.resource_label)
def test_check__generated_mistakes_are_refused_naming_resource_and_field_with_reads_only(
        resource: Resource, live: dict[str, LiveEmulator]) -> None:
    lifecycle = resource.lifecycle()
    lifecycle.configure(ConfigSource(settings_of(resource.vendor, live[resource.vendor].base_url)))
    valid = dict(resource.valid)
    if resource.lifecycle is BatchAudience:
        valid["members"] = ["u1", "u2"]
    assert check(lifecycle, valid) == []  # the starting point passes: each case below is one mistake

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.sampled_from(resource.cases).flatmap(lambda case: st.tuples(st.just(case), case.values)))
    def run(drawn: tuple[Case, Any]) -> None:
        case, value = drawn
        failures = check(lifecycle, {**valid, **case.extra, case.field: value})
        named = [f for f in failures if top(f.property) == case.named]
        assert named, (case.kind, case.field, value, failures)
        for failure in named:
            assert resource.lifecycle.resource_label in failure.reason and case.named in failure.reason, failure
            assert "Traceback" not in failure.reason and "<class '" not in failure.reason, failure

    run()
    sent = [f"{r['method']} {r['path']}" for lv in live.values() for r in lv.requests()]
    assert all(s.startswith("GET ") for s in sent), sent  # reads at most: nothing written
