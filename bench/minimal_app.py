"""The baseline for bench/engine.py: the least a combat action and a read can cost
on the same database, served by the same Gunicorn + Uvicorn setup.

- ``POST /write/{row}``: one transaction with a locked UPDATE storing an
  encounter-sized JSON state plus one INSERT (what an action needs at minimum:
  serialise, store the new state, append to the log).
- ``GET /read/{row}``: read one JSON row and return it.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

DSN = os.environ["BENCH_DSN"]
pool: asyncpg.Pool | None = None
STATE = "{}"


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    global pool
    global STATE
    pool = await asyncpg.create_pool(DSN, min_size=2, max_size=10)
    async with pool.acquire() as conn:
        STATE = await conn.fetchval("SELECT state::text FROM bench_rows WHERE id = 0") or "{}"
    yield
    await pool.close()


async def write(request: Request) -> Response:
    row = int(request.path_params["row"])
    assert pool is not None
    async with pool.acquire() as conn, conn.transaction():
        version = await conn.fetchval(
            "SELECT version FROM bench_rows WHERE id = $1 FOR UPDATE", row
        )
        # Store the new state (an encounter-sized JSON document), as an action must.
        await conn.execute(
            "UPDATE bench_rows SET version = $2, state = $3 WHERE id = $1",
            row,
            version + 1,
            STATE,
        )
        await conn.execute(
            "INSERT INTO bench_log (row_id, seq, data) VALUES ($1, $2, $3)",
            row,
            version + 1,
            '{"type": "damage"}',
        )
    return JSONResponse({"version": version + 1})


async def read(request: Request) -> Response:
    row = int(request.path_params["row"])
    assert pool is not None
    async with pool.acquire() as conn:
        state = await conn.fetchval("SELECT state::text FROM bench_rows WHERE id = $1", row)
    return Response(state, media_type="application/json")


app = Starlette(
    routes=[Route("/write/{row}", write, methods=["POST"]), Route("/read/{row}", read)],
    lifespan=lifespan,
)
