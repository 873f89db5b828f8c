"""Conditions, exhaustion, concentration."""

from __future__ import annotations

from typing import Any

import pytest

from app.encounters.state import STANDARD_CONDITIONS
from app.errors import InvalidAction, RuleViolation
from tests.encounters.helpers import act, combatant, do, encounter, pc


def add(condition: str, **extra: Any) -> dict[str, Any]:
    return {"type": "add_condition", "targets": ["t"], "condition": condition, **extra}


@pytest.mark.parametrize("name", STANDARD_CONDITIONS)
def test_standard_conditions_are_lower_cased(name: str) -> None:
    state, _ = act(encounter(pc("t")), add(name.upper()))
    assert state.combatant("t").has_condition(name)
    assert state.combatant("t").conditions[0].name == name


def test_custom_condition_keeps_its_spelling_and_details() -> None:
    state, event = act(
        encounter(pc("t", name="Aria"), combatant("hag", name="Hag")),
        add(
            "Hexed",
            duration={"rounds": 10, "ends": "end", "of": "hag"},
            save={"ability": "WIS", "dc": 14},
            source="hag",
        ),
    )
    condition = state.combatant("t").conditions[0]
    assert (condition.name, condition.source, condition.save.ability) == ("Hexed", "hag", "wis")  # type: ignore[union-attr]
    assert event.text == (
        "Aria is Hexed (for 10 rounds, ending at the end of Hag's turn; DC 14 Wisdom save ends)."
    )


def test_same_condition_again_replaces_it() -> None:
    state = do(
        encounter(pc("t"), pc("u")),
        add("frightened", duration={"rounds": 2, "ends": "end", "of": "u"}),
        add("Frightened", duration={"rounds": 5, "ends": "start", "of": "t"}),
    )
    conditions = state.combatant("t").conditions
    assert len(conditions) == 1
    assert conditions[0].duration.rounds == 5  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("ruleset", "level", "text"),
    [
        ("2014", 1, "exhaustion level 1: disadvantage on ability checks."),
        ("2014", 3, "speed halved; disadvantage on attack rolls and saving throws."),
        ("2024", 2, "exhaustion level 2: -4 to d20 tests"),
        ("2024", 5, "-10 to d20 tests"),
    ],
)
def test_exhaustion_levels(ruleset: str, level: int, text: str) -> None:
    state, event = act(encounter(pc("t"), ruleset=ruleset), add("exhaustion", level=level))
    assert state.combatant("t").condition("exhaustion").level == level  # type: ignore[union-attr]
    assert text in event.text


@pytest.mark.parametrize("ruleset", ["2014", "2024"])
def test_exhaustion_six_is_death(ruleset: str) -> None:
    state = do(encounter(pc("t"), ruleset=ruleset), add("exhaustion", level=2))
    state, event = act(state, add("exhaustion", level=6))
    assert state.combatant("t").status == "dead"
    assert state.combatant("t").condition("exhaustion").level == 6  # type: ignore[union-attr]
    assert "dies of exhaustion" in event.text


def test_exhaustion_defaults_to_level_one_and_others_drop_level() -> None:
    state = do(encounter(pc("t")), add("exhaustion"), add("prone", level=3))
    assert state.combatant("t").condition("exhaustion").level == 1  # type: ignore[union-attr]
    assert state.combatant("t").condition("prone").level is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("condition", "ends"),
    [
        ("incapacitated", True),
        ("paralyzed", True),
        ("petrified", True),
        ("stunned", True),
        ("unconscious", True),
        ("prone", False),
        ("frightened", False),
    ],
)
def test_incapacitating_conditions_end_concentration(condition: str, ends: bool) -> None:
    state, event = act(encounter(pc("t", concentration="Hold Person")), add(condition))
    assert (state.combatant("t").concentration is None) is ends
    assert ("loses concentration" in event.text) is ends


@pytest.mark.parametrize(
    ("action", "error"),
    [
        (add("prone", duration={"rounds": 1, "ends": "end", "of": "zzz"}), InvalidAction),
        (add("prone") | {"targets": ["zzz"]}, InvalidAction),
        (add("prone") | {"targets": ["dead"]}, RuleViolation),
        ({"type": "remove_condition", "targets": ["t"], "condition": "prone"}, RuleViolation),
    ],
)
def test_condition_refusals(action: dict[str, Any], error: type[Exception]) -> None:
    state = encounter(pc("t"), pc("dead", hp=0, status="dead"))
    with pytest.raises(error):
        act(state, action)


@pytest.mark.parametrize(
    "action",
    [
        add("prone", duration={"rounds": 0, "ends": "end", "of": "t"}),
        add("prone", duration={"rounds": 1, "ends": "middle", "of": "t"}),
        add("prone", save={"ability": "luck", "dc": 10}),
        add("exhaustion", level=7),
        add(""),
        add("x" * 101),
    ],
)
def test_condition_validation(action: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        act(encounter(pc("t")), action)


def test_remove_condition_even_from_the_dead() -> None:
    state = do(
        encounter(pc("t"), pc("u")),
        {"type": "add_condition", "targets": ["t", "u"], "condition": "poisoned"},
        {"type": "damage", "targets": ["t"], "amount": 100},
    )
    assert state.combatant("t").status == "dead"
    state, event = act(
        state, {"type": "remove_condition", "targets": ["t", "u"], "condition": "Poisoned"}
    )
    assert not state.combatant("t").conditions
    assert not state.combatant("u").conditions
    assert event.data["combatant_ids"] == ["t", "u"]


@pytest.mark.parametrize(
    ("fields", "spell", "after", "error"),
    [
        ({}, "Bless", "Bless", None),
        ({"concentration": "Bless"}, "Haste", "Haste", None),
        ({"concentration": "Bless"}, None, None, None),
        ({}, None, None, RuleViolation),
        ({"conditions": [{"name": "stunned"}]}, "Bless", None, RuleViolation),
        ({"status": "dead", "hp": 0}, "Bless", None, RuleViolation),
    ],
)
def test_set_concentration(
    fields: dict[str, Any], spell: str | None, after: str | None, error: type[Exception] | None
) -> None:
    state = encounter(pc("t", **fields))
    action = {"type": "set_concentration", "combatant_id": "t", "spell": spell}
    if error:
        with pytest.raises(error):
            act(state, action)
        return
    state, _ = act(state, action)
    assert state.combatant("t").concentration == after
