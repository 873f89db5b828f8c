from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, IdMixin, TimestampMixin


class Character(IdMixin, TimestampMixin, Base):
    """A persistent player character; HP carries over from encounter to encounter."""

    __tablename__ = "characters"

    campaign_id: Mapped[str] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    player_name: Mapped[str] = mapped_column(String(100), default="")
    level: Mapped[int] = mapped_column(default=1)
    ac: Mapped[int] = mapped_column(default=10)
    max_hp: Mapped[int] = mapped_column(default=1)
    current_hp: Mapped[int] = mapped_column(default=1)
    temp_hp: Mapped[int] = mapped_column(default=0)
    initiative_bonus: Mapped[int] = mapped_column(default=0)
    dexterity: Mapped[int] = mapped_column(default=10)
    passive_perception: Mapped[int] = mapped_column(default=10)
    notes: Mapped[str] = mapped_column(Text, default="")
