"""The shipped SRD 5.1 monster library: complete, valid, and right where it matters."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app.encounters.difficulty import xp_for_cr
from app.statblocks.schemas import (
    DAMAGE_TYPES,
    StatBlockData,
    StatBlockIn,
    ability_modifier,
    cr_label,
    hp_roll_expression,
)
from app.statblocks.srd import load_srd_monsters, srd_attribution

BACKEND = Path(__file__).resolve().parents[2]
DATA = BACKEND / "app" / "statblocks" / "data"
SOURCE = BACKEND.parent / ".." / "shared" / "data" / "srd" / "dnd5e-2014-en-v5.10.0.sqlite3"
AVERAGE_DIE = {4: 2.5, 6: 3.5, 8: 4.5, 10: 5.5, 12: 6.5, 20: 10.5}


@pytest.fixture(scope="module")
def monsters() -> list[dict[str, Any]]:
    return load_srd_monsters()


@pytest.fixture(scope="module")
def by_name(monsters: list[dict[str, Any]]) -> dict[str, StatBlockData]:
    return {m["name"]: StatBlockData.model_validate(m) for m in monsters}


def test_all_334_monsters_unique_and_sorted(monsters: list[dict[str, Any]]) -> None:
    assert len(monsters) == 334
    names = [m["name"] for m in monsters]
    assert names == sorted(names)
    assert len(set(names)) == 334
    assert len({m["slug"] for m in monsters}) == 334


def test_every_monster_is_a_valid_user_stat_block(monsters: list[dict[str, Any]]) -> None:
    # Valid as strict user input (extra="forbid"), and reading it changes nothing.
    for monster in monsters:
        fields = {k: v for k, v in monster.items() if k != "slug"}
        block = StatBlockIn.model_validate(fields)
        assert block.model_dump(mode="json") == fields, monster["name"]


def test_the_rules_hold_for_every_monster(by_name: dict[str, StatBlockData]) -> None:
    for name, block in by_name.items():
        assert block.hit_dice is not None, name
        count, die = map(int, block.hit_dice.split("d"))
        con_bonus = ability_modifier(block.abilities.con) * count
        # The printed HP is the average of the hit dice plus Con, rounded down.
        assert block.hp == int(count * AVERAGE_DIE[die]) + con_bonus, name
        assert block.initiative_bonus == ability_modifier(block.abilities.dex), name
        if block.xp != xp_for_cr(block.challenge_rating):
            # CR 0 creatures with no attacks are worth 0 XP in the SRD.
            assert (block.challenge_rating, block.xp) == (0, 0), name
        assert block.legendary_actions_per_round == (3 if block.legendary_actions else 0), name
        for field in ("damage_resistances", "damage_immunities", "damage_vulnerabilities"):
            assert set(getattr(block, field)) <= set(DAMAGE_TYPES), name
        assert block.source == "SRD 5.1"
        assert block.slug and re.fullmatch(r"[a-z0-9-]+", block.slug), name


def test_goblin(by_name: dict[str, StatBlockData]) -> None:
    goblin = by_name["Goblin"]
    assert goblin.slug == "goblin"
    assert (goblin.size, goblin.type, goblin.subtype) == ("small", "humanoid", "goblinoid")
    assert (goblin.ac, goblin.ac_notes) == (15, "leather armor, shield")
    assert (goblin.hp, goblin.hit_dice, hp_roll_expression(goblin)) == (7, "2d6", "2d6")
    assert goblin.challenge_rating == 0.25
    assert cr_label(goblin.challenge_rating) == goblin.challenge_rating_label == "1/4"
    assert goblin.xp == 50
    assert goblin.abilities.dex == 14
    assert goblin.initiative_bonus == 2
    assert goblin.skills == {"stealth": 6}
    assert goblin.senses["passive_perception"] == 9
    assert [t.name for t in goblin.traits] == ["Nimble Escape"]
    assert [a.name for a in goblin.actions] == ["Scimitar", "Shortbow"]


def test_adult_red_dragon(by_name: dict[str, StatBlockData]) -> None:
    dragon = by_name["Adult Red Dragon"]
    assert (dragon.size, dragon.type, dragon.ac, dragon.hp) == ("huge", "dragon", 19, 256)
    assert dragon.hp_roll == "19d12+133"
    assert (dragon.challenge_rating, dragon.xp) == (17, 18000)
    assert dragon.legendary_actions_per_round == 3
    assert dragon.legendary_resistances == 3
    assert [a.name for a in dragon.legendary_actions] == [
        "Detect",
        "Tail Attack",
        "Wing Attack (Costs 2 Actions)",
    ]
    assert dragon.damage_immunities == ["fire"]
    assert dragon.saving_throws == {"dex": 6, "con": 13, "wis": 7, "cha": 11}
    assert dragon.speed == {"walk": "40 ft.", "climb": "40 ft.", "fly": "80 ft."}
    assert "Fire Breath (Recharge 5-6)" in [a.name for a in dragon.actions]


def test_resistances_and_their_notes(by_name: dict[str, StatBlockData]) -> None:
    devil = by_name["Barbed Devil"]
    assert devil.damage_resistances == ["cold"]
    (silvered,) = devil.qualified_defences
    assert (silvered.kind, silvered.types, silvered.unless) == (
        "resistance",
        ["bludgeoning", "piercing", "slashing"],
        ["magical", "silvered"],
    )
    assert devil.damage_resistances_note == (
        "bludgeoning, piercing, and slashing from nonmagical weapons that aren't silvered"
    )
    assert devil.damage_immunities == ["fire", "poison"]
    assert devil.condition_immunities == ["poisoned"]

    skeleton = by_name["Skeleton"]
    assert skeleton.damage_vulnerabilities == ["bludgeoning"]
    assert skeleton.damage_immunities == ["poison"]
    assert skeleton.condition_immunities == ["poisoned", "exhaustion"]

    assert by_name["Fire Elemental"].damage_immunities == ["fire", "poison"]
    resistant = [b for b in by_name.values() if b.damage_resistances]
    assert len(resistant) > 50


def test_armor_class_details(by_name: dict[str, StatBlockData]) -> None:
    assert (by_name["Azer"].ac, by_name["Azer"].ac_notes) == (17, "natural armor, shield")
    assert (by_name["Archmage"].ac, by_name["Archmage"].ac_notes) == (12, "15 with mage armor")
    assert by_name["Ankheg"].ac_notes == "natural armor, 11 while prone"
    assert by_name["Air Elemental"].speed == {"fly": "90 ft. (hover)"}


def test_corrected_errata(by_name: dict[str, StatBlockData]) -> None:
    fanatic = by_name["Cult Fanatic"]
    assert (fanatic.hp, fanatic.hit_dice, fanatic.hp_roll) == (33, "6d8", "6d8+6")


def test_zero_xp_creatures_keep_the_srd_value(by_name: dict[str, StatBlockData]) -> None:
    assert by_name["Frog"].xp == 0
    assert by_name["Rat"].xp == 10


def test_attribution_ships_with_the_data() -> None:
    attribution = srd_attribution()
    assert attribution.startswith("This work includes material taken from the System Reference")
    assert "Creative Commons Attribution 4.0" in attribution
    text = (DATA / "ATTRIBUTION.md").read_text(encoding="utf-8")
    assert attribution in " ".join(text.split())


def test_the_data_is_read_from_the_package() -> None:
    from app.statblocks import srd

    source = Path(srd.__file__).read_text(encoding="utf-8")
    assert "shared" not in source
    document = json.loads((DATA / "srd_monsters.json").read_text(encoding="utf-8"))
    assert document["license"] == "CC-BY-4.0"
    assert document["count"] == 334


@pytest.mark.skipif(not SOURCE.exists(), reason="the SRD source is not on this machine")
def test_the_shipped_json_is_what_the_script_derives(tmp_path: Path) -> None:
    out = tmp_path / "srd.json"
    subprocess.run(
        [
            sys.executable,
            str(BACKEND / "scripts" / "derive_srd.py"),
            str(SOURCE),
            "--output",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    assert out.read_bytes() == (DATA / "srd_monsters.json").read_bytes()
