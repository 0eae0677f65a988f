"""Thrive configuration: Basic or OAuth client credentials, with the client id as its own setting."""

from __future__ import annotations

import httpx
import pytest

from audience_providers._core.config import ConfigSource
from audience_providers._core.errors import ConfigurationError
from audience_providers._core.http import ClientSettings
from audience_providers.thrive.client import Client
from audience_providers.thrive.config import load as load_thrive_config

BASE = {"thrive:tenantId": "eu-west-2_Unit", "thrive:baseUrl": "https://thrive.test/rest/v1"}


def test_config__client_secret_without_client_id_names_the_missing_setting() -> None:
    with pytest.raises(ConfigurationError) as info:
        load_thrive_config(ConfigSource({**BASE, "thrive:clientSecret": "cs-unit"}, environ={}))
    text = str(info.value)
    assert "thrive:clientId" in text and "pulumi config set thrive:clientId" in text and "THRIVE_CLIENT_ID" in text
    assert "cs-unit" not in text


def test_config__client_id_falls_back_to_the_environment() -> None:
    cfg = load_thrive_config(ConfigSource({**BASE, "thrive:clientSecret": "cs-unit"},
                                          environ={"THRIVE_CLIENT_ID": "client-from-env"}))
    assert cfg.client.oauth and cfg.client._client_id == "client-from-env"


def test_config__basic_needs_no_client_id() -> None:
    cfg = load_thrive_config(ConfigSource({**BASE, "thrive:apiSecret": "api-unit"}, environ={}))
    assert not cfg.client.oauth


def test_oauth__token_request_sends_the_client_id_not_the_tenant_id() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.startswith("/oauth2/token/"):
            return httpx.Response(200, json={"access_token": "tok", "token_type": "Bearer", "expires_in": 3600})
        return httpx.Response(200, json={"results": [], "pagination": {"totalPages": 0}})

    settings = ClientSettings(base_url="https://thrive.test/rest/v1", transport=httpx.MockTransport(handler))
    client = Client(settings, tenant_id="eu-west-2_Unit", client_id="issued-client", client_secret="cs-unit",
                    token_endpoint="https://thrive.test/oauth2/token/eu-west-2_Unit")
    assert list(client.iter_audiences()) == []
    form = dict(httpx.QueryParams(seen[0].content.decode()))
    assert form["client_id"] == "issued-client" and seen[0].url.path == "/oauth2/token/eu-west-2_Unit"
    assert seen[1].headers["Authorization"] == "Bearer tok"


def test_iter_audience_members__reads_every_page() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        rows = [{"userId": f"u{page}{i}", "reference": f"r{page}{i}"} for i in range(2 if page < 3 else 1)]
        return httpx.Response(200, json={"results": rows, "pagination": {"totalPages": 3, "page": page}})

    settings = ClientSettings(base_url="https://thrive.test/rest/v1", transport=httpx.MockTransport(handler))
    client = Client(settings, tenant_id="t", api_secret="s")
    assert [m.reference for m in client.iter_audience_members("aud", per_page=2)] == ["r10", "r11", "r20", "r21",
                                                                                      "r30"]
