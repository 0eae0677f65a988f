"""UnleashX calling campaigns and the audience records inside them (global API v1)."""

from .resource import Campaign, CampaignAudience, CampaignAudienceProvider, CampaignProvider, Provider

__all__ = ["Provider", "Campaign", "CampaignAudience", "CampaignAudienceProvider", "CampaignProvider"]
