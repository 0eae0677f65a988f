"""Batch.com custom-id audiences (Audience API 2.8)."""

from .members import Members
from .resource import Audience, AudienceProvider, Provider

__all__ = ["Provider", "Audience", "AudienceProvider", "Members"]
