"""Batch settings and the one loader every caller uses (the provider, scripts/sweep.py, bench/, tests)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import httpx

from .._core.config import ConfigSource, Setting, client_settings, missing
from .client import DEFAULT_BASE_URL, Client

API_KEY = Setting("batch:apiKey", "BATCH_API_KEY", secret=True, help="REST API key of the project")
PROJECT_KEY = Setting("batch:projectKey", "BATCH_PROJECT_KEY", help="project key, e.g. project_0664...")
BASE_URL = Setting("batch:baseUrl", "BATCH_BASE_URL", default=DEFAULT_BASE_URL)
INDEXING_TIMEOUT = Setting("batch:indexingTimeout", "BATCH_INDEXING_TIMEOUT", default="600")
# Named in a "credentials rejected" error: the key and the project it must belong to.
CREDENTIAL_SETTINGS = f"{API_KEY.key} ({API_KEY.env}) with {PROJECT_KEY.key} ({PROJECT_KEY.env})"


def credential_settings(_config: object) -> str:
    """The settings that hold the credential, as a "credentials rejected" error names them."""
    return CREDENTIAL_SETTINGS


@dataclass(frozen=True)
class BatchConfig:
    client: Client
    indexing_timeout: float


def load(source: ConfigSource, *, transport: httpx.BaseTransport | None = None) -> BatchConfig:
    """The client and timeouts from stack config, then the environment; a missing credential names the fix.

    ``transport`` (tests: an ``httpx.MockTransport``) gives a client of its own instead of the process's shared one.
    """
    absent = [s for s in (API_KEY, PROJECT_KEY) if source.get(s) is None]
    if absent:
        raise missing(*absent)
    settings = client_settings(source, "batch", "BATCH", source.require(BASE_URL),
                               documented_base_url=DEFAULT_BASE_URL)
    if transport is not None:
        settings = replace(settings, transport=transport)
    client = Client.shared(settings, api_key=source.require(API_KEY), project_key=source.require(PROJECT_KEY))
    return BatchConfig(client, source.number(INDEXING_TIMEOUT) or 600.0)
