"""A token revoked through one worker is refused by every other at once.

Two server processes (each a Gunicorn master with one worker) on one PostgreSQL
database: the DM works through both, so whatever a worker keeps per process is warm,
then signs out everywhere (or changes the password) through the first. The very next
request with the old token, to the second, is a 401 on every kind of route: the hot
ones (an action, an encounter read), which check the token in their own statement, and
the rest, which read the user's token generation first. No waiting for a notice: a
revoked token never acts, not even for the milliseconds a notice takes to arrive.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest

from tests.conftest import register
from tests.servers import gunicorn

pytestmark = pytest.mark.slow

Json = dict[str, Any]


@pytest.fixture
def database(migrated_pg_database: str) -> str:
    return migrated_pg_database


@pytest.fixture
def servers(database: str) -> Iterator[tuple[str, str]]:
    with ExitStack() as stack:
        first = stack.enter_context(gunicorn(database, workers=1))
        second = stack.enter_context(gunicorn(database, workers=1))
        yield first, second


async def _table(http: httpx.AsyncClient, auth: dict[str, str]) -> tuple[str, str]:
    """A campaign with one started encounter of one monster: (encounter id, its id)."""
    r = await http.post("/api/campaigns", json={"name": "Revoked"}, headers=auth)
    assert r.status_code == 201, r.text
    r = await http.post(
        f"/api/campaigns/{r.json()['id']}/encounters", json={"name": "Hall"}, headers=auth
    )
    assert r.status_code == 201, r.text
    eid = r.json()["id"]
    monster = {"name": "Ogre", "max_hp": 59, "ac": 11, "initiative_bonus": -1}
    r = await http.post(f"/api/encounters/{eid}/combatants", json=monster, headers=auth)
    assert r.status_code == 201, r.text
    r = await http.post(
        f"/api/encounters/{eid}/actions", json={"type": "start_combat"}, headers=auth
    )
    assert r.status_code == 200, r.text
    return eid, r.json()["state"]["combatants"][0]["id"]


async def _uses(http: httpx.AsyncClient, auth: dict[str, str], eid: str, cid: str) -> list[int]:
    """The token's answer from an action, an encounter read, a combatant edit and a
    campaign list (the last two check the token apart from their own work)."""
    hit = {"type": "damage", "targets": [cid], "amount": 1}
    return [
        (await http.post(f"/api/encounters/{eid}/actions", json=hit, headers=auth)).status_code,
        (await http.get(f"/api/encounters/{eid}", headers=auth)).status_code,
        (
            await http.patch(
                f"/api/encounters/{eid}/combatants/{cid}", json={"notes": "x"}, headers=auth
            )
        ).status_code,
        (await http.get("/api/campaigns", headers=auth)).status_code,
    ]


@pytest.mark.parametrize("revoke", ["sign_out_everywhere", "password_change"])
async def test_a_token_revoked_through_one_worker_is_refused_by_another(
    servers: tuple[str, str], revoke: str
) -> None:
    first, second = servers
    password = "correct horse battery"
    async with (
        httpx.AsyncClient(base_url=first, timeout=20) as a,
        httpx.AsyncClient(base_url=second, timeout=20) as b,
    ):
        auth = await register(a, password=password)
        eid, cid = await _table(a, auth)
        for _ in range(3):  # both workers have served this token, more than once
            assert await _uses(a, auth, eid, cid) == [200, 200, 200, 200]
            assert await _uses(b, auth, eid, cid) == [200, 200, 200, 200]

        if revoke == "sign_out_everywhere":
            r = await a.post("/api/auth/me/sign-out-everywhere", headers=auth)
            assert r.status_code == 204, r.text
        else:
            change = {"current_password": password, "new_password": "another horse battery"}
            r = await a.post("/api/auth/me/password", json=change, headers=auth)
            assert r.status_code in (200, 204), r.text

        # At once, no waiting for the revocation's notice to reach the other worker.
        assert await _uses(b, auth, eid, cid) == [401, 401, 401, 401]
        assert await _uses(a, auth, eid, cid) == [401, 401, 401, 401]
        r = await b.get(f"/api/encounters/{eid}", headers=auth)
        assert r.json()["type"].endswith("/invalid-token"), r.text
