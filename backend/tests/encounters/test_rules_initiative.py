"""Initiative: rolls, modes, 2024 modifiers, scores, tie policies, groups, lair, reorder."""

from __future__ import annotations

from typing import Any

import pytest

from app.errors import InvalidAction, RuleViolation
from tests.encounters.helpers import FakeRoller, act, combatant, encounter, pc


@pytest.mark.parametrize(
    ("ruleset", "mode", "conditions", "surprised", "expected"),
    [
        ("2014", "normal", [], False, "1d20+3"),
        ("2014", "advantage", [], False, "2d20kh1+3"),
        ("2014", "disadvantage", [], False, "2d20kl1+3"),
        ("2014", "normal", ["invisible"], True, "1d20+3"),  # 2014: neither matters
        ("2024", "normal", [], True, "2d20kl1+3"),
        ("2024", "normal", ["invisible"], False, "2d20kh1+3"),
        ("2024", "normal", ["incapacitated"], False, "2d20kl1+3"),
        ("2024", "normal", ["stunned"], False, "2d20kl1+3"),
        ("2024", "normal", ["paralyzed"], False, "2d20kl1+3"),
        ("2024", "normal", ["invisible"], True, "1d20+3"),  # they cancel
        ("2024", "advantage", ["unconscious"], False, "1d20+3"),
        ("2024", "advantage", ["invisible"], False, "2d20kh1+3"),
    ],
)
def test_initiative_roll_expression(
    ruleset: str, mode: str, conditions: list[str], surprised: bool, expected: str
) -> None:
    rogue = pc("rogue", initiative_bonus=3, conditions=[{"name": c} for c in conditions])
    roller = FakeRoller([14])
    action: dict[str, Any] = {"type": "roll_initiative", "combatants": ["rogue"], "mode": mode}
    if surprised:
        action["surprised"] = ["rogue"]
    state, event = act(encounter(rogue, ruleset=ruleset), action, roller)
    assert roller.expressions == [expected]
    assert state.combatant("rogue").initiative == 14
    assert event.data["rolls"][0]["total"] == 14
    assert event.data["rolls"][0]["combatant_ids"] == ["rogue"]
    assert "rolls initiative" in event.text


def test_zero_bonus_and_negative_bonus_expressions() -> None:
    roller = FakeRoller([5, 6])
    state = encounter(combatant("a"), combatant("b", initiative_bonus=-1))
    act(state, {"type": "roll_initiative"}, roller)
    assert roller.expressions == ["1d20", "1d20-1"]


@pytest.mark.parametrize(
    ("mode", "expected"), [("normal", 13), ("advantage", 18), ("disadvantage", 8)]
)
def test_initiative_score_mode_rolls_nothing(mode: str, expected: int) -> None:
    state = encounter(
        pc("a", initiative_bonus=3), settings={"initiative_mode": "score"}, ruleset="2024"
    )
    state, event = act(state, {"type": "roll_initiative", "mode": mode}, FakeRoller())
    assert state.combatant("a").initiative == expected
    assert event.data["rolls"] == []


@pytest.mark.parametrize(
    ("selection", "rolled"),
    [("all", {"pc", "orc", "ally"}), ("monsters", {"orc", "ally"}), (["pc"], {"pc"})],
)
def test_roll_selection(selection: Any, rolled: set[str]) -> None:
    state = encounter(
        pc("pc"), combatant("orc"), combatant("ally", kind="npc"), combatant("lair", kind="lair")
    )
    state, _ = act(state, {"type": "roll_initiative", "combatants": selection}, FakeRoller([9] * 3))
    assert {c.id for c in state.combatants if c.initiative == 9} == rolled
    assert state.combatant("lair").initiative == 20  # the lair never rolls


def test_roll_unknown_id_is_invalid() -> None:
    with pytest.raises(InvalidAction):
        act(encounter(pc("a")), {"type": "roll_initiative", "combatants": ["nope"]})


def test_group_shares_one_roll_with_first_members_bonus() -> None:
    state = encounter(
        combatant("g1", group="wolves", initiative_bonus=2),
        combatant("g2", group="wolves", initiative_bonus=5),
        pc("pc", initiative_bonus=1),
    )
    roller = FakeRoller([11, 7])
    state, event = act(state, {"type": "roll_initiative"}, roller)
    assert roller.expressions == ["1d20+2", "1d20+1"]
    assert [c.initiative for c in state.combatants] == [11, 11, 7]
    assert event.data["rolls"][0]["combatant_ids"] == ["g1", "g2"]


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ("dex", ["pc_fast", "orc_fast", "orc_lucky", "pc_lucky"]),
        ("pcs_first", ["pc_fast", "pc_lucky", "orc_fast", "orc_lucky"]),
        ("monsters_first", ["orc_fast", "orc_lucky", "pc_fast", "pc_lucky"]),
        ("random", ["orc_lucky", "pc_fast", "pc_lucky", "orc_fast"]),
    ],
)
def test_tie_policies(policy: str, expected: list[str]) -> None:
    state = encounter(
        pc("pc_lucky", initiative=12, dexterity=10, tiebreak=0.5),
        combatant("orc_lucky", initiative=12, dexterity=10, tiebreak=0.9),
        combatant("orc_fast", initiative=12, dexterity=16, tiebreak=0.1),
        pc("pc_fast", initiative=12, dexterity=18, tiebreak=0.6),
        settings={"tie_policy": policy},
    )
    state, _ = act(state, {"type": "start_combat"})
    assert state.order == expected


