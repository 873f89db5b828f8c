"""Rolling and setting initiative, and the DM's hand reordering of ties."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from app.encounters.actions import Reorder, RollInitiative, SetInitiative
from app.encounters.rules.events import Draft
from app.encounters.rules.order import (
    effective_initiative,
    group_leader,
    group_members,
    rank_units,
    tied_units,
    unit_index,
)
from app.encounters.state import Combatant, InitiativeBefore
from app.errors import InvalidAction, RuleViolation

if TYPE_CHECKING:
    from app.dice import Roller

LAIR_INITIATIVE = 20
Mode = Literal["normal", "advantage", "disadvantage"]


def _names(combatants: list[Combatant]) -> str:
    return ", ".join(c.name for c in combatants)


def initiative_mode(
    draft: Draft, combatant: Combatant, mode: Mode, *, surprised: bool = False
) -> Mode:
    """Net advantage: the DM's mode, plus what the creature's conditions do to an
    initiative roll (a Dexterity check). 2014 (SRD 5.1 "Poisoned", "Exhaustion"):
    poisoned or any exhaustion, disadvantage. 2024 (Rules Glossary "Initiative",
    "Surprise", "Poisoned", "Invisible", "Incapacitated"): surprise, Poisoned and
    Incapacitated give disadvantage, Invisible advantage."""
    advantage = mode == "advantage"
    disadvantage = mode == "disadvantage" or combatant.has_condition("poisoned")
    if draft.state.ruleset == "2024":
        disadvantage = disadvantage or surprised or combatant.incapacitated
        advantage = advantage or combatant.has_condition("invisible")
    else:
        disadvantage = disadvantage or combatant.exhaustion > 0
    if advantage and disadvantage:
        return "normal"
    return "advantage" if advantage else "disadvantage" if disadvantage else "normal"


def exhaustion_penalty(draft: Draft, combatant: Combatant) -> int:
    """2024 exhaustion: -2 per level to every d20 test, initiative included."""
    return 2 * combatant.exhaustion if draft.state.ruleset == "2024" else 0


def _expression(bonus: int, mode: Mode, penalty: int = 0) -> str:
    dice = {"normal": "1d20", "advantage": "2d20kh1", "disadvantage": "2d20kl1"}[mode]
    text = f"{dice}{bonus:+d}" if bonus else dice
    return f"{text}-{penalty}" if penalty else text


def roll_for_group(
    draft: Draft,
    roller: Roller,
    members: list[Combatant],
    mode: Mode = "normal",
    *,
    surprised: bool = False,
) -> int:
    """One initiative for a combatant or a whole group (the first member's bonus)."""
    first = members[0]
    net = initiative_mode(draft, first, mode, surprised=surprised or first.surprised)
    penalty = exhaustion_penalty(draft, first)
    ids = [m.id for m in members]
    label = first.name if len(members) == 1 else f"{first.group} ({_names(members)})"
    if first.kind == "lair":
        value = LAIR_INITIATIVE
        draft.say(f"{label} acts on initiative count {LAIR_INITIATIVE}, losing ties.")
    elif draft.state.settings.initiative_mode == "score":
        # 2024 initiative score: 10 + bonus, and advantage/disadvantage are worth 5.
        value = 10 + first.initiative_bonus + {"normal": 0, "advantage": 5, "disadvantage": -5}[net]
        value -= penalty
        note = "" if net == "normal" else f" with {net}"
        note += f", -{penalty} from exhaustion" if penalty else ""
        draft.say(f"{label} takes initiative score {value}{note}.")
    else:
        roll = roller.roll(_expression(first.initiative_bonus, net, penalty))
        draft.record_roll(roll, purpose="initiative", combatant_ids=ids)
        value = roll.total
        note = "" if net == "normal" else f" with {net}"
        draft.say(f"{label} rolls initiative{note}: {roll.breakdown}.")
    for member in members:
        member.initiative = value
        member.rank = None
    return value


def roll_units(
    draft: Draft,
    roller: Roller,
    combatants: list[Combatant],
    mode: Mode = "normal",
    surprised: frozenset[str] = frozenset(),
) -> list[InitiativeBefore]:
    """Roll for these combatants, once per initiative group; returns what they had before."""
    before: list[InitiativeBefore] = []
    seen_groups: set[str] = set()
    for combatant in combatants:
        if combatant.group is not None:
            if combatant.group in seen_groups:
                continue
            seen_groups.add(combatant.group)
        members = group_members(draft.state, combatant)
        before.extend(
            InitiativeBefore(combatant_id=m.id, initiative=m.initiative, rank=m.rank)
            for m in members
        )
        roll_for_group(
            draft,
            roller,
            members,
            mode,
            surprised=any(m.id in surprised for m in members),
        )
    return before


def roll_initiative(draft: Draft, action: RollInitiative, roller: Roller) -> str:
    state = draft.state
    if state.status == "ended":
        raise RuleViolation("The encounter has ended.")
    if action.combatants == "all":
        chosen = [c for c in state.combatants if c.kind != "lair"]
    elif action.combatants == "monsters":
        chosen = [c for c in state.combatants if c.kind in ("monster", "npc")]
    else:
        chosen = [draft.combatant(cid) for cid in dict.fromkeys(action.combatants)]
    for cid in action.surprised:
        draft.combatant(cid)
    if not chosen:
        raise RuleViolation("Nobody to roll initiative for.")
    for lair in state.combatants:
        if lair.kind == "lair" and lair.initiative is None:
            lair.initiative = LAIR_INITIATIVE
    if state.ruleset == "2014":
        # 2014 surprise (SRD 5.1 "Surprise") lasts until the creature's first turn ends.
        for cid in action.surprised:
            draft.combatant(cid).surprised = True
    before = roll_units(draft, roller, chosen, action.mode, frozenset(action.surprised))
    draft.data["initiatives"] = {
        b.combatant_id: draft.combatant(b.combatant_id).initiative for b in before
    }
    return "roll_initiative"


def set_initiative(draft: Draft, action: SetInitiative, _roller: Roller) -> str:
    if draft.state.status == "ended":
        raise RuleViolation("The encounter has ended.")
    combatant = draft.combatant(action.combatant_id)
    members = group_members(draft.state, combatant)
    old = combatant.initiative
    for member in members:
        member.initiative = action.initiative
        member.rank = None
    who = combatant.name if len(members) == 1 else f"{combatant.group} ({_names(members)})"
    was = "" if old is None else f" (was {old})"
    draft.say(f"{who} set to initiative {action.initiative}{was}.")
    draft.data.update(combatant_ids=[m.id for m in members], initiative=action.initiative)
    return "set_initiative"


def reorder(draft: Draft, action: Reorder, _roller: Roller) -> str:
    state = draft.state
    if state.status == "ended":
        raise RuleViolation("The encounter has ended.")
    combatants = [draft.combatant(cid) for cid in action.combatant_ids]
    if any(c.status == "delayed" for c in combatants):
        raise RuleViolation("A delayed combatant has no place in the order to reorder.")
    if any(c.kind == "lair" for c in combatants):
        raise RuleViolation("Lair actions always lose ties; they cannot be reordered.")
    initiatives = {effective_initiative(state, c) for c in combatants}
    if len(initiatives) != 1 or None in initiatives:
        raise RuleViolation("Only combatants tied on the same initiative can be reordered.")
    initiative = initiatives.pop()
    assert initiative is not None

    units = tied_units(state, initiative)
    wanted: list[list[str]] = []
    for combatant in combatants:
        index = unit_index(units, group_leader(state, combatant).id)
        if index is not None and units[index] not in wanted:
            wanted.append(units[index])
    if len(wanted) < 2:
        raise InvalidAction("Reordering needs at least two different turns.")
    # The named units swap among the places they already hold; the others stay put.
    slots = iter(wanted)
    new_units = [next(slots) if unit in wanted else unit for unit in units]
    rank_units(state, new_units)
    names = [state.combatant(u[0]).name for u in wanted]
    draft.say(f"Tie at initiative {initiative} broken by hand: {', '.join(names)}.")
    draft.data["ranked"] = [u[0] for u in new_units]
    return "reorder"


def reroll_everyone(draft: Draft, roller: Roller) -> list[InitiativeBefore]:
    everyone = [c for c in draft.state.combatants if c.kind != "lair"]
    return roll_units(draft, roller, everyone)
