"""Encounter export and import: our own format round-trips to an equal
encounter, and Improved Initiative's saved encounters come in."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from tests.conftest import assert_problem, register
from tests.statblocks.test_importers import DRAGON_IA, GOBLIN_IA

Json = dict[str, Any]
Headers = dict[str, str]


async def post(
    client: httpx.AsyncClient, headers: Headers, url: str, body: Any, status: int = 201
) -> Json:
    r = await client.post(url, json=body, headers=headers)
    assert r.status_code == status, r.text
    result: Json = r.json()
    return result


async def act(client: httpx.AsyncClient, dm: Headers, eid: str, action: Json) -> Json:
    return await post(client, dm, f"/api/encounters/{eid}/actions", action, status=200)


def by_name(state: Json, name: str) -> Json:
    return next(c for c in state["combatants"] if c["name"] == name)


async def export(client: httpx.AsyncClient, dm: Headers, eid: str) -> Json:
    r = await client.get(f"/api/encounters/{eid}/export", headers=dm)
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"].startswith("attachment;")
    body: Json = r.json()
    return body


async def import_(client: httpx.AsyncClient, dm: Headers, campaign_id: str, doc: Any) -> Json:
    return await post(client, dm, f"/api/campaigns/{campaign_id}/encounters/import", doc)


async def a_fight_in_progress(client: httpx.AsyncClient, dm: Headers, campaign: Json) -> str:
    """Round 2 of a fight with everything an encounter can hold: a campaign
    character, grouped goblins, a legendary dragon, a hidden scout, damage,
    temp HP, conditions timed on other creatures, concentration, a delay."""
    cid = campaign["id"]
    aria = await post(
        client, dm, f"/api/campaigns/{cid}/characters", {"name": "Aria", "level": 5, "max_hp": 38}
    )
    eid = (
        await post(
            client,
            dm,
            f"/api/campaigns/{cid}/encounters",
            {"name": "Bridge at Dawn", "ruleset": "2024", "settings": {"tie_policy": "pcs_first"}},
        )
    )["id"]
    url = f"/api/encounters/{eid}/combatants"
    await post(client, dm, url, {"character_id": aria["id"]})
    await post(client, dm, url, {"statblock_id": "srd-goblin", "count": 3, "group": True})
    await post(client, dm, url, {"statblock_id": "srd-adult-red-dragon", "alias": "The Shadow"})
    await post(client, dm, url, {"name": "Scout", "kind": "npc", "max_hp": 16, "hidden": True})
    await post(client, dm, url, {"name": "Lair", "kind": "lair"})
    state = (await act(client, dm, eid, {"type": "roll_initiative", "combatants": "all"}))["state"]
    aria_id, dragon, goblin = (
        by_name(state, n)["id"] for n in ("Aria", "Adult Red Dragon", "Goblin 2")
    )
    await act(client, dm, eid, {"type": "start_combat"})
    await act(client, dm, eid, {"type": "damage", "targets": [goblin], "amount": 4})
    await act(
        client,
        dm,
        eid,
        {"type": "damage", "targets": [dragon], "amount": 30, "damage_type": "cold"},
    )
    await act(client, dm, eid, {"type": "set_temp_hp", "targets": [aria_id], "amount": 6})
    await act(
        client,
        dm,
        eid,
        {
            "type": "add_condition",
            "targets": [goblin, dragon],
            "condition": "Frightened",
            "duration": {"rounds": 3, "ends": "end", "of": aria_id},
            "save": {"ability": "wis", "dc": 14},
        },
    )
    await act(
        client, dm, eid, {"type": "add_condition", "targets": [aria_id], "condition": "Blessed"}
    )
    await act(
        client, dm, eid, {"type": "set_concentration", "combatant_id": aria_id, "spell": "Bless"}
    )
    for _ in range(3):
        turn = (await act(client, dm, eid, {"type": "next_turn"}))["state"]["turn"]
    if turn == dragon:  # legendary actions come at the end of another creature's turn
        await act(client, dm, eid, {"type": "next_turn"})
    await act(client, dm, eid, {"type": "use_legendary_action", "combatant_id": dragon})
    state = (
        await act(client, dm, eid, {"type": "delay", "combatant_id": by_name(state, "Scout")["id"]})
    )["state"]
    assert state["status"] == "active"
    return str(eid)


def remapped(document: Json, ids: dict[str, str]) -> Json:
    """The document with every combatant id replaced through ``ids``."""
    out = copy.deepcopy(document)
    encounter = out["encounter"]
    encounter["turn"] = ids.get(encounter["turn"], encounter["turn"])
    encounter["order"] = [ids[i] for i in encounter["order"]]
    for combatant in encounter["combatants"]:
        combatant["id"] = ids[combatant["id"]]
        for condition in combatant["conditions"]:
            if condition["duration"]:
                condition["duration"]["of"] = ids[condition["duration"]["of"]]
    return out


async def test_export_then_import_is_an_equal_encounter(
    client: httpx.AsyncClient, dm: Headers, campaign: Json
) -> None:
    eid = await a_fight_in_progress(client, dm, campaign)
    original = await export(client, dm, eid)
    assert original["format"] == "initiative-tracker/encounter" and original["version"] == 1
    assert set(original["encounter"]) >= {
        "name", "ruleset", "settings", "status", "round", "turn", "combatants"
    }  # fmt: skip

    imported = await import_(client, dm, campaign["id"], original)
    assert imported["id"] != eid and imported["version"] == 1
    copy_ = await export(client, dm, imported["id"])

    old = [c["id"] for c in original["encounter"]["combatants"]]
    new = [c["id"] for c in copy_["encounter"]["combatants"]]
    assert not set(old) & set(new) and len(new) == len(old) == 7
    ids = dict(zip(old, new, strict=True))
    # Field by field, except the ids (which the mapping moves).
    expected = remapped(original, ids)["encounter"]
    for field in expected:
        if field != "combatants":
            assert copy_["encounter"][field] == expected[field], field
    for before, after in zip(expected["combatants"], copy_["encounter"]["combatants"], strict=True):
        for field in before:
            assert after[field] == before[field], (before["name"], field)
    assert copy_ == remapped(original, ids)
    # The campaign character is still linked, so HP is written back at the end.
    assert by_name(copy_["encounter"], "Aria")["character_id"]

    # The copy plays on exactly like the original.
    first = await act(client, dm, eid, {"type": "next_turn"})
    second = await act(client, dm, imported["id"], {"type": "next_turn"})
    assert first["events"][0]["text"] == second["events"][0]["text"]
    assert remapped(await export(client, dm, eid), ids) == await export(client, dm, imported["id"])


async def test_an_import_is_one_logged_event_that_undo_takes_back(
    client: httpx.AsyncClient, dm: Headers, campaign: Json
) -> None:
    eid = await a_fight_in_progress(client, dm, campaign)
    imported = await import_(client, dm, campaign["id"], await export(client, dm, eid))
    url = f"/api/encounters/{imported['id']}"
    (event,) = (await client.get(f"{url}/events", headers=dm)).json()["items"]
    assert event["type"] == "encounter_imported" and event["seq"] == 1
    assert "7 combatant" in event["text"]
    undone = await act(client, dm, imported["id"], {"type": "undo"})
    state = undone["state"]
    assert (state["combatants"], state["status"], state["round"]) == ([], "planning", 0)
    assert state["name"] == "Bridge at Dawn" and state["ruleset"] == "2024"


async def test_a_character_of_another_campaign_is_unlinked(
    client: httpx.AsyncClient, dm: Headers, campaign: Json
) -> None:
    eid = await a_fight_in_progress(client, dm, campaign)
    other = await post(client, dm, "/api/campaigns", {"name": "Elsewhere"})
    imported = await import_(client, dm, other["id"], await export(client, dm, eid))
    aria = by_name(imported, "Aria")
    assert aria["character_id"] is None and aria["kind"] == "character"
    assert imported["campaign_id"] == other["id"]


async def test_a_finished_fight_keeps_its_summary(
    client: httpx.AsyncClient, dm: Headers, campaign: Json
) -> None:
    eid = await a_fight_in_progress(client, dm, campaign)
    dragon = by_name((await export(client, dm, eid))["encounter"], "Adult Red Dragon")["id"]
    await act(client, dm, eid, {"type": "damage", "targets": [dragon], "amount": 500})
    await act(client, dm, eid, {"type": "end_combat"})
    original = await export(client, dm, eid)
    imported = await import_(client, dm, campaign["id"], original)
    assert imported["status"] == "ended" and imported["turn"] is None
    summary = (await client.get(f"/api/encounters/{eid}/summary", headers=dm)).json()
    r = await client.get(f"/api/encounters/{imported['id']}/summary", headers=dm)
    assert r.status_code == 200, r.text
    ids = dict(
        zip(
            [c["id"] for c in original["encounter"]["combatants"]],
            [c["id"] for c in imported["combatants"]],
            strict=True,
        )
    )
    for entry in summary["combatants"]:
        entry["id"] = ids[entry["id"]]
    for entry in summary["characters"]:
        entry["combatant_id"] = ids[entry["combatant_id"]]
    assert r.json() == summary
    assert summary["xp_total"] == 18000


async def test_a_planned_encounter_round_trips(
    client: httpx.AsyncClient, dm: Headers, campaign: Json
) -> None:
    eid = (await post(client, dm, f"/api/campaigns/{campaign['id']}/encounters", {}))["id"]
    empty = await export(client, dm, eid)
    imported = await import_(client, dm, campaign["id"], empty)
    assert (imported["status"], imported["combatants"], imported["turn"]) == ("planning", [], None)
    assert await export(client, dm, imported["id"]) == empty


# --- Improved Initiative -----------------------------------------------------------------


def ia_combatant(block: Json, cid: str, **fields: Any) -> Json:
    return {
        "Id": cid,
        "StatBlock": block,
        "MaxHP": block["HP"].get("Value"),
        "CurrentHP": block["HP"].get("Value"),
        "TemporaryHP": 0,
        "Initiative": 0,
        "Alias": "",
        "IndexLabel": 1,
        "Tags": [],
        "Hidden": False,
        "InterfaceVersion": "3.8.0",
        "ImageURL": "",
        **fields,
    }


HERO_IA: Json = {
    **GOBLIN_IA,
    "Name": "Mira",
    "Type": "",
    "HP": {"Value": 31, "Notes": ""},
    "AC": {"Value": 17, "Notes": ""},
    "Abilities": {"Str": 10, "Dex": 16, "Con": 12, "Int": 10, "Wis": 14, "Cha": 8},
    "Challenge": "",
    "Player": "player",
}

SAVED_ENCOUNTER: Json = {
    "Name": "Goblin Ambush",
    "Id": "enc-1",
    "Path": "",
    "Version": "3.8.0",
    "ActiveCombatantId": "g2",
    "RoundCounter": 3,
    "Combatants": [
        ia_combatant(HERO_IA, "mira", Initiative=17, TemporaryHP=5, CurrentHP=20),
        ia_combatant(
            GOBLIN_IA,
            "g1",
            Initiative=12,
            CurrentHP=3,
            InitiativeGroup="goblins",
            Tags=[
                "Prone",
                {
                    "Text": "Frightened",
                    "DurationRemaining": 2,
                    "DurationTiming": "StartOfTurn",
                    "DurationCombatantId": "mira",
                },
            ],
        ),
        ia_combatant(
            GOBLIN_IA, "g2", IndexLabel=2, Initiative=12, InitiativeGroup="goblins", Alias="Snik"
        ),
        ia_combatant(DRAGON_IA, "dragon", IndexLabel=0, Initiative=20, Hidden=True, CurrentHP=0),
    ],
}


async def test_an_improved_initiative_encounter(
    client: httpx.AsyncClient, dm: Headers, campaign: Json
) -> None:
    state = await import_(client, dm, campaign["id"], SAVED_ENCOUNTER)
    assert state["name"] == "Goblin Ambush" and state["ruleset"] == "2014"
    assert [c["name"] for c in state["combatants"]] == [
        "Mira",
        "Goblin 1",
        "Goblin 2",
        "Adult Black Dragon",
    ]
    mira, g1, g2, dragon = state["combatants"]
    assert (mira["kind"], mira["character_id"]) == ("character", None)
    assert (mira["max_hp"], mira["hp"], mira["temp_hp"], mira["ac"]) == (31, 20, 5, 17)
    assert (mira["initiative"], mira["initiative_bonus"], mira["dexterity"]) == (17, 3, 16)

    assert (g1["kind"], g1["hp"], g1["max_hp"], g1["ac"], g1["xp"], g1["cr"]) == (
        "monster", 3, 7, 15, 50, "1/4"
    )  # fmt: skip
    assert g1["group"] and g1["group"] == g2["group"]
    assert [c["name"] for c in g1["conditions"]] == ["prone", "frightened"]
    frightened = g1["conditions"][1]
    assert frightened["duration"] == {
        "rounds": 2,
        "ends": "start",
        "of": mira["id"],
        "grace": False,
    }
    assert g2["alias"] == "Snik" and g2["hp"] == 7

    assert dragon["hidden"] is True and dragon["status"] == "down" and dragon["hp"] == 0
    assert dragon["legendary_actions"]["max"] == 3 and dragon["legendary_resistances"]["max"] == 3
    assert dragon["immunities"] == ["acid"]

    # Running: round 3, on the goblins' shared turn.
    assert (state["status"], state["round"]) == ("active", 3)
    assert state["order"] == [dragon["id"], mira["id"], g1["id"], g2["id"]]
    assert state["turn"] == g1["id"]
    # And it plays on.
    moved = await act(client, dm, state["id"], {"type": "next_turn"})
    assert moved["state"]["round"] == 4


async def test_an_improved_initiative_encounter_not_yet_running(
    client: httpx.AsyncClient, dm: Headers, campaign: Json
) -> None:
    saved = {
        "Name": "Later",
        "ActiveCombatantId": None,
        "RoundCounter": 0,
        "Combatants": [ia_combatant(GOBLIN_IA, "g1"), ia_combatant(GOBLIN_IA, "g2", IndexLabel=2)],
    }
    state = await import_(client, dm, campaign["id"], saved)
    assert (state["status"], state["round"], state["turn"]) == ("planning", 0, None)
    assert [c["initiative"] for c in state["combatants"]] == [None, None]


# --- errors --------------------------------------------------------------------------------


def broken_export(path: list[Any], value: Any) -> Json:
    doc: Json = {
        "format": "initiative-tracker/encounter",
        "version": 1,
        "encounter": {
            "name": "X",
            "ruleset": "2014",
            "status": "active",
            "round": 1,
            "turn": "a",
            "combatants": [
                {"id": "a", "name": "A", "max_hp": 5, "hp": 5},
                {"id": "b", "name": "B", "max_hp": 5, "hp": 5},
            ],
        },
    }
    target: Any = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


@pytest.mark.parametrize(
    ("document", "loc"),
    [
        ({"hello": "world"}, ["body"]),
        ({**broken_export(["version"], 1), "version": 2}, ["body", "version"]),
        (
            broken_export(["encounter", "combatants", 1, "hp"], "lots"),
            ["body", "encounter", "combatants", 1, "hp"],
        ),
        (
            broken_export(["encounter", "combatants", 1, "hp"], 9),
            ["body", "encounter", "combatants", 1, "hp"],
        ),
        (
            broken_export(["encounter", "combatants", 1, "id"], "a"),
            ["body", "encounter", "combatants", 1, "id"],
        ),
        (broken_export(["encounter", "turn"], "zzz"), ["body", "encounter", "turn"]),
        (broken_export(["encounter", "ruleset"], "3.5"), ["body", "encounter", "ruleset"]),
        (
            broken_export(
                ["encounter", "combatants", 0, "conditions"],
                [{"name": "prone", "duration": {"rounds": 1, "ends": "end", "of": "ghost"}}],
            ),
            ["body", "encounter", "combatants", 0, "conditions", 0, "duration", "of"],
        ),
        ({"Combatants": "none"}, ["body", "Combatants"]),
        ({"Combatants": [{"Id": "x"}]}, ["body", "Combatants", 0, "StatBlock"]),
        (
            {"Combatants": [ia_combatant({**GOBLIN_IA, "HP": {"Notes": ""}}, "g")]},
            ["body", "Combatants", 0, "StatBlock", "HP", "Value"],
        ),
        (
            {"Combatants": [ia_combatant(GOBLIN_IA, "g", CurrentHP="full")]},
            ["body", "Combatants", 0, "CurrentHP"],
        ),
        (
            {"Combatants": [ia_combatant(GOBLIN_IA, "g", Tags=[7])]},
            ["body", "Combatants", 0, "Tags", 0],
        ),
    ],
)
async def test_a_bad_document_is_422_naming_the_field_and_writes_nothing(
    client: httpx.AsyncClient, dm: Headers, campaign: Json, document: Json, loc: list[Any]
) -> None:
    url = f"/api/campaigns/{campaign['id']}/encounters"
    problem = assert_problem(await client.post(f"{url}/import", json=document, headers=dm), 422)
    assert problem["errors"][0]["loc"] == loc
    assert (await client.get(url, headers=dm)).json()["total"] == 0


async def test_who_may_export_and_import(
    client: httpx.AsyncClient, dm: Headers, campaign: Json
) -> None:
    eid = (await post(client, dm, f"/api/campaigns/{campaign['id']}/encounters", {}))["id"]
    doc = await export(client, dm, eid)
    stranger = await register(client)
    assert_problem(await client.get(f"/api/encounters/{eid}/export"), 401)
    assert_problem(await client.get(f"/api/encounters/{eid}/export", headers=stranger), 404)
    url = f"/api/campaigns/{campaign['id']}/encounters/import"
    assert_problem(await client.post(url, json=doc), 401)
    assert_problem(await client.post(url, json=doc, headers=stranger), 404)
    assert_problem(await client.post(url, json=[doc], headers=dm), 422)
