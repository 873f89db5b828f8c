"""Where each fan-out transport tops out: PostgreSQL NOTIFY against Redis pub/sub.

    .venv/bin/python bench/fanout.py [--seconds 8] [--db-clients 1,2,4,8,16,32]
                                     [--http-connections 1,4,16,64] [--workers 2]

Two measurements, each at rising load, each with a load generator that is not Python
(so the generator is not what tops out):

1. **The database's ceiling** (pgbench): the action's write, one statement as the
   service sends it (append the event, store the state, in one transaction), once with
   the ``pg_notify`` that the NOTIFY transport puts in that transaction and once without
   (the Redis transport publishes after commit, outside the database). NOTIFY takes a
   cluster-wide lock from its commit until the commit is flushed, so notifying commits
   queue one behind another instead of sharing a WAL flush: the rate stops rising with
   more clients. Printed: actions/s per client count, and the ceiling of each.
2. **The service** (wrk): Gunicorn (``--workers``) on a fresh database, ``POST
   .../actions`` (damage 1) spread over 64 encounters, once with NOTIFY and once with
   ``REDIS_URL``, at rising connection counts. Printed: actions/s, mean and p99
   latency, non-2xx answers; and the ceiling of each. On a small machine the service's
   own CPU binds long before NOTIFY's lock; part 1 says where the lock would.

The figures depend on the machine and on everything else running on it: this prints
the load average beside them. Needs PostgreSQL (``BENCH_DATABASE_URL``, default
postgresql://postgres@127.0.0.1:5432/postgres), Redis (``BENCH_REDIS_URL``, default
redis://127.0.0.1:6379/0), and Debian's pgbench and wrk. Only 127.0.0.1 is loaded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import httpx

ROOT = Path(__file__).resolve().parent.parent
BACKEND = ROOT / "backend"
BIN = Path(sys.executable).parent
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
ENCOUNTERS = 64
SECRET = "bench-secret-long-enough-for-hs256-0123456789abcdef"  # noqa: S105 (a scratch server)


def need(tool: str) -> str:
    sbin = f"/usr/sbin/{tool}"
    path = shutil.which(tool) or (sbin if os.path.exists(sbin) else None)
    if path is None:
        sys.exit(f"{tool} is required (apt-get install {tool})")
    return path


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the scratch database ------------------------------------------------------------


def db_url(name: str) -> str:
    head, _, _ = DB_URL.rpartition("/")
    return f"{head}/{name}"


async def create_database() -> str:
    name = f"bench_fanout_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(DB_URL)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    url = db_url(name)
    subprocess.run(
        [str(BIN / "alembic"), "upgrade", "head"],
        cwd=BACKEND,
        env={**os.environ, "DATABASE_URL": url},
        check=True,
        capture_output=True,
    )
    return url


async def drop_database(url: str) -> None:
    conn = await asyncpg.connect(DB_URL)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    finally:
        await conn.close()


# --- the service ---------------------------------------------------------------------


@contextmanager
def service(url: str, workers: int, redis_url: str | None) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "JWT_SECRET": SECRET,
        "ENVIRONMENT": "test",
        "WEB_CONCURRENCY": str(workers),
        "PORT": str(port),
        "LOG_LEVEL": "WARNING",
        "REDIS_URL": redis_url or "",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    proc = subprocess.Popen(
        [str(BIN / "gunicorn"), "main:app", "--bind", f"127.0.0.1:{port}"],
        cwd=BACKEND,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                sys.exit("the service did not start")
            time.sleep(0.2)
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def seed(base: str) -> tuple[str, list[tuple[str, str]]]:
    """A DM and ENCOUNTERS encounters with one tough monster each: (token, [(eid, cid)])."""
    with httpx.Client(base_url=base, timeout=30) as http:
        email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
        creds = {"email": email, "password": "correct horse battery"}
        http.post("/api/auth/register", json=creds).raise_for_status()
        token = http.post("/api/auth/login", json=creds).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        c = http.post("/api/campaigns", json={"name": "Bench"}, headers=auth).json()
        out = []
        for i in range(ENCOUNTERS):
            r = http.post(
                f"/api/campaigns/{c['id']}/encounters", json={"name": f"E{i}"}, headers=auth
            )
            eid = r.json()["id"]
            body = {"name": "Tarrasque", "max_hp": 100_000, "initiative": 10}
            r = http.post(f"/api/encounters/{eid}/combatants", json=body, headers=auth)
            out.append((eid, r.json()["state"]["combatants"][0]["id"]))
        return token, out


WRK_SCRIPT = """
local paths = {%(paths)s}
local body = {%(bodies)s}
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %(token)s"
request = function()
  n = n + 1
  local i = (n %% #paths) + 1
  return wrk.format(nil, paths[i], nil, body[i])
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%d\\n", summary.requests,
    summary.duration, summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout, latency.mean, latency:percentile(50),
    latency:percentile(99)))
