"""Every table, imported in one place for Alembic and the metadata tests."""

from app.auth.models import ThrottleCounter, User, UserSettings
from app.campaigns.models import Campaign, CampaignInvitation, CampaignMember
from app.characters.models import Character
from app.db import Base
from app.encounters.models import Encounter, EncounterEvent
from app.statblocks.models import StatBlock, StatBlockShare

__all__ = [
    "Base",
    "Campaign",
    "CampaignInvitation",
    "CampaignMember",
    "Character",
    "Encounter",
    "EncounterEvent",
    "StatBlock",
    "StatBlockShare",
    "ThrottleCounter",
    "User",
    "UserSettings",
]
