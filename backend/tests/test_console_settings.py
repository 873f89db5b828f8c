"""Per-user console settings: GET/PUT /api/auth/me/settings, and their use when
monsters join from a stat block."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api import add, add_co_dm, new_encounter
from tests.conftest import assert_problem, register, unique_email

Json = dict[str, Any]
URL = "/api/auth/me/settings"


async def test_a_new_user_has_the_defaults(client: httpx.AsyncClient, dm: dict[str, str]) -> None:
    r = await client.get(URL, headers=dm)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["monster_hp"] == "average"
    assert body["initiative_roll_mode"] == "normal"
    assert body["group_monsters"] is True
    keys = body["keybindings"]
    assert keys["damage"] == "t" and keys["down"] == "j" and keys["help"] == "?"
    assert keys["redo"] == "U"  # a character as typed: shift is in the case
    assert len(set(keys.values())) == len(keys)  # no key serves two actions


async def test_settings_are_saved_per_user(client: httpx.AsyncClient, dm: dict[str, str]) -> None:
    chosen = {
        "keybindings": {"damage": "d", "heal": "shift+h", "hide": None},
        "monster_hp": "rolled",
        "initiative_roll_mode": "advantage",
        "group_monsters": False,
    }
    r = await client.put(URL, json=chosen, headers=dm)
    assert r.status_code == 200, r.text
    saved = (await client.get(URL, headers=dm)).json()
    assert saved == r.json()
    assert saved["monster_hp"] == "rolled" and saved["initiative_roll_mode"] == "advantage"
    assert saved["group_monsters"] is False
    keys = saved["keybindings"]
    assert (keys["damage"], keys["heal"], keys["hide"]) == ("d", "shift+h", None)
    assert keys["next"] == "n"  # left out: the default

    # Another user is untouched.
    other = await register(client)
    assert (await client.get(URL, headers=other)).json()["monster_hp"] == "average"

    # PUT replaces the whole document: what is left out goes back to its default.
    r = await client.put(URL, json={"group_monsters": False}, headers=dm)
    assert r.status_code == 200, r.text
    replaced = (await client.get(URL, headers=dm)).json()
    assert replaced["monster_hp"] == "average" and replaced["keybindings"]["damage"] == "t"

    # What GET answers can be sent back as it is.
    r = await client.put(URL, json=saved, headers=dm)
    assert r.status_code == 200 and r.json() == saved


@pytest.mark.parametrize(
    "body",
    [
        {"monster_hp": "max"},
        {"initiative_roll_mode": "double"},
        {"group_monsters": "sometimes"},
        {"theme": "dark"},
        {"keybindings": {"fireball": "f"}},
        {"keybindings": {"damage": ""}},
        {"keybindings": {"damage": "ctrl+"}},
        {"keybindings": {"damage": "ctrl+ctrl+d"}},
        {"keybindings": {"damage": "Escape"}},
        {"keybindings": {"damage": "x" * 41}},
        {"keybindings": {"damage": "a b"}},
        {"keybindings": {"damage": 7}},
        {"keybindings": {"damage": "h"}},  # heal's default key
        {"keybindings": {"damage": "q", "heal": "q"}},
        {"keybindings": ["damage", "t"]},
    ],
)
async def test_bad_settings_are_refused_and_nothing_is_saved(
    client: httpx.AsyncClient, dm: dict[str, str], body: Json
) -> None:
    before = (await client.get(URL, headers=dm)).json()
    assert_problem(await client.put(URL, json=body, headers=dm), 422)
    assert (await client.get(URL, headers=dm)).json() == before


async def test_keys_may_be_named_or_swapped(client: httpx.AsyncClient, dm: dict[str, str]) -> None:
    # Swapping two defaults is fine: the check is on the result.
    body = {"keybindings": {"damage": "h", "heal": "t", "help": "f1", "undo": "meta+shift+z"}}
    r = await client.put(URL, json=body, headers=dm)
    assert r.status_code == 200, r.text
    keys = r.json()["keybindings"]
    assert (keys["damage"], keys["heal"], keys["help"]) == ("h", "t", "f1")


async def test_settings_need_a_signed_in_user(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get(URL), 401)
    assert_problem(await client.put(URL, json={}), 401)


async def test_monster_hp_setting_applies_without_an_explicit_choice(
    client: httpx.AsyncClient, dm: dict[str, str], campaign: Json
) -> None:
    encounter = await new_encounter(client, dm, campaign)
    eid = encounter["id"]
    r = await client.put(URL, json={"monster_hp": "rolled"}, headers=dm)
    assert r.status_code == 200, r.text

    rolled = await add(client, dm, eid, {"statblock_id": "srd-goblin", "count": 4})
    (event,) = rolled["events"]
    assert [r["purpose"] for r in event["data"]["rolls"]] == ["hit points"] * 4

    # An explicit choice still wins.
    average = await add(client, dm, eid, {"statblock_id": "srd-goblin", "hp": "average"})
    assert average["events"][0]["data"]["rolls"] == []
    assert average["state"]["combatants"][-1]["max_hp"] == 7

    # A co-DM adding to the same encounter gets their own setting (average).
    email = unique_email()
    co_dm = await register(client, email)
    await add_co_dm(client, dm, campaign, email)
    theirs = await add(client, co_dm, eid, {"statblock_id": "srd-goblin"})
    assert theirs["events"][0]["data"]["rolls"] == []
