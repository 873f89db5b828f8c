"""Legendary actions and resistances, reactions, editing, settings, joining, ending combat."""

from __future__ import annotations

from typing import Any

import pytest

from app.encounters.actions import AddCombatants, Undo
from app.encounters.rules import Event, apply, decide
from app.errors import InvalidAction, RuleViolation
from tests.encounters.helpers import (
    FakeRoller,
    act,
    combatant,
    do,
    encounter,
    pc,
    started,
)


def dragon(**fields: Any) -> Any:
    fields.setdefault("legendary_actions", {"max": 3, "remaining": 3})
    fields.setdefault("legendary_resistances", {"max": 3, "remaining": 3})
    return combatant("d", name="Adult Red Dragon", **fields)


@pytest.mark.parametrize(
    ("remaining", "count", "left", "error"),
    [(3, 1, 2, None), (3, 3, 0, None), (1, 2, None, RuleViolation), (0, 1, None, RuleViolation)],
)
def test_use_legendary_action(
    remaining: int, count: int, left: int | None, error: type[Exception] | None
) -> None:
    state = encounter(dragon(legendary_actions={"max": 3, "remaining": remaining}))
    action = {"type": "use_legendary_action", "combatant_id": "d", "count": count}
    if error:
        with pytest.raises(error):
            act(state, action)
        return
    state, event = act(state, action)
    assert state.combatant("d").legendary_actions.remaining == left
    assert event.reminders == [f"Adult Red Dragon: {left} of 3 legendary actions left."]


def test_no_legendary_actions_at_all() -> None:
    with pytest.raises(RuleViolation, match="no legendary actions"):
        act(encounter(combatant("o")), {"type": "use_legendary_action", "combatant_id": "o"})


def test_legendary_resistance() -> None:
    state = encounter(dragon(legendary_resistances={"max": 3, "remaining": 1}), combatant("o"))
    state, event = act(state, {"type": "use_legendary_resistance", "combatant_id": "d"})
    assert state.combatant("d").legendary_resistances.remaining == 0
    assert "0 of 3 left" in event.text
    for cid in ("d", "o"):
        with pytest.raises(RuleViolation):
            act(state, {"type": "use_legendary_resistance", "combatant_id": cid})


def test_reaction_once_per_round() -> None:
    state = started(pc("a", initiative=10), combatant("o", initiative=5))
    state = do(state, {"type": "use_reaction", "combatant_id": "o"})
    assert state.combatant("o").reaction_used
    with pytest.raises(RuleViolation, match="already used"):
        act(state, {"type": "use_reaction", "combatant_id": "o"})
    state = do(state, {"type": "next_turn"})  # the orc's turn starts: reaction back
    assert not state.combatant("o").reaction_used


def test_set_hidden() -> None:
    state, event = act(
        encounter(combatant("o", name="Orc")),
        {"type": "set_hidden", "combatant_id": "o", "hidden": True},
    )
    assert state.combatant("o").hidden
    assert event.text == "Orc is hidden from the players."


@pytest.mark.parametrize(
    ("changes", "check"),
    [
        ({"name": "Boss"}, lambda c: c.name == "Boss"),
        ({"alias": "Shadowy figure"}, lambda c: c.alias == "Shadowy figure"),
        ({"ac": None}, lambda c: c.ac is None),
        ({"max_hp": 5}, lambda c: (c.max_hp, c.hp) == (5, 5)),
        ({"max_hp": 0}, lambda c: (c.hp, c.status) == (0, "down")),
        ({"resistances": ["Fire", "cold"]}, lambda c: c.resistances == ["fire", "cold"]),
        ({"notes": "has the key"}, lambda c: c.notes == "has the key"),
        (
            {"legendary_actions_max": 3, "legendary_actions_max_in_lair": 4},
            lambda c: (
                (
                    c.legendary_actions.max,
                    c.legendary_actions.remaining,
                    c.legendary_actions.max_in_lair,
                )
                == (3, 3, 4)
            ),
        ),
        ({"legendary_resistances_max": 2}, lambda c: c.legendary_resistances.remaining == 2),
    ],
)
def test_update_combatant(changes: dict[str, Any], check: Any) -> None:
    state = encounter(combatant("o", max_hp=10, ac=13))
    state, _ = act(state, {"type": "update_combatant", "combatant_id": "o", **changes})
    assert check(state.combatant("o"))


