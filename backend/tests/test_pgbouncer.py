"""The service behind PgBouncer in transaction mode, as Azure's built-in pooler runs it:
requests through the pooler (a few server connections shared by every client, so a
statement prepared by one client would collide with another's), LISTEN and migrations
direct. Never skipped in CI: .ci/run installs Debian's pgbouncer."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import create_pg_database, drop_pg_database, register
from tests.pgbouncer import pgbouncer
from tests.realtime.helpers import Stream
from tests.servers import BACKEND_DIR, BIN_DIR, gunicorn

pytestmark = pytest.mark.slow

# The players see exact hit points: every hit is a frame for them too (seq = version - 1).
EXACT_HP = {"player_view": {"enemies": {"show_hp": "exact"}}}


@pytest.fixture
async def database(pg_url: str) -> AsyncIterator[str]:
    url = await create_pg_database("it_pooler")
    try:
        yield url
    finally:
        await drop_pg_database(url)


def _pooler_transactions(admin_url: str, database: str) -> int:
    """Transactions PgBouncer carried for ``database``, from its console (psql: the
    console speaks only the simple query protocol)."""
    out = subprocess.run(
        ["psql", admin_url, "-tA", "-F", "|", "-c", "SHOW STATS"],
        capture_output=True,
        text=True,
        check=True,
        timeout=10,
    ).stdout
    for line in out.splitlines():
        fields = line.split("|")
        if fields[0] == database:
            return int(fields[1])
    return 0


def _migrate(env: dict[str, str]) -> None:
    done = subprocess.run(
        [str(BIN_DIR / "alembic"), "upgrade", "head"],
        cwd=BACKEND_DIR,
        env={"PATH": str(BIN_DIR), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


async def test_requests_through_pgbouncer_transaction_mode_listen_direct(database: str) -> None:
    name = database.rsplit("/", 1)[1]
    # Two server connections for everyone: concurrent clients' transactions keep
    # landing on connections that other clients prepared statements on.
    with pgbouncer(database, pool_size=2) as bouncer:
        pooled = bouncer.url_for(database)
        env = {
            "DATABASE_URL": pooled,
            "DATABASE_LISTEN_URL": database,
            "DATABASE_POOLER": "transaction",
        }
        # Migrations take a session-level advisory lock: they use the direct URL.
        _migrate(env)
        with gunicorn(database, workers=2, env=env) as base:
            async with httpx.AsyncClient(base_url=base, timeout=20) as http:
                before = _pooler_transactions(bouncer.admin_url, name)
                dms = [await register(http) for _ in range(4)]
                encounters: list[tuple[dict[str, str], str, str, str]] = []
                for dm in dms:
                    c = (await http.post("/api/campaigns", json={"name": "P"}, headers=dm)).json()
                    r = await http.post(
                        f"/api/campaigns/{c['id']}/encounters",
                        json={"name": "E", "settings": EXACT_HP},
                        headers=dm,
                    )
                    eid = r.json()["id"]
                    body = {"name": "Ogre", "max_hp": 500, "initiative": 8}
                    r = await http.post(f"/api/encounters/{eid}/combatants", json=body, headers=dm)
                    assert r.status_code == 201, r.text
                    ogre = r.json()["state"]["combatants"][0]["id"]
                    link = (await http.post(f"/api/encounters/{eid}/share", headers=dm)).json()
                    encounters.append((dm, eid, ogre, link["api_url"]))

                ws = base.replace("http://", "ws://")
                streams = [await Stream.open(f"{ws}{e[3]}/ws") for e in encounters]
                for stream in streams:
                    assert (await stream.next())["seq"] == 0

                async def fight(dm: dict[str, str], eid: str, ogre: str) -> list[int]:
                    versions = []
                    for _ in range(15):
                        r = await http.post(
                            f"/api/encounters/{eid}/actions",
                            json={"type": "damage", "targets": [ogre], "amount": 1},
                            headers=dm,
                        )
                        assert r.status_code == 200, r.text
                        versions.append(r.json()["version"])
                        # Reads too (autocommit elsewhere, one transaction here).
                        r = await http.get(f"/api/encounters/{eid}", headers=dm)
                        assert r.status_code == 200, r.text
                    return versions

                results = await asyncio.gather(*(fight(*e[:3]) for e in encounters))
                for versions in results:
                    assert versions == list(range(2, 17))
                # LISTEN went direct: every socket saw every version, in order.
                for stream in streams:
                    got = [(await stream.next())["seq"] for _ in range(15)]
                    assert got == list(range(1, 16))
                    await stream.close()
                r = await http.get("/api/health")
                assert r.status_code == 200
                # ...and the requests really went through the pooler.
                assert _pooler_transactions(bouncer.admin_url, name) - before >= 4 * 15 * 2
        assert "prepared statement" not in bouncer.log()
