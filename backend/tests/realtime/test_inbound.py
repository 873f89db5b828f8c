"""What a client may send on a live stream: messages over the size limit, or too
many of them, close the socket (app.realtime.inbound)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from tests.api import new_encounter
from tests.realtime.helpers import Json, Stream, dm_stream, share


@pytest.fixture
async def shared(client: httpx.AsyncClient, dm: dict[str, str], campaign: Json) -> Json:
    encounter = await new_encounter(client, dm, campaign)
    return {"encounter": encounter, "token": (await share(client, dm, encounter["id"]))["token"]}


async def test_a_socket_that_sends_too_fast_is_closed(shared: Json, live: str) -> None:
    stream = await Stream.open(f"ws://{live}/api/public/encounters/{shared['token']}/ws")
    assert (await stream.next())["type"] == "snapshot"
    with pytest.raises(ConnectionClosed):
        for _ in range(1000):
            await stream.conn.send("{}")
            await asyncio.sleep(0)
    assert await stream.closed_with() == 1008
    assert stream.conn.close_reason == "too many messages"


async def test_a_message_over_the_size_limit_closes_the_socket(
    shared: Json, live: str, dm: dict[str, str]
) -> None:
    stream = await dm_stream(f"ws://{live}", shared["encounter"]["id"], dm)
    assert (await stream.next())["type"] == "snapshot"
    await stream.conn.send("x" * (8 * 1024 + 1))
    assert await stream.closed_with() == 1009