@pytest.mark.parametrize(
    ("changes", "error"),
    [({}, InvalidAction), ({"name": None}, InvalidAction), ({"hp": 3}, ValueError)],
)
def test_update_combatant_refusals(changes: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        act(encounter(combatant("o")), {"type": "update_combatant", "combatant_id": "o", **changes})


def test_joining_a_group_takes_its_initiative_and_place() -> None:
    state = started(
        combatant("w1", group="w", initiative=14),
        pc("a", initiative=10),
        combatant("x", initiative=3),
    )
    state = do(state, {"type": "update_combatant", "combatant_id": "x", "group": "w"})
    assert state.order == ["w1", "x", "a"]
    assert state.combatant("x").initiative == 14


def test_update_settings_partial() -> None:
    state, _ = act(
        encounter(),
        {
            "type": "update_settings",
            "in_lair": True,
            "player_view": {"enemies": {"show_hp": "none"}},
        },
    )
    settings = state.settings
    assert settings.in_lair is True
    assert settings.player_view.enemies.show_hp == "none"
    assert settings.player_view.enemies.show_conditions is True
    assert settings.player_view.players.show_hp == "exact"
    assert settings.tie_policy == "dex"
    with pytest.raises(InvalidAction):
        act(encounter(), {"type": "update_settings"})
    with pytest.raises(ValueError):
        act(encounter(), {"type": "update_settings", "tie_policy": "alphabetical"})


def test_end_combat_summary() -> None:
    state = started(
        pc("aria", name="Aria", character_id="char-1", initiative=15, max_hp=30),
        pc("bram", name="Bram", character_id="char-2", initiative=12, max_hp=20),
        combatant("g1", xp=50, initiative=10),
        combatant("g2", xp=50, initiative=8),
        combatant("boss", xp=200, initiative=5),
    )
    state = do(
        state,
        {"type": "damage", "targets": ["g1", "g2"], "amount": 20, "source": "aria"},
        {"type": "damage", "targets": ["bram"], "amount": 6, "source": "boss"},
        {"type": "set_temp_hp", "targets": ["aria"], "amount": 4},
        {"type": "next_turn"},
    )
    state, event = act(state, {"type": "end_combat"})
    summary = event.data["summary"]
    assert state.status == "ended"
    assert state.turn is None
    assert state.summary == summary
    assert summary["rounds"] == 1
    assert summary["xp_total"] == 100
    assert summary["xp_per_character"] == 50
    by_id = {c["id"]: c for c in summary["combatants"]}
    assert by_id["aria"]["damage_dealt"] == 20
    assert by_id["boss"]["damage_dealt"] == 6
    assert by_id["bram"]["damage_taken"] == 6
    assert summary["characters"] == [
        {
            "combatant_id": "aria",
            "character_id": "char-1",
            "name": "Aria",
            "hp": 30,
            "temp_hp": 4,
            "max_hp": 30,
            "status": "active",
        },
        {
            "combatant_id": "bram",
            "character_id": "char-2",
            "name": "Bram",
            "hp": 14,
            "temp_hp": 0,
            "max_hp": 20,
            "status": "active",
        },
    ]


@pytest.mark.parametrize(
    "action",
    [
        {"type": "damage", "targets": ["o"], "amount": 1},
        {"type": "heal", "targets": ["o"], "amount": 1},
        {"type": "add_condition", "targets": ["o"], "condition": "prone"},
        {"type": "roll_initiative"},
        {"type": "use_reaction", "combatant_id": "o"},
        {"type": "remove_combatant", "combatant_id": "o"},
        {"type": "start_combat"},
    ],
)
def test_most_actions_are_refused_after_the_end(action: dict[str, Any]) -> None:
    state = do(started(combatant("o", initiative=3)), {"type": "end_combat"})
    with pytest.raises(RuleViolation):
        act(state, action, FakeRoller([1]))


def test_undo_is_not_a_rule() -> None:
    with pytest.raises(ValueError, match="service"):
        decide(encounter(), Undo(type="undo"), FakeRoller())


@pytest.mark.parametrize(
    ("combatants", "error"),
    [
        ([combatant("o")], InvalidAction),  # already there
        ([combatant("n"), combatant("n")], InvalidAction),
        ([combatant("n", max_hp=5, hp=6)], InvalidAction),
    ],
)
def test_add_combatants_refusals(combatants: list[Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        act(encounter(combatant("o")), AddCombatants(combatants=combatants))


def test_add_a_lair_and_group_member() -> None:
    state = encounter(combatant("w1", group="w", initiative=9))
    state, event = act(
        state,
        AddCombatants(combatants=[combatant("lair", kind="lair"), combatant("w2", group="w")]),
    )
    assert state.combatant("lair").initiative == 20
    assert state.combatant("w2").initiative == 9
    assert state.order == ["lair", "w1", "w2"]
    assert event.type == "combatants_added"


def test_apply_uses_only_the_event() -> None:
    state = encounter(combatant("o", max_hp=10))
    event = Event(
        type="damage",
        data={"patch": {"combatants": {"o": {"hp": 4}}}},
        text="Orc takes 6 damage, 10 → 4.",
    )
    assert apply(state, event).combatant("o").hp == 4
    assert state.combatant("o").hp == 10


def test_version_is_never_touched() -> None:
    state = encounter(combatant("o")).model_copy(update={"version": 41})
    state, _ = act(state, {"type": "damage", "targets": ["o"], "amount": 1})
    assert state.version == 41
