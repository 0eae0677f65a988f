"""UnleashX provider logic without a network: check, diff, error mapping, record lookup, lifecycle (MockTransport)."""

from __future__ import annotations

import base64
import json
import logging
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import dill
import httpx
import pytest
from pulumi.dynamic.dynamic import serialize_provider

from audience_providers._core import siblings
from audience_providers._core.config import ConfigSource
from audience_providers._core.errors import (
    ConfigurationError,
    Conflict,
    InputError,
    NotFound,
    ProviderError,
    Unauthorized,
    ValidationFailed,
)
from audience_providers._core.http import ClientSettings
from audience_providers._core.lifecycle import UNKNOWN, Lifecycle
from audience_providers._core.retry import RetryPolicy
from audience_providers.unleashx import campaign as unleashx_campaign
from audience_providers.unleashx.campaign import (
    CampaignArgs,
    CampaignAudienceLifecycle,
    CampaignAudienceState,
    CampaignLifecycle,
    CampaignState,
)
from audience_providers.unleashx.client import Client
from audience_providers.unleashx.config import UnleashXConfig, load
from audience_providers.unleashx.models import MAX_NAME
from audience_providers.unleashx.resource import (
    Campaign,
    CampaignAudience,
    CampaignAudienceProvider,
)

ROOT = Path(__file__).resolve().parents[2]

TOKEN = "unit-unleashx-token-123"
CAMPAIGN = {"campaign_name": "Winter", "agent_id": 101, "description": "calls", "start_date": "2026-01-01",
            "end_date": "2026-01-31", "max_retry": 3, "max_delay": {"d": 0, "h": 1, "m": 0}}


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNLEASHX_TOKEN", TOKEN)


