"""Turns: start, next, previous (exact undo), skips, rerolls, delay/resume, durations."""

from __future__ import annotations

from typing import Any

import pytest

from app.encounters.state import EncounterState
from app.errors import RuleViolation
from tests.encounters.helpers import (
    FakeRoller,
    act,
    combatant,
    do,
    encounter,
    pc,
    started,
)

NEXT = {"type": "next_turn"}
PREV = {"type": "previous_turn"}


def three() -> EncounterState:
    return started(
        pc("aria", name="Aria", initiative=18),
        combatant("gob", name="Goblin", initiative=12),
        combatant("orc", name="Orc", initiative=5),
    )


def test_start_combat() -> None:
    state = three()
    assert (state.status, state.round, state.turn) == ("active", 1, "aria")
    assert state.order == ["aria", "gob", "orc"]
    assert state.turn_history == []


@pytest.mark.parametrize(
    ("state", "message"),
    [
        (encounter(), "Nobody to fight"),
        (encounter(combatant("lair", kind="lair")), "Nobody to fight"),
        (three(), "already started"),
        (do(three(), {"type": "end_combat"}), "ended"),
    ],
)
def test_start_combat_refusals(state: EncounterState, message: str) -> None:
    with pytest.raises(RuleViolation, match=message):
        act(state, {"type": "start_combat"})


@pytest.mark.parametrize(
    "action",
    [
        {"type": "next_turn"},
        {"type": "previous_turn"},
        {"type": "delay", "combatant_id": "a"},
        {"type": "resume", "combatant_id": "a"},
        {"type": "end_combat"},
    ],
)
@pytest.mark.parametrize("when", ["planning", "ended"])
def test_turn_actions_need_an_active_combat(action: dict[str, Any], when: str) -> None:
    state = encounter(pc("a", initiative=10))
    if when == "ended":
        state = do(state, {"type": "start_combat"}, {"type": "end_combat"})
    with pytest.raises(RuleViolation):
        act(state, action)


def test_next_turn_walks_the_order_and_wraps_the_round() -> None:
    state = three()
    seen = []
    for _ in range(4):
        state, _ = act(state, NEXT)
        seen.append((state.round, state.turn))
    assert seen == [(1, "gob"), (1, "orc"), (2, "aria"), (2, "gob")]
    assert len(state.turn_history) == 4


@pytest.mark.parametrize(
    ("skip", "status", "kind", "expected"),
    [
        (True, "down", "monster", "orc"),
        (False, "down", "monster", "gob"),
        (True, "dead", "monster", "orc"),
        (False, "dead", "monster", "orc"),  # the dead are always skipped
        (True, "unconscious", "character", "gob"),  # dying characters still get turns
    ],
)
def test_skipping(skip: bool, status: str, kind: str, expected: str) -> None:
    state = started(
        pc("aria", initiative=18),
        combatant("gob", kind=kind, initiative=12, hp=0, status=status),
        combatant("orc", initiative=5),
        settings={"skip_down_monsters": skip},
    )
    state, _ = act(state, NEXT)
    assert state.turn == expected


def test_everyone_skippable_still_moves_on() -> None:
    state = started(
        combatant("a", initiative=5),
        combatant("b", initiative=3, hp=0, status="down"),
    )
    state = do(state, {"type": "damage", "targets": ["a"], "amount": 99})
    state, _ = act(state, NEXT)
    assert (state.round, state.turn) == (1, "b")


def test_start_of_turn_resets_reaction_and_legendary_actions() -> None:
    state = started(
        pc("aria", initiative=18),
        combatant(
            "dragon",
            initiative=10,
            reaction_used=True,
            legendary_actions={"max": 3, "remaining": 0, "max_in_lair": 4},
        ),
        settings={"in_lair": True},
    )
    state, _ = act(state, NEXT)
    dragon = state.combatant("dragon")
    assert (dragon.reaction_used, dragon.legendary_actions.remaining) == (False, 4)


def test_legendary_reminder_after_each_other_creatures_turn() -> None:
    state = started(
        pc("aria", initiative=18),
        combatant("dragon", name="Dragon", initiative=10, legendary_actions={"max": 3}),
        combatant("orc", initiative=5),
    )
    # The dragon has no remaining actions until its first turn resets them.
    state, event = act(state, NEXT)
    assert not any("legendary" in r for r in event.reminders)
    state, event = act(state, NEXT)  # the dragon's turn ends: no reminder about itself
    assert not any("Dragon" in r for r in event.reminders)
    state = do(state, {"type": "use_legendary_action", "combatant_id": "dragon"})
    state, event = act(state, NEXT)  # the orc's turn ends
    assert "Dragon: 2 of 3 legendary actions left." in event.reminders


def frightened(rounds: int, ends: str, of: str, save: bool = False) -> dict[str, Any]:
    action: dict[str, Any] = {
        "type": "add_condition",
        "targets": ["gob"],
        "condition": "frightened",
        "duration": {"rounds": rounds, "ends": ends, "of": of},
    }
    if save:
        action["save"] = {"ability": "wisdom", "dc": 13}
    return action


