from __future__ import annotations

from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, JSONType, TimestampMixin, new_id


class StatBlock(TimestampMixin, Base):
    """A monster or NPC template: an SRD monster (read-only, everyone's) or a
    user's homebrew (its owner's).

    ``data`` is the whole stat block (a ``StatBlockData`` dump); the columns
    beside it are copies of what search filters and sorts on.
    """

    __tablename__ = "statblocks"
    __table_args__ = (
        # Everything search filters and sorts on, led by the name: a search reads
        # this small index instead of the table, whose rows are wide with their
        # JSON (an index-only scan on PostgreSQL, a covering index on SQLite).
        # A prefix-only index (text_pattern_ops) would not help: names match
        # anywhere, so the whole index is scanned either way.
        Index(
            "ix_statblocks_search",
            "name_lower",
            "source",
            "owner_id",
            "challenge_rating",
            "type",
            "size",
            "id",
        ),
    )

    # SRD rows have stable ids from their slug ("srd-goblin"); homebrew, a UUID.
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    source: Mapped[str] = mapped_column(String(10))
    owner_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, default=None
    )
    name: Mapped[str] = mapped_column(String(200))
    name_lower: Mapped[str] = mapped_column(String(200))
    challenge_rating: Mapped[float] = mapped_column(Float, index=True)
    type: Mapped[str] = mapped_column(String(60), index=True)
    size: Mapped[str] = mapped_column(String(10), index=True)
    xp: Mapped[int]
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)


class StatBlockShare(Base):
    """A homebrew stat block its owner lets a campaign's DMs field. Without one, only
    the owner may add their homebrew to an encounter."""

    __tablename__ = "statblock_shares"

    campaign_id: Mapped[str] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    statblock_id: Mapped[str] = mapped_column(
        ForeignKey("statblocks.id", ondelete="CASCADE"), primary_key=True, index=True
    )