class FakeUnleashX:
    """Just enough UnleashX for the provider: campaigns, records, the documented messages; logs every request."""

    def __init__(self) -> None:
        self.campaigns: dict[int, dict[str, Any]] = {}
        self.records: dict[int, dict[str, Any]] = {}  # id -> {campaign_id, mobile_no}
        self.requests: list[tuple[str, str, dict[str, Any]]] = []
        self.with_data = True
        self.ignore_mobile_filter = False
        self.drop_creates = 0  # commit, then lose the answer
        self._next = 1
        self.agents = [{"agent_id": 101, "agent_name": "Sales", "agent_type": 3},
                       {"agent_id": 102, "agent_name": "Reminders", "agent_type": 3}]

    def add_campaign(self, cid: int, status: str = "draft", name: str | None = None) -> None:
        self.campaigns[cid] = {"id": cid, "campaign_name": name or f"c{cid}", "campaign_status": status}

    def add_record(self, rid: int, cid: int, mobile: str) -> None:
        self.records[rid] = {"id": rid, "campaign_id": cid, "mobile_no": mobile}

    def of(self, cid: int) -> list[dict[str, Any]]:
        return sorted((r for r in self.records.values() if r["campaign_id"] == cid), key=lambda r: r["id"])

    def writes(self) -> list[tuple[str, str, dict[str, Any]]]:
        return [r for r in self.requests if r[0] == "POST"]

    @staticmethod
    def error(status: int, message: str) -> httpx.Response:
        return httpx.Response(status, json={"error": True, "message": message})

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.rsplit("/", 1)[-1]
        params = dict(request.url.params)
        body = json.loads(request.content) if request.content else {}
        self.requests.append((request.method, path, body or params))
        if request.headers.get("token") != TOKEN:
            return self.error(401, "INVALID_TOKEN")
        if path == "get":  # agents/get
            data: Any = self.agents
            if params.get("agent_id"):
                data = next((a for a in self.agents if a["agent_id"] == int(params["agent_id"])), None)
                if data is None:
                    return self.error(404, "Voice agent not found")
            return httpx.Response(200, json={"error": False, "code": 200, "message": "ok",
                                             "data": {"success": True, "message": "ok", "data": data}})
        if path == "create-campaign":
            if any(c["campaign_name"].lower() == body["campaign_name"].lower() for c in self.campaigns.values()):
                return self.error(400, "Campaign name already exists")
            cid = 100 + self._next
            self._next += 1
            self.add_campaign(cid, name=body["campaign_name"])
            self.campaigns[cid].update(body)
            if self.drop_creates:
                self.drop_creates -= 1
                raise httpx.ReadError("connection reset after commit")
            answer: dict[str, Any] = {"message": "Campaign created successfully"}
            if self.with_data:
                answer["data"] = {**self.campaigns[cid], "created_at": "2026-01-01 00:00:00"}
            return httpx.Response(200, json=answer)
        cid = int(body.get("id") or body.get("campaign_id") or params.get("campaign_id") or 0)
        if cid not in self.campaigns:
            return self.error(404, "Campaign not exist")
        if path == "update-campaign":
            self.campaigns[cid].update({k: v for k, v in body.items() if k != "id"})
            return httpx.Response(200, json={"message": "Campaign updated successfully", "data": self.campaigns[cid]})
        if path == "campaign-audience-stats":
            return httpx.Response(200, json={"total_audience": len(self.of(cid)), "coverage": 0, "total_attempt": 0,
                                             "total_duration": 0, "successful_calls": 0})
        if path == "audience-list":
            rows = self.of(cid)
            if params.get("mobile_no") and not self.ignore_mobile_filter:
                rows = [r for r in rows if params["mobile_no"] in r["mobile_no"]]
            page, limit = int(params.get("page", 1)), int(params.get("limit", 10))
            chunk = rows[(page - 1) * limit: page * limit]
            return httpx.Response(200, json={
                "datalist": [{"id": r["id"], "mobile_no": r["mobile_no"], "input_data": {}, "status": "Fresh"}
                             for r in chunk],
                "pagination": {"totalRecords": len(rows), "totalPages": -(-len(rows) // limit),
                               "currentPage": page, "limit": limit}})
        if path == "delete-audience":
            if body.get("delete_all") is True:
                if self.campaigns[cid]["campaign_status"] != "draft":
                    return self.error(400, "All audience can only be deleted when the campaign is in draft status")
                for r in self.of(cid):
                    del self.records[r["id"]]
                return httpx.Response(200, json={"message": "All audience deleted successfully"})
            if not body.get("audience"):
                return self.error(400, "Audience array is required")
            for rid in body["audience"]:
                if rid in self.records and self.records[rid]["campaign_id"] == cid:
                    del self.records[rid]
            return httpx.Response(200, json={"message": "Audience deleted successfully"})
        return self.error(404, "no route")


def client_for(handler: Callable[[httpx.Request], httpx.Response]) -> Client:
    settings = ClientSettings(base_url="https://unleashx.test/api/v1/global", transport=httpx.MockTransport(handler),
                              retry=RetryPolicy(deadline=2, base_delay=0.001, max_delay=0.01))
    return Client(settings, token=TOKEN)


LifecycleT = TypeVar("LifecycleT", bound=Lifecycle[Any, Any])


def configured(lifecycle: type[LifecycleT], fake: FakeUnleashX) -> LifecycleT:
    return lifecycle(UnleashXConfig(client_for(fake)))


class _Collect(logging.Handler):
    def __init__(self, seen: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.seen = seen

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(record.getMessage())


@pytest.fixture
def warnings() -> Iterator[list[str]]:
    """What ``progress.warn`` says: with no engine to deliver to (unit tests), it goes to this logger."""
    seen: list[str] = []
    logger = logging.getLogger("audience_providers.progress")
    handler, level = _Collect(seen), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    yield seen
    logger.removeHandler(handler)
    logger.setLevel(level)


# -- configuration ---------------------------------------------------------------------------------------------
def test_config__missing_token_names_the_key_and_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UNLEASHX_TOKEN")
    with pytest.raises(ConfigurationError) as info:
        load(ConfigSource(None))
    assert "pulumi config set --secret unleashx:token" in str(info.value) and "UNLEASHX_TOKEN" in str(info.value)


def test_config__base_url_defaults_to_the_vendor() -> None:
    cfg = load(ConfigSource({"unleashx:requestsPerMinute": "100"}.get))
    assert cfg.client.settings.base_url == "https://www.tryunleashx.com/api/v1/global"
    assert cfg.client.settings.requests_per_minute == 100


def test_pickle__provider_is_a_reference_without_the_token() -> None:
    provider = CampaignAudienceProvider(CampaignAudienceLifecycle(load(ConfigSource(None))))
    raw = base64.b64decode(serialize_provider(provider))
    assert TOKEN.encode() not in raw and type(dill.loads(raw)) is CampaignAudienceProvider


# -- client error mapping ----------------------------------------------------------------------------------------
def _answer(status: int, message: str) -> Client:
    return client_for(lambda request: FakeUnleashX.error(status, message))


def test_client__401_names_the_config_key_and_never_the_token() -> None:
    with pytest.raises(Unauthorized) as info:
        client_for(lambda r: httpx.Response(401, json={"error": True, "message": f"bad token {TOKEN}"})) \
            .campaign_audience_stats(1)
    assert "unleashx:token" in str(info.value) and TOKEN not in str(info.value)


@pytest.mark.parametrize("status", [400, 404, 422])
def test_client__campaign_not_exist_is_not_found_whatever_the_status(status: int) -> None:
    with pytest.raises(NotFound) as info:
        _answer(status, "Campaign not exist").delete_audience(7, [1])
    assert info.value.status == status and "Campaign not exist" in str(info.value)


def test_client__taken_name_is_a_conflict_other_400s_stay_validation() -> None:
    with pytest.raises(Conflict):
        _answer(400, "Campaign name already exists").create_campaign({"campaign_name": "x"})
    with pytest.raises(ValidationFailed) as info:
        _answer(400, "Audience array is required").delete_audience(7, [])
    assert "Audience array is required" in str(info.value)


def test_client__sends_token_header_and_max_delay_as_json_string() -> None:
    fake = FakeUnleashX()
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return fake(request)

    CampaignLifecycle(UnleashXConfig(client_for(handler))).create(dict(CAMPAIGN))
    body = json.loads(seen[0].content)
    assert seen[0].headers["token"] == TOKEN
    assert body["max_delay"] == '{"d":0,"h":1,"m":0}' and isinstance(body["max_delay"], str)


def test_client__create_is_not_retried_blindly_after_a_5xx() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return httpx.Response(503, json={"error": True, "message": "busy"})

    with pytest.raises(Exception):  # noqa: B017 - any ApiError: the point is the call count
        client_for(handler).create_campaign({"campaign_name": "x"})
    assert len(calls) == 1


# -- Campaign: check and diff ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("change", "field"), [
    ({"max_retry": 0}, "max_retry"),
    ({"max_retry": 51}, "max_retry"),
    ({"start_date": "01/02/2026"}, "start_date"),
    ({"end_date": "2026-02-30"}, "end_date"),
    ({"end_date": "2025-12-31"}, "end_date"),
    ({"campaign_name": " padded "}, "campaign_name"),
    ({"campaign_name": "x" * 256}, "campaign_name"),
    ({"status": "running"}, "status"),
    ({"max_delay": None}, "max_delay"),
    ({"max_delay": {"d": -1}}, "max_delay.d"),
    ({"colour": "red"}, "colour"),
])
def test_check__campaign_rules_fail_at_preview_on_the_right_field(change: dict[str, Any], field: str) -> None:
    result = CampaignLifecycle().check({}, {**CAMPAIGN, **change})
    assert [f.property for f in result.failures] == [field]
    assert "unleashx:Campaign" in result.failures[0].reason


