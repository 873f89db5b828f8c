from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn

from tests.servers import free_port


@pytest.fixture(scope="session")
async def live(app: Any) -> AsyncIterator[str]:
    """The test app served by a real Uvicorn on loopback, in the tests' event loop:
    ``host:port`` for WebSocket clients (HTTP goes through the ``client`` fixture)."""
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        lifespan="off",
        log_level="warning",
        ws="auto",
        ws_per_message_deflate=False,  # as the production worker (app.realtime.worker)
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    started = asyncio.get_running_loop().time()
    while not server.started:
        assert not task.done(), "uvicorn exited"
        assert asyncio.get_running_loop().time() - started < 10, "uvicorn did not start"
        await asyncio.sleep(0.01)
    yield f"127.0.0.1:{port}"
    server.should_exit = True
    await task
