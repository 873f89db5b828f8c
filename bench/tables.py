"""1,000 live tables on two cores: the product as a whole, at a game night's load.

    .venv/bin/python bench/tables.py [--tables 1000] [--players 5] [--interval 5]
                                     [--duration 60] [--soak] [--clients 2]

Needs PostgreSQL (a scratch database on ``TEST_DATABASE_URL``'s server, default
postgresql://postgres@127.0.0.1:5432/test, dropped after). What it does:

1. serves the product as production does (``gunicorn main:app``, 3 workers) and seeds
   ``--tables`` encounters (a DM account per hundred tables; each encounter three
   monsters, combat started, its player view showing exact hit points so every hit is a
   frame for the players too, and a player-view link);
2. opens, for every table, one DM WebSocket (token as the ``bearer`` subprotocol) and
   ``--players`` player-view WebSockets, from ``--clients`` processes (asyncio + uvloop,
   a raw RFC 6455 client that only reads the version or seq at the head of each frame
   and stamps it with ``time.time()``: one clock for every process);
3. has every table's DM act every ``--interval`` seconds (1 damage to a monster; the
   tables are staggered evenly, so 1,000 tables every 5 s is 200 actions/s) for
   ``--duration`` seconds, through a lean keep-alive HTTP/1.1 client of its own;
4. prints action->screen latency (from the moment the action's request was written to
   the frame's arrival on each socket) p50/p99/max for the DM sockets and the player
   sockets, HTTP errors, frames lost (not arrived ``--settle`` seconds after the last
   action) / duplicated / out of order / delivered by a resync, sockets closed early,
   the actions rate reached, the servers' CPU (and PostgreSQL's) and memory, the load
   generator's own CPU, and how busy the whole machine was.

``--soak`` runs 10 minutes and prints the servers' memory sampled over time (every
``--sample`` seconds): flat is the goal. Goals (issue 14): p99 <= 100 ms, no errors,
nothing lost, memory flat.

The load generator is Python, on the same two cores as the servers and PostgreSQL: its
CPU is printed next to theirs, so its share can be judged (most of it is the client
processes' reading of frames: 6 frames per action).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import math
import multiprocessing as mp
import os
import re
import resource
import signal
import statistics
import sys
import time
import uuid
from array import array
from contextlib import suppress
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from wsframes import CLOSE, PING, TEXT, frames, pong

ROOT = Path(__file__).resolve().parent.parent
BACKEND = ROOT / "backend"
sys.path.insert(0, str(BACKEND))

from tests.servers import Instance, gunicorn_instance  # noqa: E402

os.environ.setdefault("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
# (tests.conftest reads TEST_DATABASE_URL when imported)
from tests.conftest import create_pg_database, drop_pg_database, migrate  # noqa: E402

EXACT_HP = {"player_view": {"enemies": {"show_hp": "exact"}}}
TABLES_PER_DM = 100
HEAD = re.compile(rb'^\{"type":"(snapshot|event)","(?:version|seq)":(\d+)')


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 1 << 17)), hard))


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- the socket clients (processes of their own) ---------------------------------------


class Socket(asyncio.Protocol):
    """One WebSocket: the handshake, then each text frame's head read in place. Action k
    (0-based) of its table stamps ``stamps[base + k]``: the value in the snapshot is
    the point the table's actions count from (versions and player seqs both go up by
    one per hit here)."""

    def __init__(self, request: bytes, run: ClientRun, base: int) -> None:
        self.request = request
        self.run = run
        self.base = base
        self.buf = bytearray()
        self.upgraded = False
        self.start = -1  # the value in the snapshot
        self.last = -1
        self.transport: asyncio.Transport | None = None
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closing = False

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.ready.done():
            self.ready.set_exception(ConnectionError("closed before its snapshot"))
        if not self.closing:
            self.run.closed_early += 1

    def data_received(self, data: bytes) -> None:
        now = time.time()
        buf = self.buf
        buf += data
        if not self.upgraded:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            if not buf.startswith(b"HTTP/1.1 101"):
                if not self.ready.done():
                    self.ready.set_exception(ConnectionError(bytes(buf[:end]).decode()))
                assert self.transport is not None
                self.transport.close()
                return
            self.upgraded = True
            del buf[: end + 4]
        taken = 0
        for opcode, start, end in frames(buf):
            if opcode == TEXT:
                self._text(bytes(buf[start : min(end, start + 48)]), now)
            elif opcode == PING:  # ping: pong, masked with a zero key
                payload = bytes(buf[start:end])
                assert self.transport is not None
                self.transport.write(pong(payload))
            elif opcode == CLOSE and not self.closing:
                self.run.closed_early += 1
                self.closing = True
            taken = end
        del buf[:taken]

    def _text(self, head: bytes, now: float) -> None:
        match = HEAD.match(head)
        if match is None:
            return  # {"type":"ping"}
        value = int(match.group(2))
        run = self.run
        if match.group(1) == b"snapshot":
            if not self.ready.done():
                self.start = self.last = value
                self.ready.set_result(None)
                return
            # A resync: the server skipped this socket's backlog (it fell behind) and
            # sent the current state. The versions it skipped reached the screen now,
            # as part of it: counted apart from the frames never delivered at all.
            for k in range(max(0, self.last - self.start), min(value - self.start, run.per_socket)):
                if not run.stamps[self.base + k]:
                    run.stamps[self.base + k] = now
                    run.resynced += 1
            self.last = max(self.last, value)
            return
        if value <= self.last:
            run.out_of_order += 1
        self.last = max(self.last, value)
        k = value - self.start - 1
        if 0 <= k < run.per_socket:
            slot = self.base + k
            if run.stamps[slot]:
                run.duplicates += 1
            else:
                run.stamps[slot] = now
        else:
            run.unexpected += 1

    def close(self) -> None:
        self.closing = True
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(bytes((0x88, 0x82, 0, 0, 0, 0, 0x03, 0xE8)))
            self.transport.close()


@dataclass
class ClientRun:
    per_socket: int  # stamps kept per socket: the most actions a table can take
    stamps: array = field(default_factory=lambda: array("d"))  # type: ignore[type-arg]
    duplicates: int = 0
    out_of_order: int = 0
    unexpected: int = 0
    closed_early: int = 0
    resynced: int = 0


def client_process(
    base: str, sockets: list[tuple[str, str | None]], per_socket: int, conn: Connection
) -> None:
    """Open ``sockets`` (path, DM token or None), report ready, stamp frames until told
    to stop, then send back the stamps."""
    raise_fd_limit()
    import uvloop

    uvloop.run(_client(base, sockets, per_socket, conn))


async def _client(
    base: str, sockets: list[tuple[str, str | None]], per_socket: int, conn: Connection
) -> None:
    loop = asyncio.get_running_loop()
    parts = urlsplit(base)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    run = ClientRun(per_socket=per_socket)
    run.stamps = array("d", bytes(8 * per_socket * len(sockets)))
    gate = asyncio.Semaphore(64)
    opened: list[Socket] = []
    failed = 0

    async def open_one(i: int, path: str, token: str | None) -> None:
        nonlocal failed
        key = base64.b64encode(os.urandom(16)).decode()
        protocol = f"Sec-WebSocket-Protocol: bearer, {token}\r\n" if token else ""
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n{protocol}\r\n"
        ).encode()
        async with gate:
            for attempt in range(5):
                try:
                    _, sock = await loop.create_connection(
                        lambda: Socket(request, run, i * per_socket), host, port
                    )
                    await asyncio.wait_for(sock.ready, 60)
                    opened.append(sock)
                    return
                except (OSError, TimeoutError, ConnectionError):
                    await asyncio.sleep(0.5 * (attempt + 1))
            failed += 1

    await asyncio.gather(*(open_one(i, p, t) for i, (p, t) in enumerate(sockets)))
    conn.send({"ready": len(opened), "failed": failed})
    start_cpu = cpu_seconds()
    await loop.run_in_executor(None, conn.recv)  # "stop"
    conn.send(
        {
            "stamps": run.stamps.tobytes(),
            "duplicates": run.duplicates,
            "out_of_order": run.out_of_order,
            "unexpected": run.unexpected,
            "closed_early": run.closed_early,
            "resynced": run.resynced,
            "cpu": cpu_seconds() - start_cpu,
        }
    )
    for sock in opened:
        sock.close()
    await asyncio.sleep(0.2)


# --- the DMs' actions: a lean keep-alive HTTP/1.1 client ---------------------------------


class HttpConnection(asyncio.Protocol):
    """One keep-alive connection; one request at a time (Content-Length responses)."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.lost = False

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("connection lost"))

    def data_received(self, data: bytes) -> None:
        self.buf += data
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.buf[:end]).lower()
        match = re.search(rb"content-length:\s*(\d+)", head)
        length = int(match.group(1)) if match else 0
        if len(self.buf) < end + 4 + length:
            return
        status = int(head[9:12])
        body = bytes(self.buf[end + 4 : end + 4 + length])
        del self.buf[: end + 4 + length]
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result((status, body))

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        assert self.transport is not None
        if self.lost or self.transport.is_closing():
            raise ConnectionError("connection closed")
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(raw)
        return await asyncio.wait_for(self.waiter, 60)


