"""Importing 5e-bits/dnd5eapi and Improved Initiative stat blocks, and their errors."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from app.errors import Unprocessable
from app.statblocks.importers import (
    StatBlockImportError,
    detect_format,
    import_statblock,
    parse_ia_type,
    split_damage_text,
)
from app.statblocks.schemas import StatBlockIn, hp_roll_expression


def ref(kind: str, index: str, name: str) -> dict[str, str]:
    return {"index": index, "name": name, "url": f"/api/2014/{kind}/{index}"}


# The 5e-bits v5.10 record for the goblin (image and URL left out).
GOBLIN_5E: dict[str, Any] = {
    "index": "goblin",
    "name": "Goblin",
    "size": "Small",
    "type": "humanoid",
    "subtype": "goblinoid",
    "alignment": "neutral evil",
    "armor_class": [
        {
            "type": "armor",
            "value": 15,
            "armor": [
                ref("equipment", "leather-armor", "Leather Armor"),
                ref("equipment", "shield", "Shield"),
            ],
        }
    ],
    "hit_points": 7,
    "hit_dice": "2d6",
    "hit_points_roll": "2d6",
    "speed": {"walk": "30 ft."},
    "strength": 8,
    "dexterity": 14,
    "constitution": 10,
    "intelligence": 10,
    "wisdom": 8,
    "charisma": 8,
    "proficiencies": [
        {"value": 6, "proficiency": ref("proficiencies", "skill-stealth", "Skill: Stealth")}
    ],
    "damage_vulnerabilities": [],
    "damage_resistances": [],
    "damage_immunities": [],
    "condition_immunities": [],
    "senses": {"darkvision": "60 ft.", "passive_perception": 9},
    "languages": "Common, Goblin",
    "challenge_rating": 0.25,
    "proficiency_bonus": 2,
    "xp": 50,
    "special_abilities": [
        {
            "name": "Nimble Escape",
            "desc": "The goblin can take the Disengage or Hide action as a bonus action "
            "on each of its turns.",
        }
    ],
    "actions": [
        {
            "name": "Scimitar",
            "desc": "Melee Weapon Attack: +4 to hit, reach 5 ft., one target. "
            "Hit: 5 (1d6 + 2) slashing damage.",
            "attack_bonus": 4,
            "damage": [
                {
                    "damage_type": ref("damage-types", "slashing", "Slashing"),
                    "damage_dice": "1d6+2",
                }
            ],
        }
    ],
}

# A 5e-bits dragon, trimmed to what matters here.
DRAGON_5E: dict[str, Any] = {
    "index": "young-green-dragon",
    "name": "Young Green Dragon",
    "size": "Large",
    "type": "dragon",
    "alignment": "lawful evil",
    "armor_class": [{"type": "natural", "value": 18}],
    "hit_points": 136,
    "hit_dice": "16d10",
    "speed": {"walk": "40 ft.", "fly": "80 ft.", "swim": "40 ft.", "hover": False},
    "strength": 19,
    "dexterity": 12,
    "constitution": 17,
    "intelligence": 16,
    "wisdom": 13,
    "charisma": 15,
    "proficiencies": [
        {"value": 4, "proficiency": ref("proficiencies", "saving-throw-dex", "Saving Throw: DEX")},
        {"value": 6, "proficiency": ref("proficiencies", "saving-throw-con", "Saving Throw: CON")},
        {"value": 7, "proficiency": ref("proficiencies", "skill-perception", "Skill: Perception")},
        {
            "value": 4,
            "proficiency": ref("proficiencies", "skill-sleight-of-hand", "Skill: Sleight of Hand"),
        },
    ],
    "damage_vulnerabilities": [],
    "damage_resistances": ["cold", "bludgeoning, piercing, and slashing from nonmagical attacks"],
    "damage_immunities": ["poison"],
    "condition_immunities": [ref("conditions", "poisoned", "Poisoned")],
    "senses": {"blindsight": "30 ft.", "darkvision": "120 ft.", "passive_perception": 17},
    "languages": "Common, Draconic",
    "challenge_rating": 8,
    "proficiency_bonus": 3,
    "xp": 3900,
    "actions": [
        {
            "name": "Poison Breath",
            "desc": "The dragon exhales poisonous gas in a 30-foot cone.",
            "usage": {"type": "recharge on roll", "dice": "1d6", "min_value": 5},
        },
        {
            "name": "Rally",
            "desc": "Once a day.",
            "usage": {"type": "per day", "times": 1},
        },
    ],
    "legendary_actions": [{"name": "Detect", "desc": "The dragon makes a Perception check."}],
}

# Improved Initiative's StatBlock JSON, as in its creature library.
GOBLIN_IA: dict[str, Any] = {
    "Id": "goblin-1",
    "Name": "Goblin",
    "Path": "",
    "Source": "Basic Rules",
    "Type": "Small humanoid (goblinoid), neutral evil",
    "HP": {"Value": 7, "Notes": "(2d6)"},
    "AC": {"Value": 15, "Notes": "(leather armor, shield)"},
    "InitiativeModifier": 0,
    "InitiativeAdvantage": False,
    "Speed": ["30 ft."],
    "Abilities": {"Str": 8, "Dex": 14, "Con": 10, "Int": 10, "Wis": 8, "Cha": 8},
    "DamageVulnerabilities": [],
    "DamageResistances": [],
    "DamageImmunities": [],
    "ConditionImmunities": [],
    "Saves": [],
    "Skills": [{"Name": "Stealth", "Modifier": 6}],
    "Senses": ["darkvision 60 ft.", "passive Perception 9"],
    "Languages": ["Common", "Goblin"],
    "Challenge": "1/4",
    "Traits": [
        {
            "Name": "Nimble Escape",
            "Content": "The goblin can take the Disengage or Hide action as a bonus action.",
            "Usage": "",
        }
    ],
    "Actions": [
        {
            "Name": "Scimitar",
            "Content": "Melee Weapon Attack: +4 to hit, reach 5 ft., one target.",
            "Usage": "",
        }
    ],
    "Reactions": [],
    "LegendaryActions": [],
    "Description": "",
    "Player": "",
    "Version": "3.0.0",
    "ImageURL": "",
}

DRAGON_IA: dict[str, Any] = {
    "Name": "Adult Black Dragon",
    "Source": "Monster Manual",
    "Type": "Huge dragon, chaotic evil",
    "HP": {"Value": 195, "Notes": "(17d12+85)"},
    "AC": {"Value": 19, "Notes": "(natural armor)"},
    "InitiativeModifier": 2,
    "Speed": ["40 ft.", "fly 80 ft.", "swim 40 ft."],
    "Abilities": {"Str": 23, "Dex": 14, "Con": 21, "Int": 14, "Wis": 13, "Cha": 17},
    "DamageVulnerabilities": [],
    "DamageResistances": ["Bludgeoning, Piercing, and Slashing from Nonmagical Attacks"],
    "DamageImmunities": ["acid"],
    "ConditionImmunities": ["Charmed, Frightened"],
    "Saves": [
        {"Name": "Dex", "Modifier": 7},
        {"Name": "Con", "Modifier": 10},
        {"Name": "Wis", "Modifier": 6},
        {"Name": "Cha", "Modifier": 8},
    ],
    "Skills": [{"Name": "Perception", "Modifier": 11}, {"Name": "Sleight of Hand", "Modifier": 7}],
    "Senses": ["blindsight 60 ft.", "darkvision 120 ft.", "passive Perception 21"],
    "Languages": ["Common", "Draconic"],
    "Challenge": "14",
    "Traits": [
        {
            "Name": "Legendary Resistance (3/Day)",
            "Content": "If the dragon fails a saving throw, it can choose to succeed instead.",
            "Usage": "",
        }
    ],
    "Actions": [
        {"Name": "Acid Breath", "Content": "The dragon exhales acid.", "Usage": "Recharge 5-6"}
    ],
    "Reactions": [],
    "LegendaryActions": [
        {"Name": "Detect", "Content": "The dragon makes a Wisdom (Perception) check.", "Usage": ""},
        {"Name": "Tail Attack", "Content": "The dragon makes a tail attack.", "Usage": ""},
    ],
    "Description": "",
    "Player": "",
}


def locs(exc: pytest.ExceptionInfo[StatBlockImportError]) -> list[list[str | int]]:
    assert exc.value.errors is not None
    return [e["loc"] for e in exc.value.errors]


def import_error(payload: object) -> pytest.ExceptionInfo[StatBlockImportError]:
    with pytest.raises(StatBlockImportError) as exc:
        import_statblock(payload)
    return exc


# --- detection ---------------------------------------------------------------


def test_formats_are_detected() -> None:
    assert detect_format(GOBLIN_5E) == "5e-bits"
    assert detect_format(GOBLIN_IA) == "improved-initiative"
    native = import_statblock(GOBLIN_5E).model_dump()
    assert detect_format(native) == "native"
    assert detect_format({"title": "nope"}) is None


@pytest.mark.parametrize("payload", [{"title": "A goblin"}, {}, {"name": "Goblin"}])
def test_unknown_shape_is_a_422(payload: dict[str, Any]) -> None:
    exc = import_error(payload)
    assert isinstance(exc.value, Unprocessable)
    assert exc.value.status == 422
    assert exc.value.errors == [
        {"loc": [], "msg": "Unrecognised stat block format", "type": "unknown_format"}
    ]


@pytest.mark.parametrize("payload", [[GOBLIN_5E], "goblin", 7, None])
def test_a_non_object_is_a_422(payload: object) -> None:
    exc = import_error(payload)
    assert locs(exc) == [[]]


def test_the_error_renders_as_problem_json_with_fields() -> None:
    bad = copy.deepcopy(GOBLIN_IA)
    bad["HP"]["Value"] = "lots"
    exc = import_error(bad)
    problem = exc.value.to_problem()
    assert problem["status"] == 422
    assert problem["type"].endswith("/statblock-import-error")
    assert problem["errors"] == [
        {"loc": ["HP", "Value"], "msg": "Input should be a valid integer", "type": "int_type"}
    ]
    assert "HP.Value" in problem["detail"]


# --- 5e-bits -----------------------------------------------------------------


def test_5e_bits_goblin() -> None:
    block = import_statblock(GOBLIN_5E)
    assert block.name == "Goblin"
    assert (block.size, block.type, block.subtype) == ("small", "humanoid", "goblinoid")
    assert block.alignment == "neutral evil"
    assert (block.ac, block.ac_notes) == (15, "leather armor, shield")
    assert (block.hp, block.hit_dice, hp_roll_expression(block)) == (7, "2d6", "2d6")
    assert block.speed == {"walk": "30 ft."}
    assert block.abilities.model_dump() == {
        "str": 8,
        "dex": 14,
        "con": 10,
        "int": 10,
        "wis": 8,
        "cha": 8,
    }
    assert block.skills == {"stealth": 6}
    assert block.saving_throws == {}
    assert block.senses == {"darkvision": "60 ft.", "passive_perception": 9}
    assert block.languages == "Common, Goblin"
    assert (block.challenge_rating, block.xp, block.proficiency_bonus) == (0.25, 50, 2)
    assert [t.name for t in block.traits] == ["Nimble Escape"]
    assert block.actions[0].desc.startswith("Melee Weapon Attack: +4 to hit")
    assert block.legendary_actions == []
    assert block.legendary_actions_per_round == 0
    assert block.initiative_bonus == 2


def test_5e_bits_dragon() -> None:
    block = import_statblock(DRAGON_5E)
    assert block.saving_throws == {"dex": 4, "con": 6}
    assert block.skills == {"perception": 7, "sleight_of_hand": 4}
    # The qualified entry keeps its qualifier; only "cold" always applies.
    assert block.damage_resistances == ["cold"]
    assert block.damage_resistances_note == (
        "bludgeoning, piercing, and slashing from nonmagical attacks"
    )
    assert [d.model_dump() for d in block.qualified_defences] == [
        {
            "kind": "resistance",
            "types": ["bludgeoning", "piercing", "slashing"],
            "unless": ["magical"],
            "only": [],
            "spell": None,
            "active": True,
            "text": "bludgeoning, piercing, and slashing from nonmagical attacks",
        }
    ]
    assert block.damage_immunities == ["poison"]
    assert block.damage_immunities_note is None
    assert block.condition_immunities == ["poisoned"]
    assert block.speed == {"walk": "40 ft.", "fly": "80 ft.", "swim": "40 ft."}
    assert [a.name for a in block.actions] == ["Poison Breath (Recharge 5-6)", "Rally (1/Day)"]
    assert block.legendary_actions_per_round == 3
    assert block.ac_notes == "natural armor"
    assert hp_roll_expression(block) == "16d10+48"
    assert block.challenge_rating == 8.0


def test_5e_bits_hover_and_alternative_armor() -> None:
    payload = copy.deepcopy(DRAGON_5E)
    payload["speed"] = {"walk": "0 ft.", "fly": "50 ft.", "hover": True}
    payload["armor_class"] = [
        {"type": "dex", "value": 12},
        {"type": "spell", "value": 15, "spell": ref("spells", "mage-armor", "Mage Armor")},
    ]
    block = import_statblock(payload)
    assert block.speed == {"walk": "0 ft.", "fly": "50 ft. (hover)"}
    assert (block.ac, block.ac_notes) == (12, "15 with mage armor")


def test_5e_bits_worn_armor_beats_natural_armor() -> None:
    payload = copy.deepcopy(DRAGON_5E)
    payload["armor_class"] = [
        {"type": "natural", "value": 15},
        {"type": "armor", "value": 17, "armor": [ref("equipment", "shield", "Shield")]},
    ]
    block = import_statblock(payload)
    assert (block.ac, block.ac_notes) == (17, "natural armor, shield")


def test_5e_bits_old_api_bare_armor_class_and_string_conditions() -> None:
    payload = copy.deepcopy(GOBLIN_5E)
    payload["armor_class"] = 15
    payload["condition_immunities"] = ["Poisoned"]
    block = import_statblock(payload)
    assert (block.ac, block.ac_notes) == (15, None)
    assert block.condition_immunities == ["poisoned"]


def test_5e_bits_hit_dice_with_a_bonus_keep_only_the_dice() -> None:
    payload = copy.deepcopy(GOBLIN_5E)
    payload["hit_dice"] = "6d8+6"
    payload["constitution"] = 12
    block = import_statblock(payload)
    assert block.hit_dice == "6d8"
    assert hp_roll_expression(block) == "6d8+6"


@pytest.mark.parametrize(
    ("change", "loc", "kind"),
    [
        (lambda p: p.update(hit_points="lots"), ["hit_points"], "int_type"),
        (lambda p: p.pop("hit_points"), ["hit_points"], "missing"),
        (lambda p: p.update(hit_points=0), ["hit_points"], "greater_than_equal"),
        (lambda p: p.pop("name"), ["name"], "missing"),
        (lambda p: p.update(name=""), ["name"], "string_too_short"),
        (lambda p: p.update(size="colossal"), ["size"], "literal_error"),
        (lambda p: p.update(dexterity=40), ["dexterity"], "less_than_equal"),
        (lambda p: p.pop("wisdom"), ["wisdom"], "missing"),
        (lambda p: p.update(challenge_rating=0.3), ["challenge_rating"], "value_error"),
        (lambda p: p.pop("challenge_rating"), ["challenge_rating"], "missing"),
        (lambda p: p.update(hit_dice="2d7"), ["hit_dice"], "value_error"),
        (lambda p: p.update(armor_class=[]), ["armor_class"], "too_short"),
        (lambda p: p.update(armor_class={"value": 3}), ["armor_class"], "list_type"),
        (lambda p: p["armor_class"][0].pop("value"), ["armor_class", 0, "value"], "missing"),
        (
            lambda p: p["armor_class"][0].update(value=99),
            ["armor_class", 0, "value"],
            "less_than_equal",
        ),
        (lambda p: p.update(special_abilities="x"), ["special_abilities"], "list_type"),
        (
            lambda p: p["special_abilities"][0].pop("name"),
            ["special_abilities", 0, "name"],
            "missing",
        ),
        (
            lambda p: p["special_abilities"][0].update(desc="x" * 20_001),
            ["special_abilities", 0, "desc"],
            "string_too_long",
        ),
        (
            lambda p: p["proficiencies"][0].update(value=99),
            ["proficiencies", 0, "value"],
            "less_than_equal",
        ),
        (lambda p: p.update(speed="30 ft."), ["speed"], "dict_type"),
        (lambda p: p.update(damage_resistances=[7]), ["damage_resistances", 0], "string_type"),
    ],
)
def test_5e_bits_errors_name_the_source_field(change: Any, loc: list[Any], kind: str) -> None:
    payload = copy.deepcopy(GOBLIN_5E)
    change(payload)
    exc = import_error(payload)
    assert exc.value.errors is not None
    assert {"loc": loc, "type": kind} in [
        {"loc": e["loc"], "type": e["type"]} for e in exc.value.errors
    ]


def test_5e_bits_reports_every_error_at_once() -> None:
    payload = copy.deepcopy(GOBLIN_5E)
    payload["hit_points"] = "lots"
    payload.pop("dexterity")
    exc = import_error(payload)
    assert sorted(map(str, locs(exc))) == ["['dexterity']", "['hit_points']"]


# --- Improved Initiative -----------------------------------------------------


def test_ia_goblin() -> None:
    block = import_statblock(GOBLIN_IA)
    assert (block.name, block.size, block.type, block.subtype) == (
        "Goblin",
        "small",
        "humanoid",
        "goblinoid",
    )
    assert block.alignment == "neutral evil"
    assert (block.ac, block.ac_notes, block.hp, block.hit_dice) == (
        15,
        "leather armor, shield",
        7,
        "2d6",
    )
    assert block.speed == {"walk": "30 ft."}
    assert block.abilities.dex == 14
    assert block.initiative_bonus == 2
    assert block.skills == {"stealth": 6}
    assert block.senses == {"darkvision": "60 ft.", "passive_perception": 9}
    assert block.languages == "Common, Goblin"
    assert (block.challenge_rating, block.xp) == (0.25, 50)
    assert [(t.name, t.desc[:10]) for t in block.traits] == [("Nimble Escape", "The goblin")]
    assert block.source == "Basic Rules"
    assert block.description is None


def test_ia_goblin_matches_the_5e_bits_goblin_where_both_say_the_same() -> None:
    a = import_statblock(GOBLIN_IA)
    b = import_statblock(GOBLIN_5E)
    for field in ("name", "size", "type", "subtype", "alignment", "ac", "ac_notes", "hp"):
        assert getattr(a, field) == getattr(b, field), field
    assert (a.hit_dice, a.abilities, a.skills, a.senses) == (
        b.hit_dice,
        b.abilities,
        b.skills,
        b.senses,
    )
    assert (a.challenge_rating, a.xp, a.initiative_bonus) == (
        b.challenge_rating,
        b.xp,
        b.initiative_bonus,
    )


def test_ia_dragon() -> None:
    block = import_statblock(DRAGON_IA)
    assert (block.size, block.type, block.subtype, block.alignment) == (
        "huge",
        "dragon",
        None,
        "chaotic evil",
    )
    assert (block.hp, block.hit_dice, hp_roll_expression(block)) == (195, "17d12", "17d12+85")
    assert block.speed == {"walk": "40 ft.", "fly": "80 ft.", "swim": "40 ft."}
    assert block.saving_throws == {"dex": 7, "con": 10, "wis": 6, "cha": 8}
    assert block.skills == {"perception": 11, "sleight_of_hand": 7}
    assert block.senses == {
        "blindsight": "60 ft.",
        "darkvision": "120 ft.",
        "passive_perception": 21,
    }
    # Dex 14 (+2) plus Improved Initiative's extra InitiativeModifier of 2.
    assert block.initiative_bonus == 4
    assert block.damage_immunities == ["acid"]
    assert block.damage_resistances == []
    assert block.damage_resistances_note is not None
    (defence,) = block.qualified_defences
    assert (defence.kind, defence.types, defence.unless) == (
        "resistance",
        ["bludgeoning", "piercing", "slashing"],
        ["magical"],
    )
    assert block.condition_immunities == ["charmed", "frightened"]
    assert (block.challenge_rating, block.xp) == (14.0, 11500)
    assert [a.name for a in block.actions] == ["Acid Breath (Recharge 5-6)"]
    assert block.legendary_actions_per_round == 3
    assert block.legendary_resistances == 3
    assert block.source == "Monster Manual"


def test_ia_editor_default_block_imports() -> None:
    # Improved Initiative's StatBlock.Default() with only a name filled in.
    payload = {
        "Id": "x",
        "Name": "Thing",
        "Path": "",
        "Source": "",
        "Type": "",
        "HP": {"Value": 1, "Notes": "(1d1+0)"},
        "AC": {"Value": 10, "Notes": ""},
        "InitiativeModifier": 0,
        "InitiativeAdvantage": False,
        "Speed": [],
        "Abilities": {"Str": 10, "Dex": 10, "Con": 10, "Int": 10, "Wis": 10, "Cha": 10},
        "DamageVulnerabilities": [],
        "DamageResistances": [],
        "DamageImmunities": [],
        "ConditionImmunities": [],
        "Saves": [],
        "Skills": [],
        "Senses": [],
        "Languages": [],
        "Challenge": "",
        "Traits": [],
        "Actions": [],
        "Reactions": [],
        "LegendaryActions": [],
        "Description": "",
        "Player": "",
        "Version": "0.0.0",
        "ImageURL": "",
    }
    block = import_statblock(payload)
    assert (block.name, block.type, block.size, block.hp, block.hit_dice) == (
        "Thing",
        "unknown",
        "medium",
        1,
        None,
    )
    assert (block.challenge_rating, block.xp, block.ac_notes) == (0.0, 10, None)
    assert hp_roll_expression(block) == "1"


@pytest.mark.parametrize(
    ("change", "loc", "kind"),
    [
        (lambda p: p["HP"].update(Value="lots"), ["HP", "Value"], "int_type"),
        (lambda p: p["HP"].pop("Value"), ["HP", "Value"], "missing"),
        (lambda p: p["HP"].update(Value=0), ["HP", "Value"], "greater_than_equal"),
        (lambda p: p.pop("HP"), ["HP"], "missing"),
        (lambda p: p.update(HP=7), ["HP"], "dict_type"),
        (lambda p: p["AC"].update(Value=-3), ["AC", "Value"], "greater_than_equal"),
        (lambda p: p["Abilities"].pop("Dex"), ["Abilities", "Dex"], "missing"),
        (lambda p: p["Abilities"].update(Str=99), ["Abilities", "Str"], "less_than_equal"),
        (lambda p: p["Abilities"].update(Con="high"), ["Abilities", "Con"], "int_type"),
        (lambda p: p.update(Challenge="1/3"), ["Challenge"], "value_error"),
        (lambda p: p.update(Challenge="lots"), ["Challenge"], "value_error"),
        (lambda p: p.update(Name=""), ["Name"], "string_too_short"),
        (lambda p: p.pop("Name"), ["Name"], "missing"),
        (lambda p: p["Actions"][0].pop("Name"), ["Actions", 0, "Name"], "missing"),
        (
            lambda p: p["Actions"][0].update(Content="x" * 20_001),
            ["Actions", 0, "Content"],
            "string_too_long",
        ),
        (lambda p: p.update(Actions={"Name": "Bite"}), ["Actions"], "list_type"),
        (
            lambda p: p.update(Saves=[{"Name": "Luck", "Modifier": 2}]),
            ["Saves", 0, "Name"],
            "value_error",
        ),
        (
            lambda p: p.update(Skills=[{"Name": "Stealth", "Modifier": "+x"}]),
            ["Skills", 0, "Modifier"],
            "int_type",
        ),
        (
            lambda p: p.update(Skills=[{"Name": "Stealth", "Modifier": 99}]),
            ["Skills", 0, "Modifier"],
            "less_than_equal",
        ),
        (lambda p: p.update(Senses=[9]), ["Senses", 0], "string_type"),
    ],
)
def test_ia_errors_name_the_source_field(change: Any, loc: list[Any], kind: str) -> None:
    payload = copy.deepcopy(GOBLIN_IA)
    change(payload)
    exc = import_error(payload)
    assert exc.value.errors is not None
    assert {"loc": loc, "type": kind} in [
        {"loc": e["loc"], "type": e["type"]} for e in exc.value.errors
    ]


def test_ia_numbers_as_strings_are_accepted() -> None:
    payload = copy.deepcopy(GOBLIN_IA)
    payload["HP"]["Value"] = "7"
    payload["Skills"] = [{"Name": "Stealth", "Modifier": "+6"}]
    block = import_statblock(payload)
    assert (block.hp, block.skills) == (7, {"stealth": 6})


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        (
            "Small humanoid (goblinoid), neutral evil",
            ("small", "humanoid", "goblinoid", "neutral evil"),
        ),
        ("Huge dragon, chaotic evil", ("huge", "dragon", None, "chaotic evil")),
        (
            "Medium humanoid (any race), any alignment",
            ("medium", "humanoid", "any race", "any alignment"),
        ),
        (
            "Medium swarm of Tiny beasts, unaligned",
            ("medium", "swarm of Tiny beasts", None, "unaligned"),
        ),
        ("Medium humanoid, ", ("medium", "humanoid", None, None)),
        ("construct", (None, "construct", None, None)),
        ("", (None, None, None, None)),
    ],
)
def test_parse_ia_type(text: str, parts: tuple[str | None, ...]) -> None:
    got = parse_ia_type(text)
    assert (got["size"], got["type"], got["subtype"], got["alignment"]) == parts


# --- native ------------------------------------------------------------------


def test_our_own_shape_round_trips() -> None:
    block = import_statblock(DRAGON_5E)
    again = import_statblock(block.model_dump(mode="json"))
    assert again == block


def test_our_own_shape_reports_our_field_names() -> None:
    data = import_statblock(GOBLIN_5E).model_dump(mode="json")
    data["abilities"]["dex"] = 0
    data["colour"] = "green"
    exc = import_error(data)
    assert sorted(map(str, locs(exc))) == ["['abilities', 'dex']", "['colour']"]


# --- damage text -------------------------------------------------------------


@pytest.mark.parametrize(
    ("entries", "types", "note"),
    [
        (["fire"], ["fire"], None),
        (["Fire", "cold"], ["fire", "cold"], None),
        (["acid, cold, and fire"], ["acid", "cold", "fire"], None),
        (
            ["bludgeoning, piercing, and slashing from nonmagical attacks"],
            ["bludgeoning", "piercing", "slashing"],
            "bludgeoning, piercing, and slashing from nonmagical attacks",
        ),
        (
            ["cold", "piercing from magic weapons wielded by good creatures"],
            ["cold", "piercing"],
            "piercing from magic weapons wielded by good creatures",
        ),
        (["damage from spells"], [], "damage from spells"),
        ([" ", ""], [], None),
    ],
)
def test_split_damage_text(entries: list[str], types: list[str], note: str | None) -> None:
    assert split_damage_text(entries) == (types, note)


def test_importers_return_our_model() -> None:
    assert isinstance(import_statblock(GOBLIN_IA), StatBlockIn)
