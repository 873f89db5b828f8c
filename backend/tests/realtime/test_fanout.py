"""Fan-out across real Gunicorn processes on one PostgreSQL database (LISTEN/NOTIFY)."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import time

import httpx
import pytest

from tests.conftest import register
from tests.realtime.helpers import Json, Stream, bearer, dm_stream
from tests.servers import gunicorn

pytestmark = pytest.mark.slow


@pytest.fixture
def pg_database(migrated_pg_database: str) -> str:
    return migrated_pg_database


async def _setup(http: httpx.AsyncClient) -> tuple[Json, str, str, str]:
    """A DM, an encounter with a goblin, and its player-view API path."""
    dm = await register(http)
    campaign = (await http.post("/api/campaigns", json={"name": "Phandelver"}, headers=dm)).json()
    # The players see exact hit points: every hit is a frame for them too.
    settings = {"player_view": {"enemies": {"show_hp": "exact"}}}
    r = await http.post(
        f"/api/campaigns/{campaign['id']}/encounters",
        json={"name": "Cragmaw", "settings": settings},
        headers=dm,
    )
    eid = r.json()["id"]
    body = {"name": "Goblin", "max_hp": 500, "initiative": 12, "notes": "n" * 5000}
    r = await http.post(f"/api/encounters/{eid}/combatants", json=body, headers=dm)
    goblin = r.json()["state"]["combatants"][0]["id"]
    link = (await http.post(f"/api/encounters/{eid}/share", headers=dm)).json()
    return dm, eid, goblin, link["api_url"]


async def _hit(http: httpx.AsyncClient, dm: Json, eid: str, goblin: str) -> tuple[int, float]:
    r = await http.post(
        f"/api/encounters/{eid}/actions",
        json={"type": "damage", "targets": [goblin], "amount": 1},
        headers=dm,
    )
    assert r.status_code == 200, r.text
    return int(r.json()["version"]), time.monotonic()


async def _collect(stream: Stream, last: int, arrivals: dict[int, float]) -> list[int]:
    """Versions (DM) up to ``last``; for a player stream, its seqs mapped onto the
    versions (here every version is a change the players see: seq = version - 1)."""
    versions = []
    while not versions or versions[-1] < last:
        message = await stream.next()
        version = message["version"] if "version" in message else message["seq"] + 1
        versions.append(version)
        arrivals[version] = max(arrivals.get(version, 0), time.monotonic())
    return versions


async def test_a_change_through_one_server_reaches_sockets_on_another(pg_database: str) -> None:
    with gunicorn(pg_database, workers=1) as a, gunicorn(pg_database, workers=2) as b:
        async with httpx.AsyncClient(base_url=a, timeout=10) as http:
            dm, eid, goblin, api_url = await _setup(http)
            ws_b = b.replace("http://", "ws://")
            players = [await Stream.open(f"{ws_b}{api_url}/ws") for _ in range(6)]
            dms = [await dm_stream(ws_b, eid, dm) for _ in range(2)]
            for stream in players:
                assert (await stream.next())["seq"] == 0
            for stream in dms:
                assert (await stream.next())["version"] == 1
            # The client offered permessage-deflate (websockets does by default): the
            # production worker declines it, so every socket gets the same bytes.
            for stream in players + dms:
                assert stream.conn.response is not None
                assert "Sec-WebSocket-Extensions" not in stream.conn.response.headers
            assert "permessage-deflate" in players[0].conn.request.headers.get(
                "Sec-WebSocket-Extensions", ""
            )
            last = 1
            for _ in range(10):
                last, _ = await _hit(http, dm, eid, goblin)
            arrivals: dict[int, float] = {}
            for stream in players + dms:
                assert await _collect(stream, last, arrivals) == list(range(2, last + 1))
                await stream.close()
            hp = [m for m in dms[0].raw if '"type":"event"' in m]
            assert len(hp) == 10


async def test_three_workers_every_version_exactly_once_despite_a_stalled_client(
    pg_database: str,
) -> None:
    with gunicorn(pg_database, workers=3) as base:
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            dm, eid, goblin, api_url = await _setup(http)
            ws = base.replace("http://", "ws://")
            stalled = _stalled_socket(base, f"/api/encounters/{eid}/ws", bearer(dm))
            streams = [await Stream.open(f"{ws}{api_url}/ws") for _ in range(24)]
            streams += [await dm_stream(ws, eid, dm) for _ in range(6)]
            for stream in streams:
                first = await stream.next()
                assert first.get("version", first.get("seq", -1) + 1) == 1
            sent: dict[int, float] = {}
            arrivals: dict[int, float] = {}
            readers = [asyncio.create_task(_collect(s, 31, arrivals)) for s in streams]
            for _ in range(30):
                version, at = await _hit(http, dm, eid, goblin)
                sent[version] = at
            for reader in readers:
                assert await reader == list(range(2, 32))
            # Nobody waited for the client that never reads.
            assert max(arrivals[v] - sent[v] for v in sent) < 2.0
            stalled.close()
            for stream in streams:
                await stream.close()


def _stalled_socket(base: str, path: str, token: str) -> socket.socket:
    """A WebSocket client that completes the handshake and then never reads."""
    host, port = base.removeprefix("http://").split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, int(port)))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Sec-WebSocket-Protocol: bearer, {token}\r\n\r\n"
        ).encode()
    )
    return sock
