"""Turns and rounds: starting combat, moving on, going back, delaying and resuming.

Every turn change is recorded as a :class:`TurnChange` on the turn history, holding
exactly what it did (durations ticked, conditions expired, reactions and legendary
actions reset, initiatives rerolled), so previous_turn can take back that and nothing else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.encounters.actions import Delay, NextTurn, PreviousTurn, Resume, StartCombat
from app.encounters.rules.events import Draft
from app.encounters.rules.health import d20_note, makes_death_saves
from app.encounters.rules.initiative import LAIR_INITIATIVE, reroll_everyone, roll_units
from app.encounters.rules.order import (
    group_leader,
    group_members,
    rank_units,
    refresh_order,
    tied_units,
    turn_units,
    unit_index,
)
from app.encounters.state import (
    Combatant,
    EncounterState,
    ExpiredCondition,
    TickedCondition,
    TurnChange,
    TurnReset,
)
from app.errors import RuleViolation

if TYPE_CHECKING:
    from app.dice import Roller


def require_active(state: EncounterState, doing: str) -> None:
    if state.status == "planning":
        raise RuleViolation(f"Cannot {doing} before combat starts.")
    if state.status == "ended":
        raise RuleViolation(f"Cannot {doing}: the encounter has ended.")


def _unit_names(state: EncounterState, unit: list[str]) -> str:
    return ", ".join(state.combatant(cid).name for cid in unit)


def _skipped(state: EncounterState, unit: list[str]) -> bool:
    members = [state.combatant(cid) for cid in unit]
    if all(m.status == "dead" for m in members):
        return True
    return state.settings.skip_down_monsters and all(
        m.kind in ("monster", "npc") and m.status in ("down", "dead") for m in members
    )


def _surprised(state: EncounterState, unit: list[str]) -> bool:
    """2014 surprise (SRD 5.1 "Surprise"): a surprised creature loses its first turn."""
    return state.ruleset == "2014" and all(state.combatant(cid).surprised for cid in unit)


def _lose_turn(draft: Draft, unit: list[str], change: TurnChange) -> None:
    """The surprised unit's turn starts and ends at once (durations still count)."""
    draft.say(f"{_unit_names(draft.state, unit)} is surprised and loses its turn.")
    start_of_turn(draft, unit, change)
    end_of_turn(draft, unit, change)


# --- what happens at the start and end of a creature's turn -------------------------


def _count_down(draft: Draft, of_id: str, ends: str, change: TurnChange) -> None:
    """Conditions tied to this creature's turn, on whoever carries them, tick down."""
    for carrier in draft.state.combatants:
        kept = []
        for index, condition in enumerate(carrier.conditions):
            duration = condition.duration
            if duration is None or duration.of != of_id or duration.ends != ends:
                kept.append(condition)
            elif duration.grace:
                # Started on this very turn: its end does not count.
                change.ticked.append(
                    TickedCondition(
                        combatant_id=carrier.id,
                        name=condition.name,
                        rounds_before=duration.rounds,
                        grace_before=True,
                    )
                )
                kept.append(
                    condition.model_copy(
                        update={"duration": duration.model_copy(update={"grace": False})}
                    )
                )
            elif duration.rounds <= 1:
                change.expired.append(
                    ExpiredCondition(combatant_id=carrier.id, index=index, condition=condition)
                )
                draft.say(f"{carrier.name} is no longer {condition.name}.")
            else:
                change.ticked.append(
                    TickedCondition(
                        combatant_id=carrier.id, name=condition.name, rounds_before=duration.rounds
                    )
                )
                kept.append(
                    condition.model_copy(
                        update={
                            "duration": duration.model_copy(update={"rounds": duration.rounds - 1})
                        }
                    )
                )
        carrier.conditions = kept


def _legendary_max(draft: Draft, combatant: Combatant) -> int:
    pool = combatant.legendary_actions
    if draft.state.settings.in_lair and pool.max_in_lair is not None:
        return pool.max_in_lair
    return pool.max


def start_of_turn(draft: Draft, unit: list[str], change: TurnChange) -> None:
    for cid in unit:
        creature = draft.combatant(cid)
        change.resets.append(
            TurnReset(
                combatant_id=cid,
                reaction_used=creature.reaction_used,
                legendary_remaining=creature.legendary_actions.remaining,
            )
        )
        creature.reaction_used = False
        creature.legendary_actions.remaining = _legendary_max(draft, creature)
        _count_down(draft, cid, "start", change)
    for cid in unit:
        creature = draft.combatant(cid)
        if makes_death_saves(draft.state, creature) and creature.status == "unconscious":
            note = d20_note(draft.state.ruleset, creature)
            draft.remind(f"{creature.name}: death saving throw{note}.")
        if creature.surprised and draft.state.ruleset == "2014":
            draft.remind(f"{creature.name} is surprised: no move, action or reaction this turn.")


