"""What each audience sees of an encounter: the DM's view (:func:`dm_view`, everything
but the rules' bookkeeping) and the player view, what the table may see (docs/api.md,
"Redaction rules").

Both are pure functions of the state. The player view's rule is subtraction, never masking: a hidden
combatant does not exist here at all, so nothing derived from it (the order, the
turn marker, an initiative group, a condition's duration counted against it) may
survive either.

The turn marker: when the turn is a hidden combatant's, the public turn stays on the
last visible combatant before it in the order, exactly where it was before the hidden
creature started acting, and the round is the round that combatant acted in (so a
hidden creature at the top of the order does not move the round on early). With no
visible combatant before it in the whole order (a hidden creature opens round 1) the
public turn is null. An initiative group whose first member is hidden shows the turn
on its first visible member, as the group acts together.

What each side shows is the DM's setting (``EncounterSettings.player_view``),
following each combatant's ``side``: on the party's side, characters are "players"
and everyone else "allies"; the enemies' side is "enemies" (the lair has no hit
points, so it never shows any); "neutral" combatants show as "neutral" under the
enemies' setting (the guarded one). ``show_hp`` "exact" gives ``hp``, ``max_hp``,
``temp_hp`` and ``status``; "status" only ``status`` ("healthy", "bloodied" at half
hit points or less, "down"; characters also "unconscious", "stable", "dead"); "none"
neither. Never shown: AC, notes, defences, stat block and character ids, initiative
bonus, Dexterity, tiebreaks, manual ranks, damage totals, legendary counts, group ids,
condition sources and saves, the DM's settings and the combat summary.

The DM's page options (``player_view.show_round``, ``turn_timer``, ``active_on_top``):
``round`` is null unless the round counter is shown; ``turn_started_at`` (ISO 8601,
server time) is when the turn the table sees began, null unless the timer is on and a
visible turn is running (a hidden creature's turn neither shows nor restarts it);
with ``active_on_top`` the order (and the list) starts at the public turn and wraps.

The player view carries no encounter version (it advances on changes the table cannot
see: a hidden creature's turn, damage to it, so its gaps would betray them). It carries
``seq`` instead, the player-view link's own count of changes the players could see
(:func:`sees_change`): 0 when the link was made, one more each time the redacted state
changed, so a watcher learns nothing from the count, order or timing of its frames.
"""

from __future__ import annotations

import json
import zlib
from typing import Any, Literal

from app.encounters.rules.order import turn_units, unit_index
from app.encounters.state import Combatant, EncounterState, SideView

Side = Literal["players", "allies", "enemies", "neutral"]
ViewSide = Literal["players", "allies", "enemies"]
_CHARACTER_STATES = frozenset({"unconscious", "stable", "dead"})


def side_of(combatant: Combatant) -> Side:
    if combatant.side == "party":
        return "players" if combatant.kind == "character" else "allies"
    return combatant.side


def view_side(combatant: Combatant) -> ViewSide:
    """Whose player-view setting applies: neutral ones follow the enemies'."""
    side = side_of(combatant)
    return "enemies" if side == "neutral" else side


def health(combatant: Combatant) -> str:
    """ "healthy", "bloodied" (half hit points or less) or "down"; a character at 0
    also shows whether it is unconscious, stable or dead."""
    if combatant.kind == "character" and combatant.status in _CHARACTER_STATES:
        return combatant.status
    if combatant.hp <= 0 or combatant.status in ("down", "dead", "unconscious"):
        return "down"
    if combatant.hp * 2 <= combatant.max_hp:
        return "bloodied"
    return "healthy"


def public_turn(state: EncounterState, visible: set[str]) -> tuple[str | None, int]:
    """The turn marker and round as the table sees them (see the module docstring)."""
    if state.turn is None:
        return None, state.round
    if state.turn not in state.order:
        return (state.turn if state.turn in visible else None), state.round
    units = turn_units(state)
    index = unit_index(units, state.turn)
    assert index is not None
    for offset in range(len(units)):
        position = index - offset
        if position < 0 and state.round <= 1:
            break
        shown = [cid for cid in units[position] if cid in visible]
        if shown:
            # A negative position is the tail of the previous round.
            return shown[0], state.round - 1 if position < 0 else state.round
    return None, state.round


def public_marker(state: EncounterState) -> tuple[str | None, int]:
    """:func:`public_turn` with the visible combatants worked out."""
    return public_turn(state, {c.id for c in state.combatants if not c.hidden})


