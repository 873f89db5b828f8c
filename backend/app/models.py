"""Every table, imported in one place for Alembic and the metadata tests."""

from app.auth.models import LoginFailure, User
from app.campaigns.models import Campaign, CampaignMember
from app.db import Base

__all__ = ["Base", "Campaign", "CampaignMember", "LoginFailure", "User"]
