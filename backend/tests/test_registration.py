"""Registration and co-DM invitations reveal nothing about who has an account,
and registration is limited per client address."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.main import create_app
from tests.conftest import assert_problem, make_settings, register, unique_email

Json = dict[str, Any]


def _without(body: Json, *values: str) -> str:
    text = str(sorted(body.items()))
    for value in values:
        text = text.replace(value, "<x>")
    return text


async def test_registering_a_taken_email_answers_like_a_new_one(
    client: httpx.AsyncClient,
) -> None:
    taken, fresh = unique_email(), unique_email()
    first = await client.post("/api/auth/register", json={"email": taken, "password": "pw one one"})
    again = await client.post(
        "/api/auth/register", json={"email": taken.upper(), "password": "pw two two"}
    )
    new = await client.post("/api/auth/register", json={"email": fresh, "password": "pw two two"})
    assert first.status_code == again.status_code == new.status_code == 202
    assert again.json() == first.json()
    assert _without(again.json(), taken) == _without(new.json(), fresh)
    assert set(new.json()) == {"email", "detail"}
    # The first password stays the account's; the second registration changed nothing.
    login = {"email": taken, "password": "pw one one"}
    assert (await client.post("/api/auth/login", json=login)).status_code == 200
    login["password"] = "pw two two"
    assert_problem(await client.post("/api/auth/login", json=login), 401)
    login["email"] = fresh
    assert (await client.post("/api/auth/login", json=login)).status_code == 200


@pytest.fixture(scope="module")
async def strict_app(database_url: str) -> AsyncIterator[Any]:
    application = create_app(make_settings(database_url, register_attempts=3))
    async with application.router.lifespan_context(application):
        yield application


async def test_registration_is_limited_per_address(strict_app: Any) -> None:
    async def attempt(address: str) -> httpx.Response:
        transport = httpx.ASGITransport(app=strict_app, client=(address, 1))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            body = {"email": unique_email(), "password": "long enough"}
            return await c.post("/api/auth/register", json=body)

    farm = f"203.0.113.{uuid.uuid4().int % 250 + 1}"
    for _ in range(3):
        assert (await attempt(farm)).status_code == 202
    r = await attempt(farm)
    problem = assert_problem(r, 429)
    assert 1 <= int(r.headers["retry-after"]) <= 3600
    assert problem["retry_after"] == int(r.headers["retry-after"])
    assert (await attempt(f"198.18.0.{uuid.uuid4().int % 250 + 1}")).status_code == 202


async def test_inviting_a_co_dm_does_not_reveal_accounts(
    client: httpx.AsyncClient, dm: Json, campaign: Json
) -> None:
    someone = unique_email()
    await register(client, someone)
    nobody = unique_email()
    url = f"/api/campaigns/{campaign['id']}/members"
    known = await client.post(url, json={"email": someone}, headers=dm)
    unknown = await client.post(url, json={"email": nobody}, headers=dm)
    assert known.status_code == unknown.status_code == 202
    a, b = known.json(), unknown.json()
    assert set(a) == set(b)
    assert _without(a, someone, a["id"], a["created_at"]) == _without(
        b, nobody, b["id"], b["created_at"]
    )
    # The owner's list of invitations is the same for both.
    pending = (await client.get(f"/api/campaigns/{campaign['id']}/invitations", headers=dm)).json()
    assert sorted(i["email"] for i in pending["items"]) == sorted([someone, nobody])
