"""Sonarly audiences and audience folders (public API v1)."""

from .resource import Audience, AudienceFolder, AudienceFolderProvider, AudienceProvider, Provider

__all__ = ["Provider", "Audience", "AudienceFolder", "AudienceFolderProvider", "AudienceProvider"]
