"""Damage, healing, temporary HP, 0 HP, death saves, concentration checks."""

from __future__ import annotations

from typing import Any

import pytest

from app.errors import InvalidAction, RuleViolation
from tests.encounters.helpers import act, combatant, do, encounter, pc, started


def hit(amount: int, damage_type: str | None = None, **extra: Any) -> dict[str, Any]:
    action: dict[str, Any] = {"type": "damage", "targets": ["t"], "amount": amount, **extra}
    if damage_type:
        action["damage_type"] = damage_type
    return action


@pytest.mark.parametrize(
    ("fields", "amount", "damage_type", "hp", "temp"),
    [
        ({}, 7, None, 13, 0),
        ({}, 25, None, 0, 0),  # never below 0
        ({"resistances": ["fire"]}, 7, "fire", 17, 0),  # halved, rounded down
        ({"resistances": ["fire"]}, 7, "cold", 13, 0),
        ({"resistances": ["fire"]}, 7, None, 13, 0),  # untyped ignores resistances
        ({"vulnerabilities": ["fire"]}, 7, "fire", 6, 0),
        ({"immunities": ["fire"]}, 7, "Fire", 20, 0),
        ({"resistances": ["fire"], "vulnerabilities": ["fire"]}, 7, "fire", 14, 0),
        ({"temp_hp": 5}, 3, None, 20, 2),
        ({"temp_hp": 5}, 8, None, 17, 0),
        ({"temp_hp": 5, "resistances": ["acid"]}, 14, "acid", 18, 0),
    ],
)
def test_damage(
    fields: dict[str, Any], amount: int, damage_type: str | None, hp: int, temp: int
) -> None:
    state = encounter(combatant("t", max_hp=20, **fields))
    state, event = act(state, hit(amount, damage_type))
    target = state.combatant("t")
    assert (target.hp, target.temp_hp) == (hp, temp)
    assert event.data["targets"][0]["hp_after"] == hp


def test_damage_text() -> None:
    state = encounter(combatant("t", name="Goblin 2", max_hp=12))
    _, event = act(state, hit(7, "fire"))
    assert event.text == "Goblin 2 takes 7 fire damage, 12 → 5."
    state = encounter(combatant("t", name="Orc", max_hp=12, temp_hp=4, resistances=["fire"]))
    _, event = act(state, hit(7, "fire"))
    assert (
        event.text
        == "Orc takes 3 fire damage (resistant, 7 before; 3 absorbed by temp HP), 12 → 12."
    )


def test_damage_to_many_targets_and_stats() -> None:
    state = encounter(
        pc("aria", max_hp=30),
        combatant("a", max_hp=10),
        combatant("b", max_hp=4, resistances=["fire"]),
    )
    state, event = act(
        state,
        {
            "type": "damage",
            "targets": ["a", "b"],
            "amount": 10,
            "damage_type": "fire",
            "source": "aria",
        },
    )
    assert state.combatant("a").damage_taken == 10
    assert state.combatant("b").damage_taken == 4  # only the HP it had
    assert state.combatant("aria").damage_dealt == 14
    assert len(event.data["targets"]) == 2