def end_of_turn(draft: Draft, unit: list[str], change: TurnChange) -> None:
    for cid in unit:
        _count_down(draft, cid, "end", change)
        creature = draft.combatant(cid)
        if creature.surprised:
            # 2014 surprise ends when the creature's first turn does.
            creature.surprised = False
            change.unsurprised.append(cid)
    for cid in unit:
        creature = draft.combatant(cid)
        for condition in creature.conditions:
            if condition.save is not None:
                note = d20_note(draft.state.ruleset, creature)
                draft.remind(
                    f"{creature.name}: DC {condition.save.dc} {condition.save.ability_name} "
                    f"save to end {condition.name}{note}."
                )


def legendary_reminders(draft: Draft, unit: list[str]) -> None:
    for creature in draft.state.combatants:
        pool = creature.legendary_actions
        if creature.id in unit or pool.remaining <= 0 or creature.status in ("dead", "down"):
            continue
        draft.remind(
            f"{creature.name}: {pool.remaining} of {_legendary_max(draft, creature)} "
            "legendary actions left."
        )


# --- moving the turn -----------------------------------------------------------------


def _wrap_round(draft: Draft, roller: Roller, change: TurnChange) -> None:
    state = draft.state
    state.round += 1
    draft.say(f"Round {state.round} begins.")
    if state.settings.reroll_each_round:
        change.initiatives = reroll_everyone(draft, roller)
        refresh_order(state)


def _find_next_unit(
    draft: Draft, roller: Roller, after: int, change: TurnChange, *, may_wrap: bool = True
) -> list[str] | None:
    """The first unit after position ``after`` that is not skipped, wrapping the round."""
    state = draft.state
    units = turn_units(state)
    if not units:
        return None
    # With everyone skippable (all down or dead) the turn still has to go somewhere.
    everyone_skipped = all(_skipped(state, unit) for unit in units)
    index = after + 1
    while True:
        if index >= len(units):
            if not may_wrap:
                return units[0]
            _wrap_round(draft, roller, change)
            may_wrap = False
            units = turn_units(state)
            index = 0
        if everyone_skipped or not _skipped(state, units[index]):
            if not _surprised(state, units[index]):
                return units[index]
            _lose_turn(draft, units[index], change)
        index += 1


def _begin_turn(draft: Draft, unit: list[str] | None, change: TurnChange) -> None:
    state = draft.state
    state.turn = unit[0] if unit else None
    change.round_after = state.round
    change.turn_after = state.turn
    if unit:
        draft.say(f"{_unit_names(state, unit)}'s turn (round {state.round}).")
        start_of_turn(draft, unit, change)
    draft.data.update(round=state.round, turn=state.turn)


def pass_turn(draft: Draft, roller: Roller, after: int, turn_before: str | None) -> None:
    """The current unit left the order (delay, removal): the next one's turn starts."""
    state = draft.state
    change = TurnChange(
        round_before=state.round, turn_before=turn_before, round_after=0, turn_after=None
    )
    refresh_order(state)
    unit = _find_next_unit(draft, roller, after, change)
    _begin_turn(draft, unit, change)
    draft.push_turn_change(change)


def start_combat(draft: Draft, _action: StartCombat, roller: Roller) -> str:
    state = draft.state
    if state.status == "active":
        raise RuleViolation("Combat has already started.")
    if state.status == "ended":
        raise RuleViolation("The encounter has ended.")
    if not any(c.kind != "lair" and c.status != "dead" for c in state.combatants):
        raise RuleViolation("Nobody to fight: add combatants first.")
    for lair in state.combatants:
        if lair.kind == "lair" and lair.initiative is None:
            lair.initiative = LAIR_INITIATIVE
    unrolled = [c for c in state.combatants if c.initiative is None]
    if unrolled:
        roll_units(draft, roller, unrolled)
    state.status = "active"
    state.round = 1
    draft.say("Combat starts. Round 1.")
    refresh_order(state)
    change = TurnChange(round_before=0, turn_before=None, round_after=1, turn_after=None)
    unit = _find_next_unit(draft, roller, -1, change, may_wrap=False)
    _begin_turn(draft, unit, change)
    draft.clear_turn_history()
    draft.data["order"] = list(state.order)
    return "combat_started"


def next_turn(draft: Draft, _action: NextTurn, roller: Roller) -> str:
    state = draft.state
    require_active(state, "move to the next turn")
    units = turn_units(state)
    if not units:
        raise RuleViolation("Nobody is in the initiative order.")
    change = TurnChange(
        round_before=state.round, turn_before=state.turn, round_after=0, turn_after=None
    )
    current = unit_index(units, state.turn)
    if current is None:
        current = -1
    else:
        draft.say(f"{_unit_names(state, units[current])}'s turn ends.")
        end_of_turn(draft, units[current], change)
        legendary_reminders(draft, units[current])
    unit = _find_next_unit(draft, roller, current, change)
    _begin_turn(draft, unit, change)
    draft.push_turn_change(change)
    return "turn_advanced"


