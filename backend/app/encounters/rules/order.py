"""Initiative order: who acts when, ties, initiative groups and turn units.

The order is always derived from the combatants (initiative, tie policy, the DM's manual
ranks, groups), never edited by hand, so it is total and stable: the same state always
gives the same order. A *unit* is what takes one turn: a lone combatant, or the adjacent
members of an initiative group (the turn holds the unit's first id).
"""

from __future__ import annotations

from app.encounters.state import Combatant, EncounterState, TiePolicy

SortKey = tuple[object, ...]


def in_order(combatant: Combatant) -> bool:
    return combatant.status != "delayed"


def group_leader(state: EncounterState, combatant: Combatant) -> Combatant:
    """The group's first member still in the order; its roll and place stand for all."""
    if combatant.group is None:
        return combatant
    for other in state.combatants:
        if other.group == combatant.group and in_order(other):
            return other
    return combatant


def group_members(state: EncounterState, combatant: Combatant) -> list[Combatant]:
    if combatant.group is None:
        return [combatant]
    return [c for c in state.combatants if c.group == combatant.group]


def _policy_key(policy: TiePolicy, combatant: Combatant) -> SortKey:
    by_dex: SortKey = (-combatant.dexterity, -combatant.tiebreak)
    if policy == "pcs_first":
        return (0 if combatant.kind == "character" else 1, *by_dex)
    if policy == "monsters_first":
        return (0 if combatant.kind in ("monster", "npc") else 1, *by_dex)
    if policy == "random":
        return (-combatant.tiebreak,)
    return by_dex


def _leader_key(state: EncounterState, leader: Combatant) -> SortKey:
    initiative = (1, 0) if leader.initiative is None else (0, -leader.initiative)
    # Lair actions lose every tie, whatever the policy or the manual ranks.
    lair = 1 if leader.kind == "lair" else 0
    rank = (1, 0) if leader.rank is None or lair else (0, leader.rank)
    return (
        initiative,
        lair,
        rank,
        _policy_key(state.settings.tie_policy, leader),
        leader.id,
    )


def compute_order(state: EncounterState) -> list[str]:
    position = {c.id: i for i, c in enumerate(state.combatants)}

    def key(combatant: Combatant) -> SortKey:
        return (*_leader_key(state, group_leader(state, combatant)), position[combatant.id])

    return [c.id for c in sorted((c for c in state.combatants if in_order(c)), key=key)]


def turn_units(state: EncounterState, order: list[str] | None = None) -> list[list[str]]:
    """The order cut into what takes one turn: runs of the same initiative group."""
    units: list[list[str]] = []
    last_group: str | None = None
    for cid in state.order if order is None else order:
        group = state.combatant(cid).group
        if units and group is not None and group == last_group:
            units[-1].append(cid)
        else:
            units.append([cid])
        last_group = group
    return units


def unit_index(units: list[list[str]], cid: str | None) -> int | None:
    for index, unit in enumerate(units):
        if cid in unit:
            return index
    return None


def effective_initiative(state: EncounterState, combatant: Combatant) -> int | None:
    return group_leader(state, combatant).initiative


def refresh_order(state: EncounterState) -> None:
    """Re-derive the order; the turn stays with its unit (held by id, moved to the unit's head)."""
    state.order = compute_order(state)
    if state.turn is None:
        return
    units = turn_units(state)
    index = unit_index(units, state.turn)
    if index is not None:
        state.turn = units[index][0]


def tied_units(state: EncounterState, initiative: int) -> list[list[str]]:
    """Units at this initiative (lair aside), in their current order."""
    return [
        unit
        for unit in turn_units(state)
        if effective_initiative(state, state.combatant(unit[0])) == initiative
        and state.combatant(unit[0]).kind != "lair"
    ]


def rank_units(state: EncounterState, units: list[list[str]]) -> None:
    """Pin these tied units in this order, overriding the tie policy among them."""
    for rank, unit in enumerate(units):
        for cid in unit:
            state.combatant(cid).rank = rank
