"""What the two Sonarly lifecycles share: the account group, and one create rule."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel

from .._core.errors import ApiError
from .._core.lifecycle import Failure, Lifecycle
from .config import SonarlyConfig

ArgsT = TypeVar("ArgsT", bound=BaseModel)


def never_duplicate(_exc: ApiError) -> bool:
    return False  # names are not unique: a 409 on create never means "already exists"


class SonarlyLifecycle(Lifecycle[ArgsT, SonarlyConfig]):
    def group_of(self, props: Mapping[str, Any]) -> str:
        """The account group a recorded resource lives in (state), else the configured/discovered one."""
        recorded = props.get("account_group_id")
        return str(recorded) if recorded else self.config.account_group()

    def lookup_failures(self, inputs: Mapping[str, Any], olds: Mapping[str, Any]) -> list[Failure]:
        # An unset or ambiguous account group fails `pulumi preview` (one GET /v1/accounts per configuration),
        # also for a resource whose other inputs are not known yet.
        self.config.account_group()
        return []
