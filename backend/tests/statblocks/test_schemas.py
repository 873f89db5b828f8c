"""The stat block schema: bounds, normalisation, derived fields and helpers."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from app.statblocks.schemas import (
    StatBlockData,
    StatBlockIn,
    cr_label,
    hp_roll_expression,
    parse_cr,
)


def minimal(**changes: Any) -> dict[str, Any]:
    return {"name": "Thug", "type": "humanoid", "ac": 11, "hp": 32, **changes}


@pytest.mark.parametrize(
    ("cr", "label"),
    [(0, "0"), (0.125, "1/8"), (0.25, "1/4"), (0.5, "1/2"), (1, "1"), (2.0, "2"), (30, "30")],
)
def test_cr_label(cr: float, label: str) -> None:
    assert cr_label(cr) == label
    assert parse_cr(label) == cr


@pytest.mark.parametrize("cr", [0.3, -1, 31, 2.5])
def test_cr_label_refuses_unknown_ratings(cr: float) -> None:
    with pytest.raises(ValueError):
        cr_label(cr)


@pytest.mark.parametrize("value", ["1/3", "x", "1/0", True, None, [1]])
def test_parse_cr_refuses_nonsense(value: object) -> None:
    with pytest.raises(ValueError):
        parse_cr(value)


@pytest.mark.parametrize(
    ("hit_dice", "con", "expression"),
    [
        ("2d6", 10, "2d6"),
        ("2d6", 12, "2d6+2"),
        ("2d6", 13, "2d6+2"),
        ("2d6", 8, "2d6-2"),
        ("2d6", 9, "2d6-2"),
        ("19d12", 25, "19d12+133"),
        ("1d4", 1, "1d4-5"),
        (None, 30, "32"),
    ],
)
def test_hp_roll_expression(hit_dice: str | None, con: int, expression: str) -> None:
    block = StatBlockIn.model_validate(minimal(hit_dice=hit_dice, abilities={"con": con}))
    assert hp_roll_expression(block) == expression


def test_defaults_are_derived_from_the_rules() -> None:
    block = StatBlockIn.model_validate(
        minimal(
            challenge_rating="1/2",
            abilities={"dex": 16},
            traits=[{"name": "Legendary Resistance (2/Day)", "desc": "..."}],
            legendary_actions=[{"name": "Move", "desc": "It moves."}],
        )
    )
    assert block.xp == 100
    assert block.initiative_bonus == 3
    assert block.legendary_actions_per_round == 3
    assert block.legendary_resistances == 2
    assert block.size == "medium"
    assert block.speed == {"walk": "30 ft."}


def test_explicit_values_win_over_derived_ones() -> None:
    block = StatBlockIn.model_validate(
        minimal(
            challenge_rating=0,
            xp=0,
            initiative_bonus=5,
            legendary_actions=[{"name": "Move"}],
            legendary_actions_per_round=2,
            legendary_resistances=0,
            traits=[{"name": "Legendary Resistance (3/Day)"}],
        )
    )
    assert (block.xp, block.initiative_bonus) == (0, 5)
    assert (block.legendary_actions_per_round, block.legendary_resistances) == (2, 0)


def test_normalisation() -> None:
    block = StatBlockIn.model_validate(
        minimal(
            name="  Thug ",
            type="Humanoid",
            size="Medium",
            subtype="",
            hit_dice="5D8",
            speed={"Walk": "30 ft."},
            saving_throws={"Dexterity": 2, "CON": 3},
            skills={"Sleight of Hand": 4},
            damage_resistances=["Fire", "fire", "cold"],
            condition_immunities=["Poisoned"],
            senses={"Passive Perception": 10},
        )
    )
    assert (block.name, block.type, block.size, block.subtype) == (
        "Thug",
        "humanoid",
        "medium",
        None,
    )
    assert block.hit_dice == "5d8"
    assert block.speed == {"walk": "30 ft."}
    assert block.saving_throws == {"dex": 2, "con": 3}
    assert block.skills == {"sleight_of_hand": 4}
    assert block.damage_resistances == ["fire", "cold"]
    assert block.condition_immunities == ["poisoned"]
    assert block.senses == {"passive_perception": 10}


@pytest.mark.parametrize(
    ("changes", "loc"),
    [
        ({"name": ""}, ("name",)),
        ({"name": "x" * 201}, ("name",)),
        ({"type": ""}, ("type",)),
        ({"size": "colossal"}, ("size",)),
        ({"ac": 51}, ("ac",)),
        ({"hp": 0}, ("hp",)),
        ({"hit_dice": "2d7"}, ("hit_dice",)),
        ({"hit_dice": "0d6"}, ("hit_dice",)),
        ({"hit_dice": "2d6+2"}, ("hit_dice",)),
        ({"abilities": {"str": 0}}, ("abilities", "str")),
        ({"abilities": {"luck": 10}}, ("abilities", "luck")),
        ({"saving_throws": {"luck": 1}}, ("saving_throws",)),
        ({"skills": {"stealth": 99}}, ("skills", "stealth")),
        ({"damage_resistances": ["fire", "sonic"]}, ("damage_resistances", 1)),
        ({"challenge_rating": 0.3}, ("challenge_rating",)),
        ({"xp": -1}, ("xp",)),
        ({"actions": [{"name": ""}]}, ("actions", 0, "name")),
        ({"actions": [{"name": "Bite", "damage": "1d6"}]}, ("actions", 0, "damage")),
        ({"legendary_actions_per_round": 11}, ("legendary_actions_per_round",)),
        ({"id": 3}, ("id",)),
    ],
)
def test_bounds(changes: dict[str, Any], loc: tuple[Any, ...]) -> None:
    with pytest.raises(ValidationError) as exc:
        StatBlockIn.model_validate(minimal(**changes))
    assert loc in [e["loc"] for e in exc.value.errors()]


def test_full_shape_adds_identity_and_labels_and_reads_its_own_dump() -> None:
    data = StatBlockData.model_validate(
        minimal(hit_dice="5d8", abilities={"con": 14}, challenge_rating=0.5, slug="thug")
    )
    dumped = data.model_dump(mode="json")
    assert dumped["challenge_rating_label"] == "1/2"
    assert dumped["hp_roll"] == "5d8+10"
    assert dumped["slug"] == "thug"
    assert StatBlockData.model_validate(dumped) == data
