"""Properties: random action sequences never break the encounter's invariants."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.dice import Roll
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
        combatant("ogre", kind="npc", max_hp=59, resistances=["fire"], tiebreak=0.5),
        combatant(
            "dragon",
            max_hp=200,
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
        lambda c, m: {"type": "roll_initiative", "combatants": c, "mode": m},
        st.one_of(st.sampled_from(["all", "monsters"]), targets),
        st.sampled_from(["normal", "advantage", "disadvantage"]),
    ),
    st.builds(
        lambda c, i: {"type": "set_initiative", "combatant_id": c, "initiative": i},
        cid,
        st.integers(min_value=1, max_value=25),
    ),
    st.builds(
        lambda t, a, d, c: {
            "type": "damage",
            "targets": t,
            "amount": a,
            "damage_type": d,
            "critical": c,
        },
        targets,
        amount,
        st.sampled_from([None, "fire", "cold"]),
        st.booleans(),
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
        lambda t, n: {"type": "remove_condition", "targets": t, "condition": n},
        targets,
        st.sampled_from(["prone", "stunned", "frightened", "Marked"]),
    ),
    st.builds(
        lambda c, r: {"type": "death_save", "combatant_id": c, "result": r},
        st.sampled_from(["aria", "bram"]),
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
    for action in actions:
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
        state = new
