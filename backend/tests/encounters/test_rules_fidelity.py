"""Rules fidelity (issue 11): each table names the rule it encodes, SRD 5.1 section or
2024 Rules Glossary entry, and every row was a wrong or missing answer before."""

from __future__ import annotations

from typing import Any

import pytest

from app.encounters.state import Combatant, EncounterState, QualifiedDefence
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


def hit(target: str, amount: int, damage_type: str | None = None, **flags: Any) -> dict[str, Any]:
    action: dict[str, Any] = {"type": "damage", "targets": [target], "amount": amount, **flags}
    if damage_type:
        action["damage_type"] = damage_type
    return action


def condition(targets: list[str], name: str, **extra: Any) -> dict[str, Any]:
    return {"type": "add_condition", "targets": targets, "condition": name, **extra}


def nonmagical(kind: str = "resistance", *unless: str, **extra: Any) -> QualifiedDefence:
    return QualifiedDefence(
        kind=kind,  # type: ignore[arg-type]
        types=["bludgeoning", "piercing", "slashing"],
        unless=["magical", *unless],  # type: ignore[list-item]
        text="bludgeoning, piercing, and slashing from nonmagical attacks",
        **extra,
    )


# --- 1. qualified defences: SRD 5.1 "Damage Resistance and Vulnerability" and the stat
# blocks' "from nonmagical attacks", "that aren't silvered", "that aren't adamantine",
# "damage from spells", "(from stoneskin)" ----------------------------------------------

SPELLS = QualifiedDefence(kind="resistance", only=["spell"], text="damage from spells")
STONESKIN = nonmagical(spell="stoneskin", active=False)


@pytest.mark.parametrize(
    ("defences", "damage_type", "flags", "hp_after"),
    [
        # Iron Golem: immune to nonmagical weapons that aren't adamantine.
        ([nonmagical("immunity", "adamantine")], "slashing", {}, 40),
        ([nonmagical("immunity", "adamantine")], "slashing", {"magical": True}, 20),  # +1 sword
        ([nonmagical("immunity", "adamantine")], "slashing", {"adamantine": True}, 20),
        ([nonmagical("immunity", "adamantine")], "slashing", {"silvered": True}, 40),
        ([nonmagical("immunity", "adamantine")], "fire", {}, 20),  # not a weapon type
        # Barbed Devil: resists nonmagical weapons that aren't silvered.
        ([nonmagical("resistance", "silvered")], "piercing", {}, 30),
        ([nonmagical("resistance", "silvered")], "piercing", {"silvered": True}, 20),
        ([nonmagical("resistance", "silvered")], "piercing", {"magical": True}, 20),
        # Plain "from nonmagical attacks".
        ([nonmagical()], "bludgeoning", {}, 30),
        ([nonmagical()], "bludgeoning", {"magical": True}, 20),
        ([nonmagical()], None, {}, 20),  # untyped damage ignores typed defences
        # Archmage: damage from spells (any type) ...
        ([SPELLS], "fire", {"spell": True}, 30),
        ([SPELLS], "fire", {}, 20),
        ([SPELLS], None, {"spell": True}, 30),
        # ... and stoneskin, not applied until the DM says the spell is up.
        ([STONESKIN], "slashing", {}, 20),
        ([STONESKIN.model_copy(update={"active": True})], "slashing", {}, 30),
        # Resistance from two sources still halves once.
        ([nonmagical(), SPELLS], "slashing", {"spell": True}, 30),
        # Rakshasa: vulnerable to magic piercing once the DM says its wielder is good.
        (
            [
                QualifiedDefence(
                    kind="vulnerability", types=["piercing"], only=["magical"], active=True
                )
            ],
            "piercing",
            {"magical": True},
            0,
        ),
    ],
)
def test_qualified_defences_hold_only_when_their_qualifier_does(
    defences: list[QualifiedDefence],
    damage_type: str | None,
    flags: dict[str, bool],
    hp_after: int,
) -> None:
    state = encounter(combatant("t", max_hp=40, qualified_defences=defences))
    state, event = act(state, hit("t", 20, damage_type, **flags))
    assert state.combatant("t").hp == hp_after
    assert event.data["flags"] == sorted(
        {*(k for k, v in flags.items() if v), *(["magical"] if flags.get("spell") else [])}
    )


