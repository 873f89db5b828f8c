"""Encounter export and import (the formats: :mod:`app.encounters.exchange`)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Body, Response, status

from app.campaigns.dependencies import MemberCampaign
from app.deps import CurrentUser, SessionDep
from app.encounters import exchange, service
from app.encounters.dependencies import MemberEncounter
from app.encounters.projection import dm_view
from app.encounters.schemas import EncounterOut
from app.errors import NotFound, Unauthorized, Unprocessable
from app.problems import responses as errs

router = APIRouter(prefix="/api/encounters", tags=["encounters"])
campaign_router = APIRouter(prefix="/api/campaigns/{campaign_id}/encounters", tags=["encounters"])


@router.get("/{encounter_id}/export", responses=errs(Unauthorized, NotFound))
async def export_encounter(encounter: MemberEncounter, response: Response) -> dict[str, Any]:
    """The encounter as a JSON document that ``.../encounters/import`` turns back
    into an equal encounter: ``{"format": "initiative-tracker/encounter",
    "version": 1, "encounter": {name, ruleset, settings, status, round, turn,
    order, combatants}}``."""
    slug = re.sub(r"[^a-z0-9]+", "-", encounter.name.lower()).strip("-") or "encounter"
    response.headers["Content-Disposition"] = f'attachment; filename="{slug[:60]}.json"'
    return exchange.export(service.state_of(encounter))


@campaign_router.post(
    "/import",
    status_code=status.HTTP_201_CREATED,
    response_model=EncounterOut,
    responses=errs(Unauthorized, NotFound, Unprocessable, exchange.EncounterImportError),
)
async def import_encounter(
    payload: Annotated[
        dict[str, Any],
        Body(
            description="Our export, or an Improved Initiative saved encounter "
            "(with Combatants); the format is detected."
        ),
    ],
    campaign: MemberCampaign,
    user: CurrentUser,
    session: SessionDep,
    response: Response,
) -> EncounterOut:
    """A new encounter equal to the document: same combatants (new ids), HP,
    conditions, initiatives, round, turn and status. Logged as one event that
    ``undo`` can take back. A document that cannot be read is a 422 naming the
    field by its path."""
    outcome = await service.import_encounter(
        session, campaign=campaign, user_id=user.id, payload=payload
    )
    response.headers["ETag"] = f'"{outcome.state.version}"'
    return EncounterOut.model_validate(dm_view(outcome.state, campaign.id))
