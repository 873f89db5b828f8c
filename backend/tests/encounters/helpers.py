"""Builders and a scripted roller shared by the rules tests (no tests of its own)."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable
from typing import Any

from pydantic import TypeAdapter

with warnings.catch_warnings():
    # d20 imports lark, which imports the deprecated sre_parse; not ours to fix.
    warnings.simplefilter("ignore", DeprecationWarning)
    from app.dice import Roll

from app.encounters.actions import Action, AddCombatants
from app.encounters.rules import Event, apply, resolve
from app.encounters.state import Combatant, EncounterState

ACTION = TypeAdapter(Action)


class FakeRoller:
    """Returns scripted totals in order and remembers every expression asked for."""

    def __init__(self, totals: Iterable[int] = ()) -> None:
        self.totals = list(totals)
        self.expressions: list[str] = []

    def roll(self, expression: str) -> Roll:
        self.expressions.append(expression)
        if not self.totals:
            raise AssertionError(f"unexpected roll {expression!r}")
        total = self.totals.pop(0)
        return Roll(expression=expression, total=total, breakdown=f"{expression} = `{total}`")


def combatant(cid: str, **fields: Any) -> Combatant:
    fields.setdefault("name", cid.capitalize())
    if "max_hp" in fields and "hp" not in fields:
        fields["hp"] = fields["max_hp"]
    fields.setdefault("max_hp", 10)
    fields.setdefault("hp", fields["max_hp"])
    return Combatant(id=cid, **fields)


def pc(cid: str, **fields: Any) -> Combatant:
    return combatant(cid, kind="character", **fields)


def encounter(*combatants: Combatant, **fields: Any) -> EncounterState:
    return EncounterState(id="enc", combatants=list(combatants), **fields)


def act(
    state: EncounterState, action: dict[str, Any] | AddCombatants, roller: FakeRoller | None = None
) -> tuple[EncounterState, Event]:
    """decide then apply, as the service does, checking the event survives JSON storage."""
    parsed = action if isinstance(action, AddCombatants) else ACTION.validate_python(action)
    before = state.model_dump()
    event, resolved = resolve(state, parsed, roller or FakeRoller())
    assert state.model_dump() == before, "decide must not mutate its input"
    stored = Event.model_validate(json.loads(json.dumps(event.model_dump())))
    new = apply(state, stored)
    assert state.model_dump() == before, "apply must not mutate its input"
    assert new == apply(state, event)
    # The service keeps the state resolve() worked out instead of replaying the event.
    assert resolved == new
    return new, event


def do(
    state: EncounterState, *actions: dict[str, Any], roller: FakeRoller | None = None
) -> EncounterState:
    for action in actions:
        state, _ = act(state, action, roller)
    return state


def started(*combatants: Combatant, **fields: Any) -> EncounterState:
    """An active encounter; give every combatant an initiative to avoid rolls."""
    state, _ = act(encounter(*combatants, **fields), {"type": "start_combat"})
    return state


def names(state: EncounterState, ids: list[str] | None = None) -> list[str]:
    return [state.combatant(cid).name for cid in (state.order if ids is None else ids)]
