"""Hit points: damage, healing, temporary HP, dropping to 0 and death saving throws.

SRD 5.1 "Damage and Healing": resistance, vulnerability and immunity (a qualified
defence such as "from nonmagical attacks" holds only for the hits it names; petrified
creatures resist all damage), "Dropping to 0 Hit Points" (the Unconscious condition,
which brings Prone and Incapacitated; massive damage; death saving throws, which
monsters make only where the DM turns ``monster_death_saves`` on, "Monsters and
Death"), and concentration ("Concentration": the Con save DC, and the conditions a
concentration maintains end with it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.encounters.actions import Damage, DeathSave, Heal, SetDead, SetTempHp
from app.encounters.rules.events import Draft
from app.encounters.state import Combatant, Condition, DeathSaves, EncounterState
from app.errors import RuleViolation

# The source of the Unconscious (and Prone) that dropping to 0 HP brings: healing
# takes away that Unconscious, never one from elsewhere, and never the Prone.
ZERO_HP = "0 HP"

if TYPE_CHECKING:
    from app.dice import Roller


def require_not_ended(state: EncounterState) -> None:
    if state.status == "ended":
        raise RuleViolation("The encounter has ended.")


def end_concentration(draft: Draft, creature: Combatant, why: str) -> None:
    """Concentration ends, and with it every condition it maintains, on every target."""
    if creature.concentration is not None:
        draft.say(f"{creature.name} loses concentration on {creature.concentration} ({why}).")
        creature.concentration = None
        drop_maintained(draft, creature.id)


def drop_maintained(draft: Draft, concentrator: str) -> None:
    """Remove the conditions ``concentrator``'s concentration maintains."""
    for carrier in draft.state.combatants:
        ending = [c for c in carrier.conditions if c.concentration_of == concentrator]
        if ending:
            carrier.conditions = [c for c in carrier.conditions if c not in ending]
            names = ", ".join(c.name for c in ending)
            draft.say(f"{carrier.name} is no longer {names} (its concentration ended).")


