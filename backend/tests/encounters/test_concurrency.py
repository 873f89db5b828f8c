"""Actions on one encounter serialise, through several real workers on PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import create_pg_database, drop_pg_database, migrate
from tests.servers import gunicorn

pytestmark = pytest.mark.slow


async def _setup(c: httpx.AsyncClient, hp: int) -> tuple[dict[str, str], str, str]:
    email = f"dm-{uuid.uuid4().hex[:10]}@example.com"
    await c.post("/api/auth/register", json={"email": email, "password": "a long password"})
    login = await c.post("/api/auth/login", json={"email": email, "password": "a long password"})
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    campaign = (await c.post("/api/campaigns", json={"name": "Siege"}, headers=headers)).json()
    enc = (
        await c.post(
            f"/api/campaigns/{campaign['id']}/encounters", json={"name": "Wall"}, headers=headers
        )
    ).json()
    added = await c.post(
        f"/api/encounters/{enc['id']}/combatants",
        json={"name": "Gate Golem", "max_hp": hp, "initiative": 10},
        headers=headers,
    )
    return headers, enc["id"], added.json()["state"]["combatants"][0]["id"]


async def test_100_concurrent_damage_actions_through_three_workers(pg_url: str) -> None:
    url = await create_pg_database()
    try:
        await migrate(url)
        with gunicorn(url, workers=3) as base:
            limits = httpx.Limits(max_connections=100)
            async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as c:
                for hp, expected_hp in ((150, 50), (60, 0)):
                    headers, eid, golem = await _setup(c, hp)
                    before = (await c.get(f"/api/encounters/{eid}", headers=headers)).json()
                    action: dict[str, Any] = {"type": "damage", "targets": [golem], "amount": 1}
                    responses = await asyncio.gather(
                        *(
                            c.post(f"/api/encounters/{eid}/actions", json=action, headers=headers)
                            for _ in range(100)
                        )
                    )
                    assert [r.status_code for r in responses] == [200] * 100
                    versions = sorted(r.json()["version"] for r in responses)
                    assert versions == list(range(before["version"] + 1, before["version"] + 101))
                    after = (await c.get(f"/api/encounters/{eid}", headers=headers)).json()
                    assert after["version"] == before["version"] + 100
                    assert after["combatants"][0]["hp"] == expected_hp
                    log = (
                        await c.get(f"/api/encounters/{eid}/events?limit=1000", headers=headers)
                    ).json()
                    assert [e["seq"] for e in log["items"]] == list(range(1, after["version"] + 1))
    finally:
        await drop_pg_database(url)


async def test_if_match_lets_exactly_one_of_many_win(pg_url: str) -> None:
    url = await create_pg_database()
    try:
        await migrate(url)
        with gunicorn(url, workers=3) as base:
            async with httpx.AsyncClient(base_url=base, timeout=60) as c:
                headers, eid, golem = await _setup(c, 100)
                version = (await c.get(f"/api/encounters/{eid}", headers=headers)).json()["version"]
                action = {"type": "damage", "targets": [golem], "amount": 3}
                responses = await asyncio.gather(
                    *(
                        c.post(
                            f"/api/encounters/{eid}/actions",
                            json=action,
                            headers={**headers, "If-Match": str(version)},
                        )
                        for _ in range(30)
                    )
                )
                codes = sorted(r.status_code for r in responses)
                assert codes == [200] + [412] * 29
                after = (await c.get(f"/api/encounters/{eid}", headers=headers)).json()
                assert after["combatants"][0]["hp"] == 97 and after["version"] == version + 1
    finally:
        await drop_pg_database(url)
