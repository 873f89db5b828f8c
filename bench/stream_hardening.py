# ruff: noqa: E501
"""Benchmark the live streams under abuse (issue 13, items 2 and 3).

    .venv/bin/python bench/stream_hardening.py [--events 300] [--actions 40]
                                               [--replayers 20] [--stalled 10]

On a scratch database on postgresql://postgres@127.0.0.1:5432 (BENCH_DATABASE_URL
overrides), served by Gunicorn (2 workers, production settings), it prints:

1. **Replays beside a live DM.** An encounter with ``--events`` events and a
   player-view link made before them. The DM's frame latency (action request sent ->
   the DM socket's frame for that version) over ``--actions`` actions, first idle, then
   while ``--replayers`` anonymous clients join the player stream with ``?since=0`` in a
   loop (each: connect, read its catch-up, stay a second, close, again), from a
   process of their own; idle and loaded runs are interleaved. Printed: p50/p95 both ways and
   loaded / idle (the target: within 2x), and how many joins were served.
2. **Stalled sockets.** ``--stalled`` DM sockets that never read, while the DM sends 30
   frames of about 465 KB: how long until every one was aborted, the open-sockets gauge
   before/after, the drop counter, and the workers' resident memory before/during/after.

The machine may be busy with other work: the ratios, measured in the same run, are the
figures to read; the absolute times say how loaded the machine was.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import math
import multiprocessing as mp
import os
import socket
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parent.parent
BACKEND = ROOT / "backend"
HOLD_SECONDS = 1.0
ADMIN_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _metric(text: str, line_start: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if line.startswith(line_start):
            total += float(line.split()[-1])
    return total


def _workers_rss_mb(master: int) -> float:
    """Resident memory of the Gunicorn master's workers, in MB."""
    total = 0
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return 0.0
    for pid in children:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def _master_pid(port: int) -> int:
    """The Gunicorn master listening on ``port`` (found through /proc)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(b"gunicorn" in c for c in cmd) and f"127.0.0.1:{port}".encode() in cmd:
            return int(entry.name)
    return 0


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def setup(http: httpx.AsyncClient, events: int, notes: int = 0) -> dict[str, Any]:
    email = f"bench-{os.urandom(4).hex()}@example.com"
    await http.post("/api/auth/register", json={"email": email, "password": "bench password"})
    login = await http.post("/api/auth/login", json={"email": email, "password": "bench password"})
    token = login.json()["access_token"]
    dm = {"Authorization": f"Bearer {token}"}
    campaign = (await http.post("/api/campaigns", json={"name": "Bench"}, headers=dm)).json()
    settings = {"player_view": {"enemies": {"show_hp": "exact"}}}
    r = await http.post(
        f"/api/campaigns/{campaign['id']}/encounters",
        json={"name": "Bench", "settings": settings},
        headers=dm,
    )
    eid = r.json()["id"]
    target = ""
    for _ in range(3 if notes else 1):
        body = {"name": "Ogre", "max_hp": 5000, "count": 20 if notes else 1, "notes": "n" * notes}
        r = await http.post(f"/api/encounters/{eid}/combatants", json=body, headers=dm)
        target = r.json()["state"]["combatants"][0]["id"]
    link = (await http.post(f"/api/encounters/{eid}/share", headers=dm)).json()
    for _ in range(events):
        await hit(http, dm, eid, target)
    return {"dm": dm, "token": token, "eid": eid, "target": target, "link": link}


async def hit(http: httpx.AsyncClient, dm: dict[str, str], eid: str, target: str) -> int:
    body = {"type": "damage", "targets": [target], "amount": 1}
    r = await http.post(f"/api/encounters/{eid}/actions", json=body, headers=dm)
    r.raise_for_status()
    return int(r.json()["version"])


async def dm_latencies(
    http: httpx.AsyncClient, ws: str, fight: dict[str, Any], n: int
) -> list[float]:
    """Seconds from each action's request to the DM socket's frame for it."""
    url = f"{ws}/api/encounters/{fight['eid']}/ws"
    out = []
    async with connect(url, subprotocols=["bearer", fight["token"]], max_size=None) as sock:
        await sock.recv()
        for _ in range(n):
            started = time.perf_counter()
            version = await hit(http, fight["dm"], fight["eid"], fight["target"])
            while True:
                text = str(await sock.recv())
                if f'"version":{version},' in text:
                    break
            out.append(time.perf_counter() - started)
    return out


async def replayer(url: str, stop: asyncio.Event, served: list[str]) -> None:
    """Join with ``?since=0``, read the catch-up, stay a moment, leave; again."""
    while not stop.is_set():
        try:
            async with connect(url, max_size=None, open_timeout=20) as sock:
                text = str(await asyncio.wait_for(sock.recv(), 20))
                served.append("snapshot" if '"type":"snapshot"' in text else "replay")
                await asyncio.sleep(HOLD_SECONDS)
        except Exception:  # counted as failed
            served.append("failed")


def replayers_process(url: str, count: int, conn: Connection) -> None:
    """The replaying clients, in a process of their own (not the DM's event loop)."""

    async def run() -> None:
        stop = asyncio.Event()
        served: list[str] = []
        tasks = [asyncio.create_task(replayer(url, stop, served)) for _ in range(count)]
        await asyncio.to_thread(conn.recv)  # "stop"
        stop.set()
        await asyncio.gather(*tasks)
        conn.send({k: served.count(k) for k in ("snapshot", "replay", "failed")})

    asyncio.run(run())


async def bench_replays(base: str, args: argparse.Namespace) -> None:
    ws = base.replace("http://", "ws://")
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        print(f"setting up: an encounter with {args.events} events ...", flush=True)
        fight = await setup(http, args.events)
        idle: list[float] = []
        loaded: list[float] = []
        counts: dict[str, int] = {}
        url = f"{ws}{fight['link']['api_url']}/ws?since=0"
        # Idle and loaded interleaved, so the machine's own ups and downs hit both.
        for _ in range(2):
            idle += await dm_latencies(http, ws, fight, args.actions // 2)
            parent, child = mp.Pipe()
            proc = mp.Process(target=replayers_process, args=(url, args.replayers, child))
            proc.start()
            await asyncio.sleep(1.0)  # let the joins get going
            loaded += await dm_latencies(http, ws, fight, args.actions // 2)
            parent.send("stop")
            for k, v in (await asyncio.to_thread(parent.recv)).items():
                counts[k] = counts.get(k, 0) + v
            proc.join()
    print(f"\n1. DM frame latency, {args.actions} actions, ms (encounter of {args.events} events)")
    print(
        f"   idle:                          p50 {pct(idle, 50) * 1000:7.1f}  p95 {pct(idle, 95) * 1000:7.1f}"
    )
    print(
        f"   beside {args.replayers} looping ?since=0 joins: "
        f"p50 {pct(loaded, 50) * 1000:7.1f}  p95 {pct(loaded, 95) * 1000:7.1f}"
    )
    print(
        f"   loaded / idle:                 p50 {pct(loaded, 50) / pct(idle, 50):7.2f}x"
        f" p95 {pct(loaded, 95) / pct(idle, 95):7.2f}x   (target: within 2x)"
    )
    print(f"   joins served meanwhile (each held {HOLD_SECONDS} s): {counts}")


def stalled_socket(base: str, path: str, token: str) -> socket.socket:
    """A WebSocket client that completes the handshake and then never reads."""
    host, port = base.removeprefix("http://").split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, int(port)))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Sec-WebSocket-Protocol: bearer, {token}\r\n\r\n"
        ).encode()
    )
    return sock