def test_order_is_initiative_descending_and_none_last_and_lair_loses_ties() -> None:
    state = encounter(
        combatant("low", initiative=3),
        combatant("lair", kind="lair", initiative=20),
        combatant("high", initiative=20),
        combatant("top", initiative=22),
    )
    state, _ = act(state, {"type": "set_initiative", "combatant_id": "low", "initiative": 3})
    assert state.order == ["top", "high", "lair", "low"]


def test_policy_change_reorders() -> None:
    state = encounter(
        pc("pc", initiative=10, dexterity=8), combatant("orc", initiative=10, dexterity=14)
    )
    state, _ = act(state, {"type": "start_combat"})
    assert state.order == ["orc", "pc"]
    state, _ = act(state, {"type": "update_settings", "tie_policy": "pcs_first"})
    assert state.order == ["pc", "orc"]
    assert state.turn == "orc"  # the turn is held by id


def test_set_initiative_mid_combat_keeps_turn() -> None:
    state = encounter(combatant("a", initiative=15), combatant("b", initiative=10))
    state, _ = act(state, {"type": "start_combat"})
    state, event = act(state, {"type": "set_initiative", "combatant_id": "b", "initiative": 20})
    assert state.order == ["b", "a"]
    assert state.turn == "a"
    assert "B set to initiative 20 (was 10)" in event.text


def test_reorder_tied_combatants_overrides_policy() -> None:
    state = encounter(
        combatant("a", initiative=10, dexterity=18),
        combatant("b", initiative=10, dexterity=14),
        combatant("c", initiative=10, dexterity=12),
        combatant("d", initiative=5),
    )
    state, _ = act(state, {"type": "start_combat"})
    assert state.order == ["a", "b", "c", "d"]
    state, _ = act(state, {"type": "reorder", "combatant_ids": ["c", "a"]})
    # c and a swap the places they held; b stays in the middle.
    assert state.order == ["c", "b", "a", "d"]
    assert state.turn == "a"
    # A new initiative for one of them drops its manual place.
    state, _ = act(state, {"type": "set_initiative", "combatant_id": "a", "initiative": 10})
    assert state.order == ["c", "b", "a", "d"]


@pytest.mark.parametrize(
    ("ids", "error"),
    [
        (["a", "d"], RuleViolation),  # not tied
        (["a", "lair"], RuleViolation),
        (["a", "zzz"], InvalidAction),
    ],
)
def test_reorder_refusals(ids: list[str], error: type[Exception]) -> None:
    state = encounter(
        combatant("a", initiative=20),
        combatant("lair", kind="lair"),
        combatant("d", initiative=5),
    )
    state, _ = act(state, {"type": "start_combat"})
    with pytest.raises(error):
        act(state, {"type": "reorder", "combatant_ids": ids})


def test_reorder_rejects_duplicates_at_validation() -> None:
    with pytest.raises(ValueError, match="at most once"):
        act(encounter(pc("a")), {"type": "reorder", "combatant_ids": ["a", "a"]})


def test_group_sits_together_and_takes_one_turn() -> None:
    state = encounter(
        combatant("w1", name="Wolf 1", group="wolves", initiative=12),
        pc("pc", initiative=12, dexterity=20),
        combatant("w2", name="Wolf 2", group="wolves", initiative=12),
        combatant("orc", initiative=15),
    )
    state, _ = act(state, {"type": "start_combat"})
    assert state.order == ["orc", "pc", "w1", "w2"]
    state, _ = act(state, {"type": "next_turn"})
    state, event = act(state, {"type": "next_turn"})
    assert state.turn == "w1"
    assert "Wolf 1, Wolf 2's turn" in event.text
    state, _ = act(state, {"type": "next_turn"})
    assert (state.round, state.turn) == (2, "orc")


def test_setting_a_group_members_initiative_moves_the_group() -> None:
    state = encounter(
        combatant("w1", group="wolves", initiative=5), combatant("w2", group="wolves", initiative=5)
    )
    state, _ = act(state, {"type": "set_initiative", "combatant_id": "w2", "initiative": 17})
    assert [c.initiative for c in state.combatants] == [17, 17]


def test_start_combat_rolls_for_the_unrolled_and_records_it() -> None:
    state = encounter(pc("pc", initiative=10), combatant("orc", initiative_bonus=1))
    state, event = act(state, {"type": "start_combat"}, FakeRoller([16]))
    assert state.order == ["orc", "pc"]
    assert event.data["rolls"][0]["combatant_ids"] == ["orc"]
    assert "Orc rolls initiative: 1d20+1 = `16`." in event.text
