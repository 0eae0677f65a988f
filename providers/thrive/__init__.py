"""Thrive Learning structures and audiences (public API v1)."""

from .resource import Audience, AudienceProvider, Structure, StructureProvider

__all__ = ["Audience", "AudienceProvider", "Structure", "StructureProvider"]
