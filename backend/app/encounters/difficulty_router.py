"""``GET /api/encounters/{id}/difficulty``: the encounter rated by the 2014 or
2024 rules (:mod:`app.encounters.difficulty`).

The party is the encounter's character combatants on the party's side, at the level their campaign
character has now. A character combatant typed in by hand (no campaign
character behind it, or one since deleted) counts as level 1 and is listed
under ``assumed_level``, so the DM sees the assumption. The opposition is
every combatant on the ``enemies`` side except lair actions, hidden ones
included (the DM sees everything), each worth its ``xp``; allies ("party")
and bystanders ("neutral") do not count.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.characters import service as characters
from app.deps import SessionDep
from app.encounters import service
from app.encounters.dependencies import MemberEncounter
from app.encounters.difficulty import MIN_LEVEL, difficulty_2014, difficulty_2024
from app.encounters.state import Ruleset
from app.errors import NotFound, Unauthorized, Unprocessable
from app.problems import responses as errs

router = APIRouter(prefix="/api/encounters", tags=["encounters"])


@router.get("/{encounter_id}/difficulty", responses=errs(Unauthorized, NotFound, Unprocessable))
async def get_difficulty(
    encounter: MemberEncounter,
    session: SessionDep,
    ruleset: Annotated[
        Ruleset | None, Query(description="Which rules to rate by; default the encounter's.")
    ] = None,
) -> dict[str, Any]:
    """2014: XP thresholds, the monster-count multiplier and the party-size
    adjustment; 2024: the XP budget (low / moderate / high)."""
    state = service.state_of(encounter)
    pcs = [c for c in state.combatants if c.kind == "character" and c.side == "party"]
    foes = [
        c for c in state.combatants if c.side == "enemies" and c.kind not in ("character", "lair")
    ]
    linked = [c.character_id for c in pcs if c.character_id]
    levels = await characters.levels(session, encounter.campaign_id, linked)
    party_levels = [levels.get(pc.character_id or "", MIN_LEVEL) for pc in pcs]
    assumed = [pc.id for pc in pcs if (pc.character_id or "") not in levels]

    chosen = ruleset or state.ruleset
    rate = difficulty_2014 if chosen == "2014" else difficulty_2024
    result = rate(party_levels, [c.xp for c in foes])
    return {
        **result,
        "party": [
            {"combatant_id": pc.id, "name": pc.name, "level": level}
            for pc, level in zip(pcs, party_levels, strict=True)
        ],
        "monsters": [{"combatant_id": c.id, "name": c.name, "xp": c.xp} for c in foes],
        "assumed_level": assumed,
    }
