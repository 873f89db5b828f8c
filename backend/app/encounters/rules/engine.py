"""The game rules: ``decide(state, action, roller) -> Event`` and ``apply(state, event)``.

``decide`` validates an action against the state (RuleViolation 409, InvalidAction 422),
rolls what it must through the roller, and returns exactly one event. ``apply`` replays
that event on a state without dice. Both are pure: no I/O, inputs never mutated.

Event types are the action types, except these (named after what happened):
start_combat → "combat_started", next_turn → "turn_advanced", previous_turn →
"turn_reverted", end_combat → "combat_ended", add_combatants → "combatants_added",
remove_combatant → "combatant_removed", rename_encounter → "encounter_renamed".

Every event's ``data`` holds ``rolls`` (each ``Roll.as_dict()`` plus ``purpose`` and ids),
``patch`` (what apply replays: ``encounter`` fields, ``combatants`` changed fields by id,
``added`` combatants, ``removed`` ids, ``turn_history`` operations), and the facts of the
event (e.g. ``targets`` with hp before/after for damage, ``summary`` for combat_ended).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app.encounters import actions as a
from app.encounters.actions import (
    Action,
    AddCombatants,
    EndCombat,
    Redo,
    RemoveCombatant,
    RenameEncounter,
    SetHidden,
    Undo,
    UpdateCombatant,
    UpdateSettings,
    UseLegendaryAction,
    UseLegendaryResistance,
    UseReaction,
)
from app.encounters.rules import conditions as rules_conditions
from app.encounters.rules import health as rules_health
from app.encounters.rules import initiative as rules_initiative
from app.encounters.rules import turns as rules_turns
from app.encounters.rules.events import Draft, Event, apply_event
from app.encounters.rules.health import drop_maintained
from app.encounters.rules.initiative import LAIR_INITIATIVE, roll_units
from app.encounters.rules.order import group_leader, refresh_order, turn_units, unit_index
from app.encounters.rules.turns import pass_turn, require_active
from app.encounters.state import Combatant, EncounterState
from app.errors import InvalidAction, RuleViolation

if TYPE_CHECKING:
    from app.dice import Roller

MAX_COMBATANTS = 500

__all__ = ["Event", "apply", "decide", "resolve"]


Internal = AddCombatants | RenameEncounter


def decide(state: EncounterState, action: Action | Internal, roller: Roller) -> Event:
    """The one event ``action`` produces in ``state`` (refusals raise)."""
    return resolve(state, action, roller)[0]


def resolve(
    state: EncounterState,
    action: Action | Internal,
    roller: Roller,
    scratch: EncounterState | None = None,
) -> tuple[Event, EncounterState]:
    """The event and the state it leads to, which equals ``apply(state, event)``
    (the tests check it on every action) without replaying the patch: the
    service's hot path. ``scratch``, if given, is a separate copy of ``state``
    that becomes the new state."""
    if isinstance(action, Undo | Redo):
        raise ValueError(f"{action.type} is the service's job (it works on stored events)")
    handler = _HANDLERS.get(type(action))
    if handler is None:
        raise ValueError(f"no rule for action {action.type!r}")
    draft = Draft(state, scratch)
    draft.data["action"] = action.model_dump(mode="json")
    event_type = handler(draft, action, roller)
    refresh_order(draft.state)
    return draft.event(event_type), draft.state


def apply(state: EncounterState, event: Event) -> EncounterState:
    return apply_event(state, event)


# --- legendary actions, reactions, visibility ------------------------------------------


def _acting(draft: Draft, cid: str) -> Combatant:
    rules_health.require_not_ended(draft.state)
    creature = draft.combatant(cid)
    if creature.status == "dead":
        raise RuleViolation(f"{creature.name} is dead.")
    return creature


def _able(creature: Combatant) -> None:
    """An incapacitated creature (0 HP brings Unconscious) takes no actions or reactions."""
    if creature.incapacitated or creature.status in ("down", "unconscious", "stable"):
        raise RuleViolation(f"{creature.name} is incapacitated.")


def use_legendary_action(draft: Draft, action: UseLegendaryAction, _roller: Roller) -> str:
    creature = _acting(draft, action.combatant_id)
    pool = creature.legendary_actions
    if pool.max == 0 and not pool.max_in_lair:
        raise RuleViolation(f"{creature.name} has no legendary actions.")
    _able(creature)
    state = draft.state
    if state.status == "active" and state.turn is not None:
        units = turn_units(state)
        index = unit_index(units, state.turn)
        if index is not None and creature.id in units[index]:
            # SRD 5.1 "Legendary Actions": only at the end of another creature's turn.
            raise RuleViolation(
                f"{creature.name} takes legendary actions only at the end of another "
                "creature's turn, not on its own."
            )
    if pool.remaining < action.count:
        raise RuleViolation(
            f"{creature.name} has {pool.remaining} legendary action(s) left, not {action.count}."
        )
    pool.remaining -= action.count
    full = pool.max_in_lair if draft.state.settings.in_lair and pool.max_in_lair else pool.max
    used = "a legendary action" if action.count == 1 else f"{action.count} legendary actions"
    draft.say(f"{creature.name} uses {used}.")
    draft.remind(f"{creature.name}: {pool.remaining} of {full} legendary actions left.")
    draft.data.update(combatant_id=creature.id, count=action.count, remaining=pool.remaining)
    return "use_legendary_action"


def use_legendary_resistance(draft: Draft, action: UseLegendaryResistance, _roller: Roller) -> str:
    creature = _acting(draft, action.combatant_id)
    pool = creature.legendary_resistances
    if pool.max == 0:
        raise RuleViolation(f"{creature.name} has no legendary resistances.")
    if pool.remaining == 0:
        raise RuleViolation(f"{creature.name} has no legendary resistances left.")
    pool.remaining -= 1
    draft.say(
        f"{creature.name} uses a legendary resistance to succeed instead "
        f"({pool.remaining} of {pool.max} left)."
    )
    draft.data.update(combatant_id=creature.id, remaining=pool.remaining)
    return "use_legendary_resistance"


def use_reaction(draft: Draft, action: UseReaction, _roller: Roller) -> str:
    creature = _acting(draft, action.combatant_id)
    _able(creature)
    if creature.surprised and draft.state.ruleset == "2014":
        raise RuleViolation(f"{creature.name} is surprised: no reaction until its first turn ends.")
    if creature.reaction_used:
        raise RuleViolation(f"{creature.name} has already used its reaction this round.")
    creature.reaction_used = True
    draft.say(f"{creature.name} uses its reaction.")
    draft.data.update(combatant_id=creature.id)
    return "use_reaction"


def set_hidden(draft: Draft, action: SetHidden, _roller: Roller) -> str:
    creature = draft.combatant(action.combatant_id)
    creature.hidden = action.hidden
    shown = "hidden from" if action.hidden else "revealed to"
    draft.say(f"{creature.name} is {shown} the players.")
    draft.data.update(combatant_id=creature.id, hidden=action.hidden)
    return "set_hidden"


# --- editing combatants and settings ---------------------------------------------------


def update_combatant(draft: Draft, action: UpdateCombatant, _roller: Roller) -> str:
    creature = draft.combatant(action.combatant_id)
    changes = action.changes()
    if not changes:
        raise InvalidAction("Nothing to update: send at least one field.")
    for field in (
        *("name", "max_hp", "initiative_bonus", "dexterity", "notes", "hidden", "xp"),
        *("side", "surprised"),
    ):
        if field in changes and changes[field] is None:
            raise InvalidAction(f"{field} cannot be null.")
    name_before = creature.name
    for field, value in changes.items():
        if field == "legendary_actions_max":
            creature.legendary_actions.max = value or 0
            creature.legendary_actions.remaining = value or 0
        elif field == "legendary_actions_max_in_lair":
            creature.legendary_actions.max_in_lair = value
        elif field == "legendary_resistances_max":
            creature.legendary_resistances.max = value or 0
            creature.legendary_resistances.remaining = value or 0
        elif field in (
            *("resistances", "vulnerabilities", "immunities"),
            *("qualified_defences", "condition_immunities"),
        ):
            setattr(creature, field, getattr(action, field) or [])
        elif field == "group":
            _join_group(draft.state, creature, value)
        else:
            setattr(creature, field, value)
    if "max_hp" in changes:
        if creature.max_hp_unreduced is not None:
            # Still halved by 2014 exhaustion: the new maximum is the one halved.
            creature.max_hp_unreduced = creature.max_hp
            creature.max_hp //= 2
        creature.hp = min(creature.hp, creature.max_hp)
        if creature.hp == 0 and creature.status in ("active", "delayed"):
            creature.status = "down" if creature.kind != "character" else "unconscious"
    fields = ", ".join(changes)
    draft.say(f"{name_before} updated: {fields}.")
    draft.data.update(
        combatant_id=creature.id, changes=action.model_dump(mode="json", include=set(changes))
    )
    return "update_combatant"


def _join_group(state: EncounterState, creature: Combatant, group: str | None) -> None:
    creature.group = group
    creature.rank = None
    if group is None:
        return
    mates = [c for c in state.combatants if c.group == group and c.id != creature.id]
    if mates:
        # A group shares one initiative: the newcomer takes the group's.
        creature.initiative = group_leader(state, mates[0]).initiative


def update_settings(draft: Draft, action: UpdateSettings, _roller: Roller) -> str:
    settings = draft.state.settings
    sent = action.model_dump(exclude_unset=True, exclude={"type"})
    if not sent:
        raise InvalidAction("Nothing to update: send at least one setting.")
    view = sent.pop("player_view", None)
    for field, value in sent.items():
        if value is None:
            raise InvalidAction(f"{field} cannot be null.")
        if field == "ruleset":
            if value != draft.state.ruleset and draft.state.status == "active":
                raise RuleViolation("The rules edition cannot change while combat is running.")
            draft.state.ruleset = value
            continue
        setattr(settings, field, value)
    for side, patch in (view or {}).items():
        if patch is None:
            continue
        if isinstance(patch, bool):  # show_round, turn_timer, active_on_top
            setattr(settings.player_view, side, patch)
            continue
        current = getattr(settings.player_view, side)
        for key, value in patch.items():
            if value is not None:
                setattr(current, key, value)
    draft.say(f"Settings changed: {', '.join([*sent, *(['player_view'] if view else [])])}.")
    draft.data["settings"] = action.model_dump(mode="json", exclude_unset=True)
    return "update_settings"


def rename_encounter(draft: Draft, action: RenameEncounter, _roller: Roller) -> str:
    name = action.name.strip()
    if not name:
        raise InvalidAction("An encounter's name cannot be blank.")
    if name == draft.state.name:
        raise RuleViolation(f"The encounter is already called {name!r}.")
    draft.say(f"Encounter renamed from {draft.state.name!r} to {name!r}.")
    draft.data.update(name_before=draft.state.name, name=name)
    draft.state.name = name
    return "encounter_renamed"


# --- joining and leaving ---------------------------------------------------------------


def add_combatants(draft: Draft, action: AddCombatants, roller: Roller) -> str:
    state = draft.state
    rules_health.require_not_ended(state)
    existing = {c.id for c in state.combatants}
    new_ids = [c.id for c in action.combatants]
    if len(set(new_ids)) != len(new_ids) or existing & set(new_ids):
        raise InvalidAction("Combatant ids must be new and distinct.")
    if len(existing) + len(new_ids) > MAX_COMBATANTS:
        raise RuleViolation(f"An encounter holds at most {MAX_COMBATANTS} combatants.")
    newcomers = [c.model_copy(deep=True) for c in action.combatants]
    for creature in newcomers:
        if creature.hp > creature.max_hp:
            raise InvalidAction(f"{creature.name}: hp exceeds max_hp.")
        if creature.status == "delayed":
            raise InvalidAction(f"{creature.name}: a combatant cannot join delayed.")
        if creature.kind == "lair" and creature.initiative is None:
            creature.initiative = LAIR_INITIATIVE
    for creature in newcomers:
        mates = [c for c in state.combatants if creature.group and c.group == creature.group]
        state.combatants.append(creature)
        if mates and mates[0].initiative is not None:
            creature.initiative = group_leader(state, mates[0]).initiative
    verb = "joins" if len(newcomers) == 1 else "join"
    draft.say(f"{', '.join(c.name for c in newcomers)} {verb} the encounter.")
    for roll in action.rolls:
        who = state.find(str(roll.get("combatant_id")))
        label = f"{who.name} " if who else ""
        purpose = str(roll.get("purpose", "roll")).replace("_", " ")
        draft.say(f"{label}{purpose}: {roll.get('breakdown', roll.get('total'))}.")
    draft.rolls.extend(action.rolls)
    if state.status == "active":
        unrolled = [c for c in newcomers if c.initiative is None]
        if unrolled:
            roll_units(draft, roller, unrolled)
        refresh_order(state)
        if state.turn is None and state.order:
            state.turn = turn_units(state)[0][0]
    draft.data["combatant_ids"] = new_ids
    return "combatants_added"


def remove_combatant(draft: Draft, action: RemoveCombatant, roller: Roller) -> str:
    state = draft.state
    rules_health.require_not_ended(state)
    creature = draft.combatant(action.combatant_id)
    units = turn_units(state)
    index = unit_index(units, creature.id)
    had_turn = index is not None and state.turn in units[index]
    state.combatants = [c for c in state.combatants if c.id != creature.id]
    draft.say(f"{creature.name} leaves the encounter.")
    drop_maintained(draft, creature.id)
    _reanchor_durations(draft, creature.id, units, index)
    draft.data["combatant_id"] = creature.id
    refresh_order(state)
    if state.status == "active" and had_turn and index is not None:
        rest = [cid for cid in units[index] if cid != creature.id]
        if rest:
            state.turn = rest[0]  # the rest of its group carries on with the same turn
        else:
            pass_turn(draft, roller, index - 1, creature.id)
    return "combatant_removed"


def _reanchor_durations(draft: Draft, gone: str, units: list[list[str]], index: int | None) -> None:
    """Durations counted against a creature that left end when its turn would have
    come: they now count to the start of the turn that follows its place (the current
    turn's, if it was not in the order)."""
    state = draft.state
    rest = [[cid for cid in unit if cid != gone] for unit in units]
    if index is None:
        index = unit_index(units, state.turn)
        index = -1 if index is None else index - 1
    after = [u for u in rest[index + 1 :] + rest[: index + 1] if u]
    for carrier in state.combatants:
        for condition in carrier.conditions:
            duration = condition.duration
            if duration is None or duration.of != gone:
                continue
            if not after:
                condition.duration = None
                continue
            condition.duration = duration.model_copy(
                update={"of": after[0][0], "ends": "start", "grace": False}
            )
            draft.say(
                f"{carrier.name}'s {condition.name} now ends at the start of "
                f"{state.combatant(after[0][0]).name}'s turn."
            )


# --- the end ---------------------------------------------------------------------------


def end_combat(draft: Draft, _action: EndCombat, _roller: Roller) -> str:
    state = draft.state
    require_active(state, "end combat")
    summary = combat_summary(state)
    state.status = "ended"
    state.turn = None
    state.summary = summary
    draft.clear_turn_history()
    draft.say(
        f"Combat ends after {state.round} round(s). {summary['xp_per_character']} XP per character."
    )
    draft.data["summary"] = summary
    return "combat_ended"


def combat_summary(state: EncounterState) -> dict[str, Any]:
    characters = [c for c in state.combatants if c.kind == "character"]
    # XP counts the enemies defeated, never allies or bystanders (the DMG's XP award).
    defeated = [
        c
        for c in state.combatants
        if c.side == "enemies"
        and c.kind != "lair"
        and c.status in ("down", "dead", "unconscious", "stable")
    ]
    xp_total = sum(c.xp for c in defeated)
    party = [c for c in characters if c.side == "party"]
    return {
        "rounds": state.round,
        "combatants": [
            {
                "id": c.id,
                "name": c.name,
                "kind": c.kind,
                "status": c.status,
                "damage_dealt": c.damage_dealt,
                "damage_taken": c.damage_taken,
            }
            for c in state.combatants
        ],
        "xp_total": xp_total,
        "xp_per_character": xp_total // len(party) if party else 0,
        "characters": [
            {
                "combatant_id": c.id,
                "character_id": c.character_id,
                "name": c.name,
                "hp": c.hp,
                "temp_hp": c.temp_hp,
                "max_hp": c.max_hp,
                "status": c.status,
            }
            for c in characters
        ],
    }


Handler = Callable[[Draft, Any, "Roller"], str]

_HANDLERS: dict[type, Handler] = {
    a.RollInitiative: rules_initiative.roll_initiative,
    a.SetInitiative: rules_initiative.set_initiative,
    a.Reorder: rules_initiative.reorder,
    a.StartCombat: rules_turns.start_combat,
    a.NextTurn: rules_turns.next_turn,
    a.PreviousTurn: rules_turns.previous_turn,
    a.Delay: rules_turns.delay,
    a.Resume: rules_turns.resume,
    a.EndCombat: end_combat,
    a.Damage: rules_health.damage,
    a.Heal: rules_health.heal,
    a.SetTempHp: rules_health.set_temp_hp,
    a.DeathSave: rules_health.death_save,
    a.SetDead: rules_health.set_dead,
    a.AddCondition: rules_conditions.add_condition,
    a.RemoveCondition: rules_conditions.remove_condition,
    a.SetConcentration: rules_conditions.set_concentration,
    a.UseLegendaryAction: use_legendary_action,
    a.UseLegendaryResistance: use_legendary_resistance,
    a.UseReaction: use_reaction,
    a.SetHidden: set_hidden,
    a.UpdateCombatant: update_combatant,
    a.UpdateSettings: update_settings,
    a.RenameEncounter: rename_encounter,
    a.AddCombatants: add_combatants,
    a.RemoveCombatant: remove_combatant,
}