@pytest.mark.parametrize(
    ("rounds", "ends", "of", "turns", "still_there"),
    [
        # Added on aria's own turn: "until the end of aria's next turn" counts from
        # aria's next turn, not the current one (the grace Improved Initiative applies).
        (1, "end", "aria", 1, True),
        (1, "end", "aria", 3, True),  # round 2, aria's turn
        (1, "end", "aria", 4, False),  # round 2, aria's turn ends: gone
        (1, "start", "aria", 1, True),  # aria's next turn has not started yet
        (1, "start", "aria", 3, False),  # round 2, aria's turn starts: gone
        (2, "end", "aria", 4, True),  # one left after aria's next turn
        (2, "end", "aria", 7, False),
        (1, "end", "gob", 1, True),  # tied to the goblin's turn, not aria's
        (1, "end", "gob", 2, False),
    ],
)
def test_durations_count_against_the_tied_creature(
    rounds: int, ends: str, of: str, turns: int, still_there: bool
) -> None:
    state = do(three(), frightened(rounds, ends, of))
    for _ in range(turns):
        state, _ = act(state, NEXT)
    assert state.combatant("gob").has_condition("frightened") is still_there


def test_save_reminder_at_the_end_of_the_carriers_turn() -> None:
    state = do(three(), frightened(10, "end", "aria", save=True), NEXT)
    state, event = act(state, NEXT)  # the goblin's turn ends
    assert "Goblin: DC 13 Wisdom save to end frightened." in event.reminders


def test_previous_turn_undoes_exactly_the_turn_change() -> None:
    state = started(
        pc("aria", initiative=18),
        combatant(
            "dragon",
            initiative=10,
            reaction_used=True,
            legendary_actions={"max": 3, "remaining": 1},
        ),
    )
    state = do(
        state,
        {
            "type": "add_condition",
            "targets": ["aria"],
            "condition": "blinded",
            "duration": {"rounds": 1, "ends": "start", "of": "dragon"},
        },
        {
            "type": "add_condition",
            "targets": ["dragon"],
            "condition": "prone",
            "duration": {"rounds": 3, "ends": "start", "of": "dragon"},
        },
    )
    before = state
    state, event = act(state, NEXT)
    assert not state.combatant("aria").has_condition("blinded")
    assert state.combatant("dragon").condition("prone").duration.rounds == 2  # type: ignore[union-attr]
    # Damage after the turn change is not part of it and stays.
    state = do(state, {"type": "damage", "targets": ["aria"], "amount": 3})
    state, event = act(state, PREV)
    assert (state.round, state.turn) == (1, "aria")
    assert state.combatant("aria").conditions == before.combatant("aria").conditions
    assert state.combatant("dragon").conditions == before.combatant("dragon").conditions
    assert state.combatant("dragon").reaction_used is True
    assert state.combatant("dragon").legendary_actions.remaining == 1
    assert state.combatant("aria").hp == 7
    assert state.turn_history == []
    assert "Aria is blinded again." in event.text
    with pytest.raises(RuleViolation, match="no turn change"):
        act(state, PREV)


def test_previous_turn_across_a_round_and_reroll() -> None:
    state = started(
        combatant("a", initiative=15),
        combatant("b", initiative=10),
        settings={"reroll_each_round": True},
    )
    state = do(state, NEXT)
    roller = FakeRoller([3, 19])
    state, event = act(state, NEXT, roller)
    assert state.round == 2
    assert [r["total"] for r in event.data["rolls"]] == [3, 19]
    assert state.order == ["b", "a"]
    assert state.turn == "b"
    state, _ = act(state, PREV)
    assert (state.round, state.turn, state.order) == (1, "b", ["a", "b"])
    assert [c.initiative for c in state.combatants] == [15, 10]


def test_reroll_excludes_the_lair_and_rolls_groups_once() -> None:
    state = started(
        combatant("w1", group="w", initiative=15),
        combatant("w2", group="w", initiative=15),
        combatant("lair", kind="lair"),
        settings={"reroll_each_round": True},
    )
    roller = FakeRoller([7])
    state = do(state, NEXT, NEXT, roller=roller)
    assert roller.expressions == ["1d20"]
    assert state.order == ["lair", "w1", "w2"]


@pytest.mark.parametrize("removed", ["gob", "orc", "aria"])
def test_turn_is_held_by_id_when_others_join_or_leave(removed: str) -> None:
    state = do(three(), NEXT)  # goblin's turn
    if removed != "gob":
        state = do(state, {"type": "remove_combatant", "combatant_id": removed})
        assert state.turn == "gob"
    else:
        state, event = act(state, {"type": "remove_combatant", "combatant_id": "gob"})
        assert state.turn == "orc"
        assert "Orc's turn" in event.text


