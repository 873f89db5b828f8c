"""Making combatants: from the campaign's characters, from a stat block, typed in by
hand, or read from an imported document (:mod:`app.encounters.exchange`).

Everything random about a new combatant (its id, its tiebreak, a new initiative
group's id) is drawn here, so the rules stay pure. Every combatant is made by
:func:`new_combatant`, a stat block's numbers are read by :func:`from_statblock`, and
every name is cut and numbered by one rule (:func:`fit_name`, :func:`numbered_names`).
"""

from __future__ import annotations

import random
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import service as accounts
from app.characters import repository as characters
from app.characters.models import Character
from app.dice import Roller
from app.encounters.actions import AddCombatants
from app.encounters.schemas import (
    AdHocCombatant,
    CombatantCreate,
    FromCharacter,
    FromCharacters,
    FromStatBlock,
)
from app.encounters.state import (
    Combatant,
    EncounterState,
    LegendaryActions,
    LegendaryResistances,
    Side,
    default_side,
)
from app.errors import InvalidAction, RuleViolation
from app.statblocks import repository as statblocks
from app.statblocks.schemas import StatBlockData, StatBlockIn, cr_label, hp_roll_expression

MAX_NAME = 100
# What a cut name leaves free for a number behind it (" 50").
_NUMBER_ROOM = 4


def new_id() -> str:
    return str(uuid.uuid4())


def new_tiebreak() -> float:
    return random.SystemRandom().random()


def new_group_id() -> str:
    return "g-" + uuid.uuid4().hex[:8]


def fit_name(name: str) -> str:
    """A name cut (always the same way) so that a number still fits behind it in a
    combatant's 100 characters; a stat block's name may hold 200."""
    return name[: MAX_NAME - _NUMBER_ROOM].rstrip()


def numbered_names(base: str, count: int, existing: EncounterState) -> list[str]:
    """A lone "Goblin" stays "Goblin"; several become "Goblin 1", "Goblin 2", and
    more goblins later continue the numbering instead of repeating it."""
    base = fit_name(base)
    taken = {c.name for c in existing.combatants}
    numbers = [
        int(name[len(base) + 1 :])
        for name in taken
        if name.startswith(base + " ") and name[len(base) + 1 :].isdigit()
    ]
    if count == 1 and base not in taken and not numbers:
        return [base]
    start = max(numbers, default=0) + 1
    if base in taken and not numbers:
        start = 2
    return [f"{base} {n}" for n in range(start, start + count)]


def new_combatant(**fields: Any) -> Combatant:
    """A combatant joining an encounter: a fresh id (unless one is given) and a
    tiebreak drawn once, so that ties stay put from request to request."""
    return Combatant(**{"id": new_id(), "tiebreak": new_tiebreak(), **fields})


def from_statblock(block: StatBlockIn, **fields: Any) -> Combatant:
    """A combatant with a stat block's numbers (initiative, AC, HP, defences,
    legendary pools, XP and CR); ``fields`` say the rest and may override any."""
    legendary = block.legendary_actions_per_round
    return new_combatant(
        **{
            "initiative_bonus": block.initiative_bonus,
            "dexterity": block.abilities.dex,
            "ac": block.ac,
            "max_hp": block.hp,
            "hp": block.hp,
            "resistances": list(block.damage_resistances),
            "vulnerabilities": list(block.damage_vulnerabilities),
            "immunities": list(block.damage_immunities),
            "legendary_actions": LegendaryActions(max=legendary, remaining=legendary),
            "qualified_defences": [d.model_copy() for d in block.qualified_defences],
            "condition_immunities": list(block.condition_immunities),
            "legendary_resistances": LegendaryResistances(
                max=block.legendary_resistances, remaining=block.legendary_resistances
            ),
            "xp": block.xp,
            "cr": cr_label(block.challenge_rating),
            **fields,
        }
    )