@pytest.mark.parametrize(
    ("action", "error"),
    [
        (hit(5) | {"targets": ["zzz"]}, InvalidAction),
        (hit(5) | {"source": "zzz"}, InvalidAction),
    ],
)
def test_damage_errors(action: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        act(encounter(combatant("t")), action)


@pytest.mark.parametrize(
    "action",
    [
        hit(-1),
        hit(100_001),
        {"type": "damage", "targets": [], "amount": 1},
        hit(1) | {"extra": 1},
    ],
)
def test_damage_validation(action: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        act(encounter(combatant("t")), action)


@pytest.mark.parametrize(
    ("kind", "max_hp", "amount", "status"),
    [
        ("monster", 10, 15, "down"),
        ("npc", 10, 50, "down"),
        ("character", 10, 15, "unconscious"),
        ("character", 10, 19, "unconscious"),
        ("character", 10, 20, "dead"),  # 10 left over = max HP: massive damage
    ],
)
def test_dropping_to_zero(kind: str, max_hp: int, amount: int, status: str) -> None:
    state = encounter(combatant("t", kind=kind, max_hp=max_hp, concentration="Bless"))
    state, event = act(state, hit(amount))
    target = state.combatant("t")
    assert (target.hp, target.status, target.concentration) == (0, status, None)
    assert "loses concentration on Bless" in event.text
    assert not any("concentration check" in r for r in event.reminders)


@pytest.mark.parametrize(
    ("status", "saves", "amount", "critical", "after_status", "failures"),
    [
        ("unconscious", (0, 0), 3, False, "unconscious", 1),
        ("unconscious", (0, 0), 3, True, "unconscious", 2),
        ("unconscious", (1, 2), 3, False, "dead", 3),
        ("unconscious", (0, 1), 3, True, "dead", 3),
        ("stable", (0, 0), 1, False, "unconscious", 1),
        ("unconscious", (0, 0), 10, False, "dead", 0),  # damage >= max HP at 0 kills
        ("unconscious", (0, 0), 0, False, "unconscious", 0),
    ],
)
def test_damage_at_zero_hp(
    status: str,
    saves: tuple[int, int],
    amount: int,
    critical: bool,
    after_status: str,
    failures: int,
) -> None:
    state = encounter(
        pc(
            "t",
            max_hp=10,
            hp=0,
            status=status,
            death_saves={"successes": saves[0], "failures": saves[1]},
        )
    )
    state, _ = act(state, hit(amount, critical=critical))
    target = state.combatant("t")
    assert target.status == after_status
    assert target.death_saves.failures == failures or after_status == "dead"


def test_immune_damage_at_zero_is_no_failure() -> None:
    state = encounter(pc("t", max_hp=10, hp=0, status="unconscious", immunities=["poison"]))
    state, _ = act(state, hit(5, "poison"))
    assert state.combatant("t").death_saves.failures == 0


def test_damage_to_the_dead_changes_nothing() -> None:
    state = encounter(combatant("t", hp=0, status="dead"), combatant("u"))
    state, event = act(state, {"type": "damage", "targets": ["t", "u"], "amount": 1})
    assert "T is already dead." in event.text
    assert state.combatant("u").hp == 9


@pytest.mark.parametrize(
    ("ruleset", "amount", "temp", "dc"),
    [
        ("2014", 5, 0, 10),
        ("2014", 22, 0, 11),
        ("2014", 6, 6, 10),  # all into temp HP still counts
        ("2014", 80, 0, 40),
        ("2024", 80, 0, 30),
    ],
)
def test_concentration_check(ruleset: str, amount: int, temp: int, dc: int) -> None:
    state = encounter(
        pc("t", name="Aria", max_hp=100, temp_hp=temp, concentration="Bless"), ruleset=ruleset
    )
    state, event = act(state, hit(amount))
    assert event.reminders == [f"Aria: concentration check, Con save DC {dc} (Bless)."]
    assert state.combatant("t").concentration == "Bless"


def test_no_concentration_check_without_damage() -> None:
    state = encounter(pc("t", concentration="Bless", immunities=["fire"]))
    _, event = act(state, hit(5, "fire"))
    assert event.reminders == []


@pytest.mark.parametrize(
    ("fields", "amount", "hp", "status", "saves"),
    [
        ({"hp": 5}, 3, 8, "active", (0, 0)),
        ({"hp": 5}, 30, 10, "active", (0, 0)),  # capped at max
        (
            {"hp": 0, "status": "unconscious", "death_saves": {"successes": 2, "failures": 2}},
            1,
            1,
            "active",
            (0, 0),
        ),
        ({"hp": 0, "status": "stable"}, 4, 4, "active", (0, 0)),
        ({"hp": 0, "status": "down", "kind": "monster"}, 4, 4, "active", (0, 0)),
        ({"hp": 0, "status": "unconscious"}, 0, 0, "unconscious", (0, 0)),
    ],
)
def test_heal(
    fields: dict[str, Any], amount: int, hp: int, status: str, saves: tuple[int, int]
) -> None:
    fields.setdefault("kind", "character")
    state = encounter(combatant("t", max_hp=10, **fields))
    state, _ = act(state, {"type": "heal", "targets": ["t"], "amount": amount})
    target = state.combatant("t")
    assert (target.hp, target.status) == (hp, status)
    assert (target.death_saves.successes, target.death_saves.failures) == saves


def test_healing_the_dead_is_refused() -> None:
    state = encounter(pc("t", hp=0, status="dead"), pc("u"))
    with pytest.raises(RuleViolation, match="dead"):
        act(state, {"type": "heal", "targets": ["u", "t"], "amount": 5})


@pytest.mark.parametrize(("had", "given", "kept"), [(0, 5, 5), (8, 5, 8), (3, 5, 5), (5, 0, 5)])
def test_temp_hp_do_not_stack(had: int, given: int, kept: int) -> None:
    state = encounter(combatant("t", temp_hp=had))
    state, _ = act(state, {"type": "set_temp_hp", "targets": ["t"], "amount": given})
    assert state.combatant("t").temp_hp == kept


@pytest.mark.parametrize(
    ("saves", "result", "after", "status", "hp"),
    [
        ((0, 0), "success", (1, 0), "unconscious", 0),
        ((2, 1), "success", (0, 0), "stable", 0),  # third success: stable, saves reset
        ((0, 1), "failure", (0, 2), "unconscious", 0),
        ((0, 2), "failure", (0, 3), "dead", 0),
        ((0, 1), "critical_failure", (0, 3), "dead", 0),
        ((0, 0), "critical_failure", (0, 2), "unconscious", 0),
        ((2, 2), "critical_success", (0, 0), "active", 1),
    ],
)
def test_death_saves(
    saves: tuple[int, int], result: str, after: tuple[int, int], status: str, hp: int
) -> None:
    state = encounter(
        pc(
            "t",
            hp=0,
            status="unconscious",
            death_saves={"successes": saves[0], "failures": saves[1]},
        )
    )
    state, event = act(state, {"type": "death_save", "combatant_id": "t", "result": result})
    target = state.combatant("t")
    assert (target.death_saves.successes, target.death_saves.failures) == after
    assert (target.status, target.hp) == (status, hp)
    assert event.data["result"] == result


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "character", "hp": 3}, "not dying"),
        ({"kind": "character", "hp": 0, "status": "dead"}, "dead"),
        ({"kind": "character", "hp": 0, "status": "stable"}, "stable"),
        ({"kind": "monster", "hp": 0, "status": "down"}, "Only player characters"),
    ],
)
def test_death_save_refusals(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(RuleViolation, match=message):
        act(
            encounter(combatant("t", **fields)),
            {"type": "death_save", "combatant_id": "t", "result": "success"},
        )


def test_death_save_reminder_at_the_start_of_a_dying_characters_turn() -> None:
    state = started(pc("t", name="Aria", initiative=10), combatant("o", initiative=5))
    state = do(state, hit(12), {"type": "next_turn"})
    _, event = act(state, {"type": "next_turn"})
    assert "Aria: death saving throw." in event.reminders


def test_hundred_damage_actions_make_a_hundred_events() -> None:
    state = encounter(combatant("t", max_hp=100_000))
    events = []
    for _ in range(100):
        state, event = act(state, hit(1))
        events.append(event)
    assert len(events) == 100
    assert state.combatant("t").hp == 99_900