def test_removing_the_last_in_order_wraps_the_round() -> None:
    state = do(three(), NEXT, NEXT)
    state = do(state, {"type": "remove_combatant", "combatant_id": "orc"})
    assert (state.round, state.turn) == (2, "aria")


def test_removing_a_group_leader_keeps_the_groups_turn() -> None:
    state = started(
        pc("aria", initiative=18),
        combatant("w1", group="w", initiative=10),
        combatant("w2", group="w", initiative=10),
    )
    state = do(state, NEXT, {"type": "remove_combatant", "combatant_id": "w1"})
    assert state.turn == "w2"


def test_delay_and_resume_now() -> None:
    state = three()
    state, event = act(state, {"type": "delay", "combatant_id": "aria"})
    assert event.text == "Aria delays. Goblin's turn (round 1)."
    assert state.combatant("aria").status == "delayed"
    assert state.order == ["gob", "orc"]
    assert state.turn == "gob"
    state = do(state, NEXT)  # orc
    state, _ = act(state, {"type": "resume", "combatant_id": "aria"})
    assert state.turn == "aria"
    assert state.order == ["gob", "aria", "orc"]
    assert state.combatant("aria").initiative == 5
    assert state.combatant("aria").status == "active"
    state = do(state, NEXT)
    assert state.turn == "orc"
    # From now on aria acts at initiative 5, before the orc.
    state = do(state, NEXT, NEXT)
    assert (state.round, state.turn) == (2, "aria")


def test_resume_before_someone() -> None:
    state = do(three(), {"type": "delay", "combatant_id": "aria"})
    state, event = act(state, {"type": "resume", "combatant_id": "aria", "before": "orc"})
    assert state.order == ["gob", "aria", "orc"]
    assert state.turn == "gob"
    assert "before Orc" in event.text


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ({"type": "resume", "combatant_id": "gob"}, "not delaying"),
        ({"type": "resume", "combatant_id": "aria", "before": "aria"}, "before itself"),
        ({"type": "delay", "combatant_id": "aria"}, "cannot delay"),
        ({"type": "delay", "combatant_id": "dead"}, "cannot delay"),
    ],
)
def test_delay_refusals(action: dict[str, Any], message: str) -> None:
    state = started(
        pc("aria", initiative=18),
        combatant("gob", initiative=12),
        combatant("dead", initiative=1, status="dead", hp=0),
    )
    state = do(state, {"type": "delay", "combatant_id": "aria"})
    with pytest.raises(RuleViolation, match=message):
        act(state, action)


def test_previous_turn_refuses_to_return_to_a_delayed_combatant() -> None:
    state = do(three(), {"type": "delay", "combatant_id": "aria"})
    with pytest.raises(RuleViolation, match="left the order"):
        act(state, PREV)


def test_delayed_creature_dropping_to_zero_returns_to_the_order() -> None:
    state = do(three(), NEXT, {"type": "delay", "combatant_id": "gob"})
    assert state.order == ["aria", "orc"]
    state = do(state, {"type": "damage", "targets": ["gob"], "amount": 50})
    assert state.combatant("gob").status == "down"
    assert state.order == ["aria", "gob", "orc"]
    assert state.turn == "orc"


def test_delaying_a_group_delays_its_active_members() -> None:
    state = started(
        combatant("w1", group="w", initiative=15),
        combatant("w2", group="w", initiative=15),
        pc("aria", initiative=10),
    )
    state = do(state, {"type": "delay", "combatant_id": "w1"})
    assert state.order == ["aria"]
    assert state.turn == "aria"
    state = do(state, {"type": "resume", "combatant_id": "w2"})
    assert state.order == ["w1", "w2", "aria"]
    assert state.turn == "w1"


def test_next_turn_with_empty_order_is_refused() -> None:
    state = do(started(pc("a", initiative=3)), {"type": "delay", "combatant_id": "a"})
    assert state.turn is None
    with pytest.raises(RuleViolation, match="Nobody"):
        act(state, NEXT)


def test_adding_mid_combat_does_not_move_the_turn() -> None:
    from app.encounters.actions import AddCombatants

    state = do(three(), NEXT)
    add = AddCombatants(
        combatants=[
            combatant("g2", name="Goblin 2", initiative=20),
            combatant("g3", name="Goblin 3", initiative_bonus=2),
        ],
        rolls=[
            {
                "combatant_id": "g2",
                "purpose": "hp",
                "expression": "2d6",
                "total": 7,
                "breakdown": "2d6 (3, 4) = `7`",
            }
        ],
    )
    state, event = act(state, add, FakeRoller([13]))
    assert state.turn == "gob"
    assert state.order == ["g2", "aria", "g3", "gob", "orc"]
    assert event.text.startswith("Goblin 2, Goblin 3 join the encounter.")
    assert "Goblin 2 hp: 2d6 (3, 4) = `7`." in event.text
    assert len(event.data["rolls"]) == 2