def test_check__single_try_needs_no_delay_and_delay_is_normalized() -> None:
    provider = configured(CampaignLifecycle, FakeUnleashX())
    assert provider.check({}, {**CAMPAIGN, "max_retry": 1, "max_delay": None}).failures == []
    siblings.DECLARED.clear()  # another deployment: the same campaign_name is not declared twice
    result = provider.check({}, {**CAMPAIGN, "max_delay": {"h": 2}})
    assert result.failures == [] and result.inputs["max_delay"] == {"d": 0, "h": 2, "m": 0}
    assert "status" not in result.inputs  # at its default: left out (test_check__inputs_at_their_default_...)


def test_check__inputs_at_their_default_are_left_out_unless_the_last_inputs_held_another_value() -> None:
    lifecycle = configured(CampaignLifecycle, FakeUnleashX())
    assert lifecycle.input_defaults() == {"status": "draft", "delete_records_on_destroy": False}

    def check(olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        siblings.DECLARED.clear()  # each check as its own deployment: the same campaign_name isn't declared twice
        result = lifecycle.check(olds, news)
        assert result.failures == []
        return dict(result.inputs)

    for given in ({}, {"status": "draft", "delete_records_on_destroy": False}):  # omitted, or given as the default
        inputs = check({}, {**CAMPAIGN, **given})
        assert "status" not in inputs and "delete_records_on_destroy" not in inputs, inputs
        # A state written by an earlier version recorded the default: still left out.
        inputs = check({**CAMPAIGN, "status": "draft"}, {**CAMPAIGN, **given})
        assert "status" not in inputs, inputs
    assert check({}, {**CAMPAIGN, "status": "hold"})["status"] == "hold"
    # Back to the default from another value: recorded this once, so the engine shows `"hold" => "draft"`.
    assert check({**CAMPAIGN, "status": "hold"}, CAMPAIGN)["status"] == "draft"
    assert check({**CAMPAIGN, "delete_records_on_destroy": True}, CAMPAIGN)["delete_records_on_destroy"] is False


def test_diff__an_input_left_out_at_its_default_reads_as_the_default() -> None:
    lifecycle = CampaignLifecycle()
    assert lifecycle.diff("7", _state(), CAMPAIGN).changes is False
    assert lifecycle.diff("7", {k: v for k, v in _state().items() if k != "status"}, CAMPAIGN).changes is False
    result = lifecycle.diff("7", _state(status="hold"), CAMPAIGN)
    assert result.changes and result.detailed_diff == {"status": "update"}
    assert lifecycle.diff("7", _state(), {**CAMPAIGN, "status": "hold"}).detailed_diff == {"status": "update"}


def test_check__unknown_values_during_preview_are_not_failures() -> None:
    result = CampaignLifecycle().check({}, {**CAMPAIGN, "start_date": UNKNOWN, "agent_id": UNKNOWN})
    assert result.failures == [] and result.inputs["agent_id"] == UNKNOWN


def test_check__adopt_id_of_a_missing_campaign_fails_at_preview() -> None:
    provider = configured(CampaignLifecycle, FakeUnleashX())
    result = provider.check({}, {**CAMPAIGN, "adopt_id": 42})
    assert [f.property for f in result.failures] == ["adopt_id"] and "Campaign not exist" in result.failures[0].reason


def test_check__unknown_agent_fails_on_agent_id_naming_the_agents_that_exist() -> None:
    fake = FakeUnleashX()
    result = configured(CampaignLifecycle, fake).check({}, {**CAMPAIGN, "agent_id": 110})
    assert [f.property for f in result.failures] == ["agent_id"]
    reason = result.failures[0].reason
    assert "unleashx:Campaign 'Winter'" in reason and "agent_id 110" in reason
    assert "101 (Sales, telephony)" in reason and "102 (Reminders, telephony)" in reason
    assert fake.writes() == []


def test_check__agents_are_read_once_per_provider_process() -> None:
    fake = FakeUnleashX()
    provider = configured(CampaignLifecycle, fake)
    for name in ("a", "b", "c"):
        assert provider.check({}, {**CAMPAIGN, "campaign_name": name}).failures == []
    assert [r[1] for r in fake.requests] == ["get"]


def _state(**extra: Any) -> dict[str, Any]:
    # What the engine hands back: numbers as floats, outputs beside inputs.
    return {**CAMPAIGN, "agent_id": 101.0, "max_retry": 3.0, "max_delay": {"d": 0.0, "h": 1.0, "m": 0.0},
            "status": "draft", "campaign_id": 7.0, "created_at": "x", **extra}


def test_diff__every_campaign_field_updates_in_place() -> None:
    news = {**CAMPAIGN, "status": "draft"}
    assert CampaignLifecycle().diff("7", _state(), news).changes is False
    for change in ({"status": "pause"}, {"campaign_name": "Spring"}, {"agent_id": 102}, {"end_date": "2026-03-01"}):
        result = CampaignLifecycle().diff("7", _state(), {**news, **change})
        assert result.changes and result.replaces == []


def test_diff__adopt_id_only_matters_at_create() -> None:
    assert CampaignLifecycle().diff("7", _state(), {**CAMPAIGN, "status": "draft", "adopt_id": 7}).changes is False


# -- Campaign: lifecycle ------------------------------------------------------------------------------------------
def test_create__returns_id_and_sets_status_after_create() -> None:
    fake = FakeUnleashX()
    provider = configured(CampaignLifecycle, fake)
    result = provider.create({**CAMPAIGN, "status": "inprogress"})
    assert result.id == "101" and result.outs["campaign_id"] == 101
    assert "created_at" not in result.outs
    assert [r[1] for r in fake.writes()] == ["create-campaign", "update-campaign"]
    assert fake.campaigns[101]["campaign_status"] == "inprogress"


def test_create__answer_without_id_fails_with_the_way_out() -> None:
    fake = FakeUnleashX()
    fake.with_data = False
    with pytest.raises(ProviderError) as info:
        configured(CampaignLifecycle, fake).create(dict(CAMPAIGN))
    assert "carries no campaign id" in str(info.value) and "adopt_id" in str(info.value)
    assert len(fake.campaigns) == 1


def test_create__lost_answer_then_name_taken_explains_it_was_probably_created() -> None:
    fake = FakeUnleashX()
    fake.drop_creates = 1
    with pytest.raises(Conflict) as info:
        configured(CampaignLifecycle, fake).create(dict(CAMPAIGN))
    assert "most likely created the campaign" in str(info.value) and "adopt_id" in str(info.value)
    assert len(fake.campaigns) == 1  # the retry did not duplicate it


def test_create__taken_name_without_lost_answer_says_so() -> None:
    fake = FakeUnleashX()
    fake.add_campaign(5, name="winter")  # names compare case-insensitively
    with pytest.raises(Conflict) as info:
        configured(CampaignLifecycle, fake).create(dict(CAMPAIGN))
    assert "is taken" in str(info.value) and "most likely" not in str(info.value)


def test_create__adopt_id_takes_over_with_one_full_update() -> None:
    fake = FakeUnleashX()
    fake.add_campaign(9, status="hold", name="old")
    result = configured(CampaignLifecycle, fake).create({**CAMPAIGN, "adopt_id": 9})
    assert result.id == "9" and fake.campaigns[9]["campaign_name"] == "Winter"
    assert fake.campaigns[9]["campaign_status"] == "draft"
    assert [r[1] for r in fake.writes()] == ["update-campaign"]


def test_read__gone_campaign_drops_out_existing_keeps_inputs() -> None:
    fake = FakeUnleashX()
    fake.add_campaign(7)
    provider = configured(CampaignLifecycle, fake)
    kept = provider.read("7", _state())
    assert kept.id == "7" and kept.inputs is not None and kept.inputs["campaign_name"] == "Winter"
    assert provider.read("8", _state()).id is None


def test_update__sends_every_field_and_clears_removed_conditions() -> None:
    fake = FakeUnleashX()
    fake.add_campaign(7)
    provider = configured(CampaignLifecycle, fake)
    olds = _state(conditions=[{"rules": [{"field": "plan", "operator": "==", "value": "gold"}]}])
    provider.update("7", olds, {**CAMPAIGN, "status": "hold"})
    (_, _, body), = fake.writes()
    assert body["id"] == 7 and body["campaign_status"] == "hold" and body["conditions"] is None
    assert body["campaign_name"] == "Winter" and body["max_delay"] == '{"d":0,"h":1,"m":0}'


def test_update__campaign_deleted_in_the_ui_says_to_refresh() -> None:
    with pytest.raises(NotFound) as info:
        configured(CampaignLifecycle, FakeUnleashX()).update("7", _state(), dict(CAMPAIGN))
    assert "pulumi refresh" in str(info.value)


def test_delete__draft_campaign_keeps_its_records_and_says_so(warnings: list[str]) -> None:
    fake = FakeUnleashX()
    fake.add_campaign(7)
    fake.add_record(1, 7, "+1555")
    configured(CampaignLifecycle, fake).delete("7", _state())
    assert len(fake.of(7)) == 1 and fake.campaigns[7]["campaign_status"] == "pause"
    assert [r[1] for r in fake.writes()] == ["update-campaign"]  # no delete-audience reached the vendor
    assert len(warnings) == 1 and "remains in UnleashX" in warnings[0] and "no API to delete campaigns" in warnings[0]
    assert "1 audience record(s) were left in place" in warnings[0] and "delete_records_on_destroy" in warnings[0]


def test_delete__record_count_is_read_beside_the_pause_unless_records_go_first(warnings: list[str]) -> None:
    # Records kept: the count only feeds the warning, so it is read while the pause is on its way (one round
    # trip less per campaign). The dual: records deleted at destroy are counted before any write.
    for delete_records, overlap in ((False, True), (True, False)):
        fake = FakeUnleashX()
        fake.add_campaign(7, name="Winter")
        fake.add_record(1, 7, "+1555")
        pause_sent = threading.Event()
        seen: list[bool] = []

        def handler(request: httpx.Request, fake: FakeUnleashX = fake, pause_sent: threading.Event = pause_sent,
                    seen: list[bool] = seen) -> httpx.Response:
            if request.url.path.endswith("/campaign-audience-stats"):
                seen.append(pause_sent.wait(0.5))  # answered only once the pause has reached UnleashX, if it will
            elif json.loads(request.content or b"{}").get("campaign_status") == "pause":
                pause_sent.set()
            return fake(request)

        CampaignLifecycle(UnleashXConfig(client_for(handler))).delete("7", _state(
            delete_records_on_destroy=delete_records))
        assert seen == [overlap]
        assert fake.campaigns[7]["campaign_status"] == "pause"
        assert fake.campaigns[7]["campaign_name"] == "Winter [destroyed #7]"
        assert (fake.of(7) == []) is delete_records
    assert "1 audience record(s) were left in place" in warnings[0] and "were deleted" in warnings[1]


def test_delete__draft_campaign_is_emptied_when_asked(warnings: list[str]) -> None:
    fake = FakeUnleashX()
    fake.add_campaign(7)
    fake.add_record(1, 7, "+1555")
    configured(CampaignLifecycle, fake).delete("7", _state(delete_records_on_destroy=True))
    assert fake.of(7) == [] and fake.campaigns[7]["campaign_status"] == "pause"
    assert "1 audience record(s) were deleted" in warnings[0]


def test_delete__out_of_band_started_campaign_keeps_records_and_says_why(warnings: list[str]) -> None:
    fake = FakeUnleashX()
    fake.add_campaign(7, status="inprogress")  # state still says draft
    fake.add_record(1, 7, "+1555")
    configured(CampaignLifecycle, fake).delete("7", _state(delete_records_on_destroy=True))
    assert len(fake.of(7)) == 1 and fake.campaigns[7]["campaign_status"] == "pause"
    assert "only be deleted when the campaign is in draft status" in warnings[0]


def test_delete__non_draft_campaign_is_only_paused(warnings: list[str]) -> None:
    fake = FakeUnleashX()
    fake.add_campaign(7, status="hold")
    configured(CampaignLifecycle, fake).delete("7", _state(status="hold"))
    assert [r[1] for r in fake.writes()] == ["update-campaign"]


def test_delete__a_campaign_the_stack_created_is_renamed_so_its_name_is_free(warnings: list[str]) -> None:
    fake = FakeUnleashX()
    fake.add_campaign(7, name="Winter")
    configured(CampaignLifecycle, fake).delete("7", _state())
    assert [(r[1], r[2].get("campaign_status"), r[2].get("campaign_name")) for r in fake.writes()] == [
        ("update-campaign", "pause", None), ("update-campaign", None, "Winter [destroyed #7]")]
    assert fake.campaigns[7]["campaign_name"] == "Winter [destroyed #7]"
    assert "renamed to 'Winter [destroyed #7]' so that 'Winter' is free for a new campaign" in warnings[0]
    # The next create of the same program meets no "Campaign name already exists".
    created = configured(CampaignLifecycle, fake).create(dict(CAMPAIGN))
    assert fake.campaigns[int(created.id)]["campaign_name"] == "Winter"


def test_delete__adopted_or_ui_renamed_campaigns_keep_their_names(warnings: list[str]) -> None:
    fake = FakeUnleashX()
    fake.add_campaign(7, name="Winter")
    configured(CampaignLifecycle, fake).delete("7", _state(adopt_id=7.0))  # not the stack's: next up adopts it again
    fake.add_campaign(8, name="Renamed in the UI")
    configured(CampaignLifecycle, fake).delete("8", _state(campaign_id=8.0))
    assert [r[2].get("campaign_name") for r in fake.writes()] == [None, None]  # two pauses, no rename
    assert fake.campaigns[7]["campaign_name"] == "Winter" and fake.campaigns[8]["campaign_name"] == "Renamed in the UI"
    assert "renamed to" not in warnings[0] and "the name this stack gave it is free already" in warnings[1]


def test_delete__a_failed_rename_says_the_name_stays_taken(warnings: list[str]) -> None:
    fake = FakeUnleashX()
    fake.add_campaign(7, name="Winter")
    fake.add_campaign(9, name="Winter [destroyed #7]")  # someone took the new name
    real = fake.__call__

    def refuse_taken(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else {}
        if body.get("campaign_name") == "Winter [destroyed #7]":
            return fake.error(400, "Campaign name already exists")
        return real(request)

    CampaignLifecycle(UnleashXConfig(client_for(refuse_taken))).delete("7", _state())
    assert fake.campaigns[7]["campaign_status"] == "pause" and fake.campaigns[7]["campaign_name"] == "Winter"
    assert "renaming it to free its name failed" in warnings[0] and "'Winter' stays taken" in warnings[0]


@pytest.mark.parametrize("name", ["W", "x" * 255])
def test_retired_name__keeps_the_id_within_the_name_limit(name: str) -> None:
    retired = unleashx_campaign.retired_name(name, 12345)
    assert retired.endswith(" [destroyed #12345]") and len(retired) <= MAX_NAME
    assert CampaignArgs.model_validate({**CAMPAIGN, "campaign_name": retired}).campaign_name == retired


def test_delete__already_gone_is_success(warnings: list[str]) -> None:
    configured(CampaignLifecycle, FakeUnleashX()).delete("7", _state())
    assert warnings == []


# -- CampaignAudience: lookup ------------------------------------------------------------------------------------
def _many(fake: FakeUnleashX, count: int, cid: int = 7) -> None:
    fake.add_campaign(cid)
    for i in range(count):
        fake.add_record(1000 + i, cid, f"+1555{i:07d}")


def test_find__small_campaign_is_read_whole_and_matched_by_digits() -> None:
    fake = FakeUnleashX()
    fake.add_campaign(7)
    fake.add_record(1, 7, "+1 555-000-0001")
    fake.add_record(2, 7, "15550000002")
    found = client_for(fake).find_records(7, ["15550000001", "+1 (555) 000-0002", "+15550000003"])
    assert {k: [r.id for r in v] for k, v in found.items()} == {
        "15550000001": [1], "15550000002": [2], "15550000003": []}
    assert len(fake.requests) == 1


def test_find__large_campaign_uses_the_mobile_filter_and_ignores_partial_matches() -> None:
    fake = FakeUnleashX()
    _many(fake, 1000)
    fake.add_record(5000, 7, "+4415550000042")  # contains the digits of +15550000042: not the same number
    found = client_for(fake).find_records(7, ["+15550000042"])
    assert [r.id for r in found["15550000042"]] == [1042]
    assert len(fake.requests) == 2 and fake.requests[1][2]["mobile_no"] == "15550000042"


def test_find__an_ignored_filter_falls_back_to_a_full_scan() -> None:
    fake = FakeUnleashX()
    _many(fake, 1000)
    fake.ignore_mobile_filter = True
    found = client_for(fake).find_records(7, ["+15550000999"])
    assert [r.id for r in found["15550000999"]] == [1999]


# -- CampaignAudience: check, diff --------------------------------------------------------------------------------
def _audience_fake() -> FakeUnleashX:
    fake = FakeUnleashX()
    fake.add_campaign(7)
    for rid, phone in ((1, "+15550000001"), (2, "+15550000002"), (3, "+15550000003"), (9, "+15550000009")):
        fake.add_record(rid, 7, phone)
    return fake


@pytest.mark.parametrize("phones", [["abc"], ["+1"], ["+1 555 x"], ["+15550000001", "1 555 000 0001"]])
def test_check__phone_syntax_and_duplicate_digits_fail_before_any_lookup(phones: list[str]) -> None:
    fake = FakeUnleashX()
    result = configured(CampaignAudienceLifecycle, fake).check({}, {"campaign_id": 7, "phone_numbers": phones})
    assert [f.property for f in result.failures] == ["phone_numbers"] and fake.requests == []


def test_check__missing_records_fail_at_preview_with_the_honest_reason_and_no_write() -> None:
    fake = _audience_fake()
    provider = configured(CampaignAudienceLifecycle, fake)
    result = provider.check({}, {"campaign_id": 7, "phone_numbers": ["+15550000001", "+15550000005", "+15550000006"]})
    (failure,) = result.failures
    assert failure.property == "phone_numbers"
    assert "+15550000005, +15550000006" in failure.reason and "no API to add audience records" in failure.reason
    assert "audience-format?campaign_id=7" in failure.reason
    assert fake.writes() == []


def test_check__unknown_campaign_fails_on_campaign_id() -> None:
    result = configured(CampaignAudienceLifecycle, FakeUnleashX()).check(
        {}, {"campaign_id": 8, "phone_numbers": ["+15550000001"]})
    assert [f.property for f in result.failures] == ["campaign_id"]


def test_check__unknown_campaign_id_skips_the_lookup() -> None:
    fake = FakeUnleashX()
    inputs = {"campaign_id": UNKNOWN, "phone_numbers": ["+1555"]}
    result = configured(CampaignAudienceLifecycle, fake).check({}, inputs)
    assert result.failures == [] and fake.requests == []


def test_diff__phone_order_and_formatting_do_not_matter_campaign_change_replaces() -> None:
    olds = {"campaign_id": 7.0, "phone_numbers": ["+15550000001", "+15550000002"], "record_ids": [1.0, 2.0]}
    same = {"campaign_id": 7, "phone_numbers": ["15550000002", "+1 555 000 0001"]}
    assert CampaignAudienceLifecycle().diff("7/audience", olds, same).changes is False
    added = CampaignAudienceLifecycle().diff("7/audience", olds, {**same, "phone_numbers": ["+15550000003"]})
    assert added.changes and added.replaces == []
    moved = CampaignAudienceLifecycle().diff("7/audience", olds, {**same, "campaign_id": 8})
    assert moved.replaces == ["campaign_id"]


# -- CampaignAudience: lifecycle ---------------------------------------------------------------------------------
def test_create__adopts_existing_records_without_writing() -> None:
    fake = _audience_fake()
    result = configured(CampaignAudienceLifecycle, fake).create(
        {"campaign_id": 7, "phone_numbers": ["+15550000002", "+15550000001"]})
    assert result.id == "7/audience" and result.outs["record_ids"] == [2, 1]
    assert result.outs["records"][0] == {"id": 2, "mobile_no": "+15550000002"}
    assert fake.writes() == []


def test_create__missing_record_is_an_input_error() -> None:
    with pytest.raises(InputError) as info:
        configured(CampaignAudienceLifecycle, _audience_fake()).create(
            {"campaign_id": 7, "phone_numbers": ["+15550000005"]})
    assert "no API to add audience records" in str(info.value)


def _owned(*pairs: tuple[int, str]) -> dict[str, Any]:
    return {"campaign_id": 7.0, "phone_numbers": [p for _, p in pairs],
            "records": [{"id": float(i), "mobile_no": p, "status": "Fresh"} for i, p in pairs],
            "record_ids": [float(i) for i, _ in pairs]}


def test_update__removed_number_deletes_just_its_record() -> None:
    fake = _audience_fake()
    provider = configured(CampaignAudienceLifecycle, fake)
    outs = provider.update("7/audience", _owned((1, "+15550000001"), (2, "+15550000002")),
                           {"campaign_id": 7, "phone_numbers": ["+15550000001", "+15550000003"]}).outs
    assert fake.writes() == [("POST", "delete-audience", {"campaign_id": 7, "audience": [2]})]
    assert outs["record_ids"] == [1, 3] and sorted(fake.records) == [1, 3, 9]


def test_update__missing_added_number_fails_before_deleting_anything() -> None:
    fake = _audience_fake()
    with pytest.raises(InputError):
        configured(CampaignAudienceLifecycle, fake).update(
            "7/audience", _owned((1, "+15550000001"), (2, "+15550000002")),
            {"campaign_id": 7, "phone_numbers": ["+15550000001", "+15550000005"]})
    assert fake.writes() == []


def test_read__records_deleted_out_of_band_drop_out_of_inputs_and_outputs() -> None:
    fake = _audience_fake()
    del fake.records[2]
    result = configured(CampaignAudienceLifecycle, fake).read(
        "7/audience", _owned((1, "+15550000001"), (2, "+15550000002")))
    assert result.outs["record_ids"] == [1] and result.inputs is not None
    assert result.inputs["phone_numbers"] == ["+15550000001"]


def test_read__gone_campaign_drops_the_resource() -> None:
    assert configured(CampaignAudienceLifecycle, FakeUnleashX()).read(
        "7/audience", _owned((1, "+15550000001"))).id is None


def test_delete__owned_subset_is_deleted_by_id() -> None:
    fake = _audience_fake()
    configured(CampaignAudienceLifecycle, fake).delete("7/audience", _owned((1, "+15550000001"), (2, "+1555002")))
    assert sorted(fake.records) == [3, 9]
    assert [r[2] for r in fake.writes()] == [{"campaign_id": 7, "audience": [1, 2]}]


def test_delete__all_records_of_a_campaign_are_still_deleted_by_id() -> None:
    fake = FakeUnleashX()
    fake.add_campaign(7)
    fake.add_record(1, 7, "+15550000001")
    fake.add_record(2, 7, "+15550000002")
    configured(CampaignAudienceLifecycle, fake).delete("7/audience", _owned((1, "+15550000001"), (2, "+1555002")))
    assert fake.records == {} and [r[2] for r in fake.writes()] == [{"campaign_id": 7, "audience": [1, 2]}]


def test_delete__same_count_but_foreign_records_never_uses_delete_all() -> None:
    fake = FakeUnleashX()
    fake.add_campaign(7)
    fake.add_record(5, 7, "+15550000005")  # ours (1) was deleted out of band; 5 is someone else's
    configured(CampaignAudienceLifecycle, fake).delete("7/audience", _owned((1, "+15550000001")))
    assert list(fake.records) == [5]


def test_delete__gone_campaign_and_chunking(monkeypatch: pytest.MonkeyPatch) -> None:
    configured(CampaignAudienceLifecycle, FakeUnleashX()).delete("7/audience", _owned((1, "+15550000001")))
    fake = FakeUnleashX()
    _many(fake, 5)
    fake.add_record(9999, 7, "+19990000000")
    monkeypatch.setattr(unleashx_campaign, "DELETE_CHUNK", 2)
    owned = _owned(*((1000 + i, f"+1555{i:07d}") for i in range(5)))
    configured(CampaignAudienceLifecycle, fake).delete("7/audience", owned)
    assert list(fake.records) == [9999]
    assert [len(r[2]["audience"]) for r in fake.writes()] == [2, 2, 1]


def test_check__engine_unknown_objects_skip_the_lookup() -> None:
    from pulumi.output import Unknown

    fake = FakeUnleashX()
    provider = configured(CampaignAudienceLifecycle, fake)
    result = provider.check({}, {"campaign_id": Unknown(), "phone_numbers": ["+15550000001"]})  # type: ignore[no-untyped-call]  # pulumi: Unknown() unannotated
    assert result.failures == [] and fake.requests == []
    olds = {"campaign_id": 7.0, "phone_numbers": ["+15550000001"]}
    assert provider.diff("7/audience", olds, {"campaign_id": Unknown(),  # type: ignore[no-untyped-call]  # pulumi: Unknown() unannotated
                                                   "phone_numbers": ["+15550000001"]}).changes


def test_update__audience_of_a_deleted_campaign_says_to_refresh() -> None:
    with pytest.raises(NotFound) as info:
        configured(CampaignAudienceLifecycle, FakeUnleashX()).update(
            "7/audience", _owned((1, "+15550000001")), {"campaign_id": 7, "phone_numbers": ["+15550000001"]})
    assert "pulumi refresh" in str(info.value)


# -- shape: one output schema per resource, the seam, the layers ----------------------------------------------
@pytest.mark.parametrize(("resource", "state"), [(Campaign, CampaignState), (CampaignAudience, CampaignAudienceState)])
def test_outputs__resource_annotations_name_the_state_fields(resource: type, state: type[Any]) -> None:
    annotated = [name for name in vars(resource).get("__annotations__", {}) if name != "provider_class"]
    assert annotated == list(state.model_fields)


def test_outputs__campaign_create_read_update_return_every_state_field() -> None:
    fake = FakeUnleashX()
    lifecycle = configured(CampaignLifecycle, fake)
    created = lifecycle.create(dict(CAMPAIGN))
    assert list(created.outs) == list(CampaignState.model_fields)
    assert list(lifecycle.update(created.id, created.outs, {**CAMPAIGN, "status": "hold"}).outs) == list(
        CampaignState.model_fields)
    assert set(lifecycle.read(created.id, created.outs).outs) == set(CampaignState.model_fields)


def test_outputs__audience_create_and_read_return_every_state_field() -> None:
    lifecycle = configured(CampaignAudienceLifecycle, _audience_fake())
    created = lifecycle.create({"campaign_id": 7, "phone_numbers": ["+15550000001"]})
    assert list(created.outs) == list(CampaignAudienceState.model_fields)
    assert list(lifecycle.read(created.id, created.outs).outs) == list(CampaignAudienceState.model_fields)


def test_config__load_takes_a_transport_and_the_lifecycle_uses_it() -> None:
    fake = FakeUnleashX()
    lifecycle = CampaignLifecycle(load(ConfigSource(None), transport=httpx.MockTransport(fake)))
    assert lifecycle.check({}, dict(CAMPAIGN)).failures == []
    assert [r[:2] for r in fake.requests] == [("GET", "get")]  # the agents, read through the mock


def test_layers__lifecycle_config_client_models_import_nothing_from_pulumi() -> None:
    # The package's __init__ imports resource.py (the Pulumi declarations, needed by the registry), so the
    # package is put in place empty and each module below is imported for real, with `pulumi` unimportable.
    code = """
import importlib, importlib.abc, sys, types
from pathlib import Path

class NoPulumi(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "pulumi" or name.startswith("pulumi."):
            raise ImportError(f"{name} imported")
        return None

sys.meta_path.insert(0, NoPulumi())
import audience_providers
pkg = types.ModuleType("audience_providers.unleashx")
pkg.__path__ = [str(Path(audience_providers.__file__).parent / "unleashx")]
sys.modules[pkg.__name__] = pkg
for name in ("campaign", "config", "client", "models"):
    importlib.import_module(f"audience_providers.unleashx.{name}")
print(sorted(m for m in sys.modules if m.startswith("audience_providers.unleashx.")))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "audience_providers.unleashx.campaign" in out.stdout and "resource" not in out.stdout


# -- CampaignAudience: import by campaign id -----------------------------------------------------------------------
@pytest.mark.parametrize("import_id", ["7", "7/audience"])
def test_import__campaign_audience_takes_every_record_and_the_program_diffs_clean(import_id: str) -> None:
    fake = _audience_fake()
    fake.add_record(4, 7, "1 555 000 0001")  # a second record of the same number: one input, both records owned
    fake.add_campaign(8)
    fake.add_record(5, 8, "+15550000008")  # another campaign's record: not part of this import
    provider = configured(CampaignAudienceLifecycle, fake)
    result = provider.read(import_id, {})
    assert result.id == "7/audience" and result.inputs is not None
    assert result.inputs == {"campaign_id": 7, "phone_numbers": ["+15550000001", "+15550000002", "+15550000003",
                                                                 "+15550000009"]}
    assert result.outs["record_ids"] == [1, 4, 2, 3, 9]
    # The generated code declares exactly the inputs read: check passes (every number has a record) and diff is clean.
    checked = provider.check(result.inputs, dict(result.inputs))
    assert checked.failures == []
    assert provider.diff(import_id, result.outs, checked.inputs).changes is False
    assert fake.writes() == []


def test_import__campaign_audience_of_a_missing_campaign_is_gone() -> None:
    assert configured(CampaignAudienceLifecycle, FakeUnleashX()).read("7", {}).id is None


def test_import__campaign_audience_by_a_non_numeric_id_says_how_to_import() -> None:
    with pytest.raises(InputError, match="by its campaign id"):
        configured(CampaignAudienceLifecycle, _audience_fake()).read("winter", {})


def test_get__campaign_audience_reads_every_record_without_writing() -> None:
    fake = _audience_fake()
    result = configured(CampaignAudienceLifecycle, fake).read("7/audience", {"campaign_id": None,
                                                                            "phone_numbers": None})
    assert result.outs["record_ids"] == [1, 2, 3, 9] and fake.writes() == []


def test_import__campaign_still_refuses_naming_the_missing_endpoint() -> None:
    with pytest.raises(InputError) as info:
        configured(CampaignLifecycle, FakeUnleashX()).read("7", {})
    assert "no campaign list or get" in str(info.value) and "adopt_id=" in str(info.value)
