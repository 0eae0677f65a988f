"""Batch.com custom-id audiences (Audience API 2.8)."""

from .members import Members
from .resource import Audience, AudienceProvider

__all__ = ["Audience", "AudienceProvider", "Members"]
