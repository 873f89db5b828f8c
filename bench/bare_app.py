"""The bare baseline of bench/http_bench.py: FastAPI + asyncpg doing the statements a
combat action and an encounter read need at the least, served like the product
(Gunicorn, 3 Uvicorn workers, uvloop and httptools).

- ``POST /encounters/{row}/actions`` (body ``{"targets": [...], "amount": N}``): one
  transaction that locks the encounter row, appends the event, stores the new state
  (an encounter-sized JSON document) and ``pg_notify``\\ s the change, then answers
  with the state, as the product's action does.
- ``GET /encounters/{row}``: one JSON row, returned as it is stored.

No auth, no validation beyond ``json.loads``, no rules: what is left once the
product's own work is taken away.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from fastapi import FastAPI, Request
from fastapi.responses import Response

DSN = os.environ["BENCH_DSN"]
pool: asyncpg.Pool | None = None


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    global pool
    pool = await asyncpg.create_pool(DSN, min_size=2, max_size=10)
    yield
    await pool.close()


app = FastAPI(lifespan=lifespan, openapi_url=None)


@app.post("/encounters/{row}/actions")
async def act(row: int, request: Request) -> Response:
    body = json.loads(await request.body())
    event = json.dumps({"type": "damage", "targets": body["targets"], "amount": body["amount"]})
    assert pool is not None
    async with pool.acquire() as conn, conn.transaction():
        version, state = await conn.fetchrow(
            "SELECT version, state::text FROM bench_encounters WHERE id = $1 FOR UPDATE", row
        )
        await conn.execute(
            "INSERT INTO bench_events (encounter_id, seq, data) VALUES ($1, $2, $3::jsonb)",
            row,
            version + 1,
            event,
        )
        await conn.execute(
            "UPDATE bench_encounters SET version = $2, state = $3::jsonb WHERE id = $1",
            row,
            version + 1,
            state,
        )
        await conn.execute("SELECT pg_notify('bench', $1)", f"{row}:{version + 1}")
    return Response(
        f'{{"version": {version + 1}, "state": {state}}}', media_type="application/json"
    )


@app.get("/encounters/{row}")
async def read(row: int) -> Response:
    assert pool is not None
    async with pool.acquire() as conn:
        state = await conn.fetchval("SELECT state::text FROM bench_encounters WHERE id = $1", row)
    return Response(state, media_type="application/json")
