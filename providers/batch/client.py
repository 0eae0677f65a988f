"""Batch Audience API 2.8 client: one method per documented endpoint, no Pulumi.

https://doc.batch.com/developer/api/cep/audiences (create, update, replace, remove, view, list).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from .._core.http import BaseClient, ClientSettings, ErrorDetails
from .._core.paging import Paginator
from .models import AudienceList, AudienceView

DEFAULT_BASE_URL = "https://api.batch.com/2.8"
# list: "limit integer · max: 100 · Default: 10" (https://doc.batch.com/developer/api/cep/audiences/list). We ask
# for the maximum: the default would take ten round trips per hundred audiences.
LIST_PAGE_SIZE = 100


class Client(BaseClient):
    vendor = "Batch"

    def __init__(self, settings: ClientSettings, *, api_key: str, project_key: str) -> None:
        super().__init__(settings, secrets=(api_key,), identity=(project_key,))
        self._headers = {"Authorization": f"Bearer {api_key}", "X-Batch-Project": project_key}

    def auth_headers(self) -> Mapping[str, str]:
        return self._headers

    def parse_error(self, response: httpx.Response) -> ErrorDetails:
        body = response.json()
        return ErrorDetails(message=str(body.get("error_message") or response.reason_phrase),
                            code=body.get("error_code"))

    def error_hint(self, operation: str, status: int, details: ErrorDetails) -> str | None:
        if status == 401:
            return "Check batch:apiKey (REST API key) and batch:projectKey belong to the same project"
        return None

    def verify_credentials(self) -> None:
        """One cheap authenticated read (a one-item audience list): raises Unauthorized for a rejected key."""
        self.iter_audiences(limit=1).first_page()

    # Writes answer 202 with an indexing token; the change is applied asynchronously.
    def create_audience(self, name: str, display_name: str | None) -> str:
        body: dict[str, Any] = {"name": name, "type": "custom_ids"}
        if display_name is not None:
            body["display_name"] = display_name
        resp = self.call("create audience", "POST", "/audiences/create", json_body=body, idempotent=False)
        return str(resp.json()["indexing_token"])

    def update_audience(self, name: str, ids: list[dict[str, Any]]) -> str:
        # Add/remove of the same ids is idempotent, so a lost response may simply be resent.
        resp = self.call("update audience", "POST", "/audiences/update", json_body={"name": name, "ids": ids},
                         idempotent=True)
        return str(resp.json()["indexing_token"])

    def replace_audience(self, name: str, ids: list[dict[str, Any]]) -> str:
        resp = self.call("replace audience", "POST", "/audiences/replace", json_body={"name": name, "ids": ids},
                         idempotent=True)
        return str(resp.json()["indexing_token"])

    def remove_audience(self, name: str) -> str:
        """POST /audiences/remove -> the indexing token, which `view` reports on until the audience is gone.

        The remove page lists 400/401/429/500/503 and no 404: how Batch answers a name that is already gone is
        not documented (``AudienceLifecycle._remove`` in audience.py copes with either reading).
        """
        resp = self.call("remove audience", "POST", "/audiences/remove", json_body={"name": name},
                         idempotent=True)
        return str((self.json_of(resp) or {}).get("indexing_token", ""))

    def view_audience(self, name: str, indexing_token: str | None = None) -> AudienceView:
        params = {"name": name, **({"indexing_token": indexing_token} if indexing_token else {})}
        resp = self.call("view audience", "GET", "/audiences/view", params=params)
        return AudienceView.model_validate(resp.json())

    def iter_audiences(self, limit: int | None = LIST_PAGE_SIZE) -> Paginator[AudienceList]:
        """Every audience of the project; ``limit=None`` leaves Batch's default page size (10)."""
        return self.pages("list audiences", "/audiences/list", AudienceList, {"limit": limit} if limit else None)
