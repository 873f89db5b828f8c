"""Combat engine throughput, as ratios to a minimal baseline measured in the same run.

    .venv/bin/python bench/engine.py [--seconds 4] [--concurrency 12]

On a fresh PostgreSQL database (created on TEST_DATABASE_URL's server, default
postgresql://postgres@127.0.0.1:5432/test, and dropped after), it runs our
service and bench/minimal_app.py each under Gunicorn with 3 Uvicorn workers and
measures, alternating the two to cancel drift on a noisy machine:

1. actions per second through the full stack (HTTP, auth, rules, the locked
   transaction, the event insert) vs one locked UPDATE plus one INSERT;
2. reads per second of a 20-combatant encounter vs reading one JSON row;
3. the read latency of an encounter with 10 events and with 10,000 events.

Goal: both throughput ratios at least 0.5, and the 10,000-event read within noise
of the 10-event read.

What it measures, and what it does not: the load comes from httpx clients in this
Python process, on the same (two) cores as both servers and PostgreSQL. The baseline
reaches only what those clients can send (a few hundred requests/s), so its ratios
compare the service with the *client's* ceiling, not with the bare server's, and
flatter the service. It is a regression check of the full stack's cost per request
at low concurrency and of log-length independence; for the servers' throughput and
p99 against a bare FastAPI + asyncpg baseline, use bench/http_bench.py (``wrk``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
BACKEND = ROOT / "backend"
sys.path.insert(0, str(BACKEND))

from tests.servers import BIN_DIR, free_port, wait_until_healthy  # noqa: E402

BASE_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


def dsn_for(db: str) -> str:
    head, _, _ = BASE_URL.rpartition("/")
    return f"{head}/{db}"


def start(argv: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        argv,
        cwd=cwd,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def hammer(
    client: httpx.AsyncClient,
    requests: list[tuple[str, str, Any]],
    seconds: float,
    concurrency: int,
) -> float:
    """Requests per second, cycling through ``requests`` from ``concurrency`` tasks."""
    done = 0
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker(offset: int) -> None:
        nonlocal done, errors
        i = offset
        while time.perf_counter() < deadline:
            method, url, body = requests[i % len(requests)]
            r = await client.request(method, url, json=body)
            if r.status_code >= 400:
                errors += 1
            done += 1
            i += concurrency

    start_t = time.perf_counter()
    await asyncio.gather(*(worker(k) for k in range(concurrency)))
    if errors:
        raise RuntimeError(f"{errors} failed requests")
    return done / (time.perf_counter() - start_t)


async def latency(client: httpx.AsyncClient, url: str, n: int = 200) -> float:
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        r = await client.get(url)
        samples.append(time.perf_counter() - t)
        r.raise_for_status()
    return statistics.median(samples) * 1000


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--concurrency", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--encounters", type=int, default=6)
    args = parser.parse_args()

    db = f"bench_engine_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(BASE_URL)
    await admin.execute(f'CREATE DATABASE "{db}"')
    url = dsn_for(db)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        subprocess.run(
            [str(BIN_DIR / "alembic"), "upgrade", "head"],
            cwd=BACKEND,
            check=True,
            env={**os.environ, "DATABASE_URL": url},
            capture_output=True,
        )
        ours_port, base_port = free_port(), free_port()
        common = {
            "WEB_CONCURRENCY": "3",
            "LOG_LEVEL": "WARNING",
            "ENVIRONMENT": "test",
            "JWT_SECRET": "bench-secret-long-enough-0123456789abcdef",
        }
        procs.append(
            start(
                [str(BIN_DIR / "gunicorn"), "main:app", "--bind", f"127.0.0.1:{ours_port}"],
                {**common, "DATABASE_URL": url, "PORT": str(ours_port)},
                BACKEND,
            )
        )
        ours, base = f"http://127.0.0.1:{ours_port}", f"http://127.0.0.1:{base_port}"
        wait_until_healthy(ours, proc=procs[0])

        limits = httpx.Limits(max_connections=args.concurrency * 2)
        async with httpx.AsyncClient(base_url=ours, timeout=30, limits=limits) as c:
            email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
            await c.post(
                "/api/auth/register",
                json={"email": email, "password": "bench password"},
            )
            token = (
                await c.post(
                    "/api/auth/login",
                    json={"email": email, "password": "bench password"},
                )
            ).json()["access_token"]
            c.headers["Authorization"] = f"Bearer {token}"
            campaign = (await c.post("/api/campaigns", json={"name": "Bench"})).json()
            encounters: list[tuple[str, str]] = []
            for i in range(args.encounters):
                enc = (
                    await c.post(
                        f"/api/campaigns/{campaign['id']}/encounters",
                        json={"name": f"E{i}"},
                    )
                ).json()
                await c.post(
                    f"/api/encounters/{enc['id']}/combatants",
                    json={
                        "name": "Troll",
                        "count": 20,
                        "max_hp": 90000,
                        "ac": 15,
                        "initiative_bonus": 1,
                    },
                )
                state = (
                    await c.post(
                        f"/api/encounters/{enc['id']}/actions",
                        json={"type": "start_combat"},
                    )
                ).json()["state"]
                encounters.append((enc["id"], state["combatants"][0]["id"]))
            sample_state = (await c.get(f"/api/encounters/{encounters[0][0]}")).text

        conn = await asyncpg.connect(url)
        await conn.execute("CREATE TABLE bench_rows (id int PRIMARY KEY, version int, state jsonb)")
        await conn.execute(
            "CREATE TABLE bench_log (id bigserial PRIMARY KEY, row_id int, seq int, data jsonb)"
        )
        for i in range(args.encounters):
            await conn.execute("INSERT INTO bench_rows VALUES ($1, 0, $2)", i, sample_state)
        procs.append(
            start(
                [
                    str(BIN_DIR / "gunicorn"),
                    "minimal_app:app",
                    "-w",
                    "3",
                    "-k",
                    "uvicorn_worker.UvicornWorker",
                    "--bind",
                    f"127.0.0.1:{base_port}",
                    "--log-level",
                    "warning",
                ],
                {"BENCH_DSN": url},
                ROOT / "bench",
            )
        )
        wait_until_healthy_plain(base + "/read/0")

        action_reqs = [
            (
                "POST",
                f"/api/encounters/{e}/actions",
                {"type": "damage", "targets": [t], "amount": 1},
            )
            for e, t in encounters
        ]
        base_write = [("POST", f"/write/{i}", None) for i in range(args.encounters)]
        read_reqs = [("GET", f"/api/encounters/{e}", None) for e, _ in encounters]
        base_read = [("GET", f"/read/{i}", None) for i in range(args.encounters)]

        results: dict[str, list[float]] = {k: [] for k in ("act", "write", "read", "rowread")}
        async with (
            httpx.AsyncClient(
                base_url=ours,
                timeout=30,
                limits=limits,
                headers={"Authorization": f"Bearer {token}"},
            ) as oc,
            httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as bc,
        ):
            for _ in range(args.rounds):
                results["act"].append(await hammer(oc, action_reqs, args.seconds, args.concurrency))
                results["write"].append(
                    await hammer(bc, base_write, args.seconds, args.concurrency)
                )
                results["read"].append(await hammer(oc, read_reqs, args.seconds, args.concurrency))
                results["rowread"].append(
                    await hammer(bc, base_read, args.seconds, args.concurrency)
                )

            # Read cost against log length: one encounter with 10 events, then 10,000.
            fresh = (
                await oc.post(f"/api/campaigns/{campaign['id']}/encounters", json={"name": "Long"})
            ).json()
            eid = fresh["id"]
            add = await oc.post(
                f"/api/encounters/{eid}/combatants",
                json={"name": "Troll", "count": 20, "max_hp": 90000},
            )
            target = add.json()["state"]["combatants"][0]["id"]
            for _ in range(9):
                await oc.post(
                    f"/api/encounters/{eid}/actions",
                    json={"type": "damage", "targets": [target], "amount": 1},
                )
            short = await latency(oc, f"/api/encounters/{eid}")
            events = (await oc.get(f"/api/encounters/{eid}/events?limit=1000")).json()["items"]
            last = events[-1]
            await conn.executemany(
                "INSERT INTO encounter_events"
                " (encounter_id, seq, type, data, text, reminders, created_at)"
                " VALUES ($1, $2, $3, $4::jsonb, $5, '[]'::jsonb, now())",
                [
                    (eid, 11 + k, last["type"], json.dumps(last["data"]), last["text"])
                    for k in range(9990)
                ],
            )
            # (The stored DM view moves with it: the read answers it, as it would after
            # a real 10,000th action.)
            await conn.execute(
                "UPDATE encounters SET version = 10000, dm_view_version = 10000 WHERE id = $1",
                eid,
            )
            long = await latency(oc, f"/api/encounters/{eid}")
        await conn.close()

        med = {k: statistics.median(v) for k, v in results.items()}
        rows = [
            ("actions/s (damage, 20 combatants)", med["act"], med["write"]),
            ("reads/s (GET encounter, 20 combatants)", med["read"], med["rowread"]),
            ("read latency ms: 10,000 events vs 10", long, short),
        ]
        print(f"{'measure':<44}{'ours':>10}{'baseline':>10}{'ratio':>8}")
        for label, ours_value, base_value in rows:
            ratio = ours_value / base_value
            print(f"{label:<44}{ours_value:>10.2f}{base_value:>10.2f}{ratio:>8.2f}")
        print("goal: both throughput ratios >= 0.50; log-length ratio ~1.0")
        print(
            "note: Python (httpx) clients on the same cores as the servers: the baseline's"
            " rate is the clients' ceiling; for server throughput see bench/http_bench.py"
        )
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        await admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        await admin.close()


def wait_until_healthy_plain(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(url)


if __name__ == "__main__":
    asyncio.run(main())