async def bench_stalled(base: str, args: argparse.Namespace) -> None:
    port = int(base.rsplit(":", 1)[1])
    master = _master_pid(port)
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        fight = await setup(http, 0, notes=7700)
        state = await http.get(f"/api/encounters/{fight['eid']}", headers=fight["dm"])
        size_kb = len(state.content) / 1024
        # tests.servers.gunicorn gives the server this scrape token.
        from tests.servers import METRICS_TOKEN

        scrape = {"Authorization": f"Bearer {METRICS_TOKEN}"}
        before = (await http.get("/api/metrics", headers=scrape)).text
        rss_before = _workers_rss_mb(master)
        socks = [
            stalled_socket(base, f"/api/encounters/{fight['eid']}/ws", fight["token"])
            for _ in range(args.stalled)
        ]
        opened = "websocket_connections_open"
        for _ in range(200):
            now = (await http.get("/api/metrics", headers=scrape)).text
            if _metric(now, opened) - _metric(before, opened) >= args.stalled:
                break
            await asyncio.sleep(0.05)
        while_open = _metric(now, opened)
        started = time.perf_counter()
        rss_peak = rss_before
        for _ in range(30):
            await hit(http, fight["dm"], fight["eid"], fight["target"])
            rss_peak = max(rss_peak, _workers_rss_mb(master))
        gone_after = float("nan")
        deadline = time.perf_counter() + 60
        while time.perf_counter() < deadline:
            now = (await http.get("/api/metrics", headers=scrape)).text
            if _metric(now, opened) <= _metric(before, opened):
                gone_after = time.perf_counter() - started
                break
            await asyncio.sleep(0.1)
        after = (await http.get("/api/metrics", headers=scrape)).text
        rss_after = _workers_rss_mb(master)
        for sock in socks:
            sock.close()
    dropped = _metric(after, "websocket_dropped_total") - _metric(before, "websocket_dropped_total")
    print(f"\n2. {args.stalled} DM sockets that never read, 30 frames of {size_kb:.0f} KB")
    if math.isnan(gone_after):
        print("   NOT all aborted within 60 s of the first frame")
    else:
        print(f"   all aborted {gone_after:.1f} s after the first frame")
    print(
        f"   open-sockets gauge: {_metric(before, opened):.0f} before, {while_open:.0f} with "
        f"them open, {_metric(after, opened):.0f} after; drop counter +{dropped:.0f}"
    )
    print(
        f"   workers' RSS: {rss_before:.0f} MB before, {rss_peak:.0f} MB peak,"
        f" {rss_after:.0f} MB after"
    )


async def amain(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(BACKEND))
    os.environ.setdefault("TEST_DATABASE_URL", ADMIN_URL)
    from tests.conftest import create_pg_database, drop_pg_database, migrate
    from tests.servers import gunicorn

    url = await create_pg_database("it_bench")
    try:
        await migrate(url)
        with gunicorn(url, workers=2, env={"LOG_LEVEL": "WARNING"}) as base:
            await bench_replays(base, args)
            await bench_stalled(base, args)
    finally:
        await drop_pg_database(url)
    load1, _, _ = os.getloadavg()
    print(f"\nmachine load average (1 min) at the end: {load1:.1f} on {os.cpu_count()} CPUs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--actions", type=int, default=40)
    parser.add_argument("--replayers", type=int, default=20)
    parser.add_argument("--stalled", type=int, default=10)
    args = parser.parse_args()
    asyncio.run(amain(args))


if __name__ == "__main__":
    main()
