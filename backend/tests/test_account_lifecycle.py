"""The account lifecycle: password change, sign-out everywhere (a per-user token
generation checked on every request), deletion, and the export of everything an
account owns. (Sockets: tests/realtime/test_account_sockets.py.)"""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.api import add, add_co_dm, new_encounter
from tests.conftest import assert_problem, register, unique_email
from tests.statblocks.test_api import homebrew

Json = dict[str, Any]
Headers = dict[str, str]
PASSWORD = "correct horse battery"  # conftest.register's


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> Headers:
    r = await client.post("/api/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def works(client: httpx.AsyncClient, headers: Headers, eid: str) -> bool:
    """Whether the token still opens the account: a plain route, the encounter
    read and action hot paths."""
    me = await client.get("/api/auth/me", headers=headers)
    read = await client.get(f"/api/encounters/{eid}", headers=headers)
    act = await client.post(
        f"/api/encounters/{eid}/actions",
        json={"type": "update_settings", "in_lair": False},
        headers=headers,
    )
    answers = {me.status_code, read.status_code, act.status_code}
    assert answers in ({200}, {401}), answers
    return answers == {200}


async def test_sign_out_everywhere_revokes_every_token(
    client: httpx.AsyncClient, campaign: Json, dm: Headers
) -> None:
    email = (await client.get("/api/auth/me", headers=dm)).json()["email"]
    laptop, phone = dm, await sign_in(client, email)
    eid = (await new_encounter(client, dm, campaign))["id"]
    assert await works(client, laptop, eid) and await works(client, phone, eid)

    r = await client.post("/api/auth/me/sign-out-everywhere", headers=phone)
    assert r.status_code == 204
    for headers in (laptop, phone):
        assert not await works(client, headers, eid)
        assert_problem(await client.get("/api/auth/me", headers=headers), 401)
    # Signing in again gives a token that works.
    assert await works(client, await sign_in(client, email), eid)


async def test_password_change(client: httpx.AsyncClient, campaign: Json, dm: Headers) -> None:
    email = (await client.get("/api/auth/me", headers=dm)).json()["email"]
    other_session = await sign_in(client, email)
    eid = (await new_encounter(client, dm, campaign))["id"]
    url = "/api/auth/me/password"
    wrong = {"current_password": "not it at all", "new_password": "a new long password"}
    problem = assert_problem(await client.post(url, json=wrong, headers=dm), 403)
    assert problem["type"].endswith("/wrong-password")
    short = {"current_password": PASSWORD, "new_password": "short"}
    assert_problem(await client.post(url, json=short, headers=dm), 422)
    assert await works(client, dm, eid)  # nothing changed

    body = {"current_password": PASSWORD, "new_password": "a new long password"}
    r = await client.post(url, json=body, headers=dm)
    assert r.status_code == 200, r.text
    fresh = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert await works(client, fresh, eid)
    assert not await works(client, dm, eid)
    assert not await works(client, other_session, eid)
    old = {"email": email, "password": PASSWORD}
    assert_problem(await client.post("/api/auth/login", json=old), 401)
    await sign_in(client, email, "a new long password")


async def test_deleting_an_account(client: httpx.AsyncClient) -> None:
    email = unique_email()
    leaver = await register(client, email)
    partner_email = unique_email()
    partner = await register(client, partner_email)

    async def campaign(owner: Headers, name: str) -> Json:
        r = await client.post("/api/campaigns", json={"name": name}, headers=owner)
        assert r.status_code == 201, r.text
        body: Json = r.json()
        return body

    solo = await campaign(leaver, "Solo")
    await client.post(
        f"/api/campaigns/{solo['id']}/characters", json={"name": "Aria"}, headers=leaver
    )
    solo_fight = (await new_encounter(client, leaver, solo))["id"]
    shared = await campaign(leaver, "Shared")
    await add_co_dm(client, leaver, shared, partner_email)
    theirs = await campaign(partner, "Theirs")
    await add_co_dm(client, partner, theirs, email)
    owlbear = await homebrew(client, leaver, name="Leaver's Owlbear")
    r = await client.put(
        f"/api/campaigns/{shared['id']}/statblocks/{owlbear['id']}", headers=leaver
    )
    assert r.status_code == 204
    shared_fight = (await new_encounter(client, partner, shared))["id"]
    await add(client, partner, shared_fight, {"statblock_id": owlbear["id"]})

    assert_problem(
        await client.request("DELETE", "/api/auth/me", json={"password": "wrong"}, headers=leaver),
        403,
    )
    assert_problem(await client.request("DELETE", "/api/auth/me", headers=leaver), 422)
    r = await client.request("DELETE", "/api/auth/me", json={"password": PASSWORD}, headers=leaver)
    assert r.status_code == 204, r.text

    assert_problem(await client.get("/api/auth/me", headers=leaver), 401)
    assert_problem(
        await client.post("/api/auth/login", json={"email": email, "password": PASSWORD}), 401
    )
    # The co-DM'd campaign passes to the remaining DM; the combatant made from the
    # deleted homebrew stays, the homebrew itself is gone.
    r = await client.get(f"/api/campaigns/{shared['id']}", headers=partner)
    assert r.status_code == 200 and r.json()["role"] == "owner"
    members = (await client.get(f"/api/campaigns/{shared['id']}/members", headers=partner)).json()
    assert [(m["email"], m["role"]) for m in members["items"]] == [(partner_email, "owner")]
    state = (await client.get(f"/api/encounters/{shared_fight}", headers=partner)).json()
    assert [c["name"] for c in state["combatants"]] == ["Leaver's Owlbear"]
    r = await client.post(
        f"/api/encounters/{shared_fight}/combatants",
        json={"statblock_id": owlbear["id"]},
        headers=partner,
    )
    assert_problem(r, 422)
    # The partner's own campaign lost its co-DM.
    members = (await client.get(f"/api/campaigns/{theirs['id']}/members", headers=partner)).json()
    assert [m["role"] for m in members["items"]] == ["owner"]

    # Whoever registers the email next starts with nothing: the solo campaign,
    # its encounter and the homebrew went with the account.
    again = await register(client, email)
    assert (await client.get("/api/campaigns", headers=again)).json()["total"] == 0
    assert_problem(await client.get(f"/api/encounters/{solo_fight}", headers=again), 404)
    export = (await client.get("/api/auth/me/export", headers=again)).json()
    assert export["campaigns"] == [] and export["statblocks"] == []


async def test_export_holds_everything_the_account_owns(client: httpx.AsyncClient) -> None:
    email = unique_email()
    me = await register(client, email)
    partner_email = unique_email()
    partner = await register(client, partner_email)
    r = await client.post("/api/campaigns", json={"name": "Mine", "description": "d"}, headers=me)
    mine = r.json()
    await client.post(f"/api/campaigns/{mine['id']}/characters", json={"name": "Aria"}, headers=me)
    eid = (await new_encounter(client, me, mine))["id"]
    await add(client, me, eid, {"name": "Goblin", "max_hp": 7})
    owlbear = await homebrew(client, me, name="My Owlbear")
    r = await client.post("/api/campaigns", json={"name": "Partner's"}, headers=partner)
    theirs = r.json()
    await add_co_dm(client, partner, theirs, email)
    await add(client, partner, (await new_encounter(client, partner, theirs))["id"], {"name": "X"})

    r = await client.get("/api/auth/me/export", headers=me)
    assert r.status_code == 200
    assert r.headers["content-disposition"].startswith("attachment;")
    doc = r.json()
    text = json.dumps(doc)
    assert doc["format"] == "initiative-tracker/account" and doc["version"] == 1
    assert doc["account"]["email"] == email
    # The console settings as the user chose them (defaults for what they never set).
    effective = (await client.get("/api/auth/me/settings", headers=me)).json()
    assert set(doc["console_settings"]) == set(effective)
    assert doc["console_settings"]["monster_hp"] == effective["monster_hp"]
    assert "password" not in text and "argon2" not in text
    (campaign,) = doc["campaigns"]
    assert (campaign["name"], campaign["description"]) == ("Mine", "d")
    assert [c["name"] for c in campaign["characters"]] == ["Aria"]
    (encounter,) = campaign["encounters"]
    assert encounter["format"] == "initiative-tracker/encounter"
    assert [c["name"] for c in encounter["encounter"]["combatants"]] == ["Goblin"]
    assert [e["type"] for e in encounter["events"]] == ["combatants_added"]
    assert [b["name"] for b in doc["statblocks"]] == ["My Owlbear"]
    assert doc["statblocks"][0]["id"] == owlbear["id"]
    # What others own is referenced, not copied.
    assert doc["co_dm_of"] == [{"id": theirs["id"], "name": "Partner's"}]
    assert "partner" not in text.lower() or "Partner's" in text
    assert partner_email not in text
    assert_problem(await client.get("/api/auth/me/export"), 401)