end
"""


def wrk_run(base: str, script: Path, connections: int, seconds: float) -> dict[str, float]:
    threads = max(1, min(2, connections))
    duration = f"-d{max(1, round(seconds))}s"
    out = subprocess.run(
        [need("wrk"), f"-t{threads}", f"-c{connections}", duration, "--timeout", "10s",
         "-s", str(script), base],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    m = re.search(r"RESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)", out)
    assert m, out
    requests, duration_us, errors, mean, p50, p99 = (int(x) for x in m.groups())
    return {
        "rate": requests / (duration_us / 1e6),
        "errors": errors,
        "mean_ms": mean / 1000,
        "p50_ms": p50 / 1000,
        "p99_ms": p99 / 1000,
    }


def service_rates(
    url: str, workers: int, connections: list[int], seconds: float
) -> dict[str, list[dict[str, float]]]:
    results: dict[str, list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for transport, redis_url in (("NOTIFY", None), ("Redis", REDIS_URL)):
            with service(url, workers, redis_url) as base:
                token, encounters = seed(base)
                paths = ",".join(f'"/api/encounters/{e}/actions"' for e, _ in encounters)
                bodies = ",".join(
                    "'" + json.dumps({"type": "damage", "targets": [c], "amount": 1}) + "'"
                    for _, c in encounters
                )
                script = Path(tmp) / f"{transport}.lua"
                script.write_text(WRK_SCRIPT % {"paths": paths, "bodies": bodies, "token": token})
                wrk_run(base, script, 2, 2)  # warm up every worker's pool and caches
                rows = []
                for c in connections:
                    row = {"load": float(c), **wrk_run(base, script, c, seconds)}
                    rows.append(row)
                    print(
                        f"  {transport:6} {c:4} connections: {row['rate']:7.1f} actions/s  "
                        f"mean {row['mean_ms']:7.1f} ms  p99 {row['p99_ms']:7.1f} ms  "
                        f"non-2xx/errors {int(row['errors'])}  (load {os.getloadavg()[0]:.1f})",
                        flush=True,
                    )
                results[transport] = rows
    return results


# --- the database alone --------------------------------------------------------------

PGBENCH_WRITE = """\\set n random(1, 1000000000)
WITH e AS (
    SELECT id FROM encounters ORDER BY id OFFSET :client_id LIMIT 1
), s AS (
    SELECT nextval('bench_seq') AS seq
), appended AS (
    INSERT INTO encounter_events
        (encounter_id, seq, type, data, text, reminders, actor_id, undo_of, created_at,
         state_before)
    SELECT e.id, s.seq, 'damage', '{"amount": 1}'::jsonb, 'Tarrasque takes 1 damage.',
           '[]'::jsonb, NULL, NULL, now(), %(state)s::jsonb
    FROM e, s
), saved AS (
    UPDATE encounters SET state = %(state)s::jsonb, version = s.seq, updated_at = now()
    FROM s WHERE encounters.id = (SELECT id FROM e)
)
SELECT %(notify)s;
"""


async def prepare_db_bench(url: str, clients: int) -> str:
    """Encounters for every pgbench client (one each: no row-lock queue) and the state
    JSON the service would write, quoted for SQL."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("CREATE SEQUENCE IF NOT EXISTS bench_seq START 1000000")
        state = await conn.fetchval("SELECT state::text FROM encounters LIMIT 1")
        count = await conn.fetchval("SELECT count(*) FROM encounters")
        if state is None or count < clients:
            raise RuntimeError(f"need {clients} encounters, have {count}")
        return "'" + state.replace("'", "''") + "'"
    finally:
        await conn.close()


