"""Faults under load, on real processes: Gunicorn with 2 workers on PostgreSQL, 4 DMs
sending 300 tagged actions to 2 encounters, live DM sockets that reconnect. Whatever
breaks, every action answered 2xx is in the log, once, and none is applied twice.

- PostgreSQL stopped and started (a private server): health 503, then 200 within
  10 s of the restart, the same Gunicorn master and workers throughout;
- a worker SIGKILLed: Gunicorn replaces it, the sockets it held reconnect with
  ``?since=`` and resync with no version missed or repeated;
- the service SIGTERMed: requests in flight are answered, sockets get close code 1012
  (reconnect), the master exits within its grace period.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from app.main import create_app
from tests.conftest import (
    PG_URL,
    make_settings,
    migrate,
)
from tests.faults.load import LiveDM, Outcomes, Table, assert_log_holds, load, set_table
from tests.pg_instance import pg_instance
from tests.servers import Instance, gunicorn_instance

pytestmark = pytest.mark.slow

SERVER_SECRET = "server-test-secret-long-enough-0123456789abcdef"  # tests.servers
GRACE = 8  # gunicorn.conf.py graceful_timeout


@pytest.fixture
def database(migrated_pg_database: str) -> str:
    return migrated_pg_database


async def check_log(url: str, table: Table, outcomes: Outcomes) -> None:
    """Read the log through an app of our own (the server may be gone)."""
    app = create_app(make_settings(url, jwt_secret=SERVER_SECRET))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            await assert_log_holds(c, table, outcomes)


def dm_sockets(instance: Instance, table: Table, per_encounter: int = 3) -> list[LiveDM]:
    ws_base = instance.base.replace("http://", "ws://")
    token = table.headers["Authorization"].removeprefix("Bearer ")
    return [LiveDM(ws_base, eid, token) for eid in table.encounters for _ in range(per_encounter)]


async def watched_load(
    server: Instance, table: Table, per_encounter: int = 3
) -> tuple[list[LiveDM], Outcomes, asyncio.Task[Outcomes]]:
    """DM sockets connected on every encounter, then the load running: returns once the
    first actions were acknowledged."""
    sockets = dm_sockets(server, table, per_encounter)
    for live in sockets:
        live.start()
    async with asyncio.timeout(30):
        for live in sockets:
            await live.connected.wait()
    outcomes, progress = Outcomes(), asyncio.Event()
    running = asyncio.create_task(
        load(server.base, table, outcomes=outcomes, progress=progress, pause=0.01)
    )
    async with asyncio.timeout(60):
        await progress.wait()
    return sockets, outcomes, running


async def eventually(condition: Callable[[], bool], seconds: float) -> None:
    for _ in range(int(seconds * 10)):
        if condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"not within {seconds}s")


async def final_versions(base: str, table: Table) -> dict[str, int]:
    async with httpx.AsyncClient(base_url=base, timeout=10) as c:
        return {
            eid: (await c.get(f"/api/encounters/{eid}", headers=table.headers)).json()["version"]
            for eid in table.encounters
        }


async def test_postgresql_stopped_and_started_under_load() -> None:
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set (CI always sets it)")
    with pg_instance() as pg:
        await migrate(pg.url)
        with gunicorn_instance(pg.url, workers=2) as server:
            # Every worker booted first: a worker still starting is not a restart.
            await eventually(lambda: len(server.worker_pids()) == 2, 30)
            workers = server.worker_pids()
            table = await set_table(server.base)
            outcomes, progress = Outcomes(), asyncio.Event()
            running = asyncio.create_task(
                load(server.base, table, outcomes=outcomes, progress=progress, pause=0.01)
            )
            async with httpx.AsyncClient(base_url=server.base, timeout=15) as c:
                async with asyncio.timeout(60):
                    await progress.wait()
                await asyncio.to_thread(pg.stop)
                assert (await c.get("/api/health")).status_code == 503
                await asyncio.to_thread(pg.start)
                restarted = time.monotonic()
                while (await c.get("/api/health")).status_code != 200:
                    assert time.monotonic() - restarted < 10, "health not back within 10 s"
                    await asyncio.sleep(0.1)
                async with asyncio.timeout(120):
                    await running
            assert server.proc.poll() is None and server.worker_pids() == workers
            assert 503 in outcomes.statuses, "the load never met the outage"
            assert len(outcomes.acked) > 100
            await check_log(pg.url, table, outcomes)


async def test_a_worker_killed_under_load(database: str) -> None:
    with gunicorn_instance(database, workers=2) as server:
        # Both workers booted before the sockets open, and the victim is the worker that
        # holds the most of them (the kernel need not spread them evenly).
        await eventually(lambda: len(server.worker_pids()) == 2, 30)
        table = await set_table(server.base)
        sockets, outcomes, running = await watched_load(server, table)
        held = server.workers_holding({live.port for live in sockets})
        victim = max(held, key=held.__getitem__)
        assert held[victim] > 0, held
        os.kill(victim, signal.SIGKILL)
        await eventually(lambda: len(server.worker_pids() - {victim}) == 2, 30)  # replaced
        async with asyncio.timeout(120):
            await running
        versions = await final_versions(server.base, table)
        async with asyncio.timeout(30):
            for live in sockets:
                await live.caught_up(versions[live.url.split("/")[-2]])
        for live in sockets:
            await live.stop()
    assert any(live.reconnects for live in sockets), "no socket was on the killed worker"
    for live in sockets:
        assert not live.problems, live.problems
        eid = live.url.split("/")[-2]
        # Every version after the first snapshot, once and in order (a reconnect may
        # get a snapshot instead of a long catch-up: it covers what it skipped).
        assert live.version == versions[eid]
    await check_log(database, table, outcomes)


def _start_request(base: str, path: str, body: bytes, headers: dict[str, str]) -> socket.socket:
    """An action whose headers and first half of its body are sent: in flight."""
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=30)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        f"Authorization: {headers['Authorization']}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    sock.sendall(head + body[: len(body) // 2])
    return sock


def _finish_request(sock: socket.socket, body: bytes) -> bytes:
    with sock:
        sock.sendall(body[len(body) // 2 :])
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
        return answer


async def test_the_service_terminated_under_load(database: str) -> None:
    with gunicorn_instance(database, workers=2) as server:
        table = await set_table(server.base)
        sockets, outcomes, running = await watched_load(server, table, per_encounter=2)
        in_flight: list[tuple[str, str, bytes, Any]] = []
        for n, eid in enumerate(table.encounters * 2):
            tag = f"in-flight-{n}"
            body = json.dumps(
                {"type": "set_concentration", "combatant_id": table.combatants[eid], "spell": tag}
            ).encode()
            sock = await asyncio.to_thread(
                _start_request, server.base, f"/api/encounters/{eid}/actions", body, table.headers
            )
            in_flight.append((tag, eid, body, sock))
        # Let the workers read those headers, then ask the service to stop.
        async with httpx.AsyncClient(base_url=server.base) as c:
            for _ in range(4):
                await c.get("/api/health")
        for live in sockets:
            live._stop.set()  # (no reconnecting to a service going away)
        stopped_at = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        answers = await asyncio.gather(
            *(asyncio.to_thread(_finish_request, sock, body) for _, _, body, sock in in_flight)
        )
        for (tag, eid, _, _), answer in zip(in_flight, answers, strict=True):
            head, _, payload = answer.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200"), answer[:300]
            outcomes.acked[tag] = (eid, json.loads(payload)["version"])
        await asyncio.to_thread(server.proc.wait, GRACE + 5)
        took = time.monotonic() - stopped_at
        assert server.proc.returncode == 0
        assert took < GRACE + 2, f"exit took {took:.1f}s"
        async with asyncio.timeout(60):
            await running
        for live in sockets:
            await live.stop()
    assert all(1012 in live.close_codes for live in sockets), [s.close_codes for s in sockets]
    await check_log(database, table, outcomes)