class HttpPool:
    def __init__(self, base: str, size: int) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.size = size
        self.idle: asyncio.Queue[HttpConnection] = asyncio.Queue()

    async def open(self) -> None:
        for _ in range(self.size):
            self.idle.put_nowait(await self._connect())

    def post(self, path: str, token: str, body: bytes) -> bytes:
        return (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body

    async def send(self, raw: bytes, sent_at: list[float]) -> int:
        """Status of the response (0: no response); the send time goes to ``sent_at``.
        The server closes a connection idle for its keep-alive time (5 s): such a one
        is replaced before it is used, not counted as an error."""
        conn = await self.idle.get()
        try:
            if conn.lost or conn.transport is None or conn.transport.is_closing():
                conn = await self._connect()
            sent_at.append(time.time())
            status, _ = await conn.request(raw)
            return status
        except (ConnectionError, OSError, TimeoutError):
            return 0
        finally:
            if conn.lost:
                with suppress(OSError):
                    conn = await self._connect()
            self.idle.put_nowait(conn)

    async def _connect(self) -> HttpConnection:
        loop = asyncio.get_running_loop()
        _, conn = await loop.create_connection(HttpConnection, self.host, self.port)
        return conn


# --- measuring the servers ---------------------------------------------------------------


def load_average() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def machine_times() -> tuple[int, int]:
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def pids_of(instance: Instance) -> set[int]:
    return instance.worker_pids() | {instance.proc.pid}


def postgres_pids() -> set[int]:
    found = set()
    for comm in Path("/proc").glob("[0-9]*/comm"):
        with suppress(OSError):
            if comm.read_text().strip().startswith("postgres"):
                found.add(int(comm.parent.name))
    return found


def cpu_of(pids: set[int]) -> float:
    ticks = 0
    for pid in pids:
        parts = _stat(pid)
        if parts is not None:
            ticks += int(parts[11]) + int(parts[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def rss_mb(pids: set[int]) -> float:
    total = 0
    for pid in pids:
        with suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


# --- seeding -----------------------------------------------------------------------------


@dataclass
class Table:
    encounter_id: str
    dm_token: str
    share_token: str
    target: str  # the monster the DM hits


async def seed(base: str, tables: int) -> list[Table]:
    out: list[Table | None] = [None] * tables
    async with httpx.AsyncClient(base_url=base, timeout=120) as c:
        gate = asyncio.Semaphore(12)

        async def dm_account() -> tuple[str, str]:
            email = f"tables-{uuid.uuid4().hex[:10]}@example.com"
            creds = {"email": email, "password": "a long bench password"}
            (await c.post("/api/auth/register", json=creds)).raise_for_status()
            r = await c.post("/api/auth/login", json=creds)
            r.raise_for_status()
            token = r.json()["access_token"]
            r = await c.post(
                "/api/campaigns",
                json={"name": "Game night"},
                headers={"Authorization": f"Bearer {token}"},
            )
            r.raise_for_status()
            return token, r.json()["id"]

        dms = [await dm_account() for _ in range(math.ceil(tables / TABLES_PER_DM))]

        async def one(i: int) -> None:
            token, campaign = dms[i // TABLES_PER_DM]
            auth = {"Authorization": f"Bearer {token}"}
            async with gate:
                r = await c.post(
                    f"/api/campaigns/{campaign}/encounters",
                    json={"name": f"Table {i}", "settings": EXACT_HP},
                    headers=auth,
                )
                r.raise_for_status()
                eid = r.json()["id"]
                monsters = {"name": "Ogre", "count": 3, "max_hp": 90_000, "ac": 11}
                r = await c.post(f"/api/encounters/{eid}/combatants", json=monsters, headers=auth)
                r.raise_for_status()
                r = await c.post(
                    f"/api/encounters/{eid}/actions", json={"type": "start_combat"}, headers=auth
                )
                r.raise_for_status()
                target = r.json()["state"]["combatants"][0]["id"]
                r = await c.post(f"/api/encounters/{eid}/share", headers=auth)
                r.raise_for_status()
                out[i] = Table(eid, token, r.json()["token"], target)

        await asyncio.gather(*(one(i) for i in range(tables)))
    return [t for t in out if t is not None]


# --- the run -----------------------------------------------------------------------------


@dataclass
class Clients:
    procs: list[Any]
    pipes: list[Connection]
    layout: list[list[tuple[int, int]]]  # per process: (table, socket kind) of each socket


def start_clients(
    base: str, tables: list[Table], players: int, processes: int, per_socket: int
) -> tuple[Clients, int, int]:
    ctx = mp.get_context("spawn")
    procs, pipes, layout = [], [], []
    for p in range(processes):
        sockets: list[tuple[str, str | None]] = []
        where: list[tuple[int, int]] = []
        for i in range(p, len(tables), processes):
            t = tables[i]
            sockets.append((f"/api/encounters/{t.encounter_id}/ws", t.dm_token))
            where.append((i, 0))
            for k in range(players):
                sockets.append((f"/api/public/encounters/{t.share_token}/ws", None))
                where.append((i, k + 1))
        parent, child = ctx.Pipe()
        proc = ctx.Process(
            target=client_process, args=(base, sockets, per_socket, child), daemon=True
        )
        proc.start()
        procs.append(proc)
        pipes.append(parent)
        layout.append(where)
    ready = failed = 0
    for pipe in pipes:
        if not pipe.poll(900):
            raise RuntimeError("the socket clients did not connect in 15 minutes")
        answer = pipe.recv()
        ready += answer["ready"]
        failed += answer["failed"]
    return Clients(procs, pipes, layout), ready, failed


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


async def act(
    base: str, tables: list[Table], interval: float, duration: float, connections: int
) -> tuple[list[list[float]], list[list[int]], float, int]:
    """Each table's DM acts every ``interval`` s, the tables staggered evenly. Returns
    each table's send times and statuses, the driver's CPU, and actions left late."""
    pool = HttpPool(base, connections)
    await pool.open()
    sent: list[list[float]] = [[] for _ in tables]
    statuses: list[list[int]] = [[] for _ in tables]
    late = 0
    body = [
        json.dumps({"type": "damage", "targets": [t.target], "amount": 1}).encode() for t in tables
    ]
    start = time.monotonic() + 1.0
    end = start + duration
    cpu0 = cpu_seconds()

    async def table(i: int) -> None:
        nonlocal late
        t = tables[i]
        raw = pool.post(f"/api/encounters/{t.encounter_id}/actions", t.dm_token, body[i])
        at = start + interval * i / len(tables)
        while at < end:
            delay = at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -interval / 2:
                late += 1
            statuses[i].append(await pool.send(raw, sent[i]))
            at += interval

    await asyncio.gather(*(table(i) for i in range(len(tables))))
    return sent, statuses, cpu_seconds() - cpu0, late


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tables", type=int, default=1000)
    parser.add_argument("--players", type=int, default=5, help="player sockets per table")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between a DM's acts")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of acting")
    parser.add_argument("--soak", action="store_true", help="10 minutes, memory over time")
    parser.add_argument("--sample", type=float, default=10.0, help="seconds between samples")
    parser.add_argument("--clients", type=int, default=2, help="socket client processes")
    parser.add_argument("--connections", type=int, default=32, help="HTTP connections to act")
    parser.add_argument(
        "--settle", type=float, default=10.0, help="seconds after the last action for frames"
    )
    args = parser.parse_args()
    # A SIGTERM (``timeout``) unwinds like an error: the servers and the database go.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.soak:
        args.duration = max(args.duration, 600.0)
        args.sample = min(args.sample, 30.0)
    raise_fd_limit()
    per_socket = int(args.duration / args.interval) + 2

    dsn = await create_pg_database("bench_tables")
    try:
        await migrate(dsn)
        env = {"LOGIN_ATTEMPTS": "1000000", "LOGIN_ADDRESS_ATTEMPTS": "1000000"}
        with gunicorn_instance(dsn, workers=3, env=env) as server:
            t0 = time.monotonic()
            tables = await seed(server.base, args.tables)
            print(f"seeded {len(tables)} tables in {time.monotonic() - t0:.0f} s", flush=True)
            t0 = time.monotonic()
            clients, ready, failed = start_clients(
                server.base, tables, args.players, args.clients, per_socket
            )
            print(
                f"{ready} sockets open ({failed} failed to open) from {args.clients} client"
                f" processes in {time.monotonic() - t0:.0f} s",
                flush=True,
            )
            report = await run(server, tables, clients, args, per_socket, ready, failed)
            print(report)
    finally:
        await drop_pg_database(dsn)


async def run(
    server: Instance,
    tables: list[Table],
    clients: Clients,
    args: argparse.Namespace,
    per_socket: int,
    ready: int,
    failed: int,
) -> str:
    servers, pg = pids_of(server), postgres_pids()
    memory: list[tuple[float, float]] = []
    stop = asyncio.Event()

    async def sample() -> None:
        began = time.monotonic()
        while not stop.is_set():
            memory.append((time.monotonic() - began, rss_mb(pids_of(server))))
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), args.sample)

    sampler = asyncio.create_task(sample())
    busy0, total0 = machine_times()
    cpu0, pg0 = cpu_of(servers), cpu_of(pg)
    began = time.monotonic()
    sent, statuses, driver_cpu, late = await act(
        server.base, tables, args.interval, args.duration, args.connections
    )
    acting = time.monotonic() - began
    await asyncio.sleep(args.settle)
    busy1, total1 = machine_times()
    cpu1, pg1 = cpu_of(servers), cpu_of(pg)
    stop.set()
    await sampler
    results = []
    for pipe in clients.pipes:
        pipe.send("stop")
    for pipe in clients.pipes:
        results.append(pipe.recv())
    for proc in clients.procs:
        proc.join(10)

    dm_lat: list[float] = []
    player_lat: list[float] = []
    lost = expected = 0
    for where, result in zip(clients.layout, results, strict=True):
        stamps = array("d")
        stamps.frombytes(result["stamps"])
        for s, (table, kind) in enumerate(where):
            for k, at in enumerate(sent[table][:per_socket]):
                if statuses[table][k] != 200:
                    continue
                expected += 1
                arrived = stamps[s * per_socket + k]
                if not arrived:
                    lost += 1
                    continue
                (dm_lat if kind == 0 else player_lat).append(1000 * (arrived - at))
    actions = sum(len(s) for s in statuses)
    errors = sum(1 for ss in statuses for s in ss if s != 200)
    seconds = acting + args.settle
    client_cpu = sum(r["cpu"] for r in results)
    everything = dm_lat + player_lat
    mem = [m for _, m in memory]
    lines = [
        "",
        f"{len(tables)} tables x (1 DM + {args.players} player sockets) = {ready} sockets"
        f" ({failed} failed to open); each DM acting every {args.interval:g} s for"
        f" {args.duration:g} s; 3 workers; {os.cpu_count()} cores; load average now"
        f" {load_average()}",
        f"actions: {actions} in {acting:.1f} s = {actions / acting:.1f}/s"
        f" (target {len(tables) / args.interval:.1f}/s); HTTP errors {errors};"
        f" sent late (over half an interval behind) {late}",
        f"frames: {expected} expected, {lost} lost, "
        f"{sum(r['duplicates'] for r in results)} duplicated, "
        f"{sum(r['out_of_order'] for r in results)} out of order, "
        f"{sum(r['unexpected'] for r in results)} unexpected,"
        f" {sum(r['resynced'] for r in results)} delivered by a resync (the socket fell"
        " behind: its backlog replaced by the current state, in the latencies);"
        f" sockets closed early {sum(r['closed_early'] for r in results)}",
        "action -> screen latency, ms   p50      p99      max",
    ]
    for label, values in (("DM sockets", dm_lat), ("player sockets", player_lat)):
        lines.append(
            f"  {label:<28}{pct(values, 50):>7.1f}  {pct(values, 99):>7.1f}"
            f"  {max(values, default=float('nan')):>7.1f}"
        )
    lines.append(
        f"  {'every socket':<28}{pct(everything, 50):>7.1f}  {pct(everything, 99):>7.1f}"
        f"  {max(everything, default=float('nan')):>7.1f}"
    )
    busy = (busy1 - busy0) / max(1, total1 - total0)
    lines += [
        f"CPU over the {seconds:.0f} s (acting + {args.settle:g} s settling), in cores:"
        f" servers {(cpu1 - cpu0) / seconds:.2f}, PostgreSQL {(pg1 - pg0) / seconds:.2f},"
        f" socket clients {client_cpu / seconds:.2f}, action driver"
        f" {driver_cpu / acting:.2f}; the whole machine {100 * busy:.0f} % busy"
        f" ({os.cpu_count()} cores, other people's work included)",
        f"servers' CPU per action (fan-out included): {1000 * (cpu1 - cpu0) / max(1, actions):.1f}"
        f" ms",
        f"servers' memory (RSS, master + workers): start {mem[0]:.0f} MB, end {mem[-1]:.0f} MB,"
        f" max {max(mem):.0f} MB",
    ]
    if args.soak or len(memory) > 2:
        lines.append(
            "memory over time: "
            + ", ".join(f"{t:.0f}s {m:.0f}MB" for t, m in memory[:: max(1, len(memory) // 20)])
        )
    goals = [
        ("p99 <= 100 ms", pct(everything, 99) <= 100),
        ("no errors", errors == 0 and failed == 0),
        ("nothing lost", lost == 0),
    ]
    if len(mem) > 4:
        half = len(mem) // 2
        growth = statistics.median(mem[half:]) - statistics.median(mem[:half])
        goals.append((f"memory flat (second half - first half {growth:+.0f} MB)", growth < 20))
    lines.append(
        "goals (issue 14): " + "; ".join(f"{g} {'met' if m else 'MISSED'}" for g, m in goals)
    )
    return "\n".join(lines)


if __name__ == "__main__":
    asyncio.run(main())
