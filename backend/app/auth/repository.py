from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, case, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import ThrottleCounter, User, UserSettings
from app.db import utcnow


async def get_user(session: AsyncSession, user_id: str) -> User | None:
    return await session.get(User, user_id)


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    return (
        await session.execute(select(User).where(User.email == email.lower()))
    ).scalar_one_or_none()


# Built once (Core columns: no ORM compile step): every authenticated request runs it.
_users = User.__table__.c
TOKEN_GENERATION = select(_users.token_generation).where(_users.id == bindparam("user_id"))


async def token_generation(session: AsyncSession, user_id: str) -> int | None:
    """The user's current token generation; None when there is no such user."""
    result = await session.execute(TOKEN_GENERATION, {"user_id": user_id})
    return result.scalar_one_or_none()


async def add_user(session: AsyncSession, user: User) -> User:
    session.add(user)
    await session.flush()
    return user


@dataclass(frozen=True, slots=True)
class Count:
    """Attempts against a key in its current window, this one included."""

    attempts: int
    window_started: int


async def count_attempt(session: AsyncSession, key: str, *, now: int, window: int) -> Count:
    """Count one attempt against ``key`` and return the new count, in one statement.

    An upsert: the row is locked from here to the end of the transaction, so racing
    attempts (in any worker) are counted one after another, each seeing the ones
    before it. A window older than ``window`` seconds starts over at this attempt."""
    expired = ThrottleCounter.window_started <= now - window
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(ThrottleCounter).values(key=key, window_started=now, attempts=1)
    upsert = stmt.on_conflict_do_update(
        index_elements=[ThrottleCounter.key],
        set_={
            "attempts": case((expired, 1), else_=ThrottleCounter.attempts + 1),
            "window_started": case((expired, now), else_=ThrottleCounter.window_started),
        },
    ).returning(ThrottleCounter.attempts, ThrottleCounter.window_started)
    attempts, started = (await session.execute(upsert)).one()
    return Count(int(attempts), int(started))


async def uncount_attempt(session: AsyncSession, key: str, *, clear: bool = False) -> None:
    """Take back one counted attempt (or all of them: ``clear``)."""
    attempts = (
        0 if clear else case((ThrottleCounter.attempts > 0, ThrottleCounter.attempts - 1), else_=0)
    )
    await session.execute(
        update(ThrottleCounter).where(ThrottleCounter.key == key).values(attempts=attempts)
    )


async def forget_counts_before(session: AsyncSession, before: int) -> None:
    await session.execute(delete(ThrottleCounter).where(ThrottleCounter.window_started < before))


async def raise_token_generation(session: AsyncSession, user: User) -> int:
    """Revoke every token issued to ``user`` so far; the new generation."""
    user.token_generation += 1
    await session.flush()
    return user.token_generation


async def remove_user(session: AsyncSession, user: User) -> None:
    """The user row; memberships go with it (ON DELETE CASCADE)."""
    await session.delete(user)
    await session.flush()


async def get_settings(session: AsyncSession, user_id: str) -> dict[str, Any] | None:
    stmt = select(UserSettings.data).where(UserSettings.user_id == user_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def put_settings(session: AsyncSession, user_id: str, data: dict[str, Any]) -> None:
    """Insert or replace, in one statement: two first saves at once cannot collide."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    now = utcnow()
    stmt = insert(UserSettings).values(user_id=user_id, data=data, updated_at=now)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[UserSettings.user_id], set_={"data": data, "updated_at": now}
        )
    )
