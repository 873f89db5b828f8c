# ruff: noqa: E501
"""Benchmark the live player view against a minimal LISTEN/NOTIFY relay.

    .venv/bin/python bench/realtime.py [--sockets 1000] [--actions 100] [--rate 20]
                                       [--clients 4] [--repeat 1]

Creates a fresh database on postgresql://postgres@127.0.0.1:5432 (override with
BENCH_DATABASE_URL), migrates it, serves the product with Gunicorn (3 workers, its own
gunicorn.conf.py), opens the player-view sockets from ``--clients`` processes, fires the
actions at a steady rate from this (driver) process and measures, for every socket and
every version, the time to the message's arrival from three points: the action's
request, its response, and the moment the change's NOTIFY reached a LISTEN connection
of the driver's own ("after notify": the commit as any worker sees it, so that figure
is the fan-out alone: wake, read, serialise, send, receive; the HTTP response can
arrive after the sockets' messages, so "after response" can be negative). Then does the same against bench/minimal_relay.py (the same Gunicorn,
3 workers, sockets and rate, with payloads the size of the product's event messages)
and prints the ratios. ``--compare OTHER/backend`` also measures another checkout of the
product in the same run (a before/after on the same noisy machine). ``--repeat`` runs the pair again (interleaved) and prints the
median ratios, since a noisy machine moves absolute times from one run to the next.

The clients are deliberately lean so that they measure the servers, not themselves: a
raw RFC 6455 client on an asyncio protocol (uvloop), no compression offered, that reads
only ``"version":`` out of each frame and stamps it with ``time.time()`` (one clock for
every process) into a preallocated array; everything else happens after the run. They
check what a product client relies on too: no version twice, none out of order.

Also printed: CPU seconds the server processes and the clients used while the actions
were fired, and how busy the whole machine was (other people's work included): when it
is near 100 %, latencies measure the queue for the CPU rather than either server.

What it measures: action-to-frame latency of the player-view fan-out (not HTTP
throughput; see bench/http_bench.py for that). The client processes are Python and run
on the same (two) cores as the servers and PostgreSQL, so their CPU competes with the
servers' and is part of every latency printed; the clients' CPU seconds are printed so
that share can be judged.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
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
from array import array
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from wsframes import CLOSE, PING, PONG, TEXT, frames, pong

ROOT = Path(__file__).resolve().parent.parent
BACKEND = ROOT / "backend"
BIN = Path(sys.executable).parent
ADMIN_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
WORKERS = 3
# A frame's number: the player view's "seq" (the product) or "version" (the minimal relay).
EXACT_HP = {"player_view": {"enemies": {"show_hp": "exact"}}}
NUMBER = re.compile(rb'"(?:seq|version)":(\d+)')
NOTICE_VERSION = re.compile(r'"v(?:ersion)?":(\d+)')
SETTLE_SECONDS = 10.0  # after the last action: how long stragglers may still arrive


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))


# --- client processes ------------------------------------------------------------------


class Socket(asyncio.Protocol):
    """One WebSocket client: handshake, then frames parsed in place.

    The k-th frame after the snapshot (the k-th action's) lands in ``stamps[base + k]``
    (0.0: not received)."""

    def __init__(self, request: bytes, run: ClientRun, base: int) -> None:
        self.request = request
        self.run = run
        self.base = base
        self.buf = bytearray()
        self.upgraded = False
        self.last = -1  # the last frame number received
        self.start = -1  # the snapshot's number
        self.transport: asyncio.Transport | None = None
        self.snapshot: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.finished = False

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.snapshot.done():
            self.snapshot.set_exception(ConnectionError("closed before the snapshot"))
        if not self.finished:
            self.run.closed_early += 1
            self._finish()

    def data_received(self, data: bytes) -> None:
        now = time.time()
        buf = self.buf
        buf += data
        if not self.upgraded:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            if not buf.startswith(b"HTTP/1.1 101"):
                self.snapshot.set_exception(ConnectionError(bytes(buf[:end]).decode()))
                assert self.transport is not None
                self.transport.close()
                return
            if b"sec-websocket-extensions" in buf[:end].lower():
                self.run.compressed += 1
            self.upgraded = True
            del buf[: end + 4]
        taken = 0
        for opcode, start, end in frames(buf):
            if opcode == TEXT:
                self._text(buf, start, end, now)
            elif opcode == PING:  # ping: pong with the same payload (masked, zero key)
                payload = bytes(buf[start:end])
                assert self.transport is not None
                self.transport.write(pong(payload))
            elif opcode == CLOSE:
                self.run.closed_early += not self.finished
                self._finish()
            elif opcode != PONG:
                self.run.unexpected += 1
            taken = end
        del buf[:taken]

    def _text(self, buf: bytearray, start: int, end: int, now: float) -> None:
        match = NUMBER.search(buf, start, min(end, start + 64))
        if match is None:
            return  # a keep-alive ping message
        number = int(match.group(1))
        run = self.run
        if not self.snapshot.done():
            self.last = self.start = number
            self.snapshot.set_result(number)
            return
        if number <= self.last:
            run.out_of_order += 1
        self.last = number
        # The k-th frame after the snapshot shows the k-th action (every action changes
        # what the players see), whatever the stream numbers it from.
        index = number - self.start - 1
        if 0 <= index < run.versions:
            slot = self.base + index
            if run.stamps[slot]:
                run.duplicates += 1
            else:
                run.stamps[slot] = now
            run.message_size = end - start
        if index >= run.versions - 1:
            self._finish()

    def _finish(self) -> None:
        if not self.finished:
            self.finished = True
            self.run.open -= 1
            if self.run.open == 0:
                self.run.all_done.set()

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            # A masked close frame, code 1000, then the TCP close.
            self.transport.write(bytes((0x88, 0x82, 0, 0, 0, 0, 0x03, 0xE8)))
            self.transport.close()


@dataclass
class ClientRun:
    """What one client process records (sent back to the driver in one piece)."""

    first: int
    versions: int
    stamps: array = field(default_factory=lambda: array("d"))
    duplicates: int = 0
    out_of_order: int = 0
    unexpected: int = 0
    closed_early: int = 0
    compressed: int = 0
    message_size: int = 0
    open: int = 0
    cpu: float = 0.0
    all_done: asyncio.Event = field(default_factory=asyncio.Event)

    def result(self) -> dict[str, Any]:
        return {
            "stamps": self.stamps.tobytes(),
            "duplicates": self.duplicates,
            "out_of_order": self.out_of_order,
            "unexpected": self.unexpected,
            "closed_early": self.closed_early,
            "compressed": self.compressed,
            "message_size": self.message_size,
            "cpu": self.cpu,
        }


def client_process(url: str, count: int, first: int, versions: int, conn: Connection) -> None:
    raise_fd_limit()
    import uvloop

    uvloop.run(_clients(url, count, first, versions, conn))


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _clients(url: str, count: int, first: int, versions: int, conn: Connection) -> None:
    loop = asyncio.get_running_loop()
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    run = ClientRun(first=first, versions=versions)
    run.stamps = array("d", bytes(8 * count * versions))
    run.open = count
    gate = asyncio.Semaphore(50)
    sockets: list[Socket] = []

    async def open_one(i: int) -> None:
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {parts.path}?{parts.query} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
        async with gate:
            _, sock = await loop.create_connection(
                lambda: Socket(request, run, i * versions), host, port
            )
            sockets.append(sock)
            await asyncio.wait_for(sock.snapshot, 60)

    await asyncio.gather(*(open_one(i) for i in range(count)))
    conn.send("ready")
    start_cpu = _cpu_seconds()
    # The driver says when the last action was answered; stragglers get a while more.
    await loop.run_in_executor(None, conn.recv)
    with suppress(TimeoutError):
        await asyncio.wait_for(run.all_done.wait(), SETTLE_SECONDS)
    run.cpu = _cpu_seconds() - start_cpu
    conn.send(run.result())
    for sock in sockets:
        sock.close()
    await asyncio.sleep(0.1)


@dataclass
class Clients:
    procs: list[Any]
    pipes: list[Connection]

    def fired(self) -> None:
        for pipe in self.pipes:
            pipe.send("fired")

    def results(self) -> list[dict[str, Any]]:
        out = [pipe.recv() for pipe in self.pipes]
        for p in self.procs:
            p.join(10)
        return out


def start_clients(url: str, sockets: int, processes: int, first: int, versions: int) -> Clients:
    ctx = mp.get_context("spawn")
    procs, pipes = [], []
    per = [sockets // processes + (i < sockets % processes) for i in range(processes)]
    for n in per:
        parent, child = ctx.Pipe()
        p = ctx.Process(target=client_process, args=(url, n, first, versions, child), daemon=True)
        p.start()
        procs.append(p)
        pipes.append(parent)
    for pipe in pipes:
        if not pipe.poll(180):
            raise RuntimeError("clients did not connect")
        assert pipe.recv() == "ready"
    return Clients(procs, pipes)


# --- CPU accounting (Linux /proc) ------------------------------------------------------


def _tree(pid: int) -> list[int]:
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return pids
    for child in children:
        pids += _tree(int(child))
    return pids


def process_cpu(pid: int) -> float:
    """CPU seconds used so far by ``pid`` and its living descendants."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for p in _tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine so far."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return total - idle, total


# --- servers ---------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(app: str, cwd: Path, database_url: str) -> Iterator[tuple[str, int]]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "JWT_SECRET": "bench-secret-long-enough-0123456789abcdef0123",
        "ENVIRONMENT": "test",
        "WEB_CONCURRENCY": str(WORKERS),
        "LOG_LEVEL": "WARNING",
        "PORT": str(port),
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    cmd = [str(BIN / "gunicorn"), app, "--bind", f"127.0.0.1:{port}"]
    if app.startswith("minimal_relay"):
        # Served like the product (whose settings are in backend/gunicorn.conf.py).
        cmd += ["-w", str(WORKERS), "-k", "minimal_relay.Worker", "--log-level", "warning"]
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
        yield base, proc.pid
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


# --- one run ---------------------------------------------------------------------------

Request = Callable[[httpx.AsyncClient, int], Awaitable[int]]
LATENCIES = (("after notify", "ntf_"), ("after response", ""), ("after request", "req_"))


async def fire(
    http: httpx.AsyncClient, count: int, rate: float, request: Request
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


async def listen(database_url: str, channel: str) -> tuple[Any, dict[int, float]]:
    """A LISTEN connection of the driver's own: version -> when its NOTIFY arrived."""
    import asyncpg  # type: ignore[import-untyped]

    notified: dict[int, float] = {}

    def heard(_conn: Any, _pid: int, _channel: str, payload: str) -> None:
        now = time.time()
        match = NOTICE_VERSION.search(payload, 0, 120)
        if match:
            notified.setdefault(int(match.group(1)), now)

    conn = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    await conn.add_listener(channel, heard)
    return conn, notified


async def measure(
    name: str,
    http: httpx.AsyncClient,
    server_pid: int,
    clients: Clients,
    first: int,
    args: argparse.Namespace,
    request: Request,
    channel: str,
) -> dict[str, float]:
    listener, notified = await listen(args.database_url, channel)
    server_cpu, busy = process_cpu(server_pid), machine_busy()
    started = time.monotonic()
    times = await fire(http, args.actions, args.rate, request)
    clients.fired()
    results = await asyncio.get_running_loop().run_in_executor(None, clients.results)
    await listener.close()
    elapsed = time.monotonic() - started
    server_cpu = process_cpu(server_pid) - server_cpu
    busy_now = machine_busy()
    machine = (busy_now[0] - busy[0]) / max(1, busy_now[1] - busy[1])
    return report(name, times, notified, results, first, args, elapsed, server_cpu, machine)


def report(
    name: str,
    times: dict[int, tuple[float, float]],
    notified: dict[int, float],
    results: list[dict[str, Any]],
    first: int,
    args: argparse.Namespace,
    elapsed: float,
    server_cpu: float,
    machine: float,
) -> dict[str, float]:
    versions = args.actions
    assert sorted(times) == list(range(first, first + versions)), "versions not contiguous"
    answered = array("d", (times[first + k][1] for k in range(versions)))
    sent = array("d", (times[first + k][0] for k in range(versions)))
    heard = array("d", (notified.get(first + k, 0.0) for k in range(versions)))
    from_response: list[float] = []
    from_request: list[float] = []
    from_notify: list[float] = []
    for result in results:
        stamps = array("d")
        stamps.frombytes(result["stamps"])
        for slot, at in enumerate(stamps):
            if at:
                k = slot % versions
                from_response.append((at - answered[k]) * 1000)
                from_request.append((at - sent[k]) * 1000)
                if heard[k]:
                    from_notify.append((at - heard[k]) * 1000)
    expected = args.sockets * versions

    def pct(values: list[float], q: float) -> float:
        if len(values) < 2:
            return values[0] if values else 0.0
        return statistics.quantiles(values, n=1000, method="inclusive")[int(q * 10) - 1]

    anomalies = {
        k: sum(r[k] for r in results)
        for k in ("duplicates", "out_of_order", "unexpected", "closed_early", "compressed")
    }
    figures = {
        "delivered": len(from_response),
        "expected": expected,
        "p50": pct(from_response, 50),
        "p99": pct(from_response, 99),
        "max": max(from_response, default=0.0),
        "req_p50": pct(from_request, 50),
        "req_p99": pct(from_request, 99),
        "req_max": max(from_request, default=0.0),
        "ntf_p50": pct(from_notify, 50),
        "ntf_p99": pct(from_notify, 99),
        "ntf_max": max(from_notify, default=0.0),
        "notices": sum(1 for t in heard if t),
        "size": max(r["message_size"] for r in results),
        "server_cpu": server_cpu,
        "client_cpu": sum(r["cpu"] for r in results),
        "machine": machine,
        **anomalies,
    }
    print(f"{name:>8}: delivered {figures['delivered']}/{expected}  (ms)")
    for label, prefix in LATENCIES:
        print(
            f"{'':>8}  {label:<15} p50 {figures[prefix + 'p50']:7.1f}  "
            f"p99 {figures[prefix + 'p99']:7.1f}  max {figures[prefix + 'max']:7.1f}"
        )
    print(
        f"{'':>8}  server CPU {server_cpu:.2f} s ({server_cpu / max(1, len(from_response)) * 1e6:.0f} us/message), "
        f"clients CPU {figures['client_cpu']:.2f} s, machine busy {machine:.0%} over {elapsed:.1f} s; "
        f"notices heard {figures['notices']}/{versions}, "
        + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in anomalies.items())
    )
    return figures


async def bench_ours(
    database_url: str, args: argparse.Namespace, backend: Path = BACKEND, name: str = "ours"
) -> dict[str, float]:
    with serve("main:app", backend, database_url) as (base, pid):
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
            creds = {"email": email, "password": "correct horse battery"}
            (await http.post("/api/auth/register", json=creds)).raise_for_status()
            login = await http.post("/api/auth/login", json=creds)
            dm = {"Authorization": f"Bearer {login.json()['access_token']}"}
            campaign = (
                await http.post("/api/campaigns", json={"name": "Bench"}, headers=dm)
            ).json()
            # Exact enemy HP on the player view: every hit changes what the players see,
            # so each action is one player frame (they get none for an unseen change).
            eid = (
                await http.post(
                    f"/api/campaigns/{campaign['id']}/encounters",
                    json={"name": "Bench", "settings": EXACT_HP},
                    headers=dm,
                )
            ).json()["id"]
            body = {"name": "Goblin", "count": 6, "max_hp": 100_000, "ac": 15}
            r = await http.post(f"/api/encounters/{eid}/combatants", json=body, headers=dm)
            r = await http.post(
                f"/api/encounters/{eid}/combatants",
                json={"name": "Ogre", "max_hp": 59},
                headers=dm,
            )
            goblin = r.json()["state"]["combatants"][0]["id"]
            first = r.json()["version"] + 1
            link = (await http.post(f"/api/encounters/{eid}/share", headers=dm)).json()
            url = base.replace("http://", "ws://") + link["api_url"] + "/ws"
            clients = start_clients(url, args.sockets, args.clients, first, args.actions)

            async def damage(client: httpx.AsyncClient, _i: int) -> int:
                r = await client.post(
                    f"/api/encounters/{eid}/actions",
                    json={"type": "damage", "targets": [goblin], "amount": 1},
                    headers=dm,
                )
                r.raise_for_status()
                return int(r.json()["version"])

            return await measure(name, http, pid, clients, first, args, damage, "encounter_changes")


async def bench_minimal(database_url: str, args: argparse.Namespace, size: int) -> dict[str, float]:
    with serve("minimal_relay:app", ROOT / "bench", database_url) as (base, pid):
        url = base.replace("http://", "ws://") + "/ws"
        clients = start_clients(url, args.sockets, args.clients, 1, args.actions)
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:

            async def publish(client: httpx.AsyncClient, i: int) -> int:
                version = i + 1
                head = f'{{"type":"event","version":{version},"state":"'
                payload = head + "x" * max(0, size - len(head) - 2) + '"}'
                (await client.post("/publish", content=payload)).raise_for_status()
                return version

            return await measure("minimal", http, pid, clients, 1, args, publish, "bench_relay")


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


def ratios(ours: dict[str, float], minimal: dict[str, float], prefix: str) -> dict[str, float]:
    """ours / minimal (nan where the minimal's figure is not positive)."""
    return {
        k: ours[prefix + k] / minimal[prefix + k] if minimal[prefix + k] > 0 else float("nan")
        for k in ("p50", "p99", "max")
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--actions", type=int, default=100)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--repeat", type=int, default=1, help="interleaved runs of the pair")
    parser.add_argument(
        "--compare",
        type=Path,
        help="another checkout's backend/ to measure in the same run (before/after)",
    )
    args = parser.parse_args()
    raise_fd_limit()
    url = args.database_url = asyncio.run(create_database())
    print(
        f"{args.sockets} player-view sockets ({args.clients} client processes), "
        f"{args.actions} actions at {args.rate:g}/s, {WORKERS} workers, {os.cpu_count()} CPUs"
    )
    print(
        "measures action-to-frame latency of the player-view fan-out; the Python client"
        " processes share these CPUs with the servers and PostgreSQL (their CPU is printed)"
    )
    pairs: list[tuple[dict[str, float], dict[str, float]]] = []
    compared: list[tuple[dict[str, float], dict[str, float]]] = []
    try:
        for _ in range(args.repeat):
            ours = asyncio.run(bench_ours(url, args))
            size = int(ours["size"])
            print(f"{'':>8}  (player-view event message {size} bytes; the relay sends that size)")
            minimal = asyncio.run(bench_minimal(url, args, size))
            pairs.append((ours, minimal))
            for label, prefix in LATENCIES:
                r = ratios(ours, minimal, prefix)
                print(
                    f"ratios ours/minimal ({label}): "
                    + "  ".join(f"{k} {v:.2f}" for k, v in r.items())
                )
            if args.compare:
                other = asyncio.run(bench_ours(url, args, args.compare, "compare"))
                compared.append((other, minimal))
                for label, prefix in LATENCIES:
                    r = ratios(ours, other, prefix)
                    print(
                        f"ratios ours/compare ({label}): "
                        + "  ".join(f"{k} {v:.2f}" for k, v in r.items())
                    )
    finally:
        asyncio.run(drop_database(url))
    if args.repeat > 1:
        for label, prefix in LATENCIES:
            each = [ratios(o, m, prefix) for o, m in pairs]
            print(
                f"median ratios ours/minimal over {args.repeat} pairs ({label}): "
                + "  ".join(
                    f"{k} {statistics.median(r[k] for r in each):.2f}"
                    for k in ("p50", "p99", "max")
                )
            )
        for label, prefix in LATENCIES if compared else ():
            each = [ratios(o, c, prefix) for (o, _), (c, _) in zip(pairs, compared, strict=True)]
            print(
                f"median ratios ours/compare over {args.repeat} runs ({label}): "
                + "  ".join(
                    f"{k} {statistics.median(r[k] for r in each):.2f}"
                    for k in ("p50", "p99", "max")
                )
            )
    delivered = all(o["delivered"] == o["expected"] for o, _ in pairs)
    for label, prefix in LATENCIES:
        p99 = statistics.median(o[prefix + "p99"] for o, _ in pairs)
        ratio = statistics.median(ratios(o, m, prefix)["p99"] for o, m in pairs)
        print(
            f"goal {label:<15} all delivered: {'yes' if delivered else 'NO'}, "
            f"p99 {p99:.1f} ms <= 50: {'yes' if p99 <= 50 else 'NO'}, "
            f"p99 {ratio:.2f}x minimal <= 1.5: {'yes' if ratio <= 1.5 else 'NO'}"
        )


if __name__ == "__main__":
    main()
