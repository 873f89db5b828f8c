"""Encounters managed from the console: rename, duplicate, delete."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api import add, new_encounter
from tests.conftest import assert_problem, register

Json = dict[str, Any]


async def act(client: httpx.AsyncClient, dm: dict[str, str], eid: str, action: Json) -> Json:
    r = await client.post(f"/api/encounters/{eid}/actions", json=action, headers=dm)
    assert r.status_code == 200, r.text
    body: Json = r.json()
    return body


async def test_rename_is_logged_undoable_and_shown_to_players(
    client: httpx.AsyncClient, dm: dict[str, str], campaign: Json
) -> None:
    eid = (await new_encounter(client, dm, campaign, name="Ambush"))["id"]
    r = await client.post(f"/api/encounters/{eid}/share", headers=dm)
    token = r.json()["token"]

    r = await client.patch(f"/api/encounters/{eid}", json={"name": "  Goblin ambush "}, headers=dm)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["state"]["name"] == "Goblin ambush" and body["version"] == 1
    assert r.headers["etag"] == '"1"'
    (event,) = body["events"]
    assert event["type"] == "encounter_renamed"
    assert event["text"] == "Encounter renamed from 'Ambush' to 'Goblin ambush'."

    listing = (await client.get(f"/api/campaigns/{campaign['id']}/encounters", headers=dm)).json()
    assert [e["name"] for e in listing["items"]] == ["Goblin ambush"]
    public = (await client.get(f"/api/public/encounters/{token}")).json()
    assert public["name"] == "Goblin ambush" and public["seq"] == 1

    # The same name again: nothing happens, nothing is logged.
    r = await client.patch(f"/api/encounters/{eid}", json={"name": "Goblin ambush"}, headers=dm)
    assert r.status_code == 200 and r.json()["events"] == [] and r.json()["version"] == 1

    undone = await act(client, dm, eid, {"type": "undo"})
    assert undone["state"]["name"] == "Ambush"
    got = await client.get(f"/api/encounters/{eid}", headers=dm)
    assert got.json()["name"] == "Ambush"


async def test_rename_refuses_bad_names_and_strangers(
    client: httpx.AsyncClient, dm: dict[str, str], campaign: Json
) -> None:
    eid = (await new_encounter(client, dm, campaign))["id"]
    url = f"/api/encounters/{eid}"
    for body in ({}, {"name": None}, {"name": ""}, {"name": "   "}, {"name": "x" * 201},
                 {"name": 5}, {"status": "ended"}):  # fmt: skip
        assert_problem(await client.patch(url, json=body, headers=dm), 422)
    assert_problem(
        await client.patch(url, json={"name": "Late"}, headers={**dm, "If-Match": "7"}), 412
    )
    stranger = await register(client)
    assert_problem(await client.patch(url, json={"name": "Mine"}, headers=stranger), 404)
    assert_problem(await client.patch(url, json={"name": "Mine"}), 401)
    state = (await client.get(url, headers=dm)).json()
    assert state["name"] == "Ambush" and state["version"] == 0


async def test_duplicate_starts_the_same_fight_afresh(
    client: httpx.AsyncClient, dm: dict[str, str], campaign: Json
) -> None:
    source = await new_encounter(
        client, dm, campaign, name="Dragon's lair", ruleset="2024",
        settings={"skip_down_monsters": False, "player_view": {"enemies": {"show_hp": "none"}}},
    )  # fmt: skip
    eid = source["id"]
    await add(client, dm, eid, {"name": "Aria", "kind": "character", "max_hp": 24})
    await add(client, dm, eid, {"statblock_id": "srd-adult-red-dragon"})
    await add(client, dm, eid, {"statblock_id": "srd-goblin", "count": 2, "group": True})
    await add(client, dm, eid, {"name": "Lurker", "max_hp": 30, "hidden": True})
    await add(client, dm, eid, {"name": "Lair", "kind": "lair"})
    state = (await act(client, dm, eid, {"type": "start_combat"}))["state"]
    ids = {c["name"]: c["id"] for c in state["combatants"]}
    aria, dragon = ids["Aria"], ids["Adult Red Dragon"]
    await act(client, dm, eid, {"type": "damage", "targets": [aria], "amount": 30})
    await act(client, dm, eid, {"type": "damage", "targets": [dragon], "amount": 50})
    await act(client, dm, eid, {"type": "add_condition", "targets": [dragon], "condition": "prone"})
    await act(client, dm, eid, {"type": "use_legendary_action", "combatant_id": dragon})
    await act(client, dm, eid, {"type": "set_temp_hp", "targets": [dragon], "amount": 5})
    before = (await client.get(f"/api/encounters/{eid}", headers=dm)).json()

    r = await client.post(f"/api/encounters/{eid}/duplicate", headers=dm)
    assert r.status_code == 201, r.text
    copy = r.json()
    assert copy["id"] != eid and copy["campaign_id"] == campaign["id"]
    assert copy["name"] == "Dragon's lair (copy)"
    assert (copy["status"], copy["round"], copy["turn"]) == ("planning", 0, None)
    assert copy["ruleset"] == "2024" and copy["settings"] == before["settings"]
    assert copy["version"] == 1 and r.headers["etag"] == '"1"'

    originals = {c["name"]: c for c in before["combatants"]}
    assert [c["name"] for c in copy["combatants"]] == list(originals)
    for c in copy["combatants"]:
        was = originals[c["name"]]
        assert c["id"] not in {o["id"] for o in before["combatants"]}
        assert c["hp"] == c["max_hp"] == was["max_hp"]
        assert (c["temp_hp"], c["conditions"], c["concentration"]) == (0, [], None)
        assert c["status"] == "active" and c["reaction_used"] is False
        assert (c["damage_dealt"], c["damage_taken"]) == (0, 0)
        assert c["death_saves"] == {"successes": 0, "failures": 0}
        assert c["legendary_actions"]["remaining"] == c["legendary_actions"]["max"]
        assert c["surprised"] is False
        for same in ("kind", "side", "ac", "statblock_id", "hidden", "xp", "cr", "group"):
            assert c[same] == was[same], same
        assert c["initiative"] == (20 if c["kind"] == "lair" else None)
    dragon_copy = next(c for c in copy["combatants"] if c["name"] == "Adult Red Dragon")
    assert dragon_copy["legendary_actions"]["max"] == 3

    # Its own log of one event; the original is untouched.
    log = (await client.get(f"/api/encounters/{copy['id']}/events", headers=dm)).json()
    assert log["total"] == 1 and log["items"][0]["type"] == "encounter_copied"
    assert log["items"][0]["text"] == 'Copied from "Dragon\'s lair": 6 combatant(s).'
    after = (await client.get(f"/api/encounters/{eid}", headers=dm)).json()
    assert after == before

    # The copy runs on its own, and undo takes it back to an empty encounter.
    started = await act(client, dm, copy["id"], {"type": "start_combat"})
    assert started["state"]["round"] == 1
    await act(client, dm, copy["id"], {"type": "undo"})
    emptied = await act(client, dm, copy["id"], {"type": "undo"})
    assert emptied["state"]["combatants"] == []

    # A copy of the copy.
    r = await client.post(f"/api/encounters/{copy['id']}/duplicate", headers=dm)
    assert r.json()["name"] == "Dragon's lair (copy) (copy)"


async def test_duplicate_keeps_long_names_in_bounds_and_refuses_strangers(
    client: httpx.AsyncClient, dm: dict[str, str], campaign: Json
) -> None:
    eid = (await new_encounter(client, dm, campaign, name="n" * 200))["id"]
    r = await client.post(f"/api/encounters/{eid}/duplicate", headers=dm)
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "n" * 193 + " (copy)"
    stranger = await register(client)
    assert_problem(await client.post(f"/api/encounters/{eid}/duplicate", headers=stranger), 404)
    assert_problem(await client.post("/api/encounters/nope/duplicate", headers=dm), 404)
    assert_problem(await client.post(f"/api/encounters/{eid}/duplicate"), 401)
    listing = (await client.get(f"/api/campaigns/{campaign['id']}/encounters", headers=dm)).json()
    assert listing["total"] == 2


async def test_delete_removes_the_encounter_its_log_and_its_link(
    client: httpx.AsyncClient, dm: dict[str, str], campaign: Json
) -> None:
    eid = (await new_encounter(client, dm, campaign))["id"]
    await add(client, dm, eid, {"name": "Goblin", "max_hp": 7})
    token = (await client.post(f"/api/encounters/{eid}/share", headers=dm)).json()["token"]
    stranger = await register(client)
    assert_problem(await client.delete(f"/api/encounters/{eid}", headers=stranger), 404)

    r = await client.delete(f"/api/encounters/{eid}", headers=dm)
    assert r.status_code == 204
    assert_problem(await client.get(f"/api/encounters/{eid}", headers=dm), 404)
    assert_problem(await client.get(f"/api/encounters/{eid}/events", headers=dm), 404)
    assert_problem(await client.get(f"/api/public/encounters/{token}"), 404)
    assert_problem(await client.delete(f"/api/encounters/{eid}", headers=dm), 404)
    listing = (await client.get(f"/api/campaigns/{campaign['id']}/encounters", headers=dm)).json()
    assert listing["total"] == 0