def test_an_inactive_defence_is_a_reminder_not_a_rule() -> None:
    state = encounter(combatant("mage", name="Archmage", max_hp=99, qualified_defences=[STONESKIN]))
    state, event = act(state, hit("mage", 10, "slashing"))
    assert state.combatant("mage").hp == 89
    assert any("stoneskin" in line and "off" in line for line in event.reminders)
    # The DM says stoneskin is up: the combatant's list comes back with it on.
    on = STONESKIN.model_copy(update={"active": True}).model_dump(mode="json")
    state = do(
        state,
        {"type": "update_combatant", "combatant_id": "mage", "qualified_defences": [on]},
        hit("mage", 10, "slashing"),
    )
    assert state.combatant("mage").hp == 84


# --- 10. Petrified (SRD 5.1 Appendix PH-A): resistance to all damage; a stat block's
# condition immunities are enforced ------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "damage_type", "hp_after"),
    [
        ({}, "fire", 10),
        ({}, None, 10),
        ({"resistances": ["fire"]}, "fire", 10),  # resistance does not stack
        ({"vulnerabilities": ["bludgeoning"]}, "bludgeoning", 0),  # halved, then doubled
    ],
)
def test_petrified_resists_all_damage(
    fields: dict[str, Any], damage_type: str | None, hp_after: int
) -> None:
    state = encounter(combatant("t", max_hp=20, **fields))
    state = do(state, condition(["t"], "petrified"), hit("t", 20, damage_type))
    assert state.combatant("t").hp == hp_after


@pytest.mark.parametrize(
    ("immunities", "name", "refused"),
    [
        (["poisoned", "exhaustion"], "poisoned", True),
        (["poisoned", "exhaustion"], "Exhaustion", True),
        (["poisoned"], "frightened", False),
        (["charmed"], "Charmed", True),
    ],
)
def test_condition_immunities_are_enforced(immunities: list[str], name: str, refused: bool) -> None:
    state = encounter(combatant("golem", name="Golem", condition_immunities=immunities), pc("aria"))
    action = condition(["aria", "golem"], name)
    if refused:
        with pytest.raises(RuleViolation, match="Golem is immune to the"):
            act(state, action)
    else:
        state, _ = act(state, action)
        assert state.combatant("golem").has_condition(name)


# --- 2. a duration that starts on its tracker's own turn (Improved Initiative's grace) ---


@pytest.mark.parametrize(
    ("added_on", "ends", "turns", "still_stunned"),
    [
        # "Stunned until the end of the monk's next turn", added on the monk's turn.
        ("monk", "end", 1, True),  # the monk's current turn ends: not that one
        ("monk", "end", 2, True),  # the target's turn
        ("monk", "end", 3, False),  # the monk's next turn ends
        # Added on the target's turn: the monk's turn ends next, and that one counts.
        ("ogre", "end", 1, True),
        ("ogre", "end", 2, False),
        # "Until the start of the monk's next turn" never needed the grace.
        ("monk", "start", 1, True),
        ("monk", "start", 2, False),
    ],
)
def test_a_duration_started_on_its_own_turn_counts_from_the_next(
    added_on: str, ends: str, turns: int, still_stunned: bool
) -> None:
    state = started(pc("monk", initiative=15), combatant("ogre", initiative=10))
    if added_on == "ogre":
        state = do(state, NEXT)
    state = do(
        state, condition(["ogre"], "stunned", duration={"rounds": 1, "ends": ends, "of": "monk"})
    )
    for _ in range(turns):
        state, _ = act(state, NEXT)
    assert state.combatant("ogre").has_condition("stunned") is still_stunned


def test_previous_turn_restores_the_grace() -> None:
    state = started(pc("monk", initiative=15), combatant("ogre", initiative=10))
    state = do(
        state,
        condition(["ogre"], "stunned", duration={"rounds": 1, "ends": "end", "of": "monk"}),
    )
    assert state.combatant("ogre").conditions[0].duration.grace  # type: ignore[union-attr]
    after, _ = act(state, NEXT)
    back, _ = act(after, PREV)
    assert back.combatant("ogre").conditions == state.combatant("ogre").conditions


