"""The stat block behind a combatant, for the console's panel:
GET /api/encounters/{eid}/combatants/{cid}/statblock."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api import add, add_co_dm, new_encounter
from tests.conftest import assert_problem, register, unique_email
from tests.statblocks.test_api import Headers, homebrew

Json = dict[str, Any]


def url(eid: str, cid: str) -> str:
    return f"/api/encounters/{eid}/combatants/{cid}/statblock"


async def test_a_monster_shows_the_block_it_came_from(
    client: httpx.AsyncClient, dm: Headers, campaign: Json
) -> None:
    eid = (await new_encounter(client, dm, campaign))["id"]
    added = await add(client, dm, eid, {"statblock_id": "srd-adult-red-dragon"})
    (dragon,) = added["state"]["combatants"]
    assert dragon["statblock_id"] == "srd-adult-red-dragon"
    r = await client.get(url(eid, dragon["id"]), headers=dm)
    assert r.status_code == 200, r.text
    block = r.json()
    assert block["id"] == "srd-adult-red-dragon" and block["name"] == "Adult Red Dragon"
    assert block["legendary_actions"] and block["actions"] and block["traits"]
    assert block == (await client.get("/api/statblocks/srd-adult-red-dragon", headers=dm)).json()


async def test_a_co_dm_reads_shared_homebrew_through_the_combatant(
    client: httpx.AsyncClient, dm: Headers, campaign: Json
) -> None:
    owlbear = await homebrew(client, dm)
    eid = (await new_encounter(client, dm, campaign))["id"]
    (made,) = (await add(client, dm, eid, {"statblock_id": owlbear["id"]}))["state"]["combatants"]
    assert (await client.get(url(eid, made["id"]), headers=dm)).json()["name"] == "Glimmer Owlbear"
    email = unique_email()
    co_dm = await register(client, email)
    await add_co_dm(client, dm, campaign, email)
    # Unshared homebrew stays its owner's, behind a combatant too...
    assert_problem(await client.get(url(eid, made["id"]), headers=co_dm), 404)
    # ...shared with the campaign, its DMs read it there (not at its own address).
    shared = f"/api/campaigns/{campaign['id']}/statblocks/{owlbear['id']}"
    assert (await client.put(shared, headers=dm)).status_code == 204
    r = await client.get(url(eid, made["id"]), headers=co_dm)
    assert r.status_code == 200 and r.json()["name"] == "Glimmer Owlbear"
    assert_problem(await client.get(f"/api/statblocks/{owlbear['id']}", headers=co_dm), 404)
    stranger = await register(client)
    assert_problem(await client.get(url(eid, made["id"]), headers=stranger), 404)
    assert_problem(await client.get(url(eid, made["id"])), 401)

    # Deleted homebrew: the combatant stays, its block is gone.
    assert (await client.delete(f"/api/statblocks/{owlbear['id']}", headers=dm)).status_code == 204
    assert_problem(await client.get(url(eid, made["id"]), headers=dm), 404)


async def test_combatants_without_a_block_are_404(
    client: httpx.AsyncClient, dm: Headers, campaign: Json
) -> None:
    eid = (await new_encounter(client, dm, campaign))["id"]
    (bandit,) = (await add(client, dm, eid, {"name": "Bandit", "max_hp": 11}))["state"][
        "combatants"
    ]
    assert_problem(await client.get(url(eid, bandit["id"]), headers=dm), 404)
    assert_problem(await client.get(url(eid, "nobody"), headers=dm), 404)
    assert_problem(await client.get(url("nowhere", bandit["id"]), headers=dm), 404)
