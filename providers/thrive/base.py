"""What every Thrive lifecycle shares: the vendor, its configuration, and the one adoption-style lookup. No Pulumi."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel

from .._core.config import ConfigSource
from .._core.errors import NotFound
from .._core.lifecycle import Checked, Failure, Lifecycle, user_inputs
from . import config
from .config import ThriveConfig

ArgsT = TypeVar("ArgsT", bound=BaseModel)
T = TypeVar("T")


class ThriveLifecycle(Lifecycle[ArgsT, ThriveConfig]):
    vendor: ClassVar[str] = "Thrive"

    def load_config(self, source: ConfigSource) -> ThriveConfig:
        return config.load(source)

    def credential_settings(self) -> str:
        return self.config.credential_settings()

    def check(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Checked:
        result = super().check(olds, news)
        if result.failures:
            return result
        failures = self.lookup_failures(result.inputs, user_inputs(olds))
        return Checked(result.inputs, failures) if failures else result

    def lookup_failures(self, inputs: Mapping[str, Any], olds: Mapping[str, Any]) -> list[Failure]:
        """Read-only lookups of other Thrive objects (a parent, the users), once every other check passed.

        Unlike ``extra_checks`` these run when some inputs are still unknown at preview: a members list is worth
        checking although its audience (``team.id``) is known only after the audience is created.
        """
        return []

    def found_or_failure(self, field_name: str, load: Callable[[], T], missing: str) -> T | Failure:
        """``load()``'s object, or a failure on ``field_name`` saying ``missing`` when Thrive has none (read-only).

        The "get by key, NotFound is the user's mistake" check of adoption and parent lookups; generic enough for
        ``_core/lifecycle.py`` once another vendor needs it.
        """
        try:
            return load()
        except NotFound:
            return self.failure(field_name, missing)
