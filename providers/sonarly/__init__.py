"""Sonarly audiences and audience folders (public API v1)."""

from .resource import Audience, AudienceFolder, AudienceFolderProvider, AudienceProvider

__all__ = ["Audience", "AudienceFolder", "AudienceFolderProvider", "AudienceProvider"]
