"""The rules' new vocabulary through HTTP: redo, the end-of-combat write-back under
undo, sides in difficulty and XP, down or dead, qualified defences from the SRD."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api import add, new_encounter
from tests.conftest import assert_problem
from tests.encounters.test_api import act, by_name, character, ok

Json = dict[str, Any]
Headers = dict[str, str]


async def test_redo_reapplies_until_a_new_action(
    client: httpx.AsyncClient, dm: Headers, campaign: Json
) -> None:
    eid = (await new_encounter(client, dm, campaign))["id"]
    ogre = (await add(client, dm, eid, {"name": "Ogre", "max_hp": 59, "initiative": 8}))["state"]
    oid = ogre["combatants"][0]["id"]
    await ok(client, dm, eid, {"type": "start_combat"})
    hit = await ok(client, dm, eid, {"type": "damage", "targets": [oid], "amount": 10})
    prone = await ok(
        client, dm, eid, {"type": "add_condition", "targets": [oid], "condition": "prone"}
    )
    await ok(client, dm, eid, {"type": "undo"})
    await ok(client, dm, eid, {"type": "undo"})
    # Redo walks forward again, newest undo first, to exactly the states undone.
    redone = await ok(client, dm, eid, {"type": "redo"})
    assert redone["events"][0]["type"] == "redo"
    assert redone["events"][0]["data"]["redone_seq"] == hit["version"]
    assert redone["state"]["combatants"] == hit["state"]["combatants"]
    redone = await ok(client, dm, eid, {"type": "redo"})
    assert redone["state"]["combatants"] == prone["state"]["combatants"]
    assert_problem(await act(client, dm, eid, {"type": "redo"}), 409)
    # A redo is an event like any other: undo takes it back, and redo again.
    await ok(client, dm, eid, {"type": "undo"})
    again = await ok(client, dm, eid, {"type": "redo"})
    assert again["state"]["combatants"] == prone["state"]["combatants"]
    # A new action ends what can be redone.
    await ok(client, dm, eid, {"type": "undo"})
    await ok(client, dm, eid, {"type": "heal", "targets": [oid], "amount": 1})
    problem = assert_problem(await act(client, dm, eid, {"type": "redo"}), 409)
    assert problem["type"].endswith("nothing-to-redo")


async def test_undoing_end_combat_restores_the_characters_hp(
    client: httpx.AsyncClient, dm: Headers, campaign: Json
) -> None:
    aria = await character(client, dm, campaign, max_hp=30)
    url = f"/api/campaigns/{campaign['id']}/characters/{aria['id']}"
    eid = (await new_encounter(client, dm, campaign))["id"]
    cid = (await add(client, dm, eid, {"character_id": aria["id"]}))["state"]["combatants"][0]["id"]
    await ok(client, dm, eid, {"type": "start_combat"})
    await ok(client, dm, eid, {"type": "damage", "targets": [cid], "amount": 12})
    ended = await ok(client, dm, eid, {"type": "end_combat"})
    assert ended["events"][0]["data"]["write_back"] == [
        {
            "character_id": aria["id"],
            "before": {"max_hp": 30, "current_hp": 30, "temp_hp": 0},
            "after": {"max_hp": 30, "current_hp": 18, "temp_hp": 0},
        }
    ]
    assert (await client.get(url, headers=dm)).json()["current_hp"] == 18
    undone = await ok(client, dm, eid, {"type": "undo"})
    assert undone["state"]["status"] == "active"
    assert (await client.get(url, headers=dm)).json()["current_hp"] == 30
    await ok(client, dm, eid, {"type": "redo"})
    assert (await client.get(url, headers=dm)).json()["current_hp"] == 18


async def test_allies_count_neither_in_difficulty_nor_xp(
    client: httpx.AsyncClient, dm: Headers, campaign: Json
) -> None:
    # Two level-1 PCs and a goblin: easy. A CR 5 ally on the party's side changes nothing.
    eid = (await new_encounter(client, dm, campaign))["id"]
    for name in ("Aria", "Bram"):
        pc = await character(client, dm, campaign, name=name, level=1)
        await add(client, dm, eid, {"character_id": pc["id"]})
    await add(client, dm, eid, {"statblock_id": "srd-goblin"})
    state = (await add(client, dm, eid, {"statblock_id": "srd-troll", "side": "party"}))["state"]
    assert [c["side"] for c in state["combatants"]] == ["party", "party", "enemies", "party"]
    rated = (await client.get(f"/api/encounters/{eid}/difficulty", headers=dm)).json()
    assert rated["rating"] == "easy"
    assert [m["name"] for m in rated["monsters"]] == ["Goblin"]
    # The DM changes sides: the troll turns on the party.
    troll = by_name(state, "Troll")["id"]
    await ok(
        client, dm, eid, {"type": "update_combatant", "combatant_id": troll, "side": "enemies"}
    )
    rated = (await client.get(f"/api/encounters/{eid}/difficulty", headers=dm)).json()
    assert rated["rating"] == "deadly"
    await ok(client, dm, eid, {"type": "update_combatant", "combatant_id": troll, "side": "party"})
    goblin = by_name(state, "Goblin")["id"]
    await ok(client, dm, eid, {"type": "start_combat"})
    for target in (goblin, troll):
        await ok(client, dm, eid, {"type": "damage", "targets": [target], "amount": 200})
    summary = (await ok(client, dm, eid, {"type": "end_combat"}))["state"]["summary"]
    assert (summary["xp_total"], summary["xp_per_character"]) == (50, 25)


async def test_a_monster_at_zero_is_down_or_dead_as_the_dm_says(
    client: httpx.AsyncClient, dm: Headers, campaign: Json
) -> None:
    eid = (await new_encounter(client, dm, campaign))["id"]
    state = (await add(client, dm, eid, {"statblock_id": "srd-goblin"}))["state"]
    gid = state["combatants"][0]["id"]
    assert_problem(
        await act(client, dm, eid, {"type": "set_dead", "combatant_id": gid, "dead": True}), 409
    )
    await ok(client, dm, eid, {"type": "damage", "targets": [gid], "amount": 7})
    dead = await ok(client, dm, eid, {"type": "set_dead", "combatant_id": gid, "dead": True})
    assert dead["state"]["combatants"][0]["status"] == "dead"
    down = await ok(client, dm, eid, {"type": "set_dead", "combatant_id": gid, "dead": False})
    assert down["state"]["combatants"][0]["status"] == "down"
    await ok(client, dm, eid, {"type": "update_settings", "monster_death_saves": True})
    saved = await ok(
        client, dm, eid, {"type": "death_save", "combatant_id": gid, "result": "critical_success"}
    )
    goblin = saved["state"]["combatants"][0]
    assert (goblin["hp"], goblin["status"]) == (1, "active")
    assert [c["name"] for c in goblin["conditions"]] == ["prone"]
    assert saved["state"]["settings"]["monster_death_saves"] is True


async def test_qualified_defences_come_from_the_stat_block(
    client: httpx.AsyncClient, dm: Headers, campaign: Json
) -> None:
    eid = (await new_encounter(client, dm, campaign))["id"]
    state = (await add(client, dm, eid, {"statblock_id": "srd-iron-golem"}))["state"]
    golem = state["combatants"][0]
    assert golem["immunities"] == ["fire", "poison", "psychic"]
    assert golem["qualified_defences"][0]["unless"] == ["magical", "adamantine"]
    assert "poisoned" in golem["condition_immunities"]
    gid = golem["id"]
    plain = {"type": "damage", "targets": [gid], "amount": 20, "damage_type": "slashing"}
    hp = (await ok(client, dm, eid, plain))["state"]["combatants"][0]["hp"]
    assert hp == golem["max_hp"]
    hp = (await ok(client, dm, eid, {**plain, "magical": True}))["state"]["combatants"][0]["hp"]
    assert hp == golem["max_hp"] - 20
    problem = assert_problem(
        await act(
            client, dm, eid, {"type": "add_condition", "targets": [gid], "condition": "poisoned"}
        ),
        409,
    )
    assert "immune" in problem["detail"]
    stored = (await client.get("/api/statblocks/srd-iron-golem", headers=dm)).json()
    assert stored["qualified_defences"][0]["text"].endswith("that aren't adamantine")
