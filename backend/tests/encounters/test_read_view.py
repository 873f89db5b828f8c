"""The encounter read answers the DM's view the last action stored with the state, or,
for a row whose stored view is not of its version (written another way, or before the
view was stored), reshapes the stored state without validating it again (PostgreSQL
does it in the statement, SQLite in Python). Either way it must answer exactly what an
action answers as the new state, which is built from the validated model."""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy import text

Json = dict[str, Any]


async def test_the_read_equals_the_state_an_action_answers(
    app: Any, client: httpx.AsyncClient, dm: dict[str, str], campaign: Json
) -> None:
    r = await client.post(
        f"/api/campaigns/{campaign['id']}/encounters", json={"name": "Crypt"}, headers=dm
    )
    eid = r.json()["id"]
    for body in (
        {"name": "Ghoul", "count": 3, "max_hp": 22, "ac": 12, "initiative_bonus": 2},
        {"name": "Wight", "max_hp": 45, "ac": 14, "resistances": ["necrotic"], "hidden": True},
    ):
        r = await client.post(f"/api/encounters/{eid}/combatants", json=body, headers=dm)
        assert r.status_code == 201, r.text
    r = await client.post(
        f"/api/encounters/{eid}/actions", json={"type": "start_combat"}, headers=dm
    )
    assert r.status_code == 200, r.text
    ids = [c["id"] for c in r.json()["state"]["combatants"]]
    for action in (
        {"type": "next_turn"},
        {"type": "damage", "targets": ids[:2], "amount": 7},
        {"type": "add_condition", "targets": [ids[0]], "condition": "Frightened"},
        {"type": "next_turn"},
    ):
        r = await client.post(f"/api/encounters/{eid}/actions", json=action, headers=dm)
        assert r.status_code == 200, r.text
    answered = r.json()

    read = await client.get(f"/api/encounters/{eid}", headers=dm)
    assert read.status_code == 200, read.text
    assert read.headers["etag"] == f'"{answered["version"]}"'
    document = read.json()
    assert document == answered["state"]
    # What the DM never sees: the rules' own bookkeeping.
    assert "turn_history" not in document and "public_turn_started_at" not in document
    assert all("tiebreak" not in c and "rank" not in c for c in document["combatants"])
    assert document["campaign_id"] == campaign["id"]
    assert document["combatants"][0]["conditions"][0]["name"] == "frightened"

    # The same document reshaped from the stored state, once the stored view is not of
    # the encounter's version: a stale view is never answered.
    async with app.state.engine.begin() as conn:
        stored = await conn.execute(
            text("SELECT dm_view, dm_view_version, version FROM encounters WHERE id = :id"),
            {"id": eid},
        )
        view, view_version, version = stored.one()
        assert view_version == version == answered["version"]
        assert json.loads(view) == answered["state"]
    for stale in (
        # A view of an older version...
        "UPDATE encounters SET dm_view = '{\"stale\": true}', dm_view_version = version - 1"
        " WHERE id = :id",
        # ...or of this version in another format (an older release's).
        "UPDATE encounters SET dm_view_version = version, dm_view_format = dm_view_format + 1"
        " WHERE id = :id",
    ):
        async with app.state.engine.begin() as conn:
            await conn.execute(text(stale), {"id": eid})
        reshaped = await client.get(f"/api/encounters/{eid}", headers=dm)
        assert reshaped.status_code == 200, reshaped.text
        assert reshaped.json() == answered["state"], stale


async def test_an_encounter_with_no_combatants_reads_as_an_empty_list(
    client: httpx.AsyncClient, dm: dict[str, str], campaign: Json
) -> None:
    r = await client.post(
        f"/api/campaigns/{campaign['id']}/encounters", json={"name": "Empty"}, headers=dm
    )
    read = await client.get(f"/api/encounters/{r.json()['id']}", headers=dm)
    assert read.status_code == 200, read.text
    assert read.json()["combatants"] == []
    assert read.json() == {**r.json(), "version": read.json()["version"]}
