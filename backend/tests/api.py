"""Small HTTP steps the API tests share: each asserts its own success."""

from __future__ import annotations

from typing import Any

import httpx

Json = dict[str, Any]


async def new_encounter(
    client: httpx.AsyncClient, headers: dict[str, str], campaign: Json, **body: Any
) -> Json:
    """A new encounter (201) in ``campaign``; ``body`` overrides its fields."""
    r = await client.post(
        f"/api/campaigns/{campaign['id']}/encounters",
        json={"name": "Ambush", **body},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    state: Json = r.json()
    return state


async def add(client: httpx.AsyncClient, headers: dict[str, str], eid: str, body: Json) -> Json:
    """Add combatants (201) and return the action result."""
    r = await client.post(f"/api/encounters/{eid}/combatants", json=body, headers=headers)
    assert r.status_code == 201, r.text
    result: Json = r.json()
    return result


async def add_co_dm(
    client: httpx.AsyncClient,
    owner: dict[str, str],
    campaign: Json,
    email: str,
    password: str = "correct horse battery",
) -> str:
    """Make the account with ``email`` a co-DM of ``campaign``: the owner invites it,
    it signs in with ``password`` (``conftest.register``'s default) and accepts.
    Returns its user id."""
    r = await client.post(
        f"/api/campaigns/{campaign['id']}/members", json={"email": email}, headers=owner
    )
    assert r.status_code == 202, r.text
    invitation = r.json()["id"]
    r = await client.post("/api/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    invitee = {"Authorization": f"Bearer {r.json()['access_token']}"}
    r = await client.post(f"/api/invitations/{invitation}/accept", headers=invitee)
    assert r.status_code == 200, r.text
    me = await client.get("/api/auth/me", headers=invitee)
    user_id: str = me.json()["id"]
    return user_id
