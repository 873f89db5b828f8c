"""Properties: random action sequences never break the encounter's invariants;
previous_turn and undo restore exactly; redo (replaying an undone event's patch on
the state undo restored) reaches exactly the state the event first led to."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.dice import Roll
from app.encounters.rules import Event, apply
from app.encounters.rules.order import compute_order, refresh_order, turn_units
from app.encounters.state import EncounterState
from app.errors import AppError
from tests.encounters.helpers import act, combatant, encounter, pc

IDS = ["aria", "bram", "g1", "g2", "ogre", "dragon", "lair"]


class CyclingRoller:
    def __init__(self, totals: list[int]) -> None:
        self._totals = itertools.cycle(totals)

    def roll(self, expression: str) -> Roll:
        total = next(self._totals)
        return Roll(expression=expression, total=total, breakdown=f"{expression} = `{total}`")


def initial(ruleset: str, settings_: dict[str, Any]) -> EncounterState:
    return encounter(
        pc("aria", max_hp=20, initiative_bonus=2, dexterity=14, tiebreak=0.3),
        pc("bram", max_hp=30, dexterity=10, tiebreak=0.7),
        combatant("g1", group="goblins", max_hp=7, xp=50, tiebreak=0.1),
        combatant("g2", group="goblins", max_hp=7, xp=50, tiebreak=0.9),
        combatant(
            "ogre",
            kind="npc",
            max_hp=59,
            resistances=["fire"],
            condition_immunities=["frightened"],
            qualified_defences=[
                {"kind": "resistance", "types": ["slashing"], "unless": ["magical", "silvered"]},
                {"kind": "immunity", "types": ["cold"], "only": ["spell"], "active": False},
            ],
            tiebreak=0.5,
        ),
        combatant(
            "dragon",
            max_hp=200,
            qualified_defences=[{"kind": "vulnerability", "types": [], "only": ["spell"]}],
            legendary_actions={"max": 3, "remaining": 3, "max_in_lair": 4},
            legendary_resistances={"max": 3, "remaining": 3},
            tiebreak=0.2,
        ),
        combatant("lair", kind="lair", max_hp=1),
        ruleset=ruleset,
        settings=settings_,
    )


cid = st.sampled_from(IDS)
targets = st.lists(cid, min_size=1, max_size=3)
amount = st.integers(min_value=0, max_value=60)

ACTIONS = st.one_of(
    st.just({"type": "start_combat"}),
    st.just({"type": "next_turn"}),
    st.just({"type": "next_turn"}),
    st.just({"type": "next_turn"}),
    st.just({"type": "previous_turn"}),
    st.just({"type": "end_combat"}),
    st.builds(
        lambda c, m, s: {"type": "roll_initiative", "combatants": c, "mode": m, "surprised": s},
        st.one_of(st.sampled_from(["all", "monsters"]), targets),
        st.sampled_from(["normal", "advantage", "disadvantage"]),
        st.lists(cid, max_size=2),
    ),
    st.builds(
        lambda c, i: {"type": "set_initiative", "combatant_id": c, "initiative": i},
        cid,
        st.integers(min_value=1, max_value=25),
    ),
    st.builds(
        lambda t, a, d, c, f: {
            "type": "damage",
            "targets": t,
            "amount": a,
            "damage_type": d,
            "critical": c,
            **f,
        },
        targets,
        amount,
        st.sampled_from([None, "fire", "cold", "slashing"]),
        st.booleans(),
        st.fixed_dictionaries(
            {},
            optional={f: st.booleans() for f in ("magical", "silvered", "adamantine", "spell")},
        ),
    ),
    st.builds(lambda t, a: {"type": "heal", "targets": t, "amount": a}, targets, amount),
    st.builds(lambda t, a: {"type": "set_temp_hp", "targets": t, "amount": a}, targets, amount),
    st.builds(
        lambda t, n, r, e, o: {
            "type": "add_condition",
            "targets": t,
            "condition": n,
            "duration": {"rounds": r, "ends": e, "of": o},
        },
        targets,
        st.sampled_from(["prone", "stunned", "frightened", "Marked"]),
        st.integers(min_value=1, max_value=3),
        st.sampled_from(["start", "end"]),
        cid,
    ),
    st.builds(
        lambda t, n, c: {
            "type": "add_condition",
            "targets": t,
            "condition": n,
            "concentration_of": c,
        },
        targets,
        st.sampled_from(["exhaustion", "restrained", "petrified", "poisoned", "invisible"]),
        st.one_of(st.none(), cid),
    ),
    st.builds(
        lambda t, n: {"type": "remove_condition", "targets": t, "condition": n},
        targets,
        st.sampled_from(["prone", "stunned", "frightened", "Marked", "exhaustion", "unconscious"]),
    ),
    st.builds(lambda c, d: {"type": "set_dead", "combatant_id": c, "dead": d}, cid, st.booleans()),
    st.builds(
        lambda c, side, s: {
            "type": "update_combatant",
            "combatant_id": c,
            "side": side,
            "surprised": s,
        },
        cid,
        st.sampled_from(["party", "enemies", "neutral"]),
        st.booleans(),
    ),
    st.builds(lambda m: {"type": "update_settings", "monster_death_saves": m}, st.booleans()),
    st.just({"type": "undo"}),
    st.just({"type": "redo"}),
    st.builds(
        lambda c, r: {"type": "death_save", "combatant_id": c, "result": r},
        st.sampled_from(["aria", "bram", "g1", "ogre"]),
        st.sampled_from(["success", "failure", "critical_success", "critical_failure"]),
    ),
    st.builds(lambda c: {"type": "delay", "combatant_id": c}, cid),
    st.builds(
        lambda c, b: {"type": "resume", "combatant_id": c, "before": b},
        cid,
        st.one_of(st.none(), cid),
    ),
    st.builds(
        lambda c, s: {"type": "set_concentration", "combatant_id": c, "spell": s},
        cid,
        st.sampled_from([None, "Bless"]),
    ),
    st.builds(lambda c: {"type": "use_legendary_action", "combatant_id": c}, cid),
    st.builds(lambda c: {"type": "use_reaction", "combatant_id": c}, cid),
    st.builds(lambda c: {"type": "remove_combatant", "combatant_id": c}, cid),
    st.builds(
        lambda ids: {"type": "reorder", "combatant_ids": ids},
        st.lists(cid, min_size=2, max_size=3, unique=True),
    ),
    st.builds(
        lambda p, r: {"type": "update_settings", "tie_policy": p, "reroll_each_round": r},
        st.sampled_from(["dex", "pcs_first", "monsters_first", "random"]),
        st.booleans(),
    ),
)


def check_invariants(state: EncounterState) -> None:
    ids = [c.id for c in state.combatants]
    assert len(ids) == len(set(ids))
    for c in state.combatants:
        assert 0 <= c.hp <= c.max_hp, c
        assert c.temp_hp >= 0
        assert c.legendary_actions.remaining >= 0
        for condition in c.conditions:
            # A condition maintained by concentration ends with it.
            if condition.concentration_of is not None:
                caster = state.find(condition.concentration_of)
                assert caster is not None and caster.concentration is not None
        if state.ruleset == "2014" and c.exhaustion >= 4:
            assert c.max_hp_unreduced is not None
        if c.max_hp_unreduced is None:
            assert not (state.ruleset == "2014" and c.exhaustion >= 4)
    in_order = {c.id for c in state.combatants if c.status != "delayed"}
    assert len(state.order) == len(set(state.order))
    assert set(state.order) == in_order
    assert state.order == compute_order(state)
    groups = [state.combatant(x).group for x in state.order]
    seen: set[str] = set()
    for previous, group in zip([None, *groups], groups, strict=False):
        if group is not None and group != previous:
            assert group not in seen, "group members must sit together"
            seen.add(group)
    if state.status == "active":
        assert state.round >= 1
        if state.order:
            heads = [unit[0] for unit in turn_units(state)]
            assert state.turn in heads
        else:
            assert state.turn is None
    elif state.status == "planning":
        assert (state.round, state.turn) == (0, None)
    else:
        assert state.turn is None


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    ruleset=st.sampled_from(["2014", "2024"]),
    skip=st.booleans(),
    actions=st.lists(ACTIONS, max_size=40),
    totals=st.lists(st.integers(min_value=1, max_value=25), min_size=1, max_size=10),
)
def test_random_sequences_keep_invariants(
    ruleset: str, skip: bool, actions: list[dict[str, Any]], totals: list[int]
) -> None:
    roller = CyclingRoller(totals)
    state = initial(ruleset, {"skip_down_monsters": skip})
    refresh_order(state)  # built by hand here; add_combatants does this in the service
    check_invariants(state)
    # The service's log, simulated: undo restores the state before the newest event
    # not undone; redo replays the newest undone event's patch, until a new action.
    done: list[tuple[EncounterState, Event, EncounterState]] = []
    undone: list[tuple[EncounterState, Event, EncounterState]] = []
    for action in actions:
        if action["type"] == "undo":
            if done:
                before, event, after = done.pop()
                assert after == state
                undone.append((before, event, after))
                state = before
            continue
        if action["type"] == "redo":
            if undone:
                before, event, after = undone.pop()
                assert before == state
                state = apply(state, event)
                assert state == after, "redo reaches exactly the state the event led to"
                done.append((before, event, after))
            continue
        try:
            new, event = act(state, action, roller)  # type: ignore[arg-type]
        except AppError:
            continue
        assert event.text
        check_invariants(new)
        if action["type"] == "next_turn":
            # previous_turn takes back exactly what next_turn did.
            back, _ = act(new, {"type": "previous_turn"})
            assert back == state
        done.append((state, event, new))
        undone.clear()
        state = new
