"""The monster library through HTTP: search, privacy, homebrew, imports, and
stat blocks turned into combatants."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api import add, new_encounter
from tests.conftest import assert_problem, register
from tests.statblocks.test_importers import DRAGON_IA, GOBLIN_5E, GOBLIN_IA

Json = dict[str, Any]
Headers = dict[str, str]

OWLBEAR: Json = {
    "name": "Glimmer Owlbear",
    "size": "large",
    "type": "monstrosity",
    "alignment": "unaligned",
    "ac": 13,
    "hp": 59,
    "hit_dice": "7d10",
    "abilities": {"str": 20, "dex": 12, "con": 17, "int": 3, "wis": 12, "cha": 7},
    "challenge_rating": 3,
    "damage_resistances": ["radiant"],
}


async def search(client: httpx.AsyncClient, headers: Headers, **params: Any) -> Json:
    r = await client.get("/api/statblocks", params=params, headers=headers)
    assert r.status_code == 200, r.text
    body: Json = r.json()
    return body


async def names(client: httpx.AsyncClient, headers: Headers, **params: Any) -> list[str]:
    return [item["name"] for item in (await search(client, headers, **params))["items"]]


async def homebrew(client: httpx.AsyncClient, headers: Headers, **fields: Any) -> Json:
    r = await client.post("/api/statblocks", json={**OWLBEAR, **fields}, headers=headers)
    assert r.status_code == 201, r.text
    body: Json = r.json()
    return body


# --- reading and searching ---------------------------------------------------------------


async def test_every_route_needs_a_user(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/api/statblocks"), 401)
    assert_problem(await client.get("/api/statblocks/srd-goblin"), 401)
    assert_problem(await client.post("/api/statblocks", json=OWLBEAR), 401)
    assert_problem(await client.post("/api/statblocks/import", json=GOBLIN_IA), 401)
    assert_problem(await client.patch("/api/statblocks/srd-goblin", json={"ac": 1}), 401)
    assert_problem(await client.delete("/api/statblocks/srd-goblin"), 401)


async def test_the_srd_ships_with_every_monster(client: httpx.AsyncClient, dm: Headers) -> None:
    everything = await search(client, dm, limit=1)
    assert everything["total"] == 334
    goblin = (await client.get("/api/statblocks/srd-goblin", headers=dm)).json()
    assert goblin["id"] == "srd-goblin"
    assert goblin["source"] == "srd" and goblin["owner_id"] is None
    assert goblin["source_book"] == "SRD 5.1"
    assert goblin["name"] == "Goblin" and goblin["slug"] == "goblin"
    assert (goblin["ac"], goblin["hp"], goblin["hit_dice"]) == (15, 7, "2d6")
    assert goblin["challenge_rating"] == 0.25 and goblin["cr"] == "1/4" and goblin["xp"] == 50
    assert goblin["abilities"]["dex"] == 14 and goblin["initiative_bonus"] == 2
    assert goblin["actions"] and goblin["hp_roll"] == "2d6"


async def test_search_puts_names_starting_with_the_text_first(
    client: httpx.AsyncClient, dm: Headers
) -> None:
    assert await names(client, dm, q="gob") == ["Goblin", "Hobgoblin"]
    assert await names(client, dm, q="GOB") == ["Goblin", "Hobgoblin"]
    # An exact name beats a longer one; names starting with it come next, then
    # names with a word starting with it, then the rest, each by name.
    found = await names(client, dm, q="dragon", limit=200)
    assert found[0] == "Dragon Turtle"
    assert found.index("Adult Black Dragon") < found.index("Pseudodragon")
    assert found[-1] == "Pseudodragon"
    word_starts = found[1:-1]
    assert word_starts == sorted(word_starts, key=str.lower)


async def test_search_summaries(client: httpx.AsyncClient, dm: Headers) -> None:
    (goblin,) = (await search(client, dm, q="goblin", source="srd", size="small"))["items"]
    assert goblin == {
        "id": "srd-goblin",
        "name": "Goblin",
        "source": "srd",
        "size": "small",
        "type": "humanoid",
        "subtype": "goblinoid",
        "alignment": "neutral evil",
        "challenge_rating": 0.25,
        "cr": "1/4",
        "xp": 50,
        "ac": 15,
        "hp": 7,
        "hit_dice": "2d6",
    }


async def test_search_filters(client: httpx.AsyncClient, dm: Headers) -> None:
    small = await names(client, dm, type="humanoid", size="small", cr_min=0, cr_max=2)
    assert small == ["Deep Gnome (Svirfneblin)", "Goblin", "Kobold"]
    assert await names(client, dm, type="Humanoid", size="small", cr_max="1/4") == [
        "Goblin",
        "Kobold",
    ]
    low = await search(client, dm, cr_min="1/8", cr_max="1/4", limit=200)
    assert low["total"] == len(low["items"]) > 0
    assert all(0.125 <= item["challenge_rating"] <= 0.25 for item in low["items"])
    # "beast" also finds the SRD's swarms, typed "swarm of tiny beasts".
    beasts = await search(client, dm, type="beast", limit=200)
    assert beasts["total"] == 97
    assert "Swarm of Bats" in [item["name"] for item in beasts["items"]]
    assert await names(client, dm, type="ant") == []  # a word prefix: "ant" is not "giant"
    assert (await search(client, dm, q="zzz-no-such-monster"))["total"] == 0


@pytest.mark.parametrize(
    "params",
    [{"cr_min": "abc"}, {"cr_max": "31"}, {"size": "enormous"}, {"source": "mine"}, {"limit": 0}],
)
async def test_bad_search_parameters_are_422(
    client: httpx.AsyncClient, dm: Headers, params: Json
) -> None:
    problem = assert_problem(await client.get("/api/statblocks", params=params, headers=dm), 422)
    assert problem["errors"][0]["loc"][:2] == ["query", next(iter(params))]


async def test_search_pages_add_up(client: httpx.AsyncClient, dm: Headers) -> None:
    whole = await search(client, dm, q="dragon", limit=200)
    pages: list[str] = []
    for offset in range(0, whole["total"], 7):
        page = await search(client, dm, q="dragon", limit=7, offset=offset)
        assert page["total"] == whole["total"] == 43
        pages += [item["id"] for item in page["items"]]
    assert pages == [item["id"] for item in whole["items"]]
    past = await search(client, dm, q="dragon", limit=7, offset=500)
    assert past == {"items": [], "total": 43}


async def test_like_wildcards_in_the_text_are_literal(
    client: httpx.AsyncClient, dm: Headers
) -> None:
    assert (await search(client, dm, q="%"))["total"] == 0
    assert (await search(client, dm, q="_"))["total"] == 0
    await homebrew(client, dm, name="100% Owlbear_X")
    assert await names(client, dm, q="0% owl") == ["100% Owlbear_X"]
    assert await names(client, dm, q="r_x") == ["100% Owlbear_X"]


# --- homebrew -----------------------------------------------------------------------------


async def test_homebrew_is_private_to_its_owner(client: httpx.AsyncClient, dm: Headers) -> None:
    mine = await homebrew(client, dm)
    assert mine["source"] == "homebrew" and mine["owner_id"]
    url = f"/api/statblocks/{mine['id']}"
    assert await names(client, dm, q="glimmer") == ["Glimmer Owlbear"]
    assert (await search(client, dm, source="homebrew"))["total"] == 1
    assert (await search(client, dm))["total"] == 335

    stranger = await register(client)
    assert await names(client, stranger, q="glimmer") == []
    assert (await search(client, stranger))["total"] == 334
    assert_problem(await client.get(url, headers=stranger), 404)
    assert_problem(await client.patch(url, json={"ac": 20}, headers=stranger), 404)
    assert_problem(await client.delete(url, headers=stranger), 404)
    assert (await client.get(url, headers=dm)).json()["ac"] == 13


async def test_srd_stat_blocks_are_read_only(client: httpx.AsyncClient, dm: Headers) -> None:
    url = "/api/statblocks/srd-goblin"
    problem = assert_problem(await client.patch(url, json={"hp": 99}, headers=dm), 403)
    assert problem["type"].endswith("/statblock-read-only")
    assert_problem(await client.delete(url, headers=dm), 403)
    assert (await client.get(url, headers=dm)).json()["hp"] == 7


async def test_homebrew_create_derives_and_patch_follows(
    client: httpx.AsyncClient, dm: Headers
) -> None:
    owlbear = await homebrew(client, dm)
    assert (owlbear["xp"], owlbear["cr"], owlbear["initiative_bonus"]) == (700, "3", 1)
    assert owlbear["hp_roll"] == "7d10+21"
    url = f"/api/statblocks/{owlbear['id']}"

    # XP and initiative that were derived follow what they come from...
    r = await client.patch(url, json={"challenge_rating": "1/2", "abilities": {"dex": 16}})
    assert_problem(r, 401)
    r = await client.patch(
        url, json={"challenge_rating": "1/2", "abilities": {"dex": 16}}, headers=dm
    )
    assert r.status_code == 200, r.text
    changed = r.json()
    assert (changed["xp"], changed["cr"], changed["initiative_bonus"]) == (100, "1/2", 3)
    assert changed["name"] == "Glimmer Owlbear" and changed["ac"] == 13
    # A merge patch: the other ability scores stay.
    assert changed["abilities"] == {**OWLBEAR["abilities"], "dex": 16}
    r = await client.patch(url, json={"hit_dice": None, "abilities": {"cha": 9}}, headers=dm)
    assert r.json()["hit_dice"] is None and r.json()["abilities"]["cha"] == 9
    assert r.json()["abilities"]["str"] == 20
    assert await names(client, dm, q="glimmer", cr_max=0.5) == ["Glimmer Owlbear"]

    # ...but a value the user chose stays.
    await client.patch(url, json={"xp": 5}, headers=dm)
    r = await client.patch(url, json={"challenge_rating": 4, "name": "Dim Owlbear"}, headers=dm)
    assert (r.json()["xp"], r.json()["cr"]) == (5, "4")
    assert await names(client, dm, q="owlbear", source="homebrew") == ["Dim Owlbear"]


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"hp": 0}, ["body", "hp"]),
        ({"size": "colossal"}, ["body", "size"]),
        ({"name": None}, ["body", "name"]),
        ({"challenge_rating": "7/3"}, ["body", "challenge_rating"]),
        ({"damage_resistances": ["cheese"]}, ["body", "damage_resistances", "0"]),
        ({"colour": "blue"}, ["body", "colour"]),
    ],
)
async def test_a_bad_patch_is_422_naming_the_field_and_changes_nothing(
    client: httpx.AsyncClient, dm: Headers, change: Json, loc: list[str]
) -> None:
    owlbear = await homebrew(client, dm)
    url = f"/api/statblocks/{owlbear['id']}"
    problem = assert_problem(await client.patch(url, json=change, headers=dm), 422)
    assert problem["errors"][0]["loc"] == loc
    assert (await client.get(url, headers=dm)).json() == owlbear


async def test_homebrew_create_validates(client: httpx.AsyncClient, dm: Headers) -> None:
    problem = assert_problem(
        await client.post("/api/statblocks", json={**OWLBEAR, "ac": -1}, headers=dm), 422
    )
    assert problem["errors"][0]["loc"] == ["body", "ac"]


async def test_homebrew_delete(client: httpx.AsyncClient, dm: Headers) -> None:
    owlbear = await homebrew(client, dm)
    url = f"/api/statblocks/{owlbear['id']}"
    assert (await client.delete(url, headers=dm)).status_code == 204
    assert_problem(await client.get(url, headers=dm), 404)
    assert_problem(await client.delete(url, headers=dm), 404)


# --- imports ------------------------------------------------------------------------------


async def test_import_5e_bits_and_improved_initiative(
    client: httpx.AsyncClient, dm: Headers
) -> None:
    r = await client.post("/api/statblocks/import", json=GOBLIN_5E, headers=dm)
    assert r.status_code == 201, r.text
    goblin = r.json()
    assert goblin["source"] == "homebrew" and goblin["id"] != "srd-goblin"
    assert (goblin["ac"], goblin["hp"], goblin["cr"], goblin["size"]) == (15, 7, "1/4", "small")

    r = await client.post("/api/statblocks/import", json=DRAGON_IA, headers=dm)
    assert r.status_code == 201, r.text
    dragon = r.json()
    assert dragon["legendary_actions_per_round"] == 3 and dragon["legendary_resistances"] == 3
    assert dragon["damage_immunities"] == ["acid"]
    assert (dragon["source"], dragon["source_book"]) == ("homebrew", "Monster Manual")
    found = await search(client, dm, source="homebrew", limit=10)
    assert {i["name"] for i in found["items"]} == {"Goblin", "Adult Black Dragon"}


@pytest.mark.parametrize(
    ("payload", "loc"),
    [
        ({**GOBLIN_IA, "HP": {"Notes": "(2d6)"}}, ["HP", "Value"]),
        ({**GOBLIN_IA, "Challenge": "7/3"}, ["Challenge"]),
        ({**GOBLIN_5E, "hit_points": "lots"}, ["hit_points"]),
        ({"whatever": 1}, []),
    ],
)
async def test_import_errors_are_422_naming_the_field(
    client: httpx.AsyncClient, dm: Headers, payload: Json, loc: list[str]
) -> None:
    before = (await search(client, dm, source="homebrew"))["total"]
    r = await client.post("/api/statblocks/import", json=payload, headers=dm)
    problem = assert_problem(r, 422)
    assert problem["type"].endswith("/statblock-import-error")
    assert problem["errors"][0]["loc"] == loc
    assert (await search(client, dm, source="homebrew"))["total"] == before


async def test_import_needs_an_object(client: httpx.AsyncClient, dm: Headers) -> None:
    assert_problem(await client.post("/api/statblocks/import", json=[GOBLIN_IA], headers=dm), 422)


# --- into encounters ----------------------------------------------------------------------


async def test_three_goblins_with_average_hp(
    client: httpx.AsyncClient, dm: Headers, campaign: Json
) -> None:
    encounter = await new_encounter(client, dm, campaign)
    result = await add(client, dm, encounter["id"], {"statblock_id": "srd-goblin", "count": 3})
    goblins = result["state"]["combatants"]
    assert [g["name"] for g in goblins] == ["Goblin 1", "Goblin 2", "Goblin 3"]
    for goblin in goblins:
        assert goblin["kind"] == "monster" and goblin["statblock_id"] == "srd-goblin"
        assert (goblin["hp"], goblin["max_hp"], goblin["ac"]) == (7, 7, 15)
        assert (goblin["initiative_bonus"], goblin["dexterity"]) == (2, 14)
        assert (goblin["xp"], goblin["cr"], goblin["group"]) == (50, "1/4", None)
    assert len({g["id"] for g in goblins}) == 3
    assert result["events"][0]["data"]["rolls"] == []

    # One more continues the numbering.
    more = await add(client, dm, encounter["id"], {"statblock_id": "srd-goblin"})
    assert [c["name"] for c in more["state"]["combatants"]][-1] == "Goblin 4"


async def test_a_single_monster_keeps_its_name_and_the_body_options(
    client: httpx.AsyncClient, dm: Headers, campaign: Json
) -> None:
    encounter = await new_encounter(client, dm, campaign)
    body = {"statblock_id": "srd-goblin", "hidden": True, "alias": "Shadow"}
    (goblin,) = (await add(client, dm, encounter["id"], body))["state"]["combatants"]
    assert (goblin["name"], goblin["alias"], goblin["hidden"]) == ("Goblin", "Shadow", True)


async def test_rolled_hit_points_are_recorded(
    client: httpx.AsyncClient, dm: Headers, campaign: Json
) -> None:
    encounter = await new_encounter(client, dm, campaign)
    body = {"statblock_id": "srd-goblin", "count": 5, "hp": "rolled"}
    result = await add(client, dm, encounter["id"], body)
    goblins = {c["id"]: c for c in result["state"]["combatants"]}
    (event,) = result["events"]
    rolls = event["data"]["rolls"]
    assert len(rolls) == 5
    for roll in rolls:
        goblin = goblins[roll["combatant_id"]]
        assert roll["purpose"] == "hit points" and roll["expression"] == "2d6"
        assert 2 <= roll["total"] <= 12 and roll["breakdown"]
        assert goblin["hp"] == goblin["max_hp"] == roll["total"]
    assert "hit points" in event["text"]
    log = await client.get(f"/api/encounters/{encounter['id']}/events", headers=dm)
    assert log.json()["items"][-1]["data"]["rolls"] == rolls


async def test_legendary_creatures_bring_their_pools_and_defences(
    client: httpx.AsyncClient, dm: Headers, campaign: Json
) -> None:
    encounter = await new_encounter(client, dm, campaign)
    result = await add(client, dm, encounter["id"], {"statblock_id": "srd-adult-red-dragon"})
    (dragon,) = result["state"]["combatants"]
    assert dragon["name"] == "Adult Red Dragon"
    assert dragon["legendary_actions"]["max"] == dragon["legendary_actions"]["remaining"] == 3
    assert dragon["legendary_resistances"] == {"max": 3, "remaining": 3}
    assert dragon["immunities"] == ["fire"]
    assert (dragon["ac"], dragon["max_hp"], dragon["xp"], dragon["cr"]) == (19, 256, 18000, "17")


async def test_initiative_groups(client: httpx.AsyncClient, dm: Headers, campaign: Json) -> None:
    encounter = await new_encounter(client, dm, campaign)
    body = {"statblock_id": "srd-wolf", "count": 3, "group": True}
    wolves = (await add(client, dm, encounter["id"], body))["state"]["combatants"]
    (group,) = {w["group"] for w in wolves}
    assert group
    body = {"statblock_id": "srd-wolf", "count": 2, "group": group}
    later = (await add(client, dm, encounter["id"], body))["state"]["combatants"][3:]
    assert [w["group"] for w in later] == [group, group]
    assert [w["name"] for w in later] == ["Wolf 4", "Wolf 5"]


async def test_homebrew_in_encounters_needs_a_dm_of_the_campaign(
    client: httpx.AsyncClient, dm: Headers, campaign: Json
) -> None:
    encounter = await new_encounter(client, dm, campaign)
    mine = await homebrew(client, dm)
    added = await add(client, dm, encounter["id"], {"statblock_id": mine["id"]})
    (owlbear,) = added["state"]["combatants"]
    assert (owlbear["name"], owlbear["resistances"], owlbear["xp"]) == (
        "Glimmer Owlbear",
        ["radiant"],
        700,
    )

    stranger = await register(client)
    theirs = await homebrew(client, stranger, name="Stranger Thing")
    url = f"/api/encounters/{encounter['id']}/combatants"
    for statblock_id in (theirs["id"], "no-such-statblock"):
        r = await client.post(url, json={"statblock_id": statblock_id}, headers=dm)
        problem = assert_problem(r, 422)
        assert problem["errors"][0]["loc"] == ["body", "statblock_id"]

    # A co-DM fields the owner's homebrew in the owner's campaign once it is shared
    # there (tests/test_consent.py).
    me = (await client.get("/api/auth/me", headers=stranger)).json()
    r = await client.post(
        f"/api/campaigns/{campaign['id']}/members", json={"email": me["email"]}, headers=dm
    )
    assert r.status_code == 202, r.text
    r = await client.post(f"/api/invitations/{r.json()['id']}/accept", headers=stranger)
    assert r.status_code == 200, r.text
    shared = f"/api/campaigns/{campaign['id']}/statblocks"
    assert (await client.put(f"{shared}/{mine['id']}", headers=dm)).status_code == 204
    assert (await client.put(f"{shared}/{theirs['id']}", headers=stranger)).status_code == 204
    added = await add(client, stranger, encounter["id"], {"statblock_id": mine["id"]})
    assert [c["name"] for c in added["state"]["combatants"]] == [
        "Glimmer Owlbear",
        "Glimmer Owlbear 2",
    ]
    # ...and the owner's campaign may now use the co-DM's homebrew too.
    await add(client, dm, encounter["id"], {"statblock_id": theirs["id"]})


async def test_a_long_homebrew_name_fits_a_combatant(
    client: httpx.AsyncClient, dm: Headers, campaign: Json
) -> None:
    long = await homebrew(client, dm, name="Owlbear " + "x" * 180)
    encounter = await new_encounter(client, dm, campaign)
    body = {"statblock_id": long["id"], "count": 12}
    names = [
        c["name"] for c in (await add(client, dm, encounter["id"], body))["state"]["combatants"]
    ]
    assert all(len(n) <= 100 for n in names) and names[-1].endswith(" 12")
