"""UnleashX settings and the one loader that turns them into a configured client (no Pulumi).

Used by the lifecycles (``configure`` hands them the engine's config), scripts and tests alike.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import httpx

from .._core.config import ConfigSource, Setting, client_settings, missing
from .client import DEFAULT_BASE_URL, Client

TOKEN = Setting("unleashx:token", "UNLEASHX_TOKEN", secret=True, help="API token of the UnleashX workspace")
BASE_URL = Setting("unleashx:baseUrl", "UNLEASHX_BASE_URL", default=DEFAULT_BASE_URL)


@dataclass(frozen=True)
class UnleashXConfig:
    client: Client


def load(source: ConfigSource, *, transport: httpx.BaseTransport | None = None) -> UnleashXConfig:
    """The workspace's client from stack config or environment; ``transport`` replaces the network (tests)."""
    token = source.get(TOKEN)
    if token is None:
        raise missing(TOKEN)
    settings = client_settings(source, "unleashx", "UNLEASHX", source.require(BASE_URL),
                               documented_base_url=DEFAULT_BASE_URL)
    if transport is not None:
        settings = replace(settings, transport=transport)
    return UnleashXConfig(Client.shared(settings, token=token))


def credential_settings(_config: object) -> str:
    """The settings that hold the credential, as a "credentials rejected" error names them."""
    return f"{TOKEN.key} ({TOKEN.env})"
