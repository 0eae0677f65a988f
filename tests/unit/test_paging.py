"""Paged lists (_core/paging.py) with httpx.MockTransport: stop rules, and each vendor's exact query strings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from audience_providers._core.errors import ProviderError
from audience_providers._core.http import BaseClient, ClientSettings
from audience_providers._core.paging import CursorPage, NumberedPage
from audience_providers.batch.client import Client as BatchClient
from audience_providers.sonarly.client import Client as SonarlyClient
from audience_providers.thrive.client import Client as ThriveClient
from audience_providers.unleashx.client import Client as UnleashXClient

Handler = Callable[[httpx.Request], httpx.Response]


class EchoClient(BaseClient):
    vendor = "Echo"


class Cursored(CursorPage[int]):
    items: list[int]
    next: str | None = None

    def page_items(self) -> list[int]:
        return self.items

    def cursor_after(self) -> str | None:
        return self.next


class Numbered(NumberedPage[int]):
    items: list[int]
    pages: int | None = None

    def page_items(self) -> list[int]:
        return self.items

    def total_pages(self) -> int | None:
        return self.pages


def _settings(base: str, handler: Handler) -> ClientSettings:
    return ClientSettings(base_url=base, transport=httpx.MockTransport(handler))


def _pages_client(pages: dict[str, dict[str, object]]) -> tuple[EchoClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        key = request.url.params.get("cursor") or request.url.params.get("page") or ""
        return httpx.Response(200, json=pages[key])

    return EchoClient(_settings("https://echo.test", handler)), seen


def _urls(seen: list[httpx.Request]) -> list[str]:
    return [r.url.raw_path.decode() for r in seen]  # path as sent (still quoted) and query string


# -- the stop rules ----------------------------------------------------------------------------------------
def test_paginate__cursor_follows_next_until_none() -> None:
    client, seen = _pages_client({"": {"items": [1, 2], "next": "b"}, "b": {"items": [3], "next": "c"},
                                  "c": {"items": [4], "next": None}})
    items = list(client.pages("list", "/items", Cursored))
    assert items == [1, 2, 3, 4] and len(seen) == 3


def test_paginate__numbered_stops_at_the_reported_total_pages() -> None:
    client, seen = _pages_client({"1": {"items": [1, 2], "pages": 2}, "2": {"items": [3, 4], "pages": 2}})
    items = list(client.pages("list", "/items", Numbered, {"page": 1, "limit": 2}))
    assert items == [1, 2, 3, 4] and len(seen) == 2  # a full last page is not followed by an empty probe


def test_paginate__numbered_without_totals_stops_at_a_short_page() -> None:
    client, seen = _pages_client({"1": {"items": [1, 2]}, "2": {"items": [3]}})
    assert list(client.pages("list", "/items", Numbered, {"page": 1, "limit": 2})) == [1, 2, 3] and len(seen) == 2


def test_paginate__numbered_without_totals_reads_one_empty_page_after_a_full_one() -> None:
    client, seen = _pages_client({"1": {"items": [1, 2]}, "2": {"items": []}})
    assert list(client.pages("list", "/items", Numbered, {"page": 1, "limit": 2})) == [1, 2] and len(seen) == 2


def test_paginate__a_cursor_handed_back_twice_is_an_error_not_a_loop() -> None:
    client, seen = _pages_client({"": {"items": [1], "next": "x"}, "x": {"items": [2], "next": "x"}})
    with pytest.raises(ProviderError, match="twice") as info:
        list(client.pages("list items", "/items", Cursored))
    assert str(info.value) == "Echo list items: the vendor returned page 'x' twice; stopped paging"
    assert len(seen) == 2


def test_paginate__nothing_is_read_until_the_list_is_walked() -> None:
    client, seen = _pages_client({"": {"items": [1], "next": None}})
    listing = client.pages("list", "/items", Cursored)
    assert seen == []
    assert list(listing) == [1] and len(seen) == 1


def test_first_page__is_read_once_when_the_walk_follows() -> None:
    client, seen = _pages_client({"": {"items": [1], "next": "b"}, "b": {"items": [2], "next": None}})
    listing = client.pages("list", "/items", Cursored)
    assert listing.first_page().items == [1] and len(seen) == 1
    assert list(listing) == [1, 2] and _urls(seen) == ["/items", "/items?cursor=b"]


def test_pages__yields_whole_pages_in_order() -> None:
    client, _ = _pages_client({"": {"items": [1], "next": "b"}, "b": {"items": [2, 3], "next": None}})
    assert [page.items for page in client.pages("list", "/items", Cursored).pages()] == [[1], [2, 3]]


# -- each vendor's page type: the query strings the client sends (the benches count these) -------------------
def _recording(answers: list[dict[str, Any]], seen: list[httpx.Request],
               headers: dict[str, str] | None = None) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=answers[min(len(seen) - 1, len(answers) - 1)], headers=headers)

    return handler


def test_iter_audiences__batch_sends_limit_then_from_while_has_more() -> None:
    seen: list[httpx.Request] = []
    answers = [{"audiences": [{"name": "a"}], "has_more": True, "next_from": "c1", "count": 2},
               {"audiences": [{"name": "b"}], "has_more": False, "next_from": "c2"}]
    client = BatchClient(_settings("https://batch.test/2.8", _recording(answers, seen)), api_key="k", project_key="p")
    assert [a.name for a in client.iter_audiences()] == ["a", "b"]
    assert _urls(seen) == ["/2.8/audiences/list?limit=100", "/2.8/audiences/list?limit=100&from=c1"]


def test_iter_audiences__batch_default_limit_sends_only_the_cursor() -> None:
    seen: list[httpx.Request] = []
    answers = [{"audiences": [], "has_more": True, "next_from": "c1"}, {"audiences": [], "has_more": False}]
    client = BatchClient(_settings("https://batch.test/2.8", _recording(answers, seen)), api_key="k", project_key="p")
    assert list(client.iter_audiences(limit=None)) == []
    assert _urls(seen) == ["/2.8/audiences/list", "/2.8/audiences/list?from=c1"]


def test_verify_credentials__batch_reads_one_page_of_one() -> None:
    seen: list[httpx.Request] = []
    answers = [{"audiences": [{"name": "a"}], "has_more": True, "next_from": "c1"}]
    client = BatchClient(_settings("https://batch.test/2.8", _recording(answers, seen)), api_key="k", project_key="p")
    client.verify_credentials()
    assert _urls(seen) == ["/2.8/audiences/list?limit=1"]


def test_list_accounts__sonarly_unwraps_the_envelope_and_follows_the_cursor() -> None:
    seen: list[httpx.Request] = []
    answers = [{"success": True, "data": {"items": [{"id": "ag_1"}], "nextCursor": "n1", "hasMore": True}},
               {"success": True, "data": {"items": [{"id": "ag_2"}], "nextCursor": "n2", "hasMore": False}}]
    client = SonarlyClient(_settings("https://sonarly.test/v1", _recording(answers, seen)), api_key="sk_live_x")
    assert [g.id for g in client.list_accounts()] == ["ag_1", "ag_2"]
    assert _urls(seen) == ["/v1/accounts", "/v1/accounts?cursor=n1"]


def test_iter_jobs__sonarly_keeps_limit_and_status_before_the_cursor() -> None:
    seen: list[httpx.Request] = []
    job = {"jobId": "j1", "status": "queued"}
    answers: list[dict[str, Any]] = [{"data": {"items": [job], "nextCursor": "n1", "hasMore": True}},
               {"data": {"items": [], "nextCursor": None, "hasMore": False}}]
    client = SonarlyClient(_settings("https://sonarly.test/v1", _recording(answers, seen)), api_key="sk_live_x")
    assert [j.job_id for j in client.iter_jobs("ag 1", "queued")] == ["j1"]
    assert _urls(seen) == ["/v1/accounts/ag%201/prospecting?limit=100&status=queued",
                           "/v1/accounts/ag%201/prospecting?limit=100&status=queued&cursor=n1"]


def test_iter_audience_pages__sonarly_pages_carry_the_date_header() -> None:
    seen: list[httpx.Request] = []
    answers = [{"data": {"items": [{"id": "a1", "name": "A"}], "nextCursor": "n1", "hasMore": True}},
               {"data": {"items": [{"id": "a2", "name": "B"}], "nextCursor": "ignored", "hasMore": False}}]
    handler = _recording(answers, seen, headers={"Date": "Tue, 01 Dec 2026 10:00:00 GMT"})
    client = SonarlyClient(_settings("https://sonarly.test/v1", handler), api_key="sk_live_x")
    pages = list(client.iter_audience_pages("ag_1"))
    assert [[a.id for a in p.items] for p in pages] == [["a1"], ["a2"]]
    assert all(p.server_time is not None and p.server_time.hour == 10 for p in pages)
    assert _urls(seen) == ["/v1/accounts/ag_1/audiences?limit=100", "/v1/accounts/ag_1/audiences?limit=100&cursor=n1"]


def test_iter_prospects__sonarly_stops_when_has_more_is_false() -> None:
    seen: list[httpx.Request] = []
    answers = [{"data": {"items": [], "nextCursor": "n1", "hasMore": False}}]
    client = SonarlyClient(_settings("https://sonarly.test/v1", _recording(answers, seen)), api_key="sk_live_x")
    assert list(client.iter_prospects("ag_1", "aud_1")) == []
    assert _urls(seen) == ["/v1/accounts/ag_1/audiences/aud_1/prospects?limit=100"]


def test_iter_audiences__thrive_counts_pages_up_to_total_pages() -> None:
    seen: list[httpx.Request] = []
    answers = [{"results": [{"id": "1", "name": "A", "category": "Team"}], "pagination": {"totalPages": 2}},
               {"results": [{"id": "2", "name": "B", "category": "Team"}], "pagination": {"totalPages": 2}}]
    client = ThriveClient(_settings("https://thrive.test/rest/v1", _recording(answers, seen)), tenant_id="t",
                          api_secret="s")
    assert [a.id for a in client.iter_audiences(api_controlled=True)] == ["1", "2"]
    assert _urls(seen) == ["/rest/v1/audiences?page=1&perPage=1000&apiControlled=true",
                           "/rest/v1/audiences?page=2&perPage=1000&apiControlled=true"]


def test_iter_users__thrive_without_totals_stops_at_a_short_page() -> None:
    seen: list[httpx.Request] = []
    answers = [{"results": [{"id": "u1"}, {"id": "u2"}]}, {"results": [{"id": "u3"}]}]
    client = ThriveClient(_settings("https://thrive.test/rest/v1", _recording(answers, seen)), tenant_id="t",
                          api_secret="s")
    assert [u.id for u in client.iter_users(per_page=2)] == ["u1", "u2", "u3"]
    assert _urls(seen) == ["/rest/v1/users?page=1&perPage=2", "/rest/v1/users?page=2&perPage=2"]


def _unleashx(pages: dict[tuple[str, str], dict[str, Any]], seen: list[httpx.Request]) -> UnleashXClient:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        key = (request.url.params.get("mobile_no", ""), request.url.params["page"])
        return httpx.Response(200, json=pages.get(key, {"datalist": [], "pagination": {}}))

    return UnleashXClient(_settings("https://unleashx.test/api/v1/global", handler), token="t")


def _records(*ids: int) -> list[dict[str, Any]]:
    return [{"id": i, "mobile_no": f"+1555000{i:04d}"} for i in ids]


def test_iter_records__unleashx_sends_campaign_page_limit_in_order() -> None:
    seen: list[httpx.Request] = []
    meta = {"totalPages": 2, "totalRecords": 3}
    client = _unleashx({("", "1"): {"datalist": _records(1, 2), "pagination": meta},
                        ("", "2"): {"datalist": _records(3), "pagination": meta}}, seen)
    assert [r.id for r in client.iter_records(7)] == [1, 2, 3]
    assert _urls(seen) == ["/api/v1/global/audience-list?campaign_id=7&page=1&limit=100",
                           "/api/v1/global/audience-list?campaign_id=7&page=2&limit=100"]


def test_find_records__unleashx_small_campaign_reads_each_page_once() -> None:
    seen: list[httpx.Request] = []
    meta = {"totalPages": 2, "totalRecords": 3}
    client = _unleashx({("", "1"): {"datalist": _records(1, 2), "pagination": meta},
                        ("", "2"): {"datalist": _records(3), "pagination": meta}}, seen)
    found = client.find_records(7, ["+15550000003", "+15550000009"])
    assert [r.id for r in found["15550000003"]] == [3] and found["15550000009"] == []
    assert [r.url.params["page"] for r in seen] == ["1", "2"]  # page 1 kept from the size probe, not read again


def test_find_records__unleashx_large_campaign_searches_each_number_by_filter() -> None:
    seen: list[httpx.Request] = []
    meta = {"totalPages": 5, "totalRecords": 450}
    client = _unleashx({("", "1"): {"datalist": _records(1), "pagination": meta},
                        ("15550000042", "1"): {"datalist": _records(42),
                                               "pagination": {"totalPages": 1, "totalRecords": 1}}}, seen)
    found = client.find_records(7, ["+15550000042"])
    assert [r.id for r in found["15550000042"]] == [42]
    assert _urls(seen) == ["/api/v1/global/audience-list?campaign_id=7&page=1&limit=100",
                           "/api/v1/global/audience-list?campaign_id=7&page=1&limit=100&mobile_no=15550000042"]


def test_find_records__unleashx_ignored_filter_falls_back_to_a_scan_from_page_two() -> None:
    seen: list[httpx.Request] = []
    meta = {"totalPages": 3, "totalRecords": 250}
    client = _unleashx({("", "1"): {"datalist": _records(1), "pagination": meta},
                        ("15550000042", "1"): {"datalist": _records(1), "pagination": meta},
                        ("", "2"): {"datalist": _records(2), "pagination": meta},
                        ("", "3"): {"datalist": _records(42), "pagination": meta}}, seen)
    found = client.find_records(7, ["+15550000042"])
    assert [r.id for r in found["15550000042"]] == [42]
    assert [(r.url.params.get("mobile_no", ""), r.url.params["page"]) for r in seen] == [
        ("", "1"), ("15550000042", "1"), ("", "2"), ("", "3")]
