"""Strict types on actions and imports: JSON numbers only where a number is
meant (no strings, booleans or fractions), every integer bounded, and a refused
request writes nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api import add, new_encounter
from tests.conftest import assert_problem

Json = dict[str, Any]
Headers = dict[str, str]


async def _goblin(client: httpx.AsyncClient, dm: Headers, campaign: Json) -> tuple[str, str]:
    eid = (await new_encounter(client, dm, campaign))["id"]
    result = await add(client, dm, eid, {"name": "Goblin", "max_hp": 7, "ac": 15})
    return eid, result["state"]["combatants"][0]["id"]


def _bad_actions(goblin: str) -> list[Json]:
    target = {"targets": [goblin]}
    return [
        {"type": "damage", **target, "amount": "5"},
        {"type": "damage", **target, "amount": True},
        {"type": "damage", **target, "amount": 5.0},
        {"type": "damage", **target, "amount": 10**400},
        {"type": "damage", **target, "amount": 3, "critical": "true"},
        {"type": "damage", **target, "amount": 3, "critical": 1},
        {"type": "heal", **target, "amount": "2"},
        {"type": "set_temp_hp", **target, "amount": False},
        {"type": "set_initiative", "combatant_id": goblin, "initiative": "12"},
        {"type": "set_initiative", "combatant_id": goblin, "initiative": 10**30},
        {"type": "set_hidden", "combatant_id": goblin, "hidden": "false"},
        {"type": "set_hidden", "combatant_id": goblin, "hidden": 0},
        {"type": "use_legendary_action", "combatant_id": goblin, "count": "1"},
        {"type": "update_combatant", "combatant_id": goblin, "ac": "15"},
        {"type": "update_combatant", "combatant_id": goblin, "max_hp": 12.5},
        {"type": "update_combatant", "combatant_id": goblin, "name": 7},
        {
            "type": "add_condition",
            **target,
            "condition": "poisoned",
            "duration": {"rounds": "2", "of": goblin},
        },
        {
            "type": "add_condition",
            **target,
            "condition": "poisoned",
            "save": {"ability": "con", "dc": "13"},
        },
        {"type": "add_condition", **target, "condition": "exhaustion", "level": True},
        {"type": "roll_initiative", "combatants": "all", "mode": 1},
        {"type": "update_settings", "reroll_each_round": "yes"},
        {"type": "update_settings", "player_view": {"enemies": {"show_conditions": 1}}},
    ]


@pytest.mark.parametrize("index", range(len(_bad_actions("x"))))
async def test_actions_refuse_coercible_values(
    client: httpx.AsyncClient, dm: Headers, campaign: Json, index: int
) -> None:
    eid, goblin = await _goblin(client, dm, campaign)
    before = (await client.get(f"/api/encounters/{eid}", headers=dm)).json()
    action = _bad_actions(goblin)[index]
    r = await client.post(f"/api/encounters/{eid}/actions", json=action, headers=dm)
    problem = assert_problem(r, 422)
    assert problem["errors"][0]["loc"][0] == "body"
    after = (await client.get(f"/api/encounters/{eid}", headers=dm)).json()
    assert after == before


async def test_well_typed_actions_still_apply(
    client: httpx.AsyncClient, dm: Headers, campaign: Json
) -> None:
    eid, goblin = await _goblin(client, dm, campaign)
    r = await client.post(
        f"/api/encounters/{eid}/actions",
        json={"type": "damage", "targets": [goblin], "amount": 5, "critical": False},
        headers=dm,
    )
    assert r.status_code == 200, r.text
    assert r.json()["state"]["combatants"][0]["hp"] == 2


@pytest.mark.parametrize(
    "body",
    [
        {"name": "Ogre", "max_hp": "59"},
        {"name": "Ogre", "max_hp": True},
        {"name": "Ogre", "ac": 11.0},
        {"name": "Ogre", "hidden": "no"},
        {"name": "Ogre", "count": "2"},
        {"name": "Ogre", "xp": 10**400},
        {"statblock_id": "srd-goblin", "count": "3"},
        {"statblock_id": "srd-goblin", "hidden": 1},
    ],
)
async def test_adding_combatants_refuses_coercible_values(
    client: httpx.AsyncClient, dm: Headers, campaign: Json, body: Json
) -> None:
    eid = (await new_encounter(client, dm, campaign))["id"]
    r = await client.post(f"/api/encounters/{eid}/combatants", json=body, headers=dm)
    assert_problem(r, 422)
    state = (await client.get(f"/api/encounters/{eid}", headers=dm)).json()
    assert state["combatants"] == [] and state["version"] == 0


def _export_doc(**combatant: Any) -> Json:
    return {
        "format": "initiative-tracker/encounter",
        "version": 1,
        "encounter": {
            "name": "Imported",
            "combatants": [{"id": "a", "name": "Bandit", "max_hp": 11, "hp": 11, **combatant}],
        },
    }


@pytest.mark.parametrize(
    "doc",
    [
        _export_doc(damage_dealt=10**400),
        _export_doc(damage_taken=2**63),
        _export_doc(hp="11"),
        _export_doc(initiative=12.0),
        _export_doc(hidden="false"),
        _export_doc(rank=10**20),
        _export_doc(tiebreak="0.5"),
        _export_doc(death_saves={"successes": "1", "failures": 0}),
        {**_export_doc(), "encounter": {**_export_doc()["encounter"], "round": 10**400}},
        {**_export_doc(), "encounter": {**_export_doc()["encounter"], "round": "2"}},
        {**_export_doc(), "version": True},
    ],
)
async def test_import_refuses_unbounded_and_coercible_numbers(
    client: httpx.AsyncClient, dm: Headers, campaign: Json, doc: Json
) -> None:
    url = f"/api/campaigns/{campaign['id']}/encounters"
    r = await client.post(f"{url}/import", json=doc, headers=dm)
    assert_problem(r, 422)
    assert (await client.get(url, headers=dm)).json()["total"] == 0


async def test_import_accepts_a_well_typed_document(
    client: httpx.AsyncClient, dm: Headers, campaign: Json
) -> None:
    doc = _export_doc(damage_dealt=40, tiebreak=1, initiative=12)
    r = await client.post(
        f"/api/campaigns/{campaign['id']}/encounters/import", json=doc, headers=dm
    )
    assert r.status_code == 201, r.text
    assert r.json()["combatants"][0]["damage_dealt"] == 40


@pytest.mark.parametrize(
    "body",
    [
        {"name": "Aria", "max_hp": "38"},
        {"name": "Aria", "level": True},
        {"name": "Aria", "ac": 15.0},
    ],
)
async def test_characters_refuse_coercible_values(
    client: httpx.AsyncClient, dm: Headers, campaign: Json, body: Json
) -> None:
    url = f"/api/campaigns/{campaign['id']}/characters"
    assert_problem(await client.post(url, json=body, headers=dm), 422)
    created = await client.post(url, json={"name": "Brom", "max_hp": 20}, headers=dm)
    assert created.status_code == 201, created.text
    r = await client.patch(f"{url}/{created.json()['id']}", json={"level": "4"}, headers=dm)
    assert_problem(r, 422)
    assert (await client.get(url, headers=dm)).json()["total"] == 1


async def test_a_stat_blocks_senses_are_bounded(client: httpx.AsyncClient, dm: Headers) -> None:
    body = {"name": "Mole", "size": "small", "type": "beast", "ac": 11, "hp": 3}
    r = await client.post("/api/statblocks", json={**body, "senses": {"tremorsense": 10**400}})
    assert_problem(r, 401)
    r = await client.post(
        "/api/statblocks", json={**body, "senses": {"tremorsense": 10**400}}, headers=dm
    )
    assert_problem(r, 422)
    ok = {**body, "senses": {"tremorsense": 30, "passive_perception": 10}}
    assert (await client.post("/api/statblocks", json=ok, headers=dm)).status_code == 201
