"""Conditions: adding, replacing and removing them, exhaustion levels, concentration.

SRD 5.1 Appendix PH-A "Conditions" (2024: the Rules Glossary entries): a stat
block's condition immunities are enforced (409); exhaustion stacks a level at a
time, a long rest (``remove_condition``) lowers it by one, level 6 is death, and
2014 level 4 halves the hit point maximum while it lasts; a condition may be
maintained by a combatant's concentration ("Concentration") and ends with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.encounters.actions import AddCondition, RemoveCondition, SetConcentration
from app.encounters.rules.events import Draft
from app.encounters.rules.health import drop_maintained, end_concentration, require_not_ended
from app.encounters.rules.order import turn_units, unit_index
from app.encounters.state import INCAPACITATING, Combatant, Condition, Duration, Ruleset
from app.errors import RuleViolation

if TYPE_CHECKING:
    from app.dice import Roller

EXHAUSTION_2014: dict[int, str] = {
    1: "disadvantage on ability checks",
    2: "speed halved",
    3: "disadvantage on attack rolls and saving throws",
    4: "hit point maximum halved",
    5: "speed reduced to 0",
    6: "death",
}


def exhaustion_effects(ruleset: Ruleset, level: int) -> str:
    if level >= 6:
        return "death"
    if ruleset == "2024":
        return f"-{2 * level} to d20 tests, speed -{5 * level} ft"
    return "; ".join(EXHAUSTION_2014[n] for n in range(1, level + 1))


def _describe(condition: Condition, draft: Draft) -> str:
    parts = []
    if condition.duration is not None:
        d = condition.duration
        of = draft.state.combatant(d.of).name
        unit = "round" if d.rounds == 1 else "rounds"
        parts.append(f"for {d.rounds} {unit}, ending at the {d.ends} of {of}'s turn")
    if condition.save is not None:
        parts.append(f"DC {condition.save.dc} {condition.save.ability_name} save ends")
    return f" ({'; '.join(parts)})" if parts else ""


def _on_its_own_turn(draft: Draft, duration: Duration) -> Duration:
    """A duration ending at the end of the creature whose turn it is counts from that
    creature's next turn: the current turn's end does not count (grace)."""
    state = draft.state
    units = turn_units(state) if state.status == "active" and state.turn else []
    index = unit_index(units, state.turn)
    own = index is not None and duration.of in units[index]
    return duration.model_copy(update={"grace": own and duration.ends == "end"})


def set_exhaustion(draft: Draft, creature: Combatant, level: int) -> None:
    """Exhaustion at ``level`` (0 removes it), with what each level does."""
    ruleset = draft.state.ruleset
    existing = creature.condition("exhaustion")
    if level <= 0:
        creature.conditions = [c for c in creature.conditions if c.name != "exhaustion"]
        draft.say(f"{creature.name} is no longer exhausted.")
    elif existing is not None:
        existing.level = level
        draft.say(
            f"{creature.name} is now at exhaustion level {level}: "
            f"{exhaustion_effects(ruleset, level)}."
        )
    else:
        creature.conditions.append(Condition(name="exhaustion", level=level))
        draft.say(
            f"{creature.name} is at exhaustion level {level}: {exhaustion_effects(ruleset, level)}."
        )
    _exhaustion_hp(draft, creature, level)
    if level >= 6 and creature.status != "dead":
        creature.status = "dead"
        end_concentration(draft, creature, "died")
        draft.say(f"{creature.name} dies of exhaustion.")


def _exhaustion_hp(draft: Draft, creature: Combatant, level: int) -> None:
    """2014 exhaustion level 4: hit point maximum halved while it lasts."""
    halved = draft.state.ruleset == "2014" and level >= 4
    if halved and creature.max_hp_unreduced is None:
        creature.max_hp_unreduced = creature.max_hp
        creature.max_hp //= 2
        creature.hp = min(creature.hp, creature.max_hp)
        draft.say(f"{creature.name}'s hit point maximum is halved to {creature.max_hp}.")
    elif not halved and creature.max_hp_unreduced is not None:
        creature.max_hp = creature.max_hp_unreduced
        creature.max_hp_unreduced = None
        draft.say(f"{creature.name}'s hit point maximum is back to {creature.max_hp}.")


def add_condition(draft: Draft, action: AddCondition, _roller: Roller) -> str:
    require_not_ended(draft.state)
    targets = draft.targets(action.targets)
    duration = action.duration
    if duration is not None:
        draft.combatant(duration.of)
        duration = _on_its_own_turn(draft, duration)
    if action.concentration_of is not None:
        caster = draft.combatant(action.concentration_of)
        if caster.concentration is None:
            raise RuleViolation(
                f"{caster.name} is not concentrating: set concentration first, then link to it."
            )
    name = action.condition
    for creature in targets:
        if creature.status == "dead":
            raise RuleViolation(f"{creature.name} is dead.")
        if creature.immune_to_condition(name):
            raise RuleViolation(f"{creature.name} is immune to the {name} condition.")
    condition = Condition(
        name=name,
        duration=duration,
        save=action.save,
        level=None,
        source=action.source,
        concentration_of=action.concentration_of,
    )
    levels: dict[str, int] = {}
    for creature in targets:
        if name == "exhaustion":
            # Without a level, exhaustion stacks: one more level than it has.
            level = action.level or min(6, creature.exhaustion + 1)
            levels[creature.id] = level
            set_exhaustion(draft, creature, level)
            found = creature.condition("exhaustion")
            if found is not None:
                found.duration, found.save = condition.duration, condition.save
                found.source, found.concentration_of = condition.source, condition.concentration_of
            continue
        existing = creature.condition(name)
        if existing is not None:
            index = creature.conditions.index(existing)
            creature.conditions[index] = condition.model_copy(deep=True)
            verb = "is now"
        else:
            creature.conditions.append(condition.model_copy(deep=True))
            verb = "is"
        draft.say(f"{creature.name} {verb} {name}{_describe(condition, draft)}.")
        if name in INCAPACITATING:
            end_concentration(draft, creature, name)
    draft.data.update(
        combatant_ids=[c.id for c in targets], condition=condition.model_dump(mode="json")
    )
    if levels:
        draft.data["levels"] = levels
    return "add_condition"


def remove_condition(draft: Draft, action: RemoveCondition, _roller: Roller) -> str:
    require_not_ended(draft.state)
    targets = draft.targets(action.targets)
    having = [c for c in targets if c.has_condition(action.condition)]
    if not having:
        raise RuleViolation(f"No target is {action.condition}.")
    for creature in having:
        if action.condition == "exhaustion":
            # A long rest lowers exhaustion by one level.
            set_exhaustion(draft, creature, creature.exhaustion - 1)
            continue
        creature.conditions = [c for c in creature.conditions if c.name != action.condition]
        draft.say(f"{creature.name} is no longer {action.condition}.")
    draft.data.update(combatant_ids=[c.id for c in having], condition=action.condition)
    return "remove_condition"


def set_concentration(draft: Draft, action: SetConcentration, _roller: Roller) -> str:
    require_not_ended(draft.state)
    creature = draft.combatant(action.combatant_id)
    before = creature.concentration
    if action.spell is None:
        if before is None:
            raise RuleViolation(f"{creature.name} is not concentrating.")
        draft.say(f"{creature.name} stops concentrating on {before}.")
    else:
        # Incapacitated (0 HP brings Unconscious) or dead: no concentration.
        if creature.status in ("dead", "down", "unconscious", "stable") or creature.incapacitated:
            raise RuleViolation(f"{creature.name} cannot concentrate now.")
        dropped = f" (dropping {before})" if before and before != action.spell else ""
        draft.say(f"{creature.name} concentrates on {action.spell}{dropped}.")
    if before is not None and before != action.spell:
        drop_maintained(draft, creature.id)
    creature.concentration = action.spell
    draft.data.update(combatant_id=creature.id, spell=action.spell, before=before)
    return "set_concentration"
