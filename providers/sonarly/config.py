"""Sonarly settings and :func:`load`: the client, the account group and the not-ready wait bounds.

Read from stack config first, then the environment (``_core/config.py``), in the provider process only; the
API key lives on the client and never on the pickled provider.
"""

from __future__ import annotations

import dataclasses
import threading

import httpx

from .._core.config import ConfigSource, Setting, client_settings, missing
from .._core.errors import ConfigurationError
from .client import DEFAULT_BASE_URL, Client

API_KEY = Setting("sonarly:apiKey", "SONARLY_API_KEY", secret=True,
                  help="API key (sk_live_...) with audiences:read and audiences:write")
ACCOUNT_GROUP_ID = Setting("sonarly:accountGroupId", "SONARLY_ACCOUNT_GROUP_ID",
                           help="account group to manage; optional when the key can use exactly one")
BASE_URL = Setting("sonarly:baseUrl", "SONARLY_BASE_URL", default=DEFAULT_BASE_URL)
NOT_READY_TIMEOUT = Setting("sonarly:notReadyTimeout", "SONARLY_NOT_READY_TIMEOUT", default="600",
                            help="seconds to wait for a prospecting job to release an audience")


class SonarlyConfig:
    """Client, account group (configured, or discovered on first use) and the not-ready wait bounds.

    Not a plain record: the account group is discovered lazily, so loading the config reads nothing and a key
    that can use several groups fails only where a group is needed (at the first check), naming them.
    """

    def __init__(self, client: Client, account_group_id: str | None, not_ready_timeout: float,
                 poll_interval: float = 0.5) -> None:
        self.client = client
        self.not_ready_timeout = not_ready_timeout
        self.poll_interval = poll_interval
        self._group = account_group_id
        self._lock = threading.Lock()

    def account_group(self) -> str:
        """The configured group, else the one the key can use (one GET /v1/accounts per config)."""
        with self._lock:
            if self._group is None:
                self._group = self._discover()
            return self._group

    def _discover(self) -> str:
        # GET /v1/accounts: "the account groups the key can use" (accounts page); any valid key may call it.
        groups = self.client.list_accounts()
        if len(groups) == 1:
            return groups[0].id
        how = (f"  pulumi config set {ACCOUNT_GROUP_ID.key} <id>    (or environment variable {ACCOUNT_GROUP_ID.env})")
        if not groups:
            raise ConfigurationError(f"{ACCOUNT_GROUP_ID.key} is not set and the Sonarly API key can use no account "
                                     "group (GET /v1/accounts is empty); use a key with access to one, or set:\n"
                                     + how)
        listed = ", ".join(f"{g.id} ({g.name})" if g.name else g.id for g in groups)
        raise ConfigurationError(f"{ACCOUNT_GROUP_ID.key} is not set and the Sonarly API key can use "
                                 f"{len(groups)} account groups: {listed}; choose one with:\n" + how)


def load(source: ConfigSource, *, transport: httpx.BaseTransport | None = None) -> SonarlyConfig:
    """The Sonarly configuration from ``source``; ``transport`` (tests) replaces the network."""
    api_key = source.get(API_KEY)
    if api_key is None:
        raise missing(API_KEY)
    timeout = source.number(NOT_READY_TIMEOUT)
    if timeout is None or timeout < 0:
        raise ConfigurationError(f"{NOT_READY_TIMEOUT.key} must be a number of seconds >= 0")
    settings = client_settings(source, "sonarly", "SONARLY", source.require(BASE_URL),
                               documented_base_url=DEFAULT_BASE_URL)
    if transport is not None:
        settings = dataclasses.replace(settings, transport=transport)
    return SonarlyConfig(Client.shared(settings, api_key=api_key), source.get(ACCOUNT_GROUP_ID), timeout)


__all__ = ["ACCOUNT_GROUP_ID", "API_KEY", "BASE_URL", "NOT_READY_TIMEOUT", "SonarlyConfig", "load"]


def credential_settings(_config: object) -> str:
    """The settings that hold the credential, as a "credentials rejected" error names them."""
    return f"{API_KEY.key} ({API_KEY.env})"
