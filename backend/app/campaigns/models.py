from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, IdMixin, TimestampMixin, UTCDateTime, utcnow


class Campaign(IdMixin, TimestampMixin, Base):
    __tablename__ = "campaigns"

    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")


class CampaignMember(Base):
    """A co-DM: full edit rights on the campaign, but not its deletion or membership."""

    __tablename__ = "campaign_members"
    __table_args__ = (UniqueConstraint("campaign_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class CampaignInvitation(IdMixin, Base):
    """The owner's invitation to co-DM, addressed to an email: nobody becomes a DM of
    a campaign until they accept it. Kept by email, not by account, so inviting
    tells the owner nothing about who has an account (an email with none yet can
    accept once it registers)."""

    __tablename__ = "campaign_invitations"
    __table_args__ = (UniqueConstraint("campaign_id", "email"),)

    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    # Stored lower-cased, like users.email.
    email: Mapped[str] = mapped_column(String(320), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
