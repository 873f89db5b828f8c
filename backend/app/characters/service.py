"""A campaign's player characters. Their hit points carry over from combat
(:mod:`app.encounters.service` writes them back when a fight ends)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.characters import repository
from app.characters.models import Character
from app.characters.schemas import CharacterFields, CharacterPatch
from app.errors import NotFound, Unprocessable, reject_nulls


class CharacterNotFound(NotFound):
    type = "character-not-found"
    title = "Character not found"


async def create(session: AsyncSession, campaign_id: str, data: CharacterFields) -> Character:
    values = data.model_dump()
    if values["current_hp"] is None:
        values["current_hp"] = values["max_hp"]
    return await repository.add(session, Character(campaign_id=campaign_id, **values))


async def list_for_campaign(
    session: AsyncSession, campaign_id: str, *, limit: int, offset: int
) -> tuple[list[Character], int]:
    return await repository.list_for_campaign(session, campaign_id, limit=limit, offset=offset)


async def get(session: AsyncSession, campaign_id: str, character_id: str) -> Character:
    character = await repository.get(session, campaign_id, character_id)
    if character is None:
        raise CharacterNotFound(f"No character {character_id} in this campaign.")
    return character


async def levels(session: AsyncSession, campaign_id: str, ids: list[str]) -> dict[str, int]:
    """The level of each of the campaign's characters among ``ids`` (a deleted or
    unknown id is left out)."""
    return {c.id: c.level for c in await repository.get_many(session, campaign_id, ids)}


async def update(
    session: AsyncSession, campaign_id: str, character_id: str, data: CharacterPatch
) -> Character:
    """Only the fields sent change. Lowering ``max_hp`` lowers ``current_hp`` with it;
    a ``current_hp`` above the (new) maximum is refused."""
    character = await get(session, campaign_id, character_id)
    changes = data.model_dump(exclude_unset=True)
    reject_nulls(changes)
    max_hp = changes.get("max_hp", character.max_hp)
    current = changes.get("current_hp", min(character.current_hp, max_hp))
    if current > max_hp:
        raise Unprocessable(
            "current_hp cannot exceed max_hp.",
            errors=[
                {"loc": ["body", "current_hp"], "msg": "exceeds max_hp", "type": "value_error"}
            ],
        )
    changes["current_hp"] = current
    for key, value in changes.items():
        setattr(character, key, value)
    await session.flush()
    return character


async def remove(session: AsyncSession, campaign_id: str, character_id: str) -> None:
    """Encounters keep their combatant copy of the character."""
    await repository.remove(session, await get(session, campaign_id, character_id))
