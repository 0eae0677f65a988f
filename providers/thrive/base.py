"""What every Thrive lifecycle shares: the vendor and its configuration. No Pulumi."""

from __future__ import annotations

from typing import ClassVar, TypeVar

from pydantic import BaseModel

from .._core.config import ConfigSource
from .._core.lifecycle import Lifecycle
from . import config
from .config import ThriveConfig

ArgsT = TypeVar("ArgsT", bound=BaseModel)


class ThriveLifecycle(Lifecycle[ArgsT, ThriveConfig]):
    vendor: ClassVar[str] = "Thrive"

    def load_config(self, source: ConfigSource) -> ThriveConfig:
        return config.load(source)

    def credential_settings(self) -> str:
        return self.config.credential_settings()
