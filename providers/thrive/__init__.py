"""Thrive Learning structures and audiences (public API v1)."""

from .resource import (
    Audience,
    AudienceMembers,
    AudienceMembersProvider,
    AudienceProvider,
    Structure,
    StructureProvider,
)

__all__ = ["Audience", "AudienceMembers", "AudienceMembersProvider", "AudienceProvider", "Structure",
           "StructureProvider"]
