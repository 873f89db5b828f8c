"""GET /api/encounters/{id}/difficulty: a real party against real monsters."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import assert_problem, register

Json = dict[str, Any]
Headers = dict[str, str]


async def post(client: httpx.AsyncClient, headers: Headers, url: str, body: Json) -> Json:
    r = await client.post(url, json=body, headers=headers)
    assert r.status_code == 201, r.text
    result: Json = r.json()
    return result


async def party_against_goblins(
    client: httpx.AsyncClient, dm: Headers, campaign: Json
) -> tuple[str, list[Json]]:
    """Levels 3, 3, 2, 2 against three goblins (one hidden), a hobgoblin and a lair."""
    cid = campaign["id"]
    heroes = [
        await post(client, dm, f"/api/campaigns/{cid}/characters", {"name": name, "level": level})
        for name, level in (("Aria", 3), ("Brom", 3), ("Cal", 2), ("Dee", 2))
    ]
    encounter = await post(client, dm, f"/api/campaigns/{cid}/encounters", {"name": "Ambush"})
    url = f"/api/encounters/{encounter['id']}/combatants"
    await post(client, dm, url, {"character_ids": [h["id"] for h in heroes]})
    await post(client, dm, url, {"statblock_id": "srd-goblin", "count": 2})
    await post(client, dm, url, {"statblock_id": "srd-goblin", "hidden": True})
    await post(client, dm, url, {"statblock_id": "srd-hobgoblin"})
    await post(client, dm, url, {"name": "Lair", "kind": "lair", "xp": 5000})
    return encounter["id"], heroes


async def difficulty(client: httpx.AsyncClient, dm: Headers, eid: str, **params: str) -> Json:
    r = await client.get(f"/api/encounters/{eid}/difficulty", params=params, headers=dm)
    assert r.status_code == 200, r.text
    body: Json = r.json()
    return body


async def test_2014_thresholds_multiplier_and_rating(
    client: httpx.AsyncClient, dm: Headers, campaign: Json
) -> None:
    eid, _ = await party_against_goblins(client, dm, campaign)
    rated = await difficulty(client, dm, eid)  # the encounter's own ruleset: 2014
    assert rated["ruleset"] == "2014"
    assert (rated["party_size"], rated["monster_count"]) == (4, 4)
    # Level 3: 75/150/225/400; level 2: 50/100/150/200; two of each.
    assert rated["thresholds"] == {"easy": 250, "medium": 500, "hard": 750, "deadly": 1200}
    assert rated["total_xp"] == 3 * 50 + 100
    assert rated["multiplier"] == 2.0  # 3 to 6 monsters
    assert rated["adjusted_xp"] == 500
    assert rated["rating"] == "medium"
    assert rated["xp_per_character"] == 62
    assert sorted(p["level"] for p in rated["party"]) == [2, 2, 3, 3]
    assert sorted(m["name"] for m in rated["monsters"]) == [
        "Goblin 1",
        "Goblin 2",
        "Goblin 3",
        "Hobgoblin",
    ]
    assert rated["assumed_level"] == []


async def test_2024_budget(client: httpx.AsyncClient, dm: Headers, campaign: Json) -> None:
    eid, _ = await party_against_goblins(client, dm, campaign)
    rated = await difficulty(client, dm, eid, ruleset="2024")
    assert rated["ruleset"] == "2024"
    # Level 3: 150/225/400; level 2: 100/150/200.
    assert rated["budget"] == {"low": 500, "moderate": 750, "high": 1200}
    assert rated["total_xp"] == 250
    assert rated["rating"] == "trivial" and rated["over_high"] is False


async def test_levels_are_read_from_the_campaign_characters(
    client: httpx.AsyncClient, dm: Headers, campaign: Json
) -> None:
    eid, heroes = await party_against_goblins(client, dm, campaign)
    for hero in heroes:
        r = await client.patch(
            f"/api/campaigns/{campaign['id']}/characters/{hero['id']}",
            json={"level": 1},
            headers=dm,
        )
        assert r.status_code == 200, r.text
    rated = await difficulty(client, dm, eid)
    assert rated["thresholds"] == {"easy": 100, "medium": 200, "hard": 300, "deadly": 400}
    assert rated["rating"] == "deadly"


async def test_a_typed_in_character_counts_as_level_1(
    client: httpx.AsyncClient, dm: Headers, campaign: Json
) -> None:
    eid, _ = await party_against_goblins(client, dm, campaign)
    guest = await post(
        client,
        dm,
        f"/api/encounters/{eid}/combatants",
        {"name": "Guest", "kind": "character", "max_hp": 9},
    )
    guest_id = guest["state"]["combatants"][-1]["id"]
    rated = await difficulty(client, dm, eid)
    assert rated["party_size"] == 5 and rated["assumed_level"] == [guest_id]
    assert rated["thresholds"] == {"easy": 275, "medium": 550, "hard": 825, "deadly": 1300}
    assert (rated["adjusted_xp"], rated["rating"]) == (500, "easy")


async def test_an_empty_encounter(client: httpx.AsyncClient, dm: Headers, campaign: Json) -> None:
    encounter = await post(
        client, dm, f"/api/campaigns/{campaign['id']}/encounters", {"ruleset": "2024"}
    )
    rated = await difficulty(client, dm, encounter["id"])
    assert rated["ruleset"] == "2024"
    assert (rated["party_size"], rated["total_xp"], rated["rating"]) == (0, 0, None)


async def test_errors(client: httpx.AsyncClient, dm: Headers, campaign: Json) -> None:
    encounter = await post(client, dm, f"/api/campaigns/{campaign['id']}/encounters", {})
    url = f"/api/encounters/{encounter['id']}/difficulty"
    assert_problem(await client.get(url), 401)
    assert_problem(await client.get(url, headers=await register(client)), 404)
    assert_problem(await client.get(url, params={"ruleset": "2019"}, headers=dm), 422)
    assert_problem(await client.get("/api/encounters/nope/difficulty", headers=dm), 404)


async def test_the_rating_follows_the_encounters_ruleset(
    client: httpx.AsyncClient, dm: Headers, campaign: Json
) -> None:
    eid, _ = await party_against_goblins(client, dm, campaign)
    assert (await difficulty(client, dm, eid))["ruleset"] == "2014"

    async def act(action: Json) -> httpx.Response:
        return await client.post(f"/api/encounters/{eid}/actions", json=action, headers=dm)

    r = await act({"type": "update_settings", "ruleset": "2024"})
    assert r.status_code == 200, r.text
    assert r.json()["state"]["ruleset"] == "2024"
    rated = await difficulty(client, dm, eid)
    assert rated["ruleset"] == "2024" and rated["budget"]["moderate"] == 750
    listed = await client.get(f"/api/campaigns/{campaign['id']}/encounters", headers=dm)
    assert listed.json()["items"][0]["ruleset"] == "2024"

    assert_problem(await act({"type": "update_settings", "ruleset": "5e"}), 422)
    assert_problem(await act({"type": "update_settings", "ruleset": None}), 422)
    r = await act({"type": "roll_initiative"})
    assert r.status_code == 200, r.text
    assert (await act({"type": "start_combat"})).status_code == 200
    assert_problem(await act({"type": "update_settings", "ruleset": "2014"}), 409)
    assert (await difficulty(client, dm, eid))["ruleset"] == "2024"
    # Undo takes the change back with the rest.
    for _ in range(2):
        assert (await act({"type": "undo"})).status_code == 200
    undone = await act({"type": "undo"})
    assert undone.status_code == 200 and undone.json()["state"]["ruleset"] == "2014"
