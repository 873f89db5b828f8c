from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from app.db import Base, IdMixin, JSONType, TimestampMixin, UTCDateTime, utcnow


class Encounter(IdMixin, TimestampMixin, Base):
    """The aggregate: its current state is a stored projection of its event log,
    so reading it costs one row whatever the length of the log."""

    __tablename__ = "encounters"

    campaign_id: Mapped[str] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="planning")
    ruleset: Mapped[str] = mapped_column(String(4), default="2014")
    version: Mapped[int] = mapped_column(default=0)
    state: Mapped[dict[str, Any]] = mapped_column(JSONType)
    # SHA-256 of the player-view token: the token itself is never stored.
    share_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    # How many times what the players see has changed (app.encounters.projection), and
    # that count when the current player-view link was made: the link's own sequence
    # is the difference, so it starts at 0 and says nothing of what came before it.
    player_seq: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    share_seq: Mapped[int | None] = mapped_column(default=None)
    # The DM's view of ``state`` (the document GET /api/encounters/{id} answers), as
    # the action that wrote the state rendered it, the version it is of and the format
    # it was rendered in (projection.DM_VIEW_FORMAT): a read answers it as it is while
    # that is still ``version`` and the format is the running code's
    # (app.encounters.repository). Whatever rewrites ``state`` another way must set
    # ``dm_view`` to NULL or bump ``version``.
    dm_view: Mapped[str | None] = deferred(mapped_column(Text, default=None))
    dm_view_version: Mapped[int | None] = deferred(mapped_column(default=None))
    dm_view_format: Mapped[int | None] = deferred(mapped_column(default=None))


class EncounterEvent(Base):
    """One entry of an encounter's append-only log. ``state_before`` is the
    projection just before the event, which is what ``undo`` restores."""

    __tablename__ = "encounter_events"
    __table_args__ = (
        UniqueConstraint("encounter_id", "seq"),
        Index("ix_encounter_events_undo_of", "encounter_id", "undo_of"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    encounter_id: Mapped[str] = mapped_column(ForeignKey("encounters.id", ondelete="CASCADE"))
    seq: Mapped[int]
    type: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    text: Mapped[str] = mapped_column(Text)
    reminders: Mapped[list[str]] = mapped_column(JSONType)
    actor_id: Mapped[str | None] = mapped_column(String(36), default=None)
    undo_of: Mapped[int | None] = mapped_column(default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    state_before: Mapped[dict[str, Any] | None] = deferred(mapped_column(JSONType, default=None))
    # The encounter's player_seq after this event if it changed what the players see,
    # else null: the player stream sends a frame for exactly these events.
    player_seq: Mapped[int | None] = mapped_column(default=None)