# --- 3. exhaustion (SRD 5.1 Appendix PH-A "Exhaustion"; 2024 glossary "Exhaustion") ---


@pytest.mark.parametrize(
    ("steps", "level"),
    [
        ([{}], 1),
        ([{}, {}], 2),
        ([{"level": 3}, {}], 4),  # level 3, then "add exhaustion": 4, not 1
        ([{"level": 3}, {"level": 2}], 2),  # a level given sets it
        ([{"level": 3}, "rest"], 2),  # a long rest lowers it by one
        ([{}, "rest"], 0),
        ([{"level": 5}, {}], 6),
    ],
)
@pytest.mark.parametrize("ruleset", ["2014", "2024"])
def test_exhaustion_stacks_a_level_at_a_time(steps: list[Any], level: int, ruleset: str) -> None:
    state = encounter(pc("aria", max_hp=20), ruleset=ruleset)
    for step in steps:
        if step == "rest":
            action = {"type": "remove_condition", "targets": ["aria"], "condition": "exhaustion"}
        else:
            action = condition(["aria"], "exhaustion", **step)
        state, _ = act(state, action)
    aria = state.combatant("aria")
    assert aria.exhaustion == level
    # Level 6 is death in both rulesets.
    assert (aria.status == "dead") is (level == 6)


# --- 11. 2014 exhaustion level 4 halves the hit point maximum; 2024's -2 per level shows
# on every d20 test prompted ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("ruleset", "level", "max_hp", "hp"),
    [
        ("2014", 3, 21, 21),
        ("2014", 4, 10, 10),  # halved, rounded down; HP capped to it
        ("2014", 6, 10, 10),
        ("2024", 4, 21, 21),  # 2024 exhaustion leaves hit points alone
    ],
)
def test_2014_exhaustion_level_4_halves_the_maximum(
    ruleset: str, level: int, max_hp: int, hp: int
) -> None:
    state = encounter(pc("aria", max_hp=21), ruleset=ruleset)
    state = do(state, condition(["aria"], "exhaustion", level=level))
    aria = state.combatant("aria")
    assert (aria.max_hp, aria.hp) == (max_hp, hp)


def test_the_maximum_comes_back_when_exhaustion_drops_below_4() -> None:
    rest = {"type": "remove_condition", "targets": ["aria"], "condition": "exhaustion"}
    state = encounter(pc("aria", max_hp=21))
    state = do(
        state,
        condition(["aria"], "exhaustion", level=4),
        {"type": "heal", "targets": ["aria"], "amount": 50},
    )
    assert (state.combatant("aria").max_hp, state.combatant("aria").hp) == (10, 10)
    state = do(state, rest)
    aria = state.combatant("aria")
    assert (aria.max_hp, aria.hp, aria.max_hp_unreduced) == (21, 10, None)


def test_a_new_maximum_while_halved_is_halved_too() -> None:
    rest = {"type": "remove_condition", "targets": ["aria"], "condition": "exhaustion"}
    state = encounter(pc("aria", max_hp=21))
    state = do(
        state,
        condition(["aria"], "exhaustion", level=4),
        {"type": "update_combatant", "combatant_id": "aria", "max_hp": 30},
    )
    assert (state.combatant("aria").max_hp, state.combatant("aria").max_hp_unreduced) == (15, 30)
    assert do(state, rest).combatant("aria").max_hp == 30


@pytest.mark.parametrize(
    ("ruleset", "level", "note"),
    [
        ("2024", 2, "; -4 from exhaustion"),
        ("2024", 1, "; -2 from exhaustion"),
        ("2014", 3, "; disadvantage from exhaustion"),  # level 3: disadvantage on saves
        ("2014", 2, ""),
    ],
)
def test_exhaustion_shows_on_concentration_and_death_saves(
    ruleset: str, level: int, note: str
) -> None:
    state = started(
        pc("aria", max_hp=40, initiative=15, concentration="Bless"),
        pc("bram", max_hp=10, hp=0, status="unconscious", initiative=10),
        ruleset=ruleset,
    )
    state = do(state, condition(["aria", "bram"], "exhaustion", level=level))
    _, event = act(state, hit("aria", 4))
    assert f"Aria: concentration check, Con save DC 10 (Bless){note}." in event.reminders
    _, event = act(state, NEXT)
    assert f"Bram: death saving throw{note}." in event.reminders