def _conditions(combatant: Combatant, visible: set[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for condition in combatant.conditions:
        shown: dict[str, Any] = {"name": condition.name}
        if condition.level is not None:
            shown["level"] = condition.level
        duration = condition.duration
        # A duration counted against a hidden creature would tick on its hidden turns.
        if duration is not None and duration.of in visible:
            shown["duration"] = {
                "rounds": duration.rounds,
                "ends": duration.ends,
                "of": duration.of,
            }
        out.append(shown)
    return out


def _combatant(combatant: Combatant, view: SideView, visible: set[str]) -> dict[str, Any]:
    is_character = combatant.kind == "character"
    out: dict[str, Any] = {
        "id": combatant.id,
        "name": combatant.name if is_character else (combatant.alias or combatant.name),
        "kind": combatant.kind,
        "side": side_of(combatant),
        "delayed": combatant.status == "delayed",
    }
    if is_character:
        out["initiative"] = combatant.initiative
    if combatant.kind != "lair":
        if view.show_hp == "exact":
            out["hp"] = combatant.hp
            out["max_hp"] = combatant.max_hp
            out["temp_hp"] = combatant.temp_hp
        if view.show_hp != "none":
            out["status"] = health(combatant)
    if view.show_conditions:
        out["conditions"] = _conditions(combatant, visible)
    if is_character:
        out["concentration"] = combatant.concentration
        out["death_saves"] = combatant.death_saves.model_dump()
    return out


def player_view(state: EncounterState, seq: int) -> dict[str, Any]:
    """The redacted state a player-view client receives, at the link's ``seq``."""
    return {**_view(state), "seq": seq}


def sees_change(before: EncounterState, after: EncounterState) -> bool:
    """Whether the players see a difference between the two states."""
    return _view(before) != _view(after)


def _view(state: EncounterState) -> dict[str, Any]:
    shown = [c for c in state.combatants if not c.hidden]
    visible = {c.id for c in shown}
    order = [cid for cid in state.order if cid in visible]
    position = {cid: i for i, cid in enumerate(order)}
    # In turn order, then the delayed ones, so the list itself says nothing more.
    turn, round_ = public_turn(state, visible)
    sides = state.settings.player_view
    if sides.active_on_top and turn in position:
        order = order[position[turn] :] + order[: position[turn]]
        position = {cid: i for i, cid in enumerate(order)}
    shown.sort(key=lambda c: position.get(c.id, len(order)))
    started = state.public_turn_started_at
    timed = sides.turn_timer and turn is not None and started is not None
    views: dict[ViewSide, SideView] = {
        "players": sides.players,
        "allies": sides.allies,
        "enemies": sides.enemies,
    }
    return {
        "name": state.name,
        "status": state.status,
        "ruleset": state.ruleset,
        "round": round_ if sides.show_round else None,
        "turn": turn,
        "turn_started_at": started.isoformat() if timed and started else None,
        "order": order,
        "combatants": [_combatant(c, views[view_side(c)], visible) for c in shown],
    }


# Bookkeeping the rules keep in the stored state that clients never see (the encounter
# read drops the same keys in SQL: app.encounters.repository.read_view).
INTERNAL_STATE_KEYS = ("turn_history", "public_turn_started_at")
INTERNAL_COMBATANT_KEYS = ("tiebreak", "rank")


# The DM view's format: a stored view (``encounters.dm_view``, written by the action that
# wrote the state) is answered only if it was written in this format. It changes by
# itself when the state's fields or the hidden keys change; bump DM_VIEW_REVISION when
# dm_json changes in another way (how a field is rendered), so that no encounter keeps
# answering a view of the old shape until its next action.
DM_VIEW_REVISION = 1
DM_VIEW_FORMAT = (
    zlib.crc32(
        json.dumps(
            [
                DM_VIEW_REVISION,
                INTERNAL_STATE_KEYS,
                INTERNAL_COMBATANT_KEYS,
                EncounterState.model_json_schema(mode="serialization"),
            ],
            sort_keys=True,
        ).encode()
    )
    & 0x7FFFFFFF
)  # an int4 column


def dm_view(state: EncounterState | dict[str, Any], campaign_id: str) -> dict[str, Any]:
    """The DM's view of an encounter (EncounterOut's shape) from the state or
    straight from its stored JSON, without re-validating it: reads stay cheap."""
    raw = state.model_dump(mode="json") if isinstance(state, EncounterState) else state
    data = {k: v for k, v in raw.items() if k not in INTERNAL_STATE_KEYS}
    data["combatants"] = [
        {k: v for k, v in c.items() if k not in INTERNAL_COMBATANT_KEYS} for c in raw["combatants"]
    ]
    data["campaign_id"] = campaign_id
    return data


_DM_EXCLUDE: Any = {
    "turn_history": True,
    "public_turn_started_at": True,
    "combatants": {"__all__": set(INTERNAL_COMBATANT_KEYS)},
}


def dm_json(state: EncounterState | dict[str, Any], campaign_id: str) -> str:
    """``dm_view`` serialised. From a model it is pydantic's own (compiled)
    serialiser with the campaign id spliced in front: the hot path of every action."""
    if isinstance(state, EncounterState):
        body = state.model_dump_json(exclude=_DM_EXCLUDE)
        return f'{{"campaign_id":{json.dumps(campaign_id)},{body[1:]}'
    return json.dumps(dm_view(state, campaign_id), separators=(",", ":"))
