from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import LoginFailure, User, UserSettings
from app.db import utcnow


async def get_user(session: AsyncSession, user_id: str) -> User | None:
    return await session.get(User, user_id)


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    return (
        await session.execute(select(User).where(User.email == email.lower()))
    ).scalar_one_or_none()


async def add_user(session: AsyncSession, user: User) -> User:
    session.add(user)
    await session.flush()
    return user


async def failures_since(
    session: AsyncSession, keys: list[str], since: dt.datetime
) -> list[tuple[str, int, dt.datetime]]:
    """(key, count, oldest failure) for each key with failures in the window."""
    rows = await session.execute(
        select(LoginFailure.key, func.count(), func.min(LoginFailure.failed_at))
        .where(LoginFailure.key.in_(keys), LoginFailure.failed_at >= since)
        .group_by(LoginFailure.key)
    )
    return [(k, int(n), oldest) for k, n, oldest in rows.all()]


async def record_failure(session: AsyncSession, keys: list[str], before: dt.datetime) -> None:
    await session.execute(
        delete(LoginFailure).where(LoginFailure.key.in_(keys), LoginFailure.failed_at < before)
    )
    session.add_all(LoginFailure(key=k) for k in keys)
    await session.flush()


async def get_settings(session: AsyncSession, user_id: str) -> dict[str, Any] | None:
    stmt = select(UserSettings.data).where(UserSettings.user_id == user_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def put_settings(session: AsyncSession, user_id: str, data: dict[str, Any]) -> None:
    """Insert or replace, in one statement: two first saves at once cannot collide."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    now = utcnow()
    stmt = dialect.insert(UserSettings).values(user_id=user_id, data=data, updated_at=now)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[UserSettings.user_id], set_={"data": data, "updated_at": now}
        )
    )