def previous_turn(draft: Draft, _action: PreviousTurn, _roller: Roller) -> str:
    state = draft.state
    require_active(state, "go back a turn")
    if not state.turn_history:
        raise RuleViolation("There is no turn change to go back to.")
    change = state.turn_history[-1]
    if change.turn_before is not None:
        back_to = state.find(change.turn_before)
        if back_to is None or back_to.status == "delayed":
            raise RuleViolation(
                "Cannot go back: the combatant whose turn it was has left the order."
            )
    draft.pop_turn_change()
    _restore(draft, change)
    state.round = change.round_before
    state.turn = change.turn_before
    refresh_order(state)
    who = state.combatant(state.turn).name if state.turn else "nobody"
    draft.say(f"Back to {who}'s turn (round {state.round}).")
    draft.data.update(round=state.round, turn=state.turn, undone=change.model_dump(mode="json"))
    return "turn_reverted"


def _restore(draft: Draft, change: TurnChange) -> None:
    state = draft.state
    for before in change.initiatives:
        creature = state.find(before.combatant_id)
        if creature is not None:
            creature.initiative = before.initiative
            creature.rank = before.rank
    for reset in change.resets:
        creature = state.find(reset.combatant_id)
        if creature is not None:
            creature.reaction_used = reset.reaction_used
            creature.legendary_actions.remaining = reset.legendary_remaining
    for ticked in change.ticked:
        creature = state.find(ticked.combatant_id)
        condition = creature.condition(ticked.name) if creature else None
        if condition is not None and condition.duration is not None:
            condition.duration.rounds = ticked.rounds_before
            condition.duration.grace = ticked.grace_before
    for cid in change.unsurprised:
        creature = state.find(cid)
        if creature is not None:
            creature.surprised = True
    for expired in sorted(change.expired, key=lambda e: e.index):
        creature = state.find(expired.combatant_id)
        if creature is None or creature.has_condition(expired.condition.name):
            continue
        creature.conditions.insert(min(expired.index, len(creature.conditions)), expired.condition)
        draft.say(f"{creature.name} is {expired.condition.name} again.")


# --- delay and resume ------------------------------------------------------------------


def delay(draft: Draft, action: Delay, roller: Roller) -> str:
    state = draft.state
    require_active(state, "delay")
    creature = draft.combatant(action.combatant_id)
    if creature.kind == "lair":
        raise RuleViolation("Lair actions cannot delay.")
    if creature.status != "active":
        raise RuleViolation(f"{creature.name} is {creature.status} and cannot delay.")
    units = turn_units(state)
    was_index = unit_index(units, creature.id)
    had_turn = was_index is not None and state.turn in units[was_index]
    delaying = [m for m in group_members(state, creature) if m.status == "active"]
    for member in delaying:
        member.status = "delayed"
    draft.say(f"{', '.join(m.name for m in delaying)} delays.")
    draft.data["combatant_ids"] = [m.id for m in delaying]
    refresh_order(state)
    if had_turn and was_index is not None:
        # Down members left behind keep the unit's place; skip past it either way.
        still_there = any(cid in state.order for cid in units[was_index])
        pass_turn(draft, roller, was_index if still_there else was_index - 1, state.turn)
    return "delay"


def resume(draft: Draft, action: Resume, _roller: Roller) -> str:
    state = draft.state
    require_active(state, "resume")
    creature = draft.combatant(action.combatant_id)
    if creature.status != "delayed":
        raise RuleViolation(f"{creature.name} is not delaying.")
    members = group_members(state, creature)
    resuming = [m for m in members if m.status == "delayed"]
    anchor: Combatant | None = None
    if action.before is not None:
        anchor = draft.combatant(action.before)
        if anchor in members:
            raise RuleViolation("A combatant cannot resume before itself.")
        if anchor.status == "delayed":
            raise RuleViolation(f"{anchor.name} is delaying too and has no place in the order.")
        anchor = group_leader(state, anchor)
    elif state.turn is not None:
        anchor = state.combatant(state.turn)

    for member in resuming:
        member.status = "active"
    if anchor is not None:
        _place_before(state, members, anchor)
    refresh_order(state)
    names = ", ".join(m.name for m in resuming)
    if action.before is not None and anchor is not None:
        draft.say(f"{names} resumes, acting before {anchor.name} (initiative {anchor.initiative}).")
        return "resume"
    change = TurnChange(
        round_before=state.round, turn_before=state.turn, round_after=0, turn_after=None
    )
    units = turn_units(state)
    index = unit_index(units, creature.id)
    draft.say(f"{names} resumes and acts now.")
    state.turn = units[index][0] if index is not None else None
    change.round_after = state.round
    change.turn_after = state.turn
    draft.push_turn_change(change)
    draft.data.update(round=state.round, turn=state.turn)
    return "resume"


def _place_before(state: EncounterState, members: list[Combatant], anchor: Combatant) -> None:
    """The group takes the anchor's initiative and sits right before it from now on."""
    initiative = anchor.initiative
    for member in members:
        member.initiative = initiative
        member.rank = None
    if initiative is None:
        return
    refresh_order(state)
    ids = {m.id for m in members}
    units = tied_units(state, initiative)
    moving = [u for u in units if ids & set(u)]
    others = [u for u in units if not ids & set(u)]
    at = next((i for i, u in enumerate(others) if anchor.id in u), len(others))
    rank_units(state, others[:at] + moving + others[at:])
