from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, IdMixin, JSONType, TimestampMixin, UTCDateTime, utcnow


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "users"

    # Stored lower-cased: uniqueness regardless of case is the column's unique index.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    # Every access token carries the generation it was issued in; raising it (sign
    # out everywhere, a new password) revokes every token issued before.
    token_generation: Mapped[int] = mapped_column(default=0, server_default="0")


class ThrottleCounter(Base):
    """Attempts counted against one key (an account-and-address pair, an address, an
    account, a registering address) in a window that opens with the first of them.

    Keys are SHA-256 digests: the table never holds an email or an address."""

    __tablename__ = "throttle_counters"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Epoch seconds, so the window arithmetic is the same integer SQL on both databases.
    window_started: Mapped[int] = mapped_column(BigInteger, index=True)
    attempts: Mapped[int]


class UserSettings(Base):
    """A user's console settings (``ConsoleSettingsIn`` as they sent it); a user
    without a row has the defaults."""

    __tablename__ = "user_settings"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
