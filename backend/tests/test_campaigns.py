from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import assert_problem, register, unique_email


async def test_campaign_crud(client: httpx.AsyncClient, dm: dict[str, str]) -> None:
    r = await client.post(
        "/api/campaigns", json={"name": "Lost Mine", "description": "Phandalin"}, headers=dm
    )
    assert r.status_code == 201
    cid = r.json()["id"]
    assert r.json()["role"] == "owner"

    listing = (await client.get("/api/campaigns", headers=dm)).json()
    assert listing["total"] == 1 and listing["items"][0]["id"] == cid

    r = await client.patch(f"/api/campaigns/{cid}", json={"name": "Lost Mine of P."}, headers=dm)
    assert r.status_code == 200 and r.json()["name"] == "Lost Mine of P."
    assert r.json()["description"] == "Phandalin"

    assert (await client.delete(f"/api/campaigns/{cid}", headers=dm)).status_code == 204
    assert_problem(await client.get(f"/api/campaigns/{cid}", headers=dm), 404)


async def test_pagination(client: httpx.AsyncClient, dm: dict[str, str]) -> None:
    for i in range(5):
        await client.post("/api/campaigns", json={"name": f"C{i}"}, headers=dm)
    page = (await client.get("/api/campaigns?limit=2&offset=1", headers=dm)).json()
    assert page["total"] == 5 and len(page["items"]) == 2
    assert_problem(await client.get("/api/campaigns?limit=0", headers=dm), 422)
    assert_problem(await client.get("/api/campaigns?offset=-1", headers=dm), 422)


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("PATCH", "", {"name": "mine now"}),
        ("DELETE", "", None),
        ("GET", "/members", None),
        ("POST", "/members", {"email": "x@example.com"}),
        ("DELETE", "/members/some-user", None),
    ],
)
async def test_other_users_campaign_is_404_for_every_verb(
    client: httpx.AsyncClient,
    campaign: dict[str, Any],
    method: str,
    suffix: str,
    body: dict[str, Any] | None,
) -> None:
    stranger = await register(client)
    r = await client.request(
        method, f"/api/campaigns/{campaign['id']}{suffix}", json=body, headers=stranger
    )
    assert_problem(r, 404)
    # Same answer as for a campaign that does not exist at all.
    r2 = await client.request(method, f"/api/campaigns/nope{suffix}", json=body, headers=stranger)
    assert_problem(r2, 404)


async def test_co_dm_lifecycle(
    client: httpx.AsyncClient, dm: dict[str, str], campaign: dict[str, Any]
) -> None:
    email = unique_email()
    co = await register(client, email)
    url = f"/api/campaigns/{campaign['id']}"
    r = await client.post(f"{url}/members", json={"email": email.upper()}, headers=dm)
    assert r.status_code == 202  # an invitation (tests/test_consent.py)
    r = await client.post(f"/api/invitations/{r.json()['id']}/accept", headers=co)
    assert r.status_code == 200
    co_id = (await client.get("/api/auth/me", headers=co)).json()["id"]
    assert_problem(await client.post(f"{url}/members", json={"email": email}, headers=dm), 409)

    # The co-DM sees and edits the campaign, but cannot delete it or manage DMs.
    assert (await client.get(url, headers=co)).json()["role"] == "co_dm"
    assert (
        await client.patch(url, json={"description": "co-edited"}, headers=co)
    ).status_code == 200
    assert_problem(await client.delete(url, headers=co), 403)
    assert_problem(await client.post(f"{url}/members", json={"email": email}, headers=co), 403)
    members = (await client.get(f"{url}/members", headers=co)).json()["items"]
    assert [m["role"] for m in members] == ["owner", "co_dm"]

    assert (await client.delete(f"{url}/members/{co_id}", headers=dm)).status_code == 204
    assert_problem(await client.get(url, headers=co), 404)


async def test_campaign_validation(client: httpx.AsyncClient, dm: dict[str, str]) -> None:
    assert_problem(await client.post("/api/campaigns", json={"name": ""}, headers=dm), 422)
    assert_problem(await client.post("/api/campaigns", json={}, headers=dm), 422)
    r = await client.post("/api/campaigns", json={"name": "ok"}, headers=dm)
    cid = r.json()["id"]
    assert_problem(
        await client.patch(f"/api/campaigns/{cid}", json={"name": None}, headers=dm), 422
    )
    assert (await client.get(f"/api/campaigns/{cid}", headers=dm)).json()["name"] == "ok"
