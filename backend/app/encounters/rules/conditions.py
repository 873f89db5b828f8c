"""Conditions: adding, replacing and removing them, exhaustion levels, concentration."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.encounters.actions import AddCondition, RemoveCondition, SetConcentration
from app.encounters.rules.events import Draft
from app.encounters.rules.health import end_concentration, require_not_ended
from app.encounters.state import INCAPACITATING, Condition, Ruleset
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


def add_condition(draft: Draft, action: AddCondition, _roller: Roller) -> str:
    require_not_ended(draft.state)
    targets = draft.targets(action.targets)
    if action.duration is not None:
        draft.combatant(action.duration.of)
    for creature in targets:
        if creature.status == "dead":
            raise RuleViolation(f"{creature.name} is dead.")
    name = action.condition
    level = action.level
    if name == "exhaustion":
        level = level or 1
    elif level is not None:
        level = None
    condition = Condition(
        name=name, duration=action.duration, save=action.save, level=level, source=action.source
    )
    for creature in targets:
        existing = creature.condition(name)
        if existing is not None:
            index = creature.conditions.index(existing)
            creature.conditions[index] = condition.model_copy(deep=True)
            verb = "is now"
        else:
            creature.conditions.append(condition.model_copy(deep=True))
            verb = "is"
        if name == "exhaustion" and level is not None:
            effects = exhaustion_effects(draft.state.ruleset, level)
            draft.say(f"{creature.name} {verb} at exhaustion level {level}: {effects}.")
            if level >= 6:
                creature.status = "dead"
                end_concentration(draft, creature, "died")
                draft.say(f"{creature.name} dies of exhaustion.")
        else:
            draft.say(f"{creature.name} {verb} {name}{_describe(condition, draft)}.")
        if name in INCAPACITATING:
            end_concentration(draft, creature, name)
    draft.data.update(
        combatant_ids=[c.id for c in targets], condition=condition.model_dump(mode="json")
    )
    return "add_condition"


def remove_condition(draft: Draft, action: RemoveCondition, _roller: Roller) -> str:
    require_not_ended(draft.state)
    targets = draft.targets(action.targets)
    having = [c for c in targets if c.has_condition(action.condition)]
    if not having:
        raise RuleViolation(f"No target is {action.condition}.")
    for creature in having:
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
        if creature.status == "dead" or creature.incapacitated:
            raise RuleViolation(f"{creature.name} cannot concentrate now.")
        dropped = f" (dropping {before})" if before and before != action.spell else ""
        draft.say(f"{creature.name} concentrates on {action.spell}{dropped}.")
    creature.concentration = action.spell
    draft.data.update(combatant_id=creature.id, spell=action.spell, before=before)
    return "set_concentration"
