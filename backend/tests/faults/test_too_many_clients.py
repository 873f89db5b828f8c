"""PostgreSQL refusing new connections (``too many clients``, SQLSTATE 53300) is the
database being unavailable for a moment, not a bug: the service answers 503 with
Retry-After, never 500. Reproduced with a role whose connection limit the worker's
pool outgrows under concurrent reads (superusers are exempt from such limits)."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import httpx
import pytest

from tests.conftest import create_pg_database, drop_pg_database, migrate
from tests.servers import gunicorn

pytestmark = pytest.mark.slow


async def _limited_role(url: str, limit: int) -> str:
    """A login role allowed ``limit`` connections, able to use the app's tables; its URL."""
    role = f"limited_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f"CREATE ROLE {role} LOGIN CONNECTION LIMIT {limit}")
        await conn.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
        await conn.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}")
        await conn.execute(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {role}")
    finally:
        await conn.close()
    return url.replace("://postgres@", f"://{role}@", 1)


async def _drop_role(url: str, role_url: str) -> None:
    role = role_url.split("://", 1)[1].split("@", 1)[0]
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f"DROP OWNED BY {role}")
        await conn.execute(f"DROP ROLE {role}")
    finally:
        await conn.close()


def test_too_many_clients_is_503_not_500(pg_url: str) -> None:
    url = asyncio.run(create_pg_database())
    assert "://postgres@" in url
    role_url = ""
    try:
        asyncio.run(migrate(url))
        # One connection for the worker's LISTEN, two for its pool: concurrent requests
        # that need a third are refused by the server.
        role_url = asyncio.run(_limited_role(url, 3))
        direct = {"DATABASE_URL": role_url, "DATABASE_LISTEN_URL": role_url}
        with gunicorn(role_url, workers=1, env={**direct, "DATABASE_POOLER": "none"}) as base:

            async def burst() -> list[httpx.Response]:
                async with httpx.AsyncClient(base_url=base, timeout=30) as c:
                    body = {"email": f"dm-{uuid.uuid4().hex[:8]}@example.com", "password": "x" * 12}
                    assert (await c.post("/api/auth/register", json=body)).status_code == 202
                    token = (await c.post("/api/auth/login", json=body)).json()["access_token"]
                    headers = {"Authorization": f"Bearer {token}"}
                    return await asyncio.gather(
                        *(
                            c.get("/api/statblocks", params={"q": "gob"}, headers=headers)
                            for _ in range(40)
                        )
                    )

            responses = asyncio.run(burst())
        statuses = {r.status_code for r in responses}
        assert 500 not in statuses, [r.text for r in responses if r.status_code == 500][:1]
        refused = [r for r in responses if r.status_code == 503]
        assert refused, f"no request was refused a connection: {sorted(statuses)}"
        assert refused[0].headers["content-type"].startswith("application/problem+json")
        assert refused[0].headers["retry-after"] == "1"
    finally:
        if role_url:
            asyncio.run(_drop_role(url, role_url))
        asyncio.run(drop_pg_database(url))