@pytest.mark.parametrize(
    ("ruleset", "level", "note"),
    [("2024", 3, "; -6 from exhaustion"), ("2014", 3, "; disadvantage from exhaustion")],
)
def test_exhaustion_shows_on_save_ends_reminders(ruleset: str, level: int, note: str) -> None:
    state = started(pc("aria", initiative=15), combatant("gob", initiative=10), ruleset=ruleset)
    state = do(
        state,
        condition(["aria"], "exhaustion", level=level),
        condition(["aria"], "frightened", save={"ability": "wis", "dc": 13}),
    )
    _, event = act(state, NEXT)
    assert f"Aria: DC 13 Wisdom save to end frightened{note}." in event.reminders


# --- 4. sides: the XP award counts enemies only (DMG "Experience Points") --------------


@pytest.mark.parametrize(
    ("kind", "side", "counted"),
    [
        ("monster", None, True),  # monsters default to enemies
        ("npc", None, False),  # npcs default to the party's side
        ("monster", "party", False),  # a charmed or allied monster
        ("monster", "neutral", False),
        ("npc", "enemies", True),
    ],
)
def test_xp_counts_enemies_only(kind: str, side: str | None, counted: bool) -> None:
    fields: dict[str, Any] = {"kind": kind, "xp": 1800, "initiative": 5, "max_hp": 1}
    if side:
        fields["side"] = side
    state = started(
        pc("aria", initiative=10),
        combatant("gob", xp=50, initiative=1, max_hp=1),
        combatant("x", **fields),
    )
    state = do(state, hit("gob", 5), hit("x", 5), {"type": "end_combat"})
    assert state.summary is not None
    assert state.summary["xp_total"] == (1850 if counted else 50)


@pytest.mark.parametrize(
    ("monster_death_saves", "result", "counted"),
    [(True, None, True), (True, "success", True), (False, None, True)],
)
def test_a_monster_making_death_saves_is_defeated_too(
    monster_death_saves: bool, result: str | None, counted: bool
) -> None:
    state = started(
        pc("aria", initiative=10),
        combatant("gob", xp=50, initiative=1, max_hp=5),
        settings={"monster_death_saves": monster_death_saves},
    )
    state = do(state, hit("gob", 5))
    if result:
        state = do(state, {"type": "death_save", "combatant_id": "gob", "result": result})
    state = do(state, {"type": "end_combat"})
    assert state.summary is not None and state.summary["xp_total"] == (50 if counted else 0)


@pytest.mark.parametrize(
    ("kind", "side"),
    [("character", "party"), ("npc", "party"), ("monster", "enemies"), ("lair", "enemies")],
)
def test_sides_default_by_kind(kind: str, side: str) -> None:
    assert Combatant(id="x", name="X", kind=kind).side == side  # type: ignore[arg-type]


# --- 5. 0 HP is the Unconscious condition (SRD 5.1 "Dropping to 0 Hit Points",
# Appendix PH-A "Unconscious": incapacitated, prone) ---------------------------------------


@pytest.mark.parametrize("kind", ["character", "monster"])
def test_dropping_to_zero_applies_unconscious_and_prone(kind: str) -> None:
    state = started(
        combatant("t", kind=kind, max_hp=10, initiative=5, concentration="Bless"),
        combatant("other", initiative=10),
    )
    state = do(state, hit("t", 10))
    target = state.combatant("t")
    assert [(c.name, c.source) for c in target.conditions] == [
        ("unconscious", "0 HP"),
        ("prone", "0 HP"),
    ]
    assert target.incapacitated and target.concentration is None
    for refused in (
        {"type": "set_concentration", "combatant_id": "t", "spell": "Bless"},
        {"type": "use_reaction", "combatant_id": "t"},
    ):
        with pytest.raises(RuleViolation):
            act(state, refused)
    # Healing ends the Unconscious that 0 HP brought, not the Prone.
    state, _ = act(state, {"type": "heal", "targets": ["t"], "amount": 3})
    assert [c.name for c in state.combatant("t").conditions] == ["prone"]