def concentration_dc(ruleset: str, damage: int) -> int:
    dc = max(10, damage // 2)
    return min(30, dc) if ruleset == "2024" else dc


def d20_note(ruleset: str, creature: Combatant, *, saving_throw: bool = True) -> str:
    """What exhaustion does to this creature's d20 tests, for a reminder ("" if nothing).

    2024 (Rules Glossary, "Exhaustion"): -2 per level to every d20 test. 2014 (SRD 5.1
    Appendix PH-A, "Exhaustion"): level 1 gives disadvantage on ability checks, level 3
    on saving throws too."""
    level = creature.exhaustion
    if not level:
        return ""
    if ruleset == "2024":
        return f"; -{2 * level} from exhaustion"
    if level >= 3 or not saving_throw:
        return "; disadvantage from exhaustion"
    return ""


def adjusted_damage(
    creature: Combatant,
    amount: int,
    damage_type: str | None,
    flags: frozenset[str] = frozenset(),
) -> tuple[int, str]:
    """Damage after immunity, resistance and vulnerability, and which of them applied.

    A qualified defence applies only when it holds for this hit's flags; resistance
    (or vulnerability) from several sources counts once; a petrified creature resists
    all damage (SRD 5.1 "Damage Resistance and Vulnerability", "Petrified")."""

    def has(kind: str, plain: list[str]) -> bool:
        if damage_type is not None and damage_type in plain:
            return True
        return any(
            d.kind == kind and d.holds(damage_type, flags) for d in creature.qualified_defences
        )

    if has("immunity", creature.immunities):
        return 0, "immune"
    notes = []
    if has("resistance", creature.resistances) or creature.has_condition("petrified"):
        amount //= 2
        notes.append("resistant")
    if has("vulnerability", creature.vulnerabilities):
        amount *= 2
        notes.append("vulnerable")
    return amount, " and ".join(notes)


def _defences_waiting(draft: Draft, creature: Combatant, action: Damage) -> None:
    """Remind the DM of defences that would hold if they were on (a spell, a wielder)."""
    for defence in creature.qualified_defences:
        if not defence.active and defence.model_copy(update={"active": True}).holds(
            action.damage_type, action.flags()
        ):
            why = f"is {defence.spell} up?" if defence.spell else "the DM's call"
            draft.remind(
                f"{creature.name}: {defence.kind} to {defence.text} is off, not applied ({why})."
            )


def makes_death_saves(state: EncounterState, creature: Combatant) -> bool:
    return creature.kind == "character" or (
        creature.kind != "lair" and state.settings.monster_death_saves
    )


def fall_unconscious(draft: Draft, creature: Combatant) -> None:
    """0 HP brings the Unconscious condition, which brings Prone (and Incapacitated)."""
    for name in ("unconscious", "prone"):
        if not creature.has_condition(name) and not creature.immune_to_condition(name):
            creature.conditions.append(Condition(name=name, source=ZERO_HP))


def wake(creature: Combatant) -> None:
    """Back above 0 HP: the Unconscious that 0 HP brought ends; Prone stays."""
    creature.conditions = [
        c for c in creature.conditions if not (c.name == "unconscious" and c.source == ZERO_HP)
    ]


def _fall(draft: Draft, creature: Combatant, overflow: int) -> None:
    """Reaching 0 HP: unconscious (a monster "down" unless it makes death saves), or
    dead outright from massive damage."""
    end_concentration(draft, creature, "dropped to 0 HP")
    creature.death_saves = DeathSaves()
    saves = makes_death_saves(draft.state, creature)
    if saves and overflow >= creature.max_hp:
        creature.status = "dead"
        draft.say(f"{creature.name} dies outright from massive damage.")
        return
    if saves:
        creature.status = "unconscious"
        draft.say(f"{creature.name} falls unconscious and starts making death saves.")
    else:
        creature.status = "down"
        draft.say(f"{creature.name} is down.")
    fall_unconscious(draft, creature)


def _add_failures(draft: Draft, creature: Combatant, failures: int) -> None:
    saves = creature.death_saves
    saves.failures = min(3, saves.failures + failures)
    if saves.failures >= 3:
        creature.status = "dead"
        draft.say(f"{creature.name} has failed three death saves and dies.")
    else:
        creature.status = "unconscious"
        draft.say(f"{creature.name}: {saves.failures} death-save failure(s).")


def _hurt_at_zero(draft: Draft, creature: Combatant, damage: int, critical: bool) -> None:
    if damage <= 0 or not makes_death_saves(draft.state, creature):
        return
    if damage >= creature.max_hp:
        creature.status = "dead"
        draft.say(f"{creature.name} dies outright from massive damage.")
        return
    _add_failures(draft, creature, 2 if critical else 1)


def _damage_one(draft: Draft, creature: Combatant, action: Damage) -> dict[str, Any]:
    kind = action.damage_type
    damage, modifier = adjusted_damage(creature, action.amount, kind, action.flags())
    _defences_waiting(draft, creature, action)
    before = {"hp": creature.hp, "temp_hp": creature.temp_hp, "status": creature.status}
    absorbed = min(creature.temp_hp, damage)
    creature.temp_hp -= absorbed
    through = damage - absorbed
    was_at_zero = creature.hp == 0
    lost = min(creature.hp, through)
    creature.hp -= lost
    taken = absorbed + lost
    creature.damage_taken += taken

    typed = f" {kind}" if kind else ""
    if modifier == "immune":
        draft.say(f"{creature.name} is immune to {kind} damage.")
    else:
        details = []
        if modifier:
            details.append(f"{modifier}, {action.amount} before")
        if absorbed:
            details.append(f"{absorbed} absorbed by temp HP")
        extra = f" ({'; '.join(details)})" if details else ""
        draft.say(
            f"{creature.name} takes {damage}{typed} damage{extra}, {before['hp']} → {creature.hp}."
        )

    if was_at_zero:
        _hurt_at_zero(draft, creature, through, action.critical)
    elif creature.hp == 0 and through > 0:
        _fall(draft, creature, through - lost)
    elif damage > 0 and creature.concentration is not None:
        dc = concentration_dc(draft.state.ruleset, damage)
        note = d20_note(draft.state.ruleset, creature)
        draft.remind(
            f"{creature.name}: concentration check, Con save DC {dc} "
            f"({creature.concentration}){note}."
        )
    return {
        "combatant_id": creature.id,
        "amount": action.amount,
        "damage": damage,
        "modifier": modifier or None,
        "temp_absorbed": absorbed,
        "taken": taken,
        "hp_before": before["hp"],
        "hp_after": creature.hp,
        "temp_hp_before": before["temp_hp"],
        "temp_hp_after": creature.temp_hp,
        "status_before": before["status"],
        "status_after": creature.status,
        "death_saves": creature.death_saves.model_dump(),
    }


def damage(draft: Draft, action: Damage, _roller: Roller) -> str:
    require_not_ended(draft.state)
    targets = draft.targets(action.targets)
    source = draft.combatant(action.source) if action.source is not None else None
    results = []
    for creature in targets:
        if creature.status == "dead":
            draft.say(f"{creature.name} is already dead.")
            continue
        results.append(_damage_one(draft, creature, action))
    dealt = sum(r["taken"] for r in results)
    if source is not None:
        source.damage_dealt += dealt
    draft.data.update(
        damage_type=action.damage_type,
        source=action.source,
        critical=action.critical,
        flags=sorted(action.flags()),
        targets=results,
    )
    return "damage"


def _living(draft: Draft, ids: list[str], refusal: str) -> list[Combatant]:
    """The named targets, refusing the whole action (409) if any of them is dead."""
    targets = draft.targets(ids)
    for creature in targets:
        if creature.status == "dead":
            raise RuleViolation(f"{creature.name} {refusal}.")
    return targets


def heal(draft: Draft, action: Heal, _roller: Roller) -> str:
    require_not_ended(draft.state)
    targets = _living(draft, action.targets, "is dead; healing cannot bring them back")
    results = []
    for creature in targets:
        before = creature.hp
        creature.hp = min(creature.max_hp, creature.hp + action.amount)
        draft.say(f"{creature.name} heals {creature.hp - before}, {before} → {creature.hp}.")
        if before == 0 and creature.hp > 0:
            creature.death_saves = DeathSaves()
            wake(creature)
            if creature.status in ("down", "unconscious", "stable"):
                creature.status = "active"
                draft.say(f"{creature.name} is back up.")
        results.append(
            {
                "combatant_id": creature.id,
                "healed": creature.hp - before,
                "hp_before": before,
                "hp_after": creature.hp,
                "status_after": creature.status,
            }
        )
    draft.data.update(amount=action.amount, targets=results)
    return "heal"


def set_temp_hp(draft: Draft, action: SetTempHp, _roller: Roller) -> str:
    require_not_ended(draft.state)
    targets = _living(draft, action.targets, "is dead")
    results = []
    for creature in targets:
        before = creature.temp_hp
        # Temporary hit points do not stack: the creature keeps the higher.
        if action.amount > before:
            creature.temp_hp = action.amount
            draft.say(f"{creature.name} gains {action.amount} temp HP (had {before}).")
        else:
            draft.say(f"{creature.name} keeps {before} temp HP (higher than {action.amount}).")
        results.append(
            {
                "combatant_id": creature.id,
                "temp_hp_before": before,
                "temp_hp_after": creature.temp_hp,
            }
        )
    draft.data.update(amount=action.amount, targets=results)
    return "set_temp_hp"


def death_save(draft: Draft, action: DeathSave, _roller: Roller) -> str:
    require_not_ended(draft.state)
    creature = draft.combatant(action.combatant_id)
    if not makes_death_saves(draft.state, creature):
        raise RuleViolation(
            "Only player characters make death saving throws "
            "(monsters too where the monster_death_saves setting is on)."
        )
    if creature.status == "dead":
        raise RuleViolation(f"{creature.name} is dead.")
    if creature.hp > 0:
        raise RuleViolation(f"{creature.name} is at {creature.hp} HP, not dying.")
    if creature.status == "stable":
        raise RuleViolation(f"{creature.name} is stable and makes no death saves.")
    saves = creature.death_saves
    if action.result == "critical_success":
        creature.hp = 1
        creature.death_saves = DeathSaves()
        creature.status = "active"
        wake(creature)
        draft.say(f"{creature.name} rolls a natural 20 on a death save and is back up with 1 HP.")
    elif action.result == "success":
        saves.successes += 1
        if saves.successes >= 3:
            creature.death_saves = DeathSaves()
            creature.status = "stable"
            draft.say(f"{creature.name} succeeds a third death save and is stable.")
        else:
            draft.say(f"{creature.name}: {saves.successes} death-save success(es).")
    else:
        natural_one = action.result == "critical_failure"
        if natural_one:
            draft.say(f"{creature.name} rolls a natural 1 on a death save (two failures).")
        _add_failures(draft, creature, 2 if natural_one else 1)
    draft.data.update(
        combatant_id=creature.id,
        result=action.result,
        death_saves=creature.death_saves.model_dump(),
        status=creature.status,
        hp=creature.hp,
    )
    return "death_save"


def set_dead(draft: Draft, action: SetDead, _roller: Roller) -> str:
    """A monster at 0 HP is down or dead, as the DM decides (SRD 5.1 "Monsters and
    Death": most die at 0 HP; a DM may knock one out or let it make death saves)."""
    require_not_ended(draft.state)
    creature = draft.combatant(action.combatant_id)
    if creature.kind in ("character", "lair"):
        raise RuleViolation(
            f"{creature.name} is not a monster: characters live or die by death saves."
        )
    if creature.hp > 0:
        raise RuleViolation(f"{creature.name} is at {creature.hp} HP, not down.")
    if action.dead == (creature.status == "dead"):
        raise RuleViolation(f"{creature.name} is already {'dead' if action.dead else 'alive'}.")
    creature.death_saves = DeathSaves()
    if action.dead:
        creature.status = "dead"
        end_concentration(draft, creature, "died")
        draft.say(f"{creature.name} is dead.")
    else:
        saves = makes_death_saves(draft.state, creature)
        creature.status = "unconscious" if saves else "down"
        fall_unconscious(draft, creature)
        draft.say(f"{creature.name} is down, not dead.")
    draft.data.update(combatant_id=creature.id, dead=action.dead, status=creature.status)
    return "set_dead"
