"""The monster library: search the SRD and your homebrew, read a
stat block, write your own, import other tools' JSON."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Response, status
from pydantic import BaseModel

from app.campaigns.dependencies import MemberCampaign
from app.deps import CurrentUser, CurrentUserId, SessionDep
from app.encounters.dependencies import MemberEncounter
from app.encounters.service import state_of
from app.errors import Forbidden, NotFound, Unauthorized, Unprocessable
from app.pagination import Page, PageDep
from app.problems import responses as errs
from app.statblocks import service
from app.statblocks.importers import StatBlockImportError, import_statblock
from app.statblocks.models import StatBlock
from app.statblocks.schemas import Size, StatBlockData, StatBlockIn, cr_label

router = APIRouter(prefix="/api/statblocks", tags=["statblocks"])
# The stat block behind a combatant, beside the encounter's other routes.
combatant_router = APIRouter(prefix="/api/encounters", tags=["statblocks"])

LIST_ERRORS = errs(Unauthorized, Unprocessable)
READ_ERRORS = errs(Unauthorized, NotFound)
WRITE_ERRORS = errs(Unauthorized, Forbidden, NotFound, Unprocessable)

Source = Literal["srd", "homebrew"]


class StatBlockSummary(BaseModel):
    """One search result: enough to pick a monster from a list."""

    id: str
    name: str
    source: Source
    size: str
    type: str
    subtype: str | None
    alignment: str
    challenge_rating: float
    cr: str
    xp: int
    ac: int
    hp: int
    hit_dice: str | None


class StatBlockOut(StatBlockData):
    """A whole stat block, with where it comes from.

    ``source`` says whose it is ("srd" or "homebrew"), as in search; the book it
    was written for (the stat block's own ``source`` field, which is what a
    PATCH or import sets) is ``source_book``.
    """

    id: str
    source: Source
    source_book: str | None
    owner_id: str | None
    cr: str
    created_at: dt.datetime
    updated_at: dt.datetime


def summary_of(found: service.Summary) -> StatBlockSummary:
    fields = {**asdict(found), "alignment": found.alignment or ""}
    return StatBlockSummary.model_validate({**fields, "cr": cr_label(found.challenge_rating)})


def out(block: StatBlock) -> StatBlockOut:
    return StatBlockOut.model_validate(
        {
            **block.data,
            "id": block.id,
            "source": block.source,
            "source_book": block.data.get("source"),
            "owner_id": block.owner_id,
            "cr": cr_label(block.challenge_rating),
            "created_at": block.created_at,
            "updated_at": block.updated_at,
        }
    )


_FRACTION = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


def _challenge(name: str, value: str | None) -> float | None:
    if value is None or not value.strip():
        return None
    match = _FRACTION.fullmatch(value)
    try:
        number = int(match[1]) / int(match[2]) if match else float(value)
    except (ValueError, ZeroDivisionError):
        number = -1.0
    if not 0 <= number <= 30:
        raise Unprocessable(
            f"{name}: a challenge rating from 0 to 30, such as 2, 0.25 or 1/4.",
            errors=[
                {"loc": ["query", name], "msg": "not a challenge rating", "type": "value_error"}
            ],
        )
    return number


def search_params(
    q: Annotated[
        str | None,
        Query(
            max_length=100,
            description="Part of the name, typos forgiven; names starting with it come first.",
        ),
    ] = None,
    cr_min: Annotated[
        str | None, Query(max_length=10, description="Lowest challenge rating: 0, 1/4, 2...")
    ] = None,
    cr_max: Annotated[
        str | None, Query(max_length=10, description="Highest challenge rating.")
    ] = None,
    type: Annotated[
        str | None,
        Query(max_length=60, description='Creature type; "beast" also finds swarms of beasts.'),
    ] = None,
    size: Annotated[Size | None, Query()] = None,
    source: Annotated[Source | None, Query(description="Only the SRD or only homebrew.")] = None,
) -> service.Search:
    return service.Search(
        text=q.strip() if q and q.strip() else None,
        cr_min=_challenge("cr_min", cr_min),
        cr_max=_challenge("cr_max", cr_max),
        type=type.strip() if type and type.strip() else None,
        size=size,
        source=source,
    )


SearchDep = Annotated[service.Search, Depends(search_params)]


@router.get("", response_model=Page[StatBlockSummary], responses=LIST_ERRORS)
async def search_statblocks(
    search: SearchDep, user: CurrentUser, session: SessionDep, page: PageDep
) -> Page[StatBlockSummary]:
    """The SRD and your homebrew. With ``q``: the exact name first, then names that
    start with it, names with a word that does, names that contain it (each by
    name), then near misses forgiving typos in words of four letters or more (one
    edit up to seven letters, two beyond; a swapped pair of letters is one edit):
    "gobln" finds Goblin, "bugbaer" Bugbear. ``total`` counts them all."""
    items, total = await service.search(
        session, user.id, search, limit=page.limit, offset=page.offset
    )
    return Page(items=[summary_of(b) for b in items], total=total)


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=StatBlockOut, responses=LIST_ERRORS
)
async def create_statblock(
    body: StatBlockIn, user: CurrentUser, session: SessionDep
) -> StatBlockOut:
    """A homebrew stat block, yours only. XP, initiative bonus and legendary
    counts are derived when left out."""
    return out(await service.create(session, user, body))


@router.post(
    "/import",
    status_code=status.HTTP_201_CREATED,
    response_model=StatBlockOut,
    responses=errs(Unauthorized, Unprocessable, StatBlockImportError),
)
async def import_statblock_json(
    payload: Annotated[
        dict[str, Any],
        Body(
            description="A 5e-bits/dnd5eapi monster, an Improved Initiative StatBlock, "
            "or one of ours; the shape is detected."
        ),
    ],
    user: CurrentUser,
    session: SessionDep,
) -> StatBlockOut:
    """Store another tool's stat block as your homebrew. A field that cannot be
    read is a 422 naming it by its path in the document you sent."""
    return out(await service.create(session, user, import_statblock(payload)))


@router.get("/{statblock_id}", response_model=StatBlockOut, responses=READ_ERRORS)
async def get_statblock(statblock_id: str, user: CurrentUser, session: SessionDep) -> StatBlockOut:
    return out(await service.get_visible(session, statblock_id, user))


@router.patch("/{statblock_id}", response_model=StatBlockOut, responses=WRITE_ERRORS)
async def update_statblock(
    statblock_id: str,
    changes: Annotated[
        dict[str, Any], Body(description="Any stat block fields, merged into the stored ones.")
    ],
    user: CurrentUser,
    session: SessionDep,
) -> StatBlockOut:
    """Change some or all fields of your homebrew, as a JSON Merge Patch (RFC 7396):
    nested objects merge, ``null`` resets a field to its default. The result is
    validated whole; derived values (XP, initiative bonus) follow their sources
    unless you set them yourself. SRD stat blocks are read-only (403)."""
    block = await service.get_own(session, statblock_id, user)
    return out(await service.update(session, block, changes))


@router.delete("/{statblock_id}", status_code=status.HTTP_204_NO_CONTENT, responses=WRITE_ERRORS)
async def delete_statblock(statblock_id: str, user: CurrentUser, session: SessionDep) -> Response:
    """Delete your homebrew. Combatants made from it stay in their encounters."""
    await service.remove(session, await service.get_own(session, statblock_id, user))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


campaign_router = APIRouter(prefix="/api/campaigns/{campaign_id}/statblocks", tags=["statblocks"])


@campaign_router.get("", response_model=Page[StatBlockSummary], responses=READ_ERRORS)
async def shared_statblocks(
    campaign: MemberCampaign, session: SessionDep, page: PageDep
) -> Page[StatBlockSummary]:
    """The homebrew its DMs share with this campaign (any DM may field these here)."""
    items, total = await service.shared_with(
        session, campaign.id, limit=page.limit, offset=page.offset
    )
    return Page(items=[summary_of(b) for b in items], total=total)


@campaign_router.put(
    "/{statblock_id}", status_code=status.HTTP_204_NO_CONTENT, responses=WRITE_ERRORS
)
async def share_statblock(
    statblock_id: str, campaign: MemberCampaign, user: CurrentUser, session: SessionDep
) -> Response:
    """Share your homebrew with a campaign you DM: its DMs may then add it to its
    encounters (while you stay one of them). Unshared, only you may."""
    await service.share(session, campaign.id, statblock_id, user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@campaign_router.delete(
    "/{statblock_id}", status_code=status.HTTP_204_NO_CONTENT, responses=WRITE_ERRORS
)
async def unshare_statblock(
    statblock_id: str, campaign: MemberCampaign, user: CurrentUser, session: SessionDep
) -> Response:
    """Stop sharing your homebrew with the campaign (combatants already made stay)."""
    await service.unshare(session, campaign.id, statblock_id, user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@combatant_router.get(
    "/{encounter_id}/combatants/{combatant_id}/statblock",
    response_model=StatBlockOut,
    responses=READ_ERRORS,
    summary="The stat block a combatant was made from",
)
async def combatant_statblock(
    encounter: MemberEncounter, combatant_id: str, user_id: CurrentUserId, session: SessionDep
) -> StatBlockOut:
    """For the console's stat block panel: the block behind a combatant added from
    one (its ``statblock_id``), for a DM of the encounter's campaign who may field
    it there: the SRD's, their own homebrew, or homebrew shared with the campaign.
    404 when the combatant is unknown, was typed in by hand or is a character, or
    its homebrew was deleted or is another DM's, unshared."""
    combatant = state_of(encounter).find(combatant_id)
    if combatant is None:
        raise NotFound(f"No combatant {combatant_id} in this encounter.")
    block = await service.for_combatant(
        session,
        campaign_id=encounter.campaign_id,
        user_id=user_id,
        statblock_id=combatant.statblock_id,
        combatant=combatant.name,
    )
    return out(block)