def pgbench_rates(
    url: str, clients: list[int], seconds: float
) -> dict[str, list[dict[str, float]]]:
    state = asyncio.run(prepare_db_bench(url, max(clients)))
    results: dict[str, list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for transport, notify in (
            ("NOTIFY", "pg_notify('bench_changes', '{\"e\":\"x\",\"v\":' || :n || '}')"),
            ("Redis", "1"),
        ):
            script = Path(tmp) / f"{transport}.sql"
            script.write_text(PGBENCH_WRITE % {"state": state, "notify": notify})
            rows = []
            for c in clients:
                out = subprocess.run(
                    [need("pgbench"), "-n", "-M", "simple", "-c", str(c), "-j", str(min(c, 4)),
                     "-T", str(int(seconds)), "-f", str(script), url],
                    capture_output=True, text=True, check=True,
                ).stdout  # fmt: skip
                m = re.search(r"tps = ([\d.]+)", out)
                lat = re.search(r"latency average = ([\d.]+) ms", out)
                assert m, out
                row = {
                    "load": float(c),
                    "rate": float(m.group(1)),
                    "mean_ms": float(lat.group(1)) if lat else 0.0,
                }
                rows.append(row)
                print(
                    f"  {transport:6} {c:4} clients: {row['rate']:8.1f} writes/s  "
                    f"mean {row['mean_ms']:6.2f} ms  (load {os.getloadavg()[0]:.1f})",
                    flush=True,
                )
            results[transport] = rows
    return results


def ceiling(rows: list[dict[str, float]]) -> str:
    """The best rate, and the load from which more load added < 10 %."""
    best = max(rows, key=lambda r: r["rate"])
    tops = next(
        (r for i, r in enumerate(rows) if all(o["rate"] < r["rate"] * 1.10 for o in rows[i + 1 :])),
        best,
    )
    return f"{best['rate']:.0f}/s (tops out from {int(tops['load'])})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--db-clients", default="1,2,4,8,16,32")
    parser.add_argument("--http-connections", default="1,4,16,64")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    db_clients = [int(x) for x in args.db_clients.split(",")]
    connections = [int(x) for x in args.http_connections.split(",")]
    need("wrk")
    need("pgbench")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start")
    url = asyncio.run(create_database())
    try:
        print(f"\n2. the service, {args.workers} Gunicorn workers, wrk, {args.seconds:g} s a step")
        service = service_rates(url, args.workers, connections, args.seconds)
        print(f"\n1. the database alone, pgbench, {args.seconds:g} s a step")
        database = pgbench_rates(url, db_clients, args.seconds)
    finally:
        asyncio.run(drop_database(url))
    print("\nceilings (best rate; the load from which more load added under 10 %)")
    for transport in ("NOTIFY", "Redis"):
        print(
            f"  {transport:6}  database writes {ceiling(database[transport]):28}  "
            f"service actions {ceiling(service[transport])}"
        )
    ratio = max(r["rate"] for r in database["Redis"]) / max(r["rate"] for r in database["NOTIFY"])
    print(f"  Redis / NOTIFY at the database's ceiling: {ratio:.2f}x")
    print(f"load average at the end {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs, shared)")


if __name__ == "__main__":
    main()
