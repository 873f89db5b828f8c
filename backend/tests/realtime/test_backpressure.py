"""Issue 13, item 3: a socket that stops reading is aborted past a bounded time or
backlog (not sent a close frame queued behind its data), its memory freed, and the
open-sockets gauge and the drop counter say so; everyone else keeps getting frames."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import socket
from typing import Any

import httpx
import pytest

from app.realtime import hub
from tests.api import add, new_encounter
from tests.conftest import METRICS_HEADERS
from tests.realtime.helpers import Json, act, bearer, dm_stream

pytestmark = pytest.mark.slow


def _sample(text: str, line_start: str) -> float:
    for line in text.splitlines():
        if line.startswith(line_start):
            return float(line.split()[-1])
    return 0.0


OPEN = 'websocket_connections_open{audience="dm"}'


def _stalled(live: str, path: str, token: str) -> socket.socket:
    """A WebSocket client that completes the handshake and then never reads."""
    host, port = live.split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, int(port)))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET {path} HTTP/1.1\r\nHost: {live}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Sec-WebSocket-Protocol: bearer, {token}\r\n\r\n"
        ).encode()
    )
    return sock


async def _drained_to_the_end(sock: socket.socket) -> bytes:
    """Read what the server had sent until the connection ends (a recv that waits
    10 s raises): the bytes after the handshake's response."""

    def read() -> bytes:
        sock.settimeout(10)
        data = bytearray()
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(1 << 20):
                data += chunk
        return bytes(data)

    data = await asyncio.to_thread(read)
    head, _, frames = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101"), head[:200]
    return frames


def _opcodes(stream: bytes) -> list[int]:
    """The opcodes of the server's (unmasked) frames in ``stream``; a frame cut short
    by the connection's end counts too."""
    out, at = [], 0
    while at + 2 <= len(stream):
        out.append(stream[at] & 0x0F)
        length, at = stream[at + 1] & 0x7F, at + 2
        if length == 126:
            length, at = int.from_bytes(stream[at : at + 2]), at + 2
        elif length == 127:
            length, at = int.from_bytes(stream[at : at + 8]), at + 8
        at += length
    return out


async def test_a_socket_that_never_reads_is_aborted_and_counted(
    client: httpx.AsyncClient,
    app: Any,
    dm: Json,
    campaign: Json,
    live: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(hub, "STALL_SECONDS", 0.5)
    monkeypatch.setattr(hub, "WATCH_SECONDS", 0.1)
    monkeypatch.setattr(hub, "MAX_BACKLOG_BYTES", 256 * 1024)
    eid = (await new_encounter(client, dm, campaign))["id"]
    body = {"name": "Zombie", "max_hp": 500, "initiative": 5, "count": 20, "notes": "z" * 9000}
    added = await add(client, dm, eid, body)
    target = added["state"]["combatants"][0]["id"]
    metrics_before = (await client.get("/api/metrics", headers=METRICS_HEADERS)).text
    reader = await dm_stream(f"ws://{live}", eid, dm)
    await reader.next()
    stalled = _stalled(live, f"/api/encounters/{eid}/ws", bearer(dm))

    async def gauge() -> float:
        return _sample((await client.get("/api/metrics", headers=METRICS_HEADERS)).text, OPEN)

    baseline = _sample(metrics_before, OPEN)
    async with asyncio.timeout(30):
        while await gauge() < baseline + 2:  # noqa: ASYNC110  (a condition, not an event)
            await asyncio.sleep(0.05)
    # ~200 KB per frame: the stalled peer's buffers fill, then its backlog.
    version = 0
    async with asyncio.timeout(120):
        while await gauge() > baseline + 1:
            hit = {"type": "damage", "targets": [target], "amount": 1}
            version = (await act(client, dm, eid, hit))["version"]
    after = (await client.get("/api/metrics", headers=METRICS_HEADERS)).text
    dropped = sum(
        _sample(after, f'websocket_dropped_total{{audience="dm",reason="{reason}"}}')
        - _sample(metrics_before, f'websocket_dropped_total{{audience="dm",reason="{reason}"}}')
        for reason in ("stalled", "backlog")
    )
    assert dropped == 1
    # The reader that keeps up got every version, in order, meanwhile.
    messages = await reader.until(version)
    assert [m["version"] for m in messages] == list(range(2, version + 1))
    # The stalled connection was cut: no close frame was queued behind its data.
    opcodes = _opcodes(await _drained_to_the_end(stalled))
    assert opcodes and 0x8 not in opcodes, opcodes[-5:]
    # Only the reader is left, with nothing held for the dropped one.
    channel = app.state.hub.channels[eid]
    assert len(channel) == 1 and all(s.backlog_bytes == 0 for s in channel.subscribers["dm"])
    stalled.close()
    await reader.close()