async def build_combatants(
    session: AsyncSession,
    *,
    campaign_id: str,
    user_id: str,
    body: CombatantCreate,
    roller: Roller,
    existing: EncounterState,
) -> AddCombatants:
    """Resolve a request to add combatants into the rules' internal action.
    ``user_id`` is the DM adding them, whose console settings fill in what the
    request leaves out (``monster_hp``)."""
    if isinstance(body, FromCharacter | FromCharacters):
        ids = [body.character_id] if isinstance(body, FromCharacter) else body.character_ids
        hidden = isinstance(body, FromCharacter) and body.hidden
        side: Side = body.side if isinstance(body, FromCharacter) else "party"
        found = {c.id: c for c in await characters.get_many(session, campaign_id, ids)}
        missing = [cid for cid in ids if cid not in found]
        if missing:
            raise InvalidAction(
                f"No character {missing[0]} in this campaign.",
                errors=[
                    {"loc": ["body", "character_id"], "msg": "unknown character", "type": "unknown"}
                ],
            )
        already = {c.character_id for c in existing.combatants if c.character_id}
        twice = [found[i].name for i in ids if i in already]
        if twice:
            raise RuleViolation(f"{twice[0]} is already in this encounter.")
        return AddCombatants(
            combatants=[_from_character(found[i], hidden=hidden, side=side) for i in ids]
        )
    if isinstance(body, FromStatBlock):
        if body.hp is None:
            chosen = await accounts.console_settings(session, user_id)
            body = body.model_copy(update={"hp": chosen.monster_hp})
        return await _from_statblock_request(
            session,
            campaign_id=campaign_id,
            user_id=user_id,
            body=body,
            roller=roller,
            existing=existing,
        )
    return _ad_hoc(body, existing)


def _from_character(character: Character, *, hidden: bool, side: Side) -> Combatant:
    return new_combatant(
        name=character.name,
        kind="character",
        character_id=character.id,
        initiative_bonus=character.initiative_bonus,
        dexterity=character.dexterity,
        ac=character.ac,
        max_hp=character.max_hp,
        hp=min(character.current_hp, character.max_hp),
        temp_hp=character.temp_hp,
        status="unconscious" if character.current_hp == 0 else "active",
        hidden=hidden,
        side=side,
    )


async def _from_statblock_request(
    session: AsyncSession,
    *,
    campaign_id: str,
    user_id: str,
    body: FromStatBlock,
    roller: Roller,
    existing: EncounterState,
) -> AddCombatants:
    """``body.count`` combatants from a stat block ``user_id`` may field in the campaign
    (the SRD's, their own homebrew, or homebrew shared with the campaign): numbered
    names, average or rolled HP (each roll recorded for the log), the block's
    defences, legendary pools, XP and CR, and optionally one initiative group."""
    row = await statblocks.get_for_campaign(session, body.statblock_id, campaign_id, user_id)
    if row is None:
        raise InvalidAction(
            f"No stat block {body.statblock_id} available to this campaign.",
            errors=[
                {"loc": ["body", "statblock_id"], "msg": "unknown stat block", "type": "unknown"}
            ],
        )
    block = StatBlockData.model_validate(row.data)
    group: str | None
    if body.group is True:
        group = new_group_id()
    elif isinstance(body.group, str):
        group = body.group
    else:
        group = None

    combatants: list[Combatant] = []
    rolls: list[dict[str, Any]] = []
    for name in numbered_names(block.name, body.count, existing):
        combatant_id = new_id()
        hp = block.hp
        if body.hp == "rolled":
            roll = roller.roll(hp_roll_expression(block))
            hp = max(1, roll.total)
            rolls.append({**roll.as_dict(), "combatant_id": combatant_id, "purpose": "hit points"})
        combatants.append(
            from_statblock(
                block,
                id=combatant_id,
                name=name,
                alias=body.alias,
                kind="monster",
                statblock_id=row.id,
                side=body.side,
                max_hp=hp,
                hp=hp,
                hidden=body.hidden,
                group=group,
            )
        )
    return AddCombatants(combatants=combatants, rolls=rolls)


def _ad_hoc(body: AdHocCombatant, existing: EncounterState) -> AddCombatants:
    legendary_actions, legendary_resistances = body.legendary()
    return AddCombatants(
        combatants=[
            new_combatant(
                name=name,
                alias=body.alias,
                kind=body.kind,
                initiative=body.initiative,
                initiative_bonus=body.initiative_bonus,
                dexterity=body.dexterity,
                ac=body.ac,
                max_hp=body.max_hp,
                hp=body.max_hp if body.hp is None else min(body.hp, body.max_hp),
                temp_hp=body.temp_hp,
                hidden=body.hidden,
                notes=body.notes,
                resistances=body.resistances,
                vulnerabilities=body.vulnerabilities,
                immunities=body.immunities,
                legendary_actions=legendary_actions,
                legendary_resistances=legendary_resistances,
                conditions=[c.model_copy() for c in body.conditions],
                concentration=body.concentration,
                reaction_used=body.reaction_used,
                cr=body.cr,
                group=body.group,
                xp=body.xp,
                qualified_defences=[d.model_copy() for d in body.qualified_defences],
                condition_immunities=body.condition_immunities,
                side=body.side or default_side(body.kind),
                surprised=body.surprised,
            )
            for name in numbered_names(body.name, body.count, existing)
        ]
    )
