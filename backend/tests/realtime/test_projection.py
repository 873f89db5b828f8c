"""The player view as a pure function of the state."""

from __future__ import annotations

from typing import Any

import pytest

from app.encounters.projection import player_view
from app.encounters.state import (
    Combatant,
    Condition,
    Duration,
    EncounterSettings,
    EncounterState,
    PlayerView,
    Save,
    SideView,
)

SECRET_KEYS = {
    "ac", "notes", "statblock_id", "character_id", "resistances", "vulnerabilities",
    "immunities", "initiative_bonus", "dexterity", "tiebreak", "rank", "damage_dealt",
    "damage_taken", "legendary_actions", "legendary_resistances", "group", "xp", "cr",
    "hidden", "settings", "summary", "turn_history", "source", "save", "campaign_id",
    "qualified_defences", "condition_immunities", "concentration_of", "max_hp_unreduced",
}  # fmt: skip


def keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | set().union(*(keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(keys(v) for v in value)) if value else set()
    return set()


def fight(*combatants: Combatant, turn: str | None, round_: int = 1, **kw: Any) -> EncounterState:
    return EncounterState(
        id="e",
        status="active",
        round=round_,
        turn=turn,
        order=[c.id for c in combatants if c.status != "delayed"],
        combatants=list(combatants),
        **kw,
    )


def mob(cid: str, **kw: Any) -> Combatant:
    values: dict[str, Any] = {"max_hp": 20, "hp": 20, "ac": 15, "notes": "weak to fire", **kw}
    return Combatant(id=cid, name=cid.title(), **values)


@pytest.mark.parametrize(
    ("turn", "round_", "public"),
    [
        ("a", 2, ("a", 2)),
        ("h1", 1, (None, 1)),  # a hidden creature opens round 1: nobody visible acted yet
        ("h1", 2, ("c", 1)),  # ...and in round 2 the marker stays on last round's tail
        ("h2", 2, ("a", 2)),  # the last visible one before it
        ("b", 3, ("b", 3)),
    ],
)
def test_the_turn_marker_skips_hidden_turns(
    turn: str, round_: int, public: tuple[str | None, int]
) -> None:
    state = fight(
        mob("h1", hidden=True), mob("a"), mob("h2", hidden=True), mob("b"), mob("c"),
        turn=turn, round_=round_,
    )  # fmt: skip
    view = player_view(state, 0)
    assert (view["turn"], view["round"]) == public
    assert view["order"] == ["a", "b", "c"]
    assert [c["id"] for c in view["combatants"]] == ["a", "b", "c"]


def test_a_group_led_by_a_hidden_member_shows_its_visible_member() -> None:
    state = fight(
        mob("lead", hidden=True, group="coven"), mob("follower", group="coven"), mob("x"),
        turn="lead",
    )  # fmt: skip
    view = player_view(state, 0)
    assert view["turn"] == "follower"
    assert "coven" not in str(view) and "lead" not in str(view)


def test_monsters_show_alias_and_status_only() -> None:
    state = fight(
        mob("orc", alias="Brute", hp=10, conditions=[Condition(name="prone")]),
        mob("ogre", hp=11),
        mob("imp", hp=0, status="down"),
        Combatant(id="pc", name="Aria", kind="character", max_hp=24, hp=0, status="unconscious"),
        Combatant(id="lair", name="Lair", kind="lair", initiative=20),
        turn="orc",
    )
    view = player_view(state, 0)
    by_id = {c["id"]: c for c in view["combatants"]}
    assert by_id["orc"] == {
        "id": "orc", "name": "Brute", "kind": "monster", "side": "enemies", "delayed": False,
        "status": "bloodied", "conditions": [{"name": "prone"}],
    }  # fmt: skip
    assert by_id["ogre"]["status"] == "healthy"
    assert by_id["imp"]["status"] == "down"
    assert by_id["pc"]["status"] == "unconscious" and by_id["pc"]["hp"] == 0
    assert "status" not in by_id["lair"] and "hp" not in by_id["lair"]
    assert not keys(view) & SECRET_KEYS
    assert "Orc" not in str(view)


def test_each_side_shows_what_the_dm_chose() -> None:
    settings = EncounterSettings(
        player_view=PlayerView(
            enemies=SideView(show_hp="exact"),
            allies=SideView(show_hp="none", show_conditions=False),
            players=SideView(show_hp="status"),
        )
    )
    state = fight(
        mob("orc", hp=5),
        mob("guard", kind="npc", conditions=[Condition(name="prone")]),
        Combatant(id="pc", name="Aria", kind="character", max_hp=24, hp=20),
        turn="orc",
        settings=settings,
    )
    by_id = {c["id"]: c for c in player_view(state, 0)["combatants"]}
    assert (by_id["orc"]["hp"], by_id["orc"]["max_hp"], by_id["orc"]["status"]) == (
        5,
        20,
        "bloodied",
    )
    assert "ac" not in by_id["orc"] and "notes" not in by_id["orc"]
    assert {"hp", "status", "conditions"}.isdisjoint(by_id["guard"])
    assert by_id["pc"]["status"] == "healthy" and "hp" not in by_id["pc"]


@pytest.mark.parametrize(
    ("kind", "side", "shown_as", "shows_hp"),
    [
        ("character", "party", "players", True),
        ("npc", "party", "allies", False),
        ("monster", "party", "allies", False),  # an allied monster is shown as an ally
        ("npc", "enemies", "enemies", True),  # a hostile npc is shown as an enemy
        ("monster", "enemies", "enemies", True),
        ("monster", "neutral", "neutral", True),  # under the enemies' setting
        ("character", "enemies", "enemies", True),  # a charmed PC turned on the party
    ],
)
def test_the_player_views_sides_follow_the_combatants_side(
    kind: str, side: str, shown_as: str, shows_hp: bool
) -> None:
    settings = EncounterSettings(
        player_view=PlayerView(
            enemies=SideView(show_hp="exact"),
            allies=SideView(show_hp="none"),
            players=SideView(show_hp="exact"),
        )
    )
    creature = mob("x", kind=kind, side=side)
    (shown,) = player_view(fight(creature, turn="x", settings=settings), 0)["combatants"]
    assert shown["side"] == shown_as
    assert ("hp" in shown) is shows_hp


def test_conditions_tied_to_a_hidden_creature_lose_their_duration() -> None:
    frightened = Condition(
        name="frightened",
        duration=Duration(rounds=2, ends="end", of="lurker"),
        save=Save(ability="wis", dc=15),
        source="the Lurker's gaze",
    )
    prone = Condition(name="prone", duration=Duration(rounds=1, ends="start", of="pc"))
    state = fight(
        mob("lurker", hidden=True),
        Combatant(id="pc", name="Aria", kind="character", conditions=[frightened, prone]),
        turn="pc",
    )
    view = player_view(state, 0)
    assert view["combatants"][0]["conditions"] == [
        {"name": "frightened"},
        {"name": "prone", "duration": {"rounds": 1, "ends": "start", "of": "pc"}},
    ]
    assert "lurker" not in str(view).lower() and "15" not in str(view)
