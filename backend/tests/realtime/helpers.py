"""Live-stream test helpers: a recording WebSocket client and HTTP shortcuts."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

Json = dict[str, Any]
TIMEOUT = 10.0


class Stream:
    """A WebSocket client that keeps every raw message it received."""

    def __init__(self, conn: ClientConnection) -> None:
        self.conn = conn
        self.raw: list[str] = []

    @classmethod
    async def open(cls, url: str, **kwargs: Any) -> Stream:
        return cls(await connect(url, open_timeout=TIMEOUT, max_size=None, **kwargs))

    async def next(self, wait: float = TIMEOUT) -> Json:
        """The next message that is not a ping."""
        while True:
            text = await asyncio.wait_for(self.conn.recv(), wait)
            assert isinstance(text, str)
            self.raw.append(text)
            message: Json = json.loads(text)
            if message["type"] != "ping":
                return message

    async def until(self, version: int, wait: float = TIMEOUT) -> list[Json]:
        """Messages up to and including ``version``."""
        out = []
        while True:
            message = await self.next(wait)
            out.append(message)
            if message["version"] >= version:
                return out

    async def closed_with(self, wait: float = TIMEOUT) -> int | None:
        """Read until the server closes; its close code."""
        with contextlib.suppress(ConnectionClosed):
            while True:
                self.raw.append(str(await asyncio.wait_for(self.conn.recv(), wait)))
        return self.conn.close_code

    async def close(self) -> None:
        await self.conn.close()


async def act(client: httpx.AsyncClient, dm: Json, eid: str, action: Json) -> Json:
    r = await client.post(f"/api/encounters/{eid}/actions", json=action, headers=dm)
    assert r.status_code == 200, r.text
    body: Json = r.json()
    return body


async def share(client: httpx.AsyncClient, dm: Json, eid: str) -> Json:
    r = await client.post(f"/api/encounters/{eid}/share", headers=dm)
    assert r.status_code in (200, 201), r.text
    body: Json = r.json()
    return body


def bearer(dm: Json) -> str:
    return str(dm["Authorization"]).removeprefix("Bearer ")


async def dm_stream(base: str, eid: str, dm: Json, since: int | None = None) -> Stream:
    """The DM's socket on ``base`` (``ws://host:port``), authenticated as a browser does:
    the subprotocol pair ``["bearer", token]``."""
    query = "" if since is None else f"?since={since}"
    return await Stream.open(
        f"{base}/api/encounters/{eid}/ws{query}", subprotocols=["bearer", bearer(dm)]
    )
