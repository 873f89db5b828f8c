"""Every table, imported in one place for Alembic and the metadata tests."""

from app.auth.models import LoginFailure, User, UserSettings
from app.campaigns.models import Campaign, CampaignMember
from app.characters.models import Character
from app.db import Base
from app.encounters.models import Encounter, EncounterEvent
from app.statblocks.models import StatBlock

__all__ = [
    "Base",
    "Campaign",
    "CampaignMember",
    "Character",
    "Encounter",
    "EncounterEvent",
    "LoginFailure",
    "StatBlock",
    "User",
    "UserSettings",
]
