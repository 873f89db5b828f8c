"""How fast is stat block search next to a primary-key lookup?

    .venv/bin/python bench/statblock_search.py [--database-url URL]

Creates a fresh database on the server of ``--database-url`` (default
``postgresql://postgres@127.0.0.1:5432/test``; a ``sqlite:///`` URL uses a
temporary file instead), builds it with the Alembic migrations (which load the
334 SRD monsters), adds 10,000 generated homebrew stat blocks, all owned by the
searching user so that every row is a candidate, then times typical searches
through the service function the API uses (typo-forgiving for words of four
letters or more), and a single-row lookup by
primary key, each in a fresh session as a request would. Prints p50/p95 per
query and the ratio of its p95 to the lookup's p95. The database is dropped
at the end.

What it measures: the database work of a search as the repository issues it
(SQL plus SQLAlchemy's mapping), one query at a time from this Python process, with
no HTTP, no concurrency and no server process in the way. This process and
PostgreSQL share the same (two) cores, so the times include this client's own
Python overhead; they compare queries with each other, not the service's capacity.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

BACKEND = Path(__file__).resolve().parent.parent / "backend"
sys.path.insert(0, str(BACKEND))

from alembic import command  # noqa: E402
from alembic.config import Config  # noqa: E402
from app.auth.models import User  # noqa: E402
from app.db import create_engine, session_factory, utcnow  # noqa: E402
from app.statblocks import repository, service  # noqa: E402
from app.statblocks.models import StatBlock  # noqa: E402
from app.statblocks.schemas import SIZES  # noqa: E402
from app.statblocks.srd import load_srd_monsters  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402

HOMEBREW = 10_000
RUNS = 200
WARMUP = 20
SEED = 5

PREFIXES = (
    "Dire", "Ancient", "Young", "Feral", "Spectral", "Swamp", "Frost", "Ember", "Shadow",
    "Iron", "Bone", "Storm", "Gloom", "Crystal", "Rot", "Sun", "Moon", "Ash", "Blood", "Gold",
)  # fmt: skip
SUFFIXES = ("", " Chieftain", " Brute", " Shaman", " Hatchling", " Matriarch", " Scout")

QUERIES: list[tuple[str, repository.Search, int]] = [
    # (label, search, offset)
    ('q="gob"', repository.Search(text="gob"), 0),
    ('q="dragon"', repository.Search(text="dragon"), 0),
    ('q="e" (broad)', repository.Search(text="e"), 0),
    ("type=beast cr 0-2", repository.Search(type="beast", cr_min=0, cr_max=2), 0),
    ("size=large cr>=5", repository.Search(size="large", cr_min=5), 0),
    ('q="troll" type=giant', repository.Search(text="troll", type="giant"), 0),
    ("everything, page 1", repository.Search(), 0),
    ('q="dragon" offset 500', repository.Search(text="dragon"), 500),
    ('q="zzz" (no match)', repository.Search(text="zzz"), 0),
    ('q="gobln" (typo)', repository.Search(text="gobln"), 0),
    ('q="adult red dragn"', repository.Search(text="adult red dragn"), 0),
    ('q="zzzz" (no match)', repository.Search(text="zzzz"), 0),
]


def alembic_upgrade(url: str) -> None:
    cfg = Config(str(BACKEND / "alembic.ini"))
    cfg.set_main_option("script_location", str(BACKEND / "migrations"))
    cfg.attributes["database_url"] = url
    cfg.attributes["skip_logging"] = True
    command.upgrade(cfg, "head")


async def admin(server_url: str, statement: str) -> None:
    engine = create_engine(server_url, pool=False)
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(statement))
    await engine.dispose()


def homebrew_rows(owner_id: str, rng: random.Random) -> list[dict[str, Any]]:
    srd = load_srd_monsters()
    now = utcnow()
    rows = []
    for i in range(HOMEBREW):
        base = dict(rng.choice(srd))
        name = f"{rng.choice(PREFIXES)} {base['name']}{rng.choice(SUFFIXES)} {i}"[:200]
        data = {**base, "name": name, "slug": None, "size": rng.choice(SIZES)}
        rows.append(
            {
                "id": str(uuid.uuid4()),
                "source": "homebrew",
                "owner_id": owner_id,
                "name": name,
                "name_lower": name.lower(),
                "challenge_rating": float(data["challenge_rating"]),
                "type": data["type"],
                "size": data["size"],
                "xp": data["xp"],
                "data": data,
                "created_at": now,
                "updated_at": now,
            }
        )
    return rows


async def timed(call: Callable[[], Awaitable[object]], runs: int) -> list[float]:
    for _ in range(WARMUP):
        await call()
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        await call()
        out.append((time.perf_counter() - start) * 1000)
    return out


def p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


async def bench(engine: AsyncEngine) -> None:
    rng = random.Random(SEED)
    maker = session_factory(engine)
    user_id = str(uuid.uuid4())
    async with maker() as session:
        # Never signs in: the hash is a placeholder no password matches.
        user = User(id=user_id, email=f"bench-{user_id}@example.com", display_name="Bench")
        user.password_hash = "!"  # noqa: S105
        session.add(user)
        await session.flush()
        started = time.perf_counter()
        rows = homebrew_rows(user_id, rng)
        for i in range(0, len(rows), 1000):
            await session.execute(insert(StatBlock), rows[i : i + 1000])
        await session.commit()
        loaded = time.perf_counter() - started
    async with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE statblocks"))
        else:
            await conn.execute(text("ANALYZE"))
            await conn.commit()
        total = (await conn.execute(text("SELECT count(*) FROM statblocks"))).scalar_one()
    print(
        f"{engine.dialect.name}: {total} stat blocks "
        f"(334 SRD + {HOMEBREW} homebrew, loaded in {loaded:.1f} s); "
        f"{RUNS} runs each after {WARMUP} warm-up, one session per call, limit 50\n"
        "measures the repository's queries from this Python process (no HTTP, one at a time);"
        " this client and PostgreSQL share the same cores\n"
    )

    ids = [r["id"] for r in rows] + [f"srd-{m['slug']}" for m in load_srd_monsters()]

    async def lookup() -> object:
        async with maker() as session:
            return await repository.get(session, rng.choice(ids))

    lookup_ms = await timed(lookup, RUNS * 2)
    lookup_p95 = p(lookup_ms, 95)

    header = f"{'query':<24} {'matches':>7} {'p50 ms':>8} {'p95 ms':>8} {'p95 / lookup p95':>17}"
    print(header)
    print("-" * len(header))
    lookup_p50 = p(lookup_ms, 50)
    print(f"{'lookup by primary key':<24} {1:>7} {lookup_p50:>8.2f} {lookup_p95:>8.2f} {1:>17.1f}")
    for label, search, offset in QUERIES:

        async def run(search: repository.Search = search, offset: int = offset) -> int:
            async with maker() as session:
                _, total = await service.search(session, user_id, search, limit=50, offset=offset)
                return total

        ms = await timed(run, RUNS)
        matches = await run()
        print(
            f"{label:<24} {matches:>7} {p(ms, 50):>8.2f} {p(ms, 95):>8.2f} "
            f"{p(ms, 95) / lookup_p95:>17.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default="postgresql://postgres@127.0.0.1:5432/test",
        help="A PostgreSQL server to create a scratch database on, or sqlite:///",
    )
    args = parser.parse_args()
    server = str(args.database_url)
    scratch = tempfile.TemporaryDirectory()
    if make_url(server).get_backend_name() == "sqlite":
        url = f"sqlite:///{scratch.name}/bench.db"
    else:
        name = f"bench_statblocks_{uuid.uuid4().hex[:8]}"
        asyncio.run(admin(server, f'CREATE DATABASE "{name}"'))
        url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        started = time.perf_counter()
        alembic_upgrade(url)
        print(f"migrated in {time.perf_counter() - started:.1f} s")

        async def go() -> None:
            engine = create_engine(url)
            try:
                await bench(engine)
            finally:
                await engine.dispose()

        asyncio.run(go())
    finally:
        if make_url(url).get_backend_name() == "postgresql":
            asyncio.run(
                admin(
                    server,
                    f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)',
                )
            )
        scratch.cleanup()


if __name__ == "__main__":
    main()