@pytest.mark.parametrize("status", ["unconscious", "stable", "down", "dead"])
def test_no_concentration_at_zero_even_without_the_condition(status: str) -> None:
    # States stored before 0 HP applied Unconscious carry only the status.
    state = encounter(pc("aria", max_hp=10, hp=0, status=status))
    with pytest.raises(RuleViolation, match="cannot concentrate"):
        act(state, {"type": "set_concentration", "combatant_id": "aria", "spell": "Bless"})


def test_healing_keeps_an_unconscious_from_elsewhere() -> None:
    state = encounter(pc("aria", max_hp=10))
    state = do(state, condition(["aria"], "unconscious", source="Sleep"), hit("aria", 10))
    state = do(state, {"type": "heal", "targets": ["aria"], "amount": 5})
    assert [(c.name, c.source) for c in state.combatant("aria").conditions] == [
        ("unconscious", "Sleep"),
        ("prone", "0 HP"),
    ]


@pytest.mark.parametrize("name", ["stunned", "paralyzed", "unconscious", "incapacitated"])
def test_an_incapacitated_monster_takes_no_legendary_actions_or_reactions(name: str) -> None:
    state = started(
        pc("aria", initiative=20),
        combatant("dragon", initiative=5, legendary_actions={"max": 3, "remaining": 3}),
    )
    state = do(state, condition(["dragon"], name))
    for action in ("use_legendary_action", "use_reaction"):
        with pytest.raises(RuleViolation, match="incapacitated"):
            act(state, {"type": action, "combatant_id": "dragon"})


# --- 6. legendary actions only at the end of another creature's turn (SRD 5.1
# "Legendary Creatures") -------------------------------------------------------------------


@pytest.mark.parametrize(("turns", "allowed"), [(0, True), (1, False), (2, True)])
def test_no_legendary_action_on_its_own_turn(turns: int, allowed: bool) -> None:
    state = started(
        pc("aria", initiative=20),
        combatant("dragon", initiative=10, legendary_actions={"max": 3, "remaining": 3}),
    )
    for _ in range(turns):
        state, _ = act(state, NEXT)
    action = {"type": "use_legendary_action", "combatant_id": "dragon"}
    if allowed:
        state, _ = act(state, action)
    else:
        with pytest.raises(RuleViolation, match="another creature's turn"):
            act(state, action)


# --- 7. a duration tied to a removed combatant ends when its turn would have come ----


@pytest.mark.parametrize(
    ("removed_on_turn", "turns", "still_there"),
    [
        # Removed on the ogre's turn, with one round left: the monk's slot comes next
        # round after Aria, so the start of the ogre's turn ends it.
        (False, 0, True),
        (False, 1, True),  # Aria's turn, round 2
        (False, 2, False),  # the monk's slot has passed: the ogre's turn starts
        # Removed on its own turn (round 1): that turn ends now, one round left.
        (True, 0, True),
        (True, 1, True),
        (True, 2, False),
    ],
)
def test_a_duration_tied_to_a_removed_combatant_ends(
    removed_on_turn: bool, turns: int, still_there: bool
) -> None:
    state = started(
        pc("aria", initiative=20),
        combatant("monk", initiative=15),
        combatant("ogre", initiative=10),
    )
    state = do(
        state,
        condition(["ogre"], "stunned", duration={"rounds": 2, "ends": "end", "of": "monk"}),
        NEXT,
    )
    if not removed_on_turn:
        state = do(state, NEXT)  # the monk's turn ends (one round left); the ogre's turn
    state = do(state, {"type": "remove_combatant", "combatant_id": "monk"})
    stunned = state.combatant("ogre").condition("stunned")
    assert stunned is not None and stunned.duration is not None
    assert (stunned.duration.rounds, stunned.duration.of) == (1, "ogre")
    for _ in range(turns):
        state, _ = act(state, NEXT)
    assert state.combatant("ogre").has_condition("stunned") is still_there


# --- 8. initiative is a Dexterity check: conditions count (SRD 5.1 "Poisoned",
# "Exhaustion"; 2024 glossary "Poisoned", "Exhaustion", "Initiative") ------------------


