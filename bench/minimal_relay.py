"""The floor to compare the live view against: the least a relay can do.

``POST /publish`` runs ``pg_notify`` with its body; every worker LISTENs on one
connection and sends each payload, as it came, to every socket it holds. No auth, no
state, no ordering, no redaction. Served like the product:
``gunicorn minimal_relay:app -k minimal_relay.Worker -w 3`` (DATABASE_URL set), whose
worker, like the product's, does not offer permessage-deflate.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect
from uvicorn_worker import UvicornWorker

CHANNEL = "bench_relay"


class Worker(UvicornWorker):
    CONFIG_KWARGS = {**UvicornWorker.CONFIG_KWARGS, "ws_per_message_deflate": False}


sockets: set[WebSocket] = set()
state: dict[str, Any] = {}


def _relay(_conn: Any, _pid: int, _channel: str, payload: str) -> None:
    task = state["loop"].create_task(_send_all(payload))
    state.setdefault("tasks", set()).add(task)
    task.add_done_callback(state["tasks"].discard)


async def _send_all(payload: str) -> None:
    for ws in list(sockets):
        try:
            await ws.send_text(payload)
        except Exception:
            sockets.discard(ws)


@asynccontextmanager
async def lifespan(_app: Starlette) -> AsyncIterator[None]:
    import asyncio

    dsn = os.environ["DATABASE_URL"]
    state["loop"] = asyncio.get_running_loop()
    state["pool"] = await asyncpg.create_pool(dsn, min_size=2, max_size=10)
    listener = await asyncpg.connect(dsn)
    await listener.add_listener(CHANNEL, _relay)
    yield
    await listener.close()
    await state["pool"].close()


async def publish(request: Request) -> JSONResponse:
    body = (await request.body()).decode()
    async with state["pool"].acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, body)
    return JSONResponse({"ok": True})


async def health(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def stream(ws: WebSocket) -> None:
    await ws.accept()
    sockets.add(ws)
    try:
        await ws.send_text('{"type":"snapshot","version":0}')
        while True:
            await ws.receive_text()
    except WebSocketDisconnect:
        pass
    finally:
        sockets.discard(ws)


app = Starlette(
    routes=[
        Route("/publish", publish, methods=["POST"]),
        Route("/api/health", health),
        WebSocketRoute("/ws", stream),
    ],
    lifespan=lifespan,
)
