"""A campaign's player characters (:mod:`app.characters.service`)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from app.campaigns.dependencies import MemberCampaign
from app.characters import service
from app.characters.schemas import CharacterFields, CharacterOut, CharacterPatch
from app.deps import SessionDep
from app.errors import NotFound, Unauthorized, Unprocessable
from app.pagination import Page, PageDep
from app.problems import responses as errs

router = APIRouter(prefix="/api/campaigns/{campaign_id}/characters", tags=["characters"])
ERRORS = errs(Unauthorized, NotFound, Unprocessable)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CharacterOut, responses=ERRORS)
async def create_character(
    body: CharacterFields, campaign: MemberCampaign, session: SessionDep
) -> CharacterOut:
    return CharacterOut.model_validate(await service.create(session, campaign.id, body))


@router.get("", response_model=Page[CharacterOut], responses=ERRORS)
async def list_characters(
    campaign: MemberCampaign, session: SessionDep, page: PageDep
) -> Page[CharacterOut]:
    items, total = await service.list_for_campaign(
        session, campaign.id, limit=page.limit, offset=page.offset
    )
    return Page(items=[CharacterOut.model_validate(c) for c in items], total=total)


@router.get("/{character_id}", response_model=CharacterOut, responses=ERRORS)
async def get_character(
    character_id: str, campaign: MemberCampaign, session: SessionDep
) -> CharacterOut:
    return CharacterOut.model_validate(await service.get(session, campaign.id, character_id))


@router.patch("/{character_id}", response_model=CharacterOut, responses=ERRORS)
async def update_character(
    character_id: str, body: CharacterPatch, campaign: MemberCampaign, session: SessionDep
) -> CharacterOut:
    character = await service.update(session, campaign.id, character_id, body)
    return CharacterOut.model_validate(character)


@router.delete("/{character_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS)
async def delete_character(
    character_id: str, campaign: MemberCampaign, session: SessionDep
) -> Response:
    """Encounters keep their combatant copy of the character."""
    await service.remove(session, campaign.id, character_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