@pytest.mark.parametrize(
    ("ruleset", "conditions", "expression"),
    [
        ("2014", [], "1d20+2"),
        ("2014", [{"condition": "poisoned"}], "2d20kl1+2"),
        ("2014", [{"condition": "exhaustion", "level": 1}], "2d20kl1+2"),
        (
            "2014",
            [{"condition": "exhaustion", "level": 1}, {"condition": "invisible"}],
            "2d20kl1+2",
        ),
        ("2024", [{"condition": "poisoned"}], "2d20kl1+2"),
        ("2024", [{"condition": "exhaustion", "level": 2}], "1d20+2-4"),
        ("2024", [{"condition": "poisoned"}, {"condition": "invisible"}], "1d20+2"),
        (
            "2024",
            [{"condition": "exhaustion", "level": 1}, {"condition": "poisoned"}],
            "2d20kl1+2-2",
        ),
    ],
)
def test_initiative_counts_conditions(
    ruleset: str, conditions: list[dict[str, Any]], expression: str
) -> None:
    state = encounter(pc("aria", initiative_bonus=2), ruleset=ruleset)
    for extra in conditions:
        state, _ = act(state, {"type": "add_condition", "targets": ["aria"], **extra})
    roller = FakeRoller([12])
    _, event = act(state, {"type": "roll_initiative", "combatants": ["aria"]}, roller)
    assert roller.expressions == [expression]
    assert event.data["rolls"][0]["expression"] == expression


def test_initiative_score_counts_2024_exhaustion() -> None:
    state = encounter(
        pc("aria", initiative_bonus=2), ruleset="2024", settings={"initiative_mode": "score"}
    )
    state = do(
        state,
        condition(["aria"], "exhaustion", level=2),
        {"type": "roll_initiative", "combatants": ["aria"]},
    )
    assert state.combatant("aria").initiative == 10 + 2 - 4


# --- 12. 2014 surprise (SRD 5.1 "Surprise"): the first turn is lost, no reaction until
# that turn ends ------------------------------------------------------------------------------


def surprise_round(ruleset: str = "2014") -> EncounterState:
    return started(
        pc("aria", initiative=20),
        combatant("gob", initiative=15, surprised=True),
        combatant("orc", initiative=10),
        ruleset=ruleset,
    )


def test_a_surprised_creature_loses_its_first_turn() -> None:
    state = surprise_round()
    with pytest.raises(RuleViolation, match="surprised"):
        act(state, {"type": "use_reaction", "combatant_id": "gob"})
    state, event = act(state, NEXT)
    assert state.turn == "orc"
    assert "Gob is surprised and loses its turn." in event.text
    assert state.combatant("gob").surprised is False
    state, _ = act(state, {"type": "use_reaction", "combatant_id": "gob"})
    # previous_turn takes the lost turn back, surprise and all.
    back, _ = act(do(state, {"type": "use_reaction", "combatant_id": "orc"}), PREV)
    assert back.turn == "aria" and back.combatant("gob").surprised is True


@pytest.mark.parametrize(("ruleset", "turn"), [("2014", "orc"), ("2024", "gob")])
def test_surprise_skips_a_turn_only_in_2014(ruleset: str, turn: str) -> None:
    state, _ = act(surprise_round(ruleset), NEXT)
    assert state.turn == turn


def test_surprised_at_initiative_is_remembered_in_2014() -> None:
    state = encounter(pc("aria"), combatant("gob"))
    state = do(
        state,
        {"type": "roll_initiative", "surprised": ["gob"]},
        roller=FakeRoller([10, 5]),
    )
    assert state.combatant("gob").surprised is True
    assert state.combatant("aria").surprised is False


# --- 13. concentration links (SRD 5.1 "Concentration") -----------------------------------


@pytest.mark.parametrize(
    "ending",
    [
        {"type": "set_concentration", "combatant_id": "cleric", "spell": None},
        {"type": "set_concentration", "combatant_id": "cleric", "spell": "Bless"},  # another
        {"type": "damage", "targets": ["cleric"], "amount": 30},  # 0 HP
        {"type": "add_condition", "targets": ["cleric"], "condition": "stunned"},
        {"type": "remove_combatant", "combatant_id": "cleric"},
    ],
)
def test_ending_concentration_ends_what_it_maintains(ending: dict[str, Any]) -> None:
    state = encounter(
        pc("cleric", max_hp=30, concentration="Hold Person"),
        combatant("bandit1"),
        combatant("bandit2"),
    )
    state = do(
        state,
        condition(["bandit1", "bandit2"], "paralyzed", concentration_of="cleric"),
        condition(["bandit1"], "prone"),
        ending,
    )
    for bandit in ("bandit1", "bandit2"):
        assert not state.combatant(bandit).has_condition("paralyzed")
    assert state.combatant("bandit1").has_condition("prone")


