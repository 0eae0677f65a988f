"""Thrive settings and the one loader every caller uses (providers, scripts/sweep.py, bench). No Pulumi."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import httpx

from .._core.config import ConfigSource, Setting, client_settings, missing
from .._core.errors import ConfigurationError
from .client import REGION_HOSTS, Client, api_base_url, token_url, token_url_beside

TENANT_ID = Setting("thrive:tenantId", "THRIVE_TENANT_ID", help="Tenant ID (Basic username; names the token URL)")
API_SECRET = Setting("thrive:apiSecret", "THRIVE_API_SECRET", secret=True, help="API secret (Basic auth)")
# The OAuth overview issues "Client ID", "Client Secret" and "Tenant ID" as three values
# (https://docs.thrivelearning.com/apidocs/oauth-api-authentication), so the client id has no default.
CLIENT_ID = Setting("thrive:clientId", "THRIVE_CLIENT_ID",
                    help="OAuth client id, issued with the client secret (not the tenant id)")
CLIENT_SECRET = Setting("thrive:clientSecret", "THRIVE_CLIENT_SECRET", secret=True,
                        help="OAuth client secret; setting it selects OAuth2 client credentials")
REGION = Setting("thrive:region", "THRIVE_REGION", default="production",
                 help="production | staging | production-mea | staging-mea")
BASE_URL = Setting("thrive:baseUrl", "THRIVE_BASE_URL", help="override the API base (…/rest/v1)")
TOKEN_URL = Setting("thrive:tokenUrl", "THRIVE_TOKEN_URL",
                    help="override the OAuth token endpoint (default: beside thrive:baseUrl, else the region's)")
SCOPE = Setting("thrive:scope", "THRIVE_SCOPE", default="api/all")


@dataclass(frozen=True)
class ThriveConfig:
    client: Client

    def credential_settings(self) -> str:
        """The settings holding the credential in use, as a "credentials rejected" error names them."""
        if self.client.oauth:
            return f"OAuth client {CLIENT_ID.key} ({CLIENT_ID.env}) with {CLIENT_SECRET.key} ({CLIENT_SECRET.env})"
        return f"{TENANT_ID.key} ({TENANT_ID.env}) with {API_SECRET.key} ({API_SECRET.env})"


def _token_endpoint(source: ConfigSource, region: str, tenant: str, custom_base: str | None) -> tuple[str, str]:
    """The OAuth token URL and the setting it comes from: thrive:tokenUrl, else beside thrive:baseUrl, else the
    region's host. (`pulumi config set` takes thrive:tokenUrl only with --plaintext: the CLI refuses plain values
    of keys containing "token" that look random, and a URL does.)"""
    explicit = source.get(TOKEN_URL)
    if explicit:
        return explicit, f"{TOKEN_URL.key} ({TOKEN_URL.env})"
    if custom_base:
        return (token_url_beside(custom_base, tenant),
                f"{BASE_URL.key} ({BASE_URL.env}; the token URL follows it unless {TOKEN_URL.key} is set)")
    return token_url(region, tenant), f"{REGION.key} ({REGION.env}) or {TOKEN_URL.key}"


def load(source: ConfigSource, *, transport: httpx.BaseTransport | None = None) -> ThriveConfig:
    """The Thrive configuration from stack config and environment; ``transport`` (tests) replaces the network."""
    tenant = source.get(TENANT_ID)
    secret, client_secret = source.get(API_SECRET), source.get(CLIENT_SECRET)
    if tenant is None or (secret is None and client_secret is None):
        raise missing(*([TENANT_ID] if tenant is None else []),
                      *([API_SECRET] if secret is None and client_secret is None else []))
    client_id = source.get(CLIENT_ID)
    if client_secret is not None and client_id is None:
        raise missing(CLIENT_ID)
    region = source.require(REGION)
    if region not in REGION_HOSTS:
        raise ConfigurationError(f"thrive:region must be one of {', '.join(REGION_HOSTS)}, got {region!r}")
    custom_base = source.get(BASE_URL)
    settings = client_settings(source, "thrive", "THRIVE", custom_base or api_base_url(region),
                               documented_base_url=api_base_url(region))
    if transport is not None:
        settings = dataclasses.replace(settings, transport=transport)
    token_endpoint, token_setting = _token_endpoint(source, region, tenant, custom_base)
    client = Client.shared(settings, tenant_id=tenant, api_secret=secret or "",
                           client_id=client_id or "", client_secret=client_secret or "",
                           token_endpoint=token_endpoint if client_secret else "",
                           scope=source.require(SCOPE), token_setting=token_setting)
    return ThriveConfig(client)


def credential_settings(config: ThriveConfig) -> str:
    """The settings that hold the credential in use (API secret or OAuth client), as a "credentials rejected" error
    names them."""
    return config.credential_settings()
