"""Thrive Learning structures, audiences, members and managers (public API v1)."""

from .resource import (
    Audience,
    AudienceManagers,
    AudienceManagersProvider,
    AudienceMembers,
    AudienceMembersProvider,
    AudienceProvider,
    Provider,
    Structure,
    StructureProvider,
)

__all__ = [
    "Provider",
    "Audience",
    "AudienceManagers",
    "AudienceManagersProvider",
    "AudienceMembers",
    "AudienceMembersProvider",
    "AudienceProvider",
    "Structure",
    "StructureProvider",
]
