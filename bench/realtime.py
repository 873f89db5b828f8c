# ruff: noqa: E501, S603
"""Benchmark the live player view against a minimal LISTEN/NOTIFY relay.

    .venv/bin/python bench/realtime.py [--sockets 1000] [--actions 100] [--rate 20]

Creates a fresh database on postgresql://postgres@127.0.0.1:5432 (override with
BENCH_DATABASE_URL), migrates it, serves the product with Gunicorn (3 workers), opens
the player-view sockets from two client processes (so they do not starve the server of
the driver), fires the actions at a steady rate and measures, for every socket and
every version, the time from the action's HTTP response (and from its request) to the
message's arrival. Then does the same against bench/minimal_relay.py (the same
Gunicorn, 3 workers, sockets and rate, with payloads of the same size) and prints
the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import re
import resource
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
BACKEND = ROOT / "backend"
BIN = Path(sys.executable).parent
ADMIN_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
VERSION = re.compile(r'"version":(\d+)')
CLIENT_PROCESSES = 2


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))


# --- client processes ------------------------------------------------------------------


def client_process(url: str, count: int, last: int, conn: Connection) -> None:
    raise_fd_limit()
    asyncio.run(_clients(url, count, last, conn))


async def _clients(url: str, count: int, last: int, conn: Connection) -> None:
    from websockets.asyncio.client import connect

    arrivals: list[list[tuple[int, float]]] = [[] for _ in range(count)]
    gate = asyncio.Semaphore(50)
    opened: list[Any] = [None] * count

    async def open_one(i: int) -> None:
        async with gate:
            ws = await connect(url, open_timeout=60, max_size=None, compression=None)
            await ws.recv()  # the snapshot
            opened[i] = ws

    await asyncio.gather(*(open_one(i) for i in range(count)))
    conn.send("ready")

    async def read(i: int) -> None:
        ws, seen = opened[i], arrivals[i]
        try:
            while True:
                text = await asyncio.wait_for(ws.recv(), 20)
                now = time.time()
                match = VERSION.search(text, 0, 80)
                if match:
                    version = int(match.group(1))
                    seen.append((version, now))
                    if version >= last:
                        return
        except (TimeoutError, Exception):
            return

    await asyncio.gather(*(read(i) for i in range(count)))
    conn.send(arrivals)
    await asyncio.gather(*(ws.close() for ws in opened), return_exceptions=True)


# --- servers ---------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(app: str, cwd: Path, database_url: str) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "JWT_SECRET": "bench-secret-long-enough-0123456789abcdef0123",
        "ENVIRONMENT": "test",
        "WEB_CONCURRENCY": "3",
        "LOG_LEVEL": "WARNING",
        "PORT": str(port),
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    cmd = [str(BIN / "gunicorn"), app, "--bind", f"127.0.0.1:{port}", "--workers", "3"]
    if app.startswith("minimal_relay"):
        cmd += ["-k", "uvicorn_worker.UvicornWorker", "--log-level", "warning"]
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"{app} did not start")
            time.sleep(0.1)
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


# --- one run ---------------------------------------------------------------------------


async def fire(
    http: httpx.AsyncClient, count: int, rate: float, request: Any
) -> dict[int, tuple[float, float]]:
    """``count`` requests at ``rate`` per second; version -> (sent, answered)."""
    times: dict[int, tuple[float, float]] = {}

    async def one(i: int) -> None:
        sent = time.time()
        version = await request(http, i)
        times[version] = (sent, time.time())

    start = time.monotonic()
    tasks = []
    for i in range(count):
        await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
    return times


def run_clients(
    url: str, sockets: int, last: int
) -> tuple[list[Any], list[Connection]]:
    ctx = mp.get_context("spawn")
    procs, pipes = [], []
    per = [
        sockets // CLIENT_PROCESSES + (i < sockets % CLIENT_PROCESSES) for i in range(2)
    ]
    for n in per:
        parent, child = ctx.Pipe()
        p = ctx.Process(target=client_process, args=(url, n, last, child), daemon=True)
        p.start()
        procs.append(p)
        pipes.append(parent)
    for pipe in pipes:
        if not pipe.poll(120):
            raise RuntimeError("clients did not connect")
        assert pipe.recv() == "ready"
    return procs, pipes


def report(
    name: str, times: dict[int, tuple[float, float]], arrivals: list[Any], sockets: int
) -> dict[str, float]:
    from_response, from_request = [], []
    for per_socket in arrivals:
        for version, at in per_socket:
            if version in times:
                sent, answered = times[version]
                from_response.append((at - answered) * 1000)
                from_request.append((at - sent) * 1000)
    expected = sockets * len(times)

    def pct(values: list[float], q: float) -> float:
        return (
            statistics.quantiles(values, n=1000)[int(q * 10) - 1]
            if len(values) > 1
            else 0.0
        )

    figures = {
        "delivered": len(from_response),
        "expected": expected,
        "p50": pct(from_response, 50),
        "p99": pct(from_response, 99),
        "max": max(from_response, default=0.0),
        "req_p50": pct(from_request, 50),
        "req_p99": pct(from_request, 99),
        "req_max": max(from_request, default=0.0),
    }
    print(
        f"{name:>8}: delivered {figures['delivered']}/{expected}  "
        f"after response p50 {figures['p50']:.1f} ms  p99 {figures['p99']:.1f} ms  "
        f"max {figures['max']:.1f} ms  |  after request p50 {figures['req_p50']:.1f} ms  "
        f"p99 {figures['req_p99']:.1f} ms  max {figures['req_max']:.1f} ms"
    )
    return figures


async def bench_ours(
    database_url: str, sockets: int, actions: int, rate: float
) -> tuple[dict[str, float], int]:
    with serve("main:app", BACKEND, database_url) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
            creds = {"email": email, "password": "correct horse battery"}
            (await http.post("/api/auth/register", json=creds)).raise_for_status()
            token = (await http.post("/api/auth/login", json=creds)).json()[
                "access_token"
            ]
            dm = {"Authorization": f"Bearer {token}"}
            campaign = (
                await http.post("/api/campaigns", json={"name": "Bench"}, headers=dm)
            ).json()
            eid = (
                await http.post(
                    f"/api/campaigns/{campaign['id']}/encounters",
                    json={"name": "Bench"},
                    headers=dm,
                )
            ).json()["id"]
            body = {"name": "Goblin", "count": 6, "max_hp": 100_000, "ac": 15}
            r = await http.post(
                f"/api/encounters/{eid}/combatants", json=body, headers=dm
            )
            r = await http.post(
                f"/api/encounters/{eid}/combatants",
                json={"name": "Ogre", "max_hp": 59},
                headers=dm,
            )
            goblin = r.json()["state"]["combatants"][0]["id"]
            start_version = r.json()["version"]
            link = (await http.post(f"/api/encounters/{eid}/share", headers=dm)).json()
            size = len((await http.get(link["api_url"])).text)
            url = base.replace("http://", "ws://") + link["api_url"] + "/ws"
            procs, pipes = run_clients(url, sockets, start_version + actions)

            async def damage(client: httpx.AsyncClient, _i: int) -> int:
                r = await client.post(
                    f"/api/encounters/{eid}/actions",
                    json={"type": "damage", "targets": [goblin], "amount": 1},
                    headers=dm,
                )
                r.raise_for_status()
                return int(r.json()["version"])

            times = await fire(http, actions, rate, damage)
            arrivals = [a for pipe in pipes for a in pipe.recv()]
            for p in procs:
                p.join(10)
    return report("ours", times, arrivals, sockets), size


async def bench_minimal(
    database_url: str, sockets: int, actions: int, rate: float, size: int
) -> dict[str, float]:
    with serve("minimal_relay:app", ROOT / "bench", database_url) as base:
        url = base.replace("http://", "ws://") + "/ws"
        procs, pipes = run_clients(url, sockets, actions)
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:

            async def publish(client: httpx.AsyncClient, i: int) -> int:
                version = i + 1
                head = f'{{"type":"event","version":{version},"state":"'
                payload = head + "x" * max(0, size - len(head) - 2) + '"}'
                (await client.post("/publish", content=payload)).raise_for_status()
                return version

            times = await fire(http, actions, rate, publish)
        arrivals = [a for pipe in pipes for a in pipe.recv()]
        for p in procs:
            p.join(10)
    return report("minimal", times, arrivals, sockets)


async def create_database() -> str:
    sys.path.insert(0, str(BACKEND))
    os.environ.setdefault("TEST_DATABASE_URL", ADMIN_URL)
    from tests.conftest import create_pg_database, migrate

    url = await create_pg_database("it_bench")
    await migrate(url)
    return url


async def drop_database(url: str) -> None:
    from tests.conftest import drop_pg_database

    await drop_pg_database(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--actions", type=int, default=100)
    parser.add_argument("--rate", type=float, default=20.0)
    args = parser.parse_args()
    raise_fd_limit()
    url = asyncio.run(create_database())
    try:
        print(
            f"{args.sockets} player-view sockets, {args.actions} actions at {args.rate:g}/s, 3 workers"
        )
        ours, size = asyncio.run(bench_ours(url, args.sockets, args.actions, args.rate))
        print(
            f"(player-view message ~{size} bytes; the relay sends payloads of that size)"
        )
        minimal = asyncio.run(
            bench_minimal(url, args.sockets, args.actions, args.rate, size)
        )
    finally:
        asyncio.run(drop_database(url))
    print(
        "ratios ours/minimal (after response): "
        + "  ".join(
            f"{k} {ours[k] / minimal[k]:.2f}" if minimal[k] > 0 else f"{k} n/a"
            for k in ("p50", "p99", "max")
        )
    )
    print(
        "ratios ours/minimal (after request):  "
        + "  ".join(
            f"{k} {ours['req_' + k] / minimal['req_' + k]:.2f}"
            if minimal["req_" + k] > 0
            else f"{k} n/a"
            for k in ("p50", "p99", "max")
        )
    )
    ok = ours["delivered"] == ours["expected"] and ours["p99"] <= 50
    print("goal (all delivered, p99 <= 50 ms):", "met" if ok else "NOT met")


if __name__ == "__main__":
    main()
