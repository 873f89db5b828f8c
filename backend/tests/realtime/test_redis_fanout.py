"""The Redis pub/sub fan-out (REDIS_URL) across real Gunicorn processes on one
PostgreSQL: notices published after commit instead of NOTIFY, the same ordering, and a
lost notice noticed by version and read from the database, and what was written while
Redis was away read again once the worker has subscribed again. Against the Redis on
127.0.0.1:6379 (TEST_REDIS_URL overrides) and, for the outage, a redis-server of the
test's own (Debian's package); never skipped in CI."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest

from tests.conftest import register
from tests.realtime.helpers import Stream
from tests.servers import free_port, gunicorn

pytestmark = pytest.mark.slow

# The players see exact hit points: every hit is a frame for them too (seq = version - 1).
EXACT_HP = {"player_view": {"enemies": {"show_hp": "exact"}}}

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="module")
def redis_url() -> str:
    host, port = REDIS_URL.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
    except OSError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis at {host}:{port} is required in CI: {exc}")
        pytest.skip(f"no Redis at {host}:{port}: {exc}")
    return REDIS_URL


class RedisServer:
    """A redis-server of the test's own on a free loopback port, which the test may kill
    and start again on the same port (the shared one on 6379 is left alone)."""

    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                *(self.binary, "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no"),  # nothing written to disk
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start on {self.port}") from None
                time.sleep(0.05)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server (Debian's package) is required in CI")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    server = RedisServer(binary)
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def pg_database(migrated_pg_database: str) -> str:
    return migrated_pg_database


async def _setup(http: httpx.AsyncClient) -> tuple[dict[str, str], str, str, str]:
    dm = await register(http)
    c = (await http.post("/api/campaigns", json={"name": "Saltmarsh"}, headers=dm)).json()
    r = await http.post(
        f"/api/campaigns/{c['id']}/encounters",
        json={"name": "Sea", "settings": EXACT_HP},
        headers=dm,
    )
    eid = r.json()["id"]
    body = {"name": "Sahuagin", "max_hp": 500, "initiative": 11}
    r = await http.post(f"/api/encounters/{eid}/combatants", json=body, headers=dm)
    foe = r.json()["state"]["combatants"][0]["id"]
    link = (await http.post(f"/api/encounters/{eid}/share", headers=dm)).json()
    return dm, eid, foe, link["api_url"]


async def _seqs(stream: Stream, count: int) -> list[int]:
    return [(await stream.next())["seq"] for _ in range(count)]


async def _messages(stream: Stream, count: int) -> list[dict[str, Any]]:
    return [await stream.next() for _ in range(count)]


async def _hit(http: httpx.AsyncClient, dm: dict[str, str], eid: str, foe: str) -> int:
    r = await http.post(
        f"/api/encounters/{eid}/actions",
        json={"type": "damage", "targets": [foe], "amount": 1},
        headers=dm,
    )
    assert r.status_code == 200, r.text
    return int(r.json()["version"])


async def test_redis_fans_out_across_instances_in_order_without_notify(
    pg_database: str, redis_url: str
) -> None:
    env = {"REDIS_URL": redis_url}
    notified: list[Any] = []
    listener = await asyncpg.connect(pg_database)
    await listener.add_listener("encounter_changes", lambda *args: notified.append(args))
    try:
        with (
            gunicorn(pg_database, workers=1, env=env) as a,
            gunicorn(pg_database, workers=2, env=env) as b,
        ):
            async with httpx.AsyncClient(base_url=a, timeout=20) as http:
                dm, eid, foe, api_url = await _setup(http)
                streams = []
                for base in (a, b, b, b):
                    ws = base.replace("http://", "ws://")
                    streams.append(await Stream.open(f"{ws}{api_url}/ws"))
                for stream in streams:
                    assert (await stream.next())["seq"] == 0
                readers = [asyncio.create_task(_seqs(s, 30)) for s in streams]
                versions = [await _hit(http, dm, eid, foe) for _ in range(30)]
                assert versions == list(range(2, 32))
                for reader in readers:
                    assert await reader == list(range(1, 31))
                for stream in streams:
                    await stream.close()
        # Nothing went through NOTIFY (and its commit-time lock).
        assert notified == []
    finally:
        await listener.close()


async def test_a_lost_notice_is_noticed_by_version_and_read_from_the_database(
    pg_database: str, redis_url: str
) -> None:
    # B writes without Redis (NOTIFY, which A does not listen to in Redis mode): A's
    # subscribers miss that notice. The next one, through Redis, is a version ahead of
    # what they have: A reads the missing version from the log and sends both, in order.
    with (
        gunicorn(pg_database, workers=1, env={"REDIS_URL": redis_url}) as a,
        gunicorn(pg_database, workers=1) as b,
    ):
        async with (
            httpx.AsyncClient(base_url=a, timeout=20) as via_redis,
            httpx.AsyncClient(base_url=b, timeout=20) as unannounced,
        ):
            dm, eid, foe, api_url = await _setup(via_redis)
            ws = a.replace("http://", "ws://")
            player = await Stream.open(f"{ws}{api_url}/ws")
            assert (await player.next())["seq"] == 0
            assert await _hit(unannounced, dm, eid, foe) == 2
            assert await _hit(unannounced, dm, eid, foe) == 3
            assert await _hit(via_redis, dm, eid, foe) == 4
            got = [await player.next() for _ in range(3)]
            assert [(m["type"], m["seq"]) for m in got] == [
                ("event", 1),
                ("event", 2),
                ("event", 3),
            ]
            hp = [c["hp"] for c in got[-1]["state"]["combatants"]]
            assert hp == [497]
            await player.close()


async def test_a_resubscription_rereads_what_was_missed_while_redis_was_away(
    pg_database: str, own_redis: RedisServer
) -> None:
    # Redis goes away under A; meanwhile B (NOTIFY, which A does not hear in Redis mode)
    # writes two versions, and no notice ever follows them. When Redis is back, A
    # subscribes again and rereads every encounter it serves: the player is sent both.
    with (
        gunicorn(pg_database, workers=1, env={"REDIS_URL": own_redis.url}) as a,
        gunicorn(pg_database, workers=1) as b,
    ):
        async with (
            httpx.AsyncClient(base_url=a, timeout=20) as via_redis,
            httpx.AsyncClient(base_url=b, timeout=20) as unannounced,
        ):
            dm, eid, foe, api_url = await _setup(via_redis)
            ws = a.replace("http://", "ws://")
            player = await Stream.open(f"{ws}{api_url}/ws")
            assert (await player.next())["seq"] == 0
            assert await _hit(via_redis, dm, eid, foe) == 2
            assert (await player.next())["seq"] == 1
            own_redis.kill()
            assert await _hit(unannounced, dm, eid, foe) == 3
            assert await _hit(unannounced, dm, eid, foe) == 4
            await asyncio.sleep(1)  # the subscriber has lost its connection, and retries
            own_redis.start()
            # One deadline for both (a ping every 20 s would restart a per-message wait).
            got = await asyncio.wait_for(_messages(player, 2), 30)
            assert [(m["type"], m["seq"]) for m in got] == [("event", 2), ("event", 3)]
            assert [c["hp"] for c in got[-1]["state"]["combatants"]] == [497]
            # Publishing works again too.
            assert await _hit(via_redis, dm, eid, foe) == 5
            assert (await player.next())["seq"] == 4
            await player.close()
