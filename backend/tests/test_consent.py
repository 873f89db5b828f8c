"""Nobody is made a co-DM without consent, and a homebrew stat block is fielded
only by its owner, or in a campaign its owner shares it with."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api import new_encounter
from tests.conftest import assert_problem, register, unique_email
from tests.statblocks.test_api import homebrew

Json = dict[str, Any]
Headers = dict[str, str]


async def invite(client: httpx.AsyncClient, owner: Headers, campaign: Json, email: str) -> Json:
    r = await client.post(
        f"/api/campaigns/{campaign['id']}/members", json={"email": email}, headers=owner
    )
    assert r.status_code == 202, r.text
    body: Json = r.json()
    return body


async def join(client: httpx.AsyncClient, owner: Headers, campaign: Json) -> tuple[Headers, str]:
    """A new user, invited and accepted: a co-DM. Returns their headers and id."""
    email = unique_email()
    headers = await register(client, email)
    invitation = await invite(client, owner, campaign, email)
    r = await client.post(f"/api/invitations/{invitation['id']}/accept", headers=headers)
    assert r.status_code == 200, r.text
    me = (await client.get("/api/auth/me", headers=headers)).json()
    return headers, me["id"]


async def test_a_co_dm_joins_only_by_accepting(
    client: httpx.AsyncClient, dm: Headers, campaign: Json
) -> None:
    email = unique_email()
    invitee = await register(client, email)
    url = f"/api/campaigns/{campaign['id']}"
    invitation = await invite(client, dm, campaign, email.upper())
    assert invitation["email"] == email and invitation["status"] == "pending"
    assert (await invite(client, dm, campaign, email))["id"] == invitation["id"]
    # Invited is not a member.
    assert_problem(await client.get(url, headers=invitee), 404)
    members = (await client.get(f"{url}/members", headers=dm)).json()
    assert [m["role"] for m in members["items"]] == ["owner"]
    mine = (await client.get("/api/invitations", headers=invitee)).json()
    assert mine["total"] == 1
    assert mine["items"][0]["campaign_name"] == campaign["name"]
    assert mine["items"][0]["id"] == invitation["id"]

    # Declining leaves them out, and uses the invitation up.
    r = await client.post(f"/api/invitations/{invitation['id']}/decline", headers=invitee)
    assert r.status_code == 204
    assert_problem(await client.get(url, headers=invitee), 404)
    assert (await client.get(f"{url}/invitations", headers=dm)).json()["total"] == 0
    r = await client.post(f"/api/invitations/{invitation['id']}/accept", headers=invitee)
    assert_problem(r, 404)

    # Invited again and accepted: a co-DM.
    again = await invite(client, dm, campaign, email)
    r = await client.post(f"/api/invitations/{again['id']}/accept", headers=invitee)
    assert r.status_code == 200 and r.json()["role"] == "co_dm"
    assert (await client.get(url, headers=invitee)).json()["role"] == "co_dm"
    assert (await client.get("/api/invitations", headers=invitee)).json()["total"] == 0
    assert_problem(await client.post(f"{url}/members", json={"email": email}, headers=dm), 409)


async def test_only_the_invitee_answers_and_only_the_owner_invites(
    client: httpx.AsyncClient, dm: Headers, campaign: Json
) -> None:
    email = unique_email()
    invitee = await register(client, email)
    stranger = await register(client)
    invitation = await invite(client, dm, campaign, email)
    for verb in ("accept", "decline"):
        r = await client.post(f"/api/invitations/{invitation['id']}/{verb}", headers=stranger)
        assert_problem(r, 404)
    assert (await client.get("/api/invitations", headers=stranger)).json()["total"] == 0
    co, _ = await join(client, dm, campaign)
    url = f"/api/campaigns/{campaign['id']}"
    assert_problem(
        await client.post(f"{url}/members", json={"email": unique_email()}, headers=co), 403
    )
    assert_problem(await client.get(f"{url}/invitations", headers=co), 403)
    # The owner withdraws it: the invitee can no longer accept.
    r = await client.delete(f"{url}/invitations/{invitation['id']}", headers=dm)
    assert r.status_code == 204
    r = await client.post(f"/api/invitations/{invitation['id']}/accept", headers=invitee)
    assert_problem(r, 404)
    assert_problem(await client.get(url, headers=invitee), 404)


async def test_homebrew_is_fielded_only_by_its_owner_or_where_shared(
    client: httpx.AsyncClient, dm: Headers, campaign: Json
) -> None:
    """The attack: B invites A into B's campaign, and fields A's private homebrew
    by its id. Now only A may, unless A shares it with that campaign."""
    co, co_id = await join(client, dm, campaign)
    secret = await homebrew(client, co, name="Secret Owlbear")
    eid = (await new_encounter(client, dm, campaign))["id"]
    add_url = f"/api/encounters/{eid}/combatants"
    shared_url = f"/api/campaigns/{campaign['id']}/statblocks"
    body = {"statblock_id": secret["id"]}

    r = await client.post(add_url, json=body, headers=dm)
    assert assert_problem(r, 422)["errors"][0]["loc"] == ["body", "statblock_id"]
    assert (await client.post(add_url, json=body, headers=co)).status_code == 201
    # Only its owner shares it, only with a campaign they DM.
    assert_problem(await client.put(f"{shared_url}/{secret['id']}", headers=dm), 404)
    other = await client.post("/api/campaigns", json={"name": "B's other"}, headers=dm)
    r = await client.put(
        f"/api/campaigns/{other.json()['id']}/statblocks/{secret['id']}", headers=co
    )
    assert_problem(r, 404)
    assert (await client.get(shared_url, headers=dm)).json()["total"] == 0

    assert (await client.put(f"{shared_url}/{secret['id']}", headers=co)).status_code == 204
    assert (await client.put(f"{shared_url}/{secret['id']}", headers=co)).status_code == 204
    listed = (await client.get(shared_url, headers=dm)).json()
    assert [b["name"] for b in listed["items"]] == ["Secret Owlbear"]
    assert (await client.post(add_url, json=body, headers=dm)).status_code == 201
    # Not in B's other campaign, where it was never shared.
    other_eid = (await new_encounter(client, dm, other.json()))["id"]
    r = await client.post(f"/api/encounters/{other_eid}/combatants", json=body, headers=dm)
    assert_problem(r, 422)

    assert (await client.delete(f"{shared_url}/{secret['id']}", headers=co)).status_code == 204
    assert_problem(await client.post(add_url, json=body, headers=dm), 422)

    # A share lapses when its owner leaves the campaign.
    assert (await client.put(f"{shared_url}/{secret['id']}", headers=co)).status_code == 204
    r = await client.delete(f"/api/campaigns/{campaign['id']}/members/{co_id}", headers=dm)
    assert r.status_code == 204
    assert_problem(await client.post(add_url, json=body, headers=dm), 422)
    assert (await client.get(shared_url, headers=dm)).json()["total"] == 0
