"""Encounters through HTTP: building, running, undoing and reading a fight."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api import add, new_encounter
from tests.conftest import assert_problem, register

Json = dict[str, Any]


async def act(
    client: httpx.AsyncClient, dm: dict[str, str], eid: str, action: Json, **headers: str
) -> httpx.Response:
    return await client.post(
        f"/api/encounters/{eid}/actions", json=action, headers={**dm, **headers}
    )


async def ok(client: httpx.AsyncClient, dm: dict[str, str], eid: str, action: Json) -> Json:
    r = await act(client, dm, eid, action)
    assert r.status_code == 200, r.text
    body: Json = r.json()
    return body


async def character(
    client: httpx.AsyncClient, dm: dict[str, str], campaign: Json, **body: Any
) -> Json:
    values = {"name": "Aria", "level": 3, "ac": 16, "max_hp": 24, "initiative_bonus": 3, **body}
    r = await client.post(f"/api/campaigns/{campaign['id']}/characters", json=values, headers=dm)
    assert r.status_code == 201, r.text
    result: Json = r.json()
    return result


def by_name(state: Json, name: str) -> Json:
    return next(c for c in state["combatants"] if c["name"] == name)


async def test_character_crud(
    client: httpx.AsyncClient, dm: dict[str, str], campaign: Json
) -> None:
    aria = await character(client, dm, campaign)
    assert aria["current_hp"] == 24
    url = f"/api/campaigns/{campaign['id']}/characters/{aria['id']}"
    r = await client.patch(url, json={"current_hp": 10, "notes": "cursed"}, headers=dm)
    assert r.status_code == 200 and r.json()["current_hp"] == 10
    assert_problem(await client.patch(url, json={"current_hp": 99}, headers=dm), 422)
    assert_problem(await client.patch(url, json={"level": 21}, headers=dm), 422)
    listing = (await client.get(f"/api/campaigns/{campaign['id']}/characters", headers=dm)).json()
    assert listing["total"] == 1
    stranger = await register(client)
    assert_problem(await client.get(url, headers=stranger), 404)
    assert (await client.delete(url, headers=dm)).status_code == 204
    assert_problem(await client.get(url, headers=dm), 404)


async def test_a_whole_fight(client: httpx.AsyncClient, dm: dict[str, str], campaign: Json) -> None:
    aria = await character(client, dm, campaign)
    enc = await new_encounter(client, dm, campaign)
    eid = enc["id"]
    assert enc["status"] == "planning" and enc["version"] == 0 and enc["turn"] is None

    added = await add(client, dm, eid, {"character_id": aria["id"]})
    assert added["version"] == 1
    assert added["events"][0]["seq"] == 1
    assert added["events"][0]["text"] == "Aria joins the encounter."
    goblins = await add(
        client, dm, eid,
        {"name": "Goblin", "count": 2, "max_hp": 7, "ac": 15, "initiative_bonus": 2, "xp": 50},
    )  # fmt: skip
    state = goblins["state"]
    assert [c["name"] for c in state["combatants"]] == ["Aria", "Goblin 1", "Goblin 2"]
    g1 = by_name(state, "Goblin 1")["id"]

    await ok(
        client,
        dm,
        eid,
        {"type": "set_initiative", "combatant_id": by_name(state, "Aria")["id"], "initiative": 18},
    )
    await ok(client, dm, eid, {"type": "roll_initiative", "combatants": "monsters"})
    started = await ok(client, dm, eid, {"type": "start_combat"})
    s = started["state"]
    assert s["status"] == "active" and s["round"] == 1
    assert s["turn"] == s["order"][0]
    assert set(s["order"]) == {c["id"] for c in s["combatants"]}

    hit = await ok(
        client, dm, eid,
        {"type": "damage", "targets": [g1], "amount": 5, "damage_type": "fire"},
    )  # fmt: skip
    assert by_name(hit["state"], "Goblin 1")["hp"] == 2
    assert "Goblin 1" in hit["events"][0]["text"] and "5" in hit["events"][0]["text"]

    killed = await ok(client, dm, eid, {"type": "damage", "targets": [g1], "amount": 10})
    assert by_name(killed["state"], "Goblin 1")["status"] == "down"

    # The turn moves on; rounds wrap.
    version = killed["version"]
    for _ in range(4):
        moved = await ok(client, dm, eid, {"type": "next_turn"})
        assert moved["version"] == version + 1
        version = moved["version"]
    assert moved["state"]["round"] >= 2

    ended = await ok(client, dm, eid, {"type": "end_combat"})
    summary = ended["state"]["summary"]
    assert summary["xp_per_character"] == 50
    assert (await client.get(f"/api/encounters/{eid}/summary", headers=dm)).json() == summary

    events = (await client.get(f"/api/encounters/{eid}/events", headers=dm)).json()
    assert [e["seq"] for e in events["items"]] == list(range(1, ended["version"] + 1))
    assert events["total"] == ended["version"]
    listed = (await client.get(f"/api/encounters/{eid}/combatants?limit=2", headers=dm)).json()
    assert listed["total"] == 3 and [c["name"] for c in listed["items"]] == ["Aria", "Goblin 1"]
    assert all(e["text"] for e in events["items"])
    later = (await client.get(f"/api/encounters/{eid}/events?after=5", headers=dm)).json()
    assert later["items"][0]["seq"] == 6


async def test_end_combat_writes_character_hp_back(
    client: httpx.AsyncClient, dm: dict[str, str], campaign: Json
) -> None:
    aria = await character(client, dm, campaign, max_hp=30)
    eid = (await new_encounter(client, dm, campaign))["id"]
    cid = (await add(client, dm, eid, {"character_id": aria["id"]}))["state"]["combatants"][0]["id"]
    await ok(client, dm, eid, {"type": "start_combat"})
    await ok(client, dm, eid, {"type": "damage", "targets": [cid], "amount": 12})
    await ok(client, dm, eid, {"type": "set_temp_hp", "targets": [cid], "amount": 4})
    await ok(client, dm, eid, {"type": "end_combat"})
    back = (
        await client.get(f"/api/campaigns/{campaign['id']}/characters/{aria['id']}", headers=dm)
    ).json()
    assert back["current_hp"] == 18 and back["temp_hp"] == 4
    # The next encounter starts from the carried-over HP.
    eid2 = (await new_encounter(client, dm, campaign))["id"]
    again = await add(client, dm, eid2, {"character_id": aria["id"]})
    assert again["state"]["combatants"][0]["hp"] == 18


async def test_undo_walks_back_and_keeps_history(
    client: httpx.AsyncClient, dm: dict[str, str], campaign: Json
) -> None:
    eid = (await new_encounter(client, dm, campaign))["id"]
    added = await add(client, dm, eid, {"name": "Ogre", "max_hp": 59, "initiative": 8})
    ogre = added["state"]["combatants"][0]["id"]
    await ok(client, dm, eid, {"type": "start_combat"})
    await ok(client, dm, eid, {"type": "damage", "targets": [ogre], "amount": 10})
    await ok(client, dm, eid, {"type": "add_condition", "targets": [ogre], "condition": "prone"})
    s = (await ok(client, dm, eid, {"type": "undo"}))["state"]
    assert s["combatants"][0]["conditions"] == [] and s["combatants"][0]["hp"] == 49
    s = (await ok(client, dm, eid, {"type": "undo"}))["state"]
    assert s["combatants"][0]["hp"] == 59
    s = (await ok(client, dm, eid, {"type": "undo"}))["state"]
    assert s["status"] == "planning"
    s = (await ok(client, dm, eid, {"type": "undo"}))["state"]
    assert s["combatants"] == []
    assert s["version"] == 8  # undo appends; it never deletes
    assert_problem(await act(client, dm, eid, {"type": "undo"}), 409)
    log = (await client.get(f"/api/encounters/{eid}/events", headers=dm)).json()["items"]
    assert [e["type"] for e in log][-4:] == ["undo"] * 4
    assert [e["undo_of"] for e in log][-4:] == [4, 3, 2, 1]


async def test_if_match(client: httpx.AsyncClient, dm: dict[str, str], campaign: Json) -> None:
    eid = (await new_encounter(client, dm, campaign))["id"]
    added = await add(client, dm, eid, {"name": "Bandit", "max_hp": 11})
    bandit = added["state"]["combatants"][0]["id"]
    r = await act(
        client, dm, eid, {"type": "heal", "targets": [bandit], "amount": 1}, **{"If-Match": "0"}
    )
    body = assert_problem(r, 412)
    assert body["version"] == 1
    r = await act(
        client, dm, eid, {"type": "heal", "targets": [bandit], "amount": 1}, **{"If-Match": '"1"'}
    )
    assert r.status_code == 200 and r.json()["version"] == 2
    assert r.headers["etag"] == '"2"'
    assert_problem(
        await act(client, dm, eid, {"type": "start_combat"}, **{"If-Match": "soon"}), 400
    )
    got = await client.get(f"/api/encounters/{eid}", headers=dm)
    assert got.headers["etag"] == '"2"' and got.json()["version"] == 2


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ({"type": "next_turn"}, 409),
        ({"type": "previous_turn"}, 409),
        ({"type": "damage", "targets": ["nobody"], "amount": 3}, 422),
        ({"type": "damage", "targets": ["@bandit"], "amount": -3}, 422),
        ({"type": "damage", "targets": [], "amount": 3}, 422),
        ({"type": "death_save", "combatant_id": "@bandit", "result": "success"}, 409),
        ({"type": "teleport"}, 422),
        ({"type": "damage", "targets": ["@bandit"], "amount": 3, "bogus": 1}, 422),
        ({}, 422),
    ],
)
async def test_invalid_actions_append_nothing(
    client: httpx.AsyncClient, dm: dict[str, str], campaign: Json, action: Json, status: int
) -> None:
    eid = (await new_encounter(client, dm, campaign))["id"]
    added = await add(client, dm, eid, {"name": "Bandit", "max_hp": 11, "kind": "character"})
    bandit = added["state"]["combatants"][0]["id"]
    body = {
        k: (
            [bandit if t == "@bandit" else t for t in v]
            if isinstance(v, list)
            else (bandit if v == "@bandit" else v)
        )
        for k, v in action.items()
    }
    assert_problem(await act(client, dm, eid, body), status)
    state = (await client.get(f"/api/encounters/{eid}", headers=dm)).json()
    assert state["version"] == 1
    events = (await client.get(f"/api/encounters/{eid}/events", headers=dm)).json()["items"]
    assert len(events) == 1


async def test_condition_on_the_dead_is_refused(
    client: httpx.AsyncClient, dm: dict[str, str], campaign: Json
) -> None:
    aria = await character(client, dm, campaign, max_hp=10)
    eid = (await new_encounter(client, dm, campaign))["id"]
    cid = (await add(client, dm, eid, {"character_id": aria["id"]}))["state"]["combatants"][0]["id"]
    await ok(client, dm, eid, {"type": "start_combat"})
    dead = await ok(client, dm, eid, {"type": "damage", "targets": [cid], "amount": 20})
    assert dead["state"]["combatants"][0]["status"] == "dead"  # massive damage
    r = await act(
        client, dm, eid, {"type": "add_condition", "targets": [cid], "condition": "prone"}
    )
    assert_problem(r, 409)


async def test_combatants_join_and_leave_mid_combat(
    client: httpx.AsyncClient, dm: dict[str, str], campaign: Json
) -> None:
    eid = (await new_encounter(client, dm, campaign))["id"]
    await add(client, dm, eid, {"name": "A", "initiative": 20})
    await add(client, dm, eid, {"name": "B", "initiative": 10})
    s = (await ok(client, dm, eid, {"type": "start_combat"}))["state"]
    s = (await ok(client, dm, eid, {"type": "next_turn"}))["state"]
    b = by_name(s, "B")["id"]
    assert s["turn"] == b
    s = (await add(client, dm, eid, {"name": "C", "initiative": 25}))["state"]
    assert s["turn"] == b and s["order"][0] == by_name(s, "C")["id"]
    a = by_name(s, "A")["id"]
    r = await client.delete(f"/api/encounters/{eid}/combatants/{a}", headers=dm)
    assert r.status_code == 200
    s = r.json()["state"]
    assert s["turn"] == b and a not in s["order"]
    assert r.json()["events"][0]["type"] == "combatant_removed"
    r = await client.patch(
        f"/api/encounters/{eid}/combatants/{b}",
        json={"alias": "Hooded figure", "ac": 17},
        headers=dm,
    )
    assert r.status_code == 200
    assert by_name(r.json()["state"], "B")["alias"] == "Hooded figure"
    assert_problem(
        await client.patch(
            f"/api/encounters/{eid}/combatants/{b}", json={"ac": "high"}, headers=dm
        ),
        422,
    )
    got = await client.get(f"/api/encounters/{eid}/combatants/{b}", headers=dm)
    assert got.json()["ac"] == 17
    assert_problem(await client.get(f"/api/encounters/{eid}/combatants/nope", headers=dm), 404)


async def test_another_dms_encounter_does_not_exist(
    client: httpx.AsyncClient, dm: dict[str, str], campaign: Json
) -> None:
    eid = (await new_encounter(client, dm, campaign))["id"]
    stranger = await register(client)
    for method, path, body in [
        ("GET", "", None),
        ("DELETE", "", None),
        ("GET", "/events", None),
        ("GET", "/combatants", None),
        ("POST", "/combatants", {"name": "Spy"}),
        ("POST", "/actions", {"type": "start_combat"}),
    ]:
        r = await client.request(
            method, f"/api/encounters/{eid}{path}", json=body, headers=stranger
        )
        assert_problem(r, 404)
    r = await client.post(
        f"/api/campaigns/{campaign['id']}/encounters", json={"name": "x"}, headers=stranger
    )
    assert_problem(r, 404)
    assert (await client.get(f"/api/encounters/{eid}", headers=dm)).json()["version"] == 0


async def test_character_from_another_campaign_is_refused(
    client: httpx.AsyncClient, dm: dict[str, str], campaign: Json
) -> None:
    other = (await client.post("/api/campaigns", json={"name": "Other"}, headers=dm)).json()
    stray = await character(client, dm, other)
    eid = (await new_encounter(client, dm, campaign))["id"]
    r = await client.post(
        f"/api/encounters/{eid}/combatants", json={"character_id": stray["id"]}, headers=dm
    )
    assert_problem(r, 422)
    r = await client.post(f"/api/encounters/{eid}/combatants", json={"name": ""}, headers=dm)
    assert_problem(r, 422)


async def test_long_names_still_number(
    client: httpx.AsyncClient, dm: dict[str, str], campaign: Json
) -> None:
    eid = (await new_encounter(client, dm, campaign))["id"]
    long = "X" * 100
    added = await add(client, dm, eid, {"name": long, "count": 3})
    names = [c["name"] for c in added["state"]["combatants"]]
    assert names == [f"{'X' * 96} {n}" for n in (1, 2, 3)]
    again = await add(client, dm, eid, {"name": long})
    assert again["state"]["combatants"][-1]["name"] == f"{'X' * 96} 4"
    alone = (await new_encounter(client, dm, campaign))["id"]
    single = await add(client, dm, alone, {"name": long})
    assert single["state"]["combatants"][0]["name"] == "X" * 96


async def test_ad_hoc_combatant_takes_the_combatant_shape(
    client: httpx.AsyncClient, dm: dict[str, str], campaign: Json
) -> None:
    eid = (await new_encounter(client, dm, campaign))["id"]
    body = {
        "name": "Young Dragon",
        "ac": 18,
        "max_hp": 178,
        "hp": 150,
        "legendary_actions": {"max": 3, "remaining": 2},
        "legendary_resistances": 1,
        "conditions": [{"name": "Prone"}],
        "concentration": "Fog Cloud",
        "immunities": ["fire"],
    }
    dragon = (await add(client, dm, eid, body))["state"]["combatants"][0]
    assert dragon["legendary_actions"]["max"] == 3 and dragon["legendary_actions"]["remaining"] == 2
    assert dragon["legendary_resistances"] == {"max": 1, "remaining": 1}
    assert [c["name"] for c in dragon["conditions"]] == ["prone"]
    assert dragon["concentration"] == "Fog Cloud" and dragon["hp"] == 150
    bad = await client.post(
        f"/api/encounters/{eid}/combatants",
        json={"name": "X", "legendary_actions": {"max": 99}},
        headers=dm,
    )
    assert_problem(bad, 422)
