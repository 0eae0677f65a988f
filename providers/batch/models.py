"""Batch inputs (strict) and wire shapes (lenient). https://doc.batch.com/developer/api/cep/audiences"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

NAME_PATTERN = r"^[A-Za-z0-9_-]+$"
MAX_IDS_PER_CALL = 10_000  # documented: "Supports up to 10,000 elements"
MAX_ATTRIBUTES = 15  # documented per id


class _NoNulls(BaseModel):
    """Dumped without its unset (None) fields: a member list is recorded twice per resource (inputs and outputs),
    and ``"attributes": null`` on every id, ``"file": null`` on every list, were a third of its bytes. None and a
    missing key read the same everywhere (``.get``, and these models' defaults)."""

    @model_serializer(mode="wrap")
    def _without_nulls(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return {k: v for k, v in handler(self).items() if v is not None}


class Member(_NoNulls):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    attributes: dict[str, Any] | None = Field(default=None, max_length=MAX_ATTRIBUTES)


class MembersSpec(_NoNulls):
    """How a member list travels through Pulumi: a digest and count, plus where the ids are.

    Large lists come from a file the provider reads at apply time, so neither the inputs nor the state
    hold 100,000 ids; small inline lists travel as they are: an id without attributes as a plain string (the list
    is recorded twice per resource, and ``{"id": ...}`` around every id was over a third of its bytes), an id with
    attributes as a ``Member``. States written before hold ``{"id": ...}`` objects; both read the same.
    """

    model_config = ConfigDict(extra="forbid")

    digest: str = Field(pattern=r"^sha256:[0-9a-f]{64}$")
    count: int = Field(ge=0)
    file: str | None = None
    inline: list[Annotated[str, Field(min_length=1)] | Member] | None = None
    # Filled in by the provider's check when the list changes (never by the program): the ids that come and go, as
    # `preview --diff` shows them ("+2 ids (u4, u5); -1 id (u1)"). Not an output, and not part of the digest.
    changes: str | None = Field(default=None, exclude=True)


class AudienceView(BaseModel):
    """`GET /audiences/view` answer."""

    model_config = ConfigDict(extra="ignore")

    name: str
    display_name: str | None = None
    type: str | None = None
    nb_ids: int = 0
    indexing_state: str | None = None
    created: str | None = None
    updated: str | None = None


class AudienceList(BaseModel):
    model_config = ConfigDict(extra="ignore")

    audiences: list[AudienceView] = []
    has_more: bool = False
    next_from: str | None = None
    # "count is only returned for the first page" (list page): the project's total, not this page's length.
    count: int | None = None
