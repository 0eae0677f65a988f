"""Credentials are validated once per provider process at check (preview), with one read, and can be skipped."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from audience_providers._core.config import ConfigSource, skip_credentials_validation
from audience_providers._core.errors import ConfigurationError, CredentialsRejected
from audience_providers._core.http import ClientSettings
from audience_providers._core.retry import RetryPolicy
from audience_providers.batch.audience import AudienceLifecycle as BatchLifecycle
from audience_providers.batch.client import Client as BatchClient
from audience_providers.batch.config import BatchConfig
from audience_providers.batch.resource import AudienceProvider as BatchAudience
from audience_providers.sonarly.client import Client as SonarlyClient
from audience_providers.sonarly.config import SonarlyConfig
from audience_providers.sonarly.folder import AudienceFolderLifecycle
from audience_providers.thrive.client import Client as ThriveClient
from audience_providers.thrive.config import ThriveConfig
from audience_providers.thrive.structure import StructureLifecycle
from audience_providers.unleashx.campaign import CampaignLifecycle
from audience_providers.unleashx.client import Client as UnleashXClient
from audience_providers.unleashx.config import UnleashXConfig

SECRET = "unit-secret-9d8c7b6a"


@pytest.fixture(autouse=True)
def _validation_on(monkeypatch: pytest.MonkeyPatch) -> None:
    for vendor in ("BATCH", "THRIVE", "SONARLY", "UNLEASHX"):
        monkeypatch.delenv(f"{vendor}_SKIP_CREDENTIALS_VALIDATION", raising=False)


def _settings(base: str, handler: Callable[[httpx.Request], httpx.Response], seen: list[str]) -> ClientSettings:
    def record(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        return handler(request)

    return ClientSettings(base_url=base, transport=httpx.MockTransport(record),
                          retry=RetryPolicy(deadline=1, base_delay=0.001))


def _batch(status: int, seen: list[str], secret: str = SECRET) -> BatchAudience:
    def handler(request: httpx.Request) -> httpx.Response:
        if status != 200:
            return httpx.Response(status, json={"error_code": "AUTHENTICATION_INVALID",
                                                "error_message": "The Rest API Key is not valid for this project"})
        return httpx.Response(200, json={"audiences": [], "has_more": False})

    return BatchAudience(BatchLifecycle(BatchConfig(BatchClient(_settings("https://batch.test/2.8", handler, seen),
                                                                api_key=secret, project_key="project_unit"), 5)))


def test_check__rejected_key_fails_naming_vendor_settings_and_message_never_the_secret() -> None:
    seen: list[str] = []
    provider = _batch(401, seen)
    # Reported as a failure of the resource as a whole (the engine prints "... has a problem: <reason>"), not raised.
    result = provider.check({}, {"name": "vip", "membership": "authoritative"})
    assert [f.property for f in result.failures] == [""]
    text = result.failures[0].reason
    assert text.startswith("Batch rejected the configured credentials")
    assert "batch:apiKey" in text and "batch:projectKey" in text
    assert "The Rest API Key is not valid for this project" in text
    assert "batch:skipCredentialsValidation true" in text and SECRET not in text
    assert seen == ["GET /2.8/audiences/list"]


def test_check__credential_is_read_once_per_process_good_or_bad() -> None:
    seen: list[str] = []
    good = _batch(200, seen)
    for name in ("a1", "a2", "a3"):
        good.check({"name": name, "membership": "authoritative"}, {"name": name, "membership": "authoritative"})
    assert seen == ["GET /2.8/audiences/list"]
    bad_seen: list[str] = []
    bad = _batch(401, bad_seen, secret=SECRET + "-revoked")
    for _ in range(3):
        failures = bad.check({}, {"name": "vip", "membership": "authoritative"}).failures
        assert [f.reason.startswith("Batch rejected the configured credentials") for f in failures] == [True]
    assert len(bad_seen) == 1


def test_check__invalid_inputs_fail_before_any_request() -> None:
    seen: list[str] = []
    result = _batch(401, seen).check({}, {"name": "bad name!", "membership": "authoritative"})
    assert [f.property for f in result.failures] == ["name"] and seen == []


def test_check__skip_setting_sends_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BATCH_SKIP_CREDENTIALS_VALIDATION", "true")
    seen: list[str] = []
    provider = _batch(401, seen)
    provider.check({"name": "vip", "membership": "authoritative"}, {"name": "vip", "membership": "authoritative"})
    assert seen == []


def test_skip_setting__stack_config_first_then_env_and_only_booleans() -> None:
    assert skip_credentials_validation(ConfigSource({"thrive:skipCredentialsValidation": "true"}, {}), "thrive")
    assert not skip_credentials_validation(ConfigSource({}, {}), "thrive")
    assert skip_credentials_validation(ConfigSource({}, {"THRIVE_SKIP_CREDENTIALS_VALIDATION": "1"}), "thrive")
    with pytest.raises(ConfigurationError, match="thrive:skipCredentialsValidation must be true or false"):
        skip_credentials_validation(ConfigSource({"thrive:skipCredentialsValidation": "maybe"}, {}), "thrive")


def test_check__forbidden_read_means_the_credential_is_good() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(403, json={"error_code": "FORBIDDEN", "error_message": "not allowed"})

    provider = BatchAudience(BatchLifecycle(BatchConfig(BatchClient(_settings("https://batch.test/2.8", handler, seen),
                                                                    api_key=SECRET + "x", project_key="project_unit"),
                                                        5)))
    provider.check({"name": "vip", "membership": "authoritative"}, {"name": "vip", "membership": "authoritative"})
    assert seen == ["GET /2.8/audiences/list"]


def test_check__thrive_oauth_rejected_client_names_the_oauth_settings() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": "invalid_client", "message": "client authentication failed"})

    settings = _settings("https://thrive.test/rest/v1", handler, seen)
    provider = StructureLifecycle(ThriveConfig(ThriveClient(settings, tenant_id="t1", client_id="c1",
                                                            client_secret=SECRET,
                                                            token_endpoint="https://thrive.test/oauth2/token/t1")))
    with pytest.raises(CredentialsRejected) as info:
        provider.check({}, {"name": "Eng", "reference": "eng", "adopt": False})
    text = str(info.value)
    assert "Thrive rejected" in text and "thrive:clientSecret" in text and "thrive:clientId" in text
    assert "client authentication failed" in text and SECRET not in text
    assert seen == ["POST /oauth2/token/t1"]


def test_check__sonarly_and_unleashx_use_their_documented_cheap_reads() -> None:
    seen: list[str] = []

    def sonarly(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"success": False, "data": None, "traceId": "tr1",
                                         "error": {"code": "UNAUTHORIZED", "message": "Invalid or missing API key"}})

    folder = AudienceFolderLifecycle(SonarlyConfig(SonarlyClient(_settings("https://sonarly.test/v1", sonarly, seen),
                                                                 api_key=SECRET), "ag_1", 5))
    with pytest.raises(CredentialsRejected, match="Sonarly rejected .*sonarly:apiKey.*Invalid or missing API key"):
        folder.check({}, {"name": "F", "audience_type": "monitoring"})

    def unleashx(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": True, "message": "INVALID_TOKEN"})  # any route, bad token

    campaign = CampaignLifecycle(UnleashXConfig(UnleashXClient(_settings("https://unleashx.test/api/v1/global",
                                                                         unleashx, seen), token=SECRET)))
    with pytest.raises(CredentialsRejected, match="UnleashX rejected .*unleashx:token.*INVALID_TOKEN"):
        campaign.verify_credentials()
    assert seen == ["GET /v1/accounts", "GET /api/v1/global/agents/get"]


def test_token_url_beside__follows_a_custom_base_url() -> None:
    from audience_providers.thrive.client import token_url_beside

    assert token_url_beside("http://127.0.0.1:9/rest/v1", "t 1") == "http://127.0.0.1:9/oauth2/token/t%201"
    assert token_url_beside("https://proxy.test/thrive/rest/v1/", "t1") == "https://proxy.test/thrive/oauth2/token/t1"
    assert token_url_beside("https://proxy.test/api", "t1") == "https://proxy.test/oauth2/token/t1"


def test_load_thrive_config__token_url_from_base_url_unless_set() -> None:
    from audience_providers.thrive.config import load as load_thrive_config

    base = {"thrive:tenantId": "t1", "thrive:clientId": "c1", "thrive:clientSecret": SECRET,
            "thrive:baseUrl": "http://emu.test:1/rest/v1"}
    client = load_thrive_config(ConfigSource(base, {})).client
    assert client._token_endpoint == "http://emu.test:1/oauth2/token/t1"
    assert "thrive:baseUrl" in str(client._token_setting)
    told = load_thrive_config(ConfigSource({**base, "thrive:tokenUrl": "http://tok.test/x"}, {})).client
    assert told._token_endpoint == "http://tok.test/x" and "thrive:tokenUrl" in str(told._token_setting)
    region = load_thrive_config(ConfigSource({"thrive:tenantId": "t1", "thrive:clientId": "c1",
                                              "thrive:clientSecret": SECRET}, {})).client
    assert region._token_endpoint == "https://public.api.learn.link/oauth2/token/t1"


def test_missing__secret_looking_plain_keys_are_shown_with_plaintext() -> None:
    from audience_providers._core.config import Setting, set_flag

    assert set_flag(Setting("thrive:tokenUrl", "THRIVE_TOKEN_URL")) == " --plaintext"
    assert set_flag(Setting("thrive:apiSecret", "THRIVE_API_SECRET", secret=True)) == " --secret"
    assert set_flag(Setting("thrive:baseUrl", "THRIVE_BASE_URL")) == ""

