from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.characters.models import Character


async def get(session: AsyncSession, campaign_id: str, character_id: str) -> Character | None:
    stmt = select(Character).where(
        Character.id == character_id, Character.campaign_id == campaign_id
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_many(session: AsyncSession, campaign_id: str, ids: Sequence[str]) -> list[Character]:
    stmt = select(Character).where(Character.campaign_id == campaign_id, Character.id.in_(ids))
    return list((await session.execute(stmt)).scalars())


async def list_for_campaign(
    session: AsyncSession, campaign_id: str, *, limit: int, offset: int
) -> tuple[list[Character], int]:
    where = Character.campaign_id == campaign_id
    total = (await session.execute(select(func.count()).where(where))).scalar_one()
    rows = await session.execute(
        select(Character)
        .where(where)
        .order_by(Character.name, Character.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows.scalars()), int(total)


async def add(session: AsyncSession, character: Character) -> Character:
    session.add(character)
    await session.flush()
    return character


async def remove(session: AsyncSession, character: Character) -> None:
    await session.delete(character)
    await session.flush()


async def all_for_campaign(session: AsyncSession, campaign_id: str) -> list[Character]:
    rows = await session.execute(
        select(Character).where(Character.campaign_id == campaign_id).order_by(Character.created_at)
    )
    return list(rows.scalars())
