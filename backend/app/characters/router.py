from __future__ import annotations

from fastapi import APIRouter, Response, status

from app.campaigns.dependencies import MemberCampaign
from app.characters import repository
from app.characters.models import Character
from app.characters.schemas import CharacterFields, CharacterOut, CharacterPatch
from app.deps import SessionDep
from app.errors import NotFound, Unauthorized, Unprocessable, reject_nulls
from app.pagination import Page, PageDep
from app.problems import responses as errs

router = APIRouter(prefix="/api/campaigns/{campaign_id}/characters", tags=["characters"])
ERRORS = errs(Unauthorized, NotFound, Unprocessable)


class CharacterNotFound(NotFound):
    type = "character-not-found"
    title = "Character not found"


async def _get(session: SessionDep, campaign_id: str, character_id: str) -> Character:
    character = await repository.get(session, campaign_id, character_id)
    if character is None:
        raise CharacterNotFound(f"No character {character_id} in this campaign.")
    return character


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CharacterOut, responses=ERRORS)
async def create_character(
    body: CharacterFields, campaign: MemberCampaign, session: SessionDep
) -> CharacterOut:
    values = body.model_dump()
    if values["current_hp"] is None:
        values["current_hp"] = values["max_hp"]
    character = await repository.add(session, Character(campaign_id=campaign.id, **values))
    return CharacterOut.model_validate(character)


@router.get("", response_model=Page[CharacterOut], responses=ERRORS)
async def list_characters(
    campaign: MemberCampaign, session: SessionDep, page: PageDep
) -> Page[CharacterOut]:
    items, total = await repository.list_for_campaign(
        session, campaign.id, limit=page.limit, offset=page.offset
    )
    return Page(items=[CharacterOut.model_validate(c) for c in items], total=total)


@router.get("/{character_id}", response_model=CharacterOut, responses=ERRORS)
async def get_character(
    character_id: str, campaign: MemberCampaign, session: SessionDep
) -> CharacterOut:
    return CharacterOut.model_validate(await _get(session, campaign.id, character_id))


@router.patch("/{character_id}", response_model=CharacterOut, responses=ERRORS)
async def update_character(
    character_id: str, body: CharacterPatch, campaign: MemberCampaign, session: SessionDep
) -> CharacterOut:
    character = await _get(session, campaign.id, character_id)
    changes = body.model_dump(exclude_unset=True)
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
    return CharacterOut.model_validate(character)


@router.delete("/{character_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS)
async def delete_character(
    character_id: str, campaign: MemberCampaign, session: SessionDep
) -> Response:
    """Encounters keep their combatant copy of the character."""
    await repository.remove(session, await _get(session, campaign.id, character_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
