"""The DM's player-page options (settings.player_view.show_round, turn_timer,
active_on_top) through HTTP: what the public projection carries for each."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from tests.api import add, new_encounter
from tests.conftest import assert_problem
from tests.realtime.helpers import act, share

Json = dict[str, Any]


async def public(client: httpx.AsyncClient, token: str) -> Json:
    r = await client.get(f"/api/public/encounters/{token}")
    assert r.status_code == 200, r.text
    body: Json = r.json()
    return body


async def test_defaults_show_the_round_without_timer_or_rotation(
    client: httpx.AsyncClient, dm: dict[str, str], campaign: Json
) -> None:
    eid = (await new_encounter(client, dm, campaign))["id"]
    token = (await share(client, dm, eid))["token"]
    state = (await client.get(f"/api/encounters/{eid}", headers=dm)).json()
    view = state["settings"]["player_view"]
    assert (view["show_round"], view["turn_timer"], view["active_on_top"]) == (True, False, False)
    assert state["turn_started_at"] is None
    for name, initiative in (("Aria", 18), ("Goblin", 12)):
        await add(client, dm, eid, {"name": name, "max_hp": 7, "initiative": initiative})
    await act(client, dm, eid, {"type": "start_combat"})
    await act(client, dm, eid, {"type": "next_turn"})
    shown = await public(client, token)
    assert shown["round"] == 1 and shown["turn_started_at"] is None
    assert [c["name"] for c in shown["combatants"]] == ["Aria", "Goblin"]
    dm_state = (await client.get(f"/api/encounters/{eid}", headers=dm)).json()
    assert dt.datetime.fromisoformat(dm_state["turn_started_at"]).tzinfo is not None


async def test_round_timer_and_active_on_top_never_reveal_hidden_turns(
    client: httpx.AsyncClient, dm: dict[str, str], campaign: Json
) -> None:
    eid = (await new_encounter(client, dm, campaign))["id"]
    token = (await share(client, dm, eid))["token"]
    ids = {}
    for name, initiative, hidden in (("Aria", 20, False), ("Lurker", 15, True),
                                     ("Bryn", 10, False), ("Goblin", 5, False)):  # fmt: skip
        body = {"name": name, "max_hp": 10, "initiative": initiative, "hidden": hidden}
        ids[name] = (await add(client, dm, eid, body))["events"][0]["data"]["combatant_ids"][0]
    options = {"show_round": False, "turn_timer": True, "active_on_top": True}
    changed = await act(client, dm, eid, {"type": "update_settings", "player_view": options})
    assert changed["state"]["settings"]["player_view"]["turn_timer"] is True
    # The sides' own settings are untouched by the page options.
    assert changed["state"]["settings"]["player_view"]["players"]["show_hp"] == "exact"

    before = await public(client, token)
    assert (before["round"], before["turn"], before["turn_started_at"]) == (None, None, None)

    await act(client, dm, eid, {"type": "start_combat"})  # Aria's turn
    aria_turn = await public(client, token)
    started = aria_turn["turn_started_at"]
    assert aria_turn["turn"] == ids["Aria"] and aria_turn["round"] is None
    assert dt.datetime.fromisoformat(started).tzinfo is not None
    assert aria_turn["order"] == [ids["Aria"], ids["Bryn"], ids["Goblin"]]

    # The hidden creature's turn: the table sees Aria's turn go on, clock and all.
    lurking = await act(client, dm, eid, {"type": "next_turn"})
    assert lurking["state"]["turn"] == ids["Lurker"]
    dm_started = lurking["state"]["turn_started_at"]
    assert dt.datetime.fromisoformat(dm_started) >= dt.datetime.fromisoformat(started)
    during = await public(client, token)
    assert during == aria_turn  # nothing the table sees changed, not even its seq
    assert ids["Lurker"] not in str(during)

    # Bryn's turn: the clock restarts and Bryn is on top, the order wrapping round.
    await act(client, dm, eid, {"type": "next_turn"})
    bryn_turn = await public(client, token)
    assert bryn_turn["turn"] == ids["Bryn"]
    assert dt.datetime.fromisoformat(bryn_turn["turn_started_at"]) >= dt.datetime.fromisoformat(
        dm_started
    )
    assert bryn_turn["order"] == [ids["Bryn"], ids["Goblin"], ids["Aria"]]
    assert [c["id"] for c in bryn_turn["combatants"]] == bryn_turn["order"]

    # Undo puts the turn and its clock back as they were.
    await act(client, dm, eid, {"type": "undo"})
    assert (await public(client, token))["turn_started_at"] == started

    # The counter shown again; everything off again.
    await act(client, dm, eid, {"type": "update_settings", "player_view": {"show_round": True}})
    assert (await public(client, token))["round"] == 1
    off = {"turn_timer": False, "active_on_top": False}
    await act(client, dm, eid, {"type": "update_settings", "player_view": off})
    plain = await public(client, token)
    assert plain["turn_started_at"] is None
    assert plain["order"] == [ids["Aria"], ids["Bryn"], ids["Goblin"]]

    ended = await act(client, dm, eid, {"type": "end_combat"})
    assert ended["state"]["turn_started_at"] is None


async def test_bad_page_options_are_refused(
    client: httpx.AsyncClient, dm: dict[str, str], campaign: Json
) -> None:
    eid = (await new_encounter(client, dm, campaign))["id"]
    for view in ({"turn_timer": "soon"}, {"show_round": 3}, {"clock": True}):
        r = await client.post(
            f"/api/encounters/{eid}/actions",
            json={"type": "update_settings", "player_view": view},
            headers=dm,
        )
        assert_problem(r, 422)
    r = await client.post(
        f"/api/campaigns/{campaign['id']}/encounters",
        json={"name": "x", "settings": {"player_view": {"active_on_top": "sometimes"}}},
        headers=dm,
    )
    assert_problem(r, 422)
