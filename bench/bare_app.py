"""The bare baseline of bench/http_bench.py: FastAPI + asyncpg doing the statements a
combat action and an encounter read need at the least, served like the product
(Gunicorn, 3 workers of the product's worker class, uvloop and httptools).

- ``POST /encounters/{row}/actions`` (body ``{"targets": [...], "amount": N}``): one
  transaction that locks the encounter row, appends the event, stores the new state
  (an encounter-sized JSON document) and ``pg_notify``\\ s the change, then answers
  with the state, as the product's action does.
- ``GET /encounters/{row}``: one JSON row, returned as it is stored.

The same two on the product's own tables, with the product's own SQL
(``app.encounters.repository``: the membership-checking lock and read, the one
statement that appends the event with the state before it, stores the state and its DM
view and notifies), the user named in the query (``?u=``) instead of a token:

- ``POST /same/encounters/{id}/actions?u=...``: lock, append (the state and its DM view
  written back as they were, the rules skipped), notify on a channel nobody listens
  to, commit;
- ``GET /same/encounters/{id}?u=...``: the product's read statement, its document
  returned as it comes.

No auth, no validation beyond ``json.loads``, no rules: what is left once the
product's own work is taken away.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from fastapi import FastAPI, Request
from fastapi.responses import Response

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "backend"))
from app.encounters import repository as product  # its SQL, nothing else
from app.encounters.projection import (
    DM_VIEW_FORMAT,
    INTERNAL_COMBATANT_KEYS,
    INTERNAL_STATE_KEYS,
)

DSN = os.environ["BENCH_DSN"]
pool: asyncpg.Pool | None = None
# The product's encounters as seeded: each one's DM view (stored by its last action) and
# status, name and ruleset, which the same-SQL action writes back unchanged (the rules,
# which would change them, are the product's work).
seeded: dict[str, tuple[str, str, str, str]] = {}


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    global pool
    pool = await asyncpg.create_pool(DSN, min_size=2, max_size=10)
    rows = await pool.fetch(
        "SELECT id, dm_view, status, name, ruleset FROM encounters WHERE dm_view IS NOT NULL"
    )
    seeded.update((r[0], (r[1], r[2], r[3], r[4])) for r in rows)
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


@app.post("/same/encounters/{encounter_id}/actions")
async def act_same(encounter_id: str, u: str, request: Request) -> Response:
    body = json.loads(await request.body())
    data = json.dumps({"action": {"type": "damage", **body}})
    view, status, name, ruleset = seeded[encounter_id]
    assert pool is not None
    async with pool.acquire() as conn, conn.transaction():
        _, version, state, _, _ = await conn.fetchrow(product._LOCK_SQL, encounter_id, u)
        seq = version + 1
        await conn.execute(
            product._APPEND_SQL,
            encounter_id, seq, "damage", data, "Troll takes 1 damage.", "[]", u, None,
            dt.datetime.now(dt.UTC), state, None, state, status, name, ruleset, view,
            DM_VIEW_FORMAT, "bench", f"{encounter_id}:{seq}",
        )  # fmt: skip
    return Response(f'{{"version": {seq}, "state": {view}}}', media_type="application/json")


@app.get("/same/encounters/{encounter_id}")
async def read_same(encounter_id: str, u: str) -> Response:
    assert pool is not None
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            product._READ_VIEW_SQL,
            encounter_id, u, list(INTERNAL_STATE_KEYS), list(INTERNAL_COMBATANT_KEYS),
            DM_VIEW_FORMAT,
        )  # fmt: skip
    return Response(row[2], media_type="application/json")