def test_linking_needs_a_concentrating_combatant() -> None:
    state = encounter(pc("cleric"), combatant("bandit"))
    with pytest.raises(RuleViolation, match="not concentrating"):
        act(state, condition(["bandit"], "paralyzed", concentration_of="cleric"))


def test_a_failed_concentration_save_is_the_dm_ending_it() -> None:
    # The DM rolls the Con save the reminder asks for; a failure ends concentration.
    state = encounter(pc("cleric", max_hp=30, concentration="Bless"), combatant("ally"))
    state = do(state, condition(["ally"], "Blessed", concentration_of="cleric"))
    state, event = act(state, hit("cleric", 5))
    assert "concentration check" in event.reminders[0]
    state = do(state, {"type": "set_concentration", "combatant_id": "cleric", "spell": None})
    assert state.combatant("ally").conditions == []


# --- 14. monsters and death (SRD 5.1 "Monsters and Death"): down or dead is the DM's
# call; death saves where the DM turns them on ---------------------------------------------


@pytest.mark.parametrize(
    ("monster_death_saves", "damage", "status"),
    [
        (False, 10, "down"),
        (False, 30, "down"),  # no massive damage for monsters left to the DM
        (True, 10, "unconscious"),
        (True, 30, "dead"),  # massive damage: 20 left over >= 10 max HP
    ],
)
def test_a_monster_at_zero(monster_death_saves: bool, damage: int, status: str) -> None:
    state = encounter(
        combatant("gob", max_hp=10), settings={"monster_death_saves": monster_death_saves}
    )
    state = do(state, hit("gob", damage))
    assert state.combatant("gob").status == status


@pytest.mark.parametrize(
    ("results", "status", "hp"),
    [
        (["failure", "failure", "failure"], "dead", 0),
        (["success", "success", "success"], "stable", 0),
        (["critical_success"], "active", 1),
    ],
)
def test_monster_death_saves(results: list[str], status: str, hp: int) -> None:
    state = encounter(combatant("gob", max_hp=10), settings={"monster_death_saves": True})
    state = do(state, hit("gob", 10))
    for result in results:
        state, _ = act(state, {"type": "death_save", "combatant_id": "gob", "result": result})
    assert (state.combatant("gob").status, state.combatant("gob").hp) == (status, hp)


def test_death_saves_stay_refused_for_monsters_by_default() -> None:
    state = do(encounter(combatant("gob", max_hp=10)), hit("gob", 10))
    with pytest.raises(RuleViolation, match="monster_death_saves"):
        act(state, {"type": "death_save", "combatant_id": "gob", "result": "success"})


@pytest.mark.parametrize(
    ("fields", "dead", "refusal"),
    [
        ({"kind": "character", "hp": 0, "status": "unconscious"}, True, "not a monster"),
        ({"hp": 5}, True, "at 5 HP"),
        ({"hp": 0, "status": "down"}, False, "already alive"),
        ({"hp": 0, "status": "dead"}, True, "already dead"),
    ],
)
def test_set_dead_refusals(fields: dict[str, Any], dead: bool, refusal: str) -> None:
    state = encounter(combatant("t", max_hp=10, **fields))
    with pytest.raises(RuleViolation, match=refusal):
        act(state, {"type": "set_dead", "combatant_id": "t", "dead": dead})


def test_a_dead_monster_is_skipped_and_can_be_down_again() -> None:
    state = started(pc("aria", initiative=20), combatant("gob", initiative=10, max_hp=5))
    state = do(state, hit("gob", 5), {"type": "set_dead", "combatant_id": "gob", "dead": True})
    assert state.combatant("gob").status == "dead"
    state = do(state, {"type": "set_dead", "combatant_id": "gob", "dead": False})
    assert state.combatant("gob").status == "down"
    assert state.combatant("gob").has_condition("unconscious")
