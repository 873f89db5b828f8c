"""Oversized request bodies: what they cost the service with and without the limit.

    .venv/bin/python bench/body_limit.py [--seconds 10] [--attackers 2] [--mb 50]

Gunicorn with 2 Uvicorn workers on a fresh PostgreSQL database (created on
TEST_DATABASE_URL's server, default postgresql://postgres@127.0.0.1:5432/test, and
dropped after), run twice: once with the limit out of the way (``MAX_BODY_BYTES`` of
1 GiB: the service as it was before the limit) and once with the defaults. Each run:

1. ``/api/health`` latency at rest;
2. then ``--attackers`` clients post ``--mb`` MB JSON arrays to ``/api/dice/roll`` (no
   sign-in needed) back to back for ``--seconds``, while a prober asks ``/api/health``
   every 50 ms: its latency (median, p95, max), and how each upload was answered;
3. the workers' peak memory (VmHWM, the largest worker).

Goal: with the limit, health under attack stays within a few milliseconds of its
latency at rest, every upload is refused within milliseconds (413, or the connection
reset right after the 413 when the client was still sending), and the workers' peak
memory does not grow with the upload size.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import select
import socket
import statistics
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "backend"))
os.environ.setdefault("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")

from tests.conftest import create_pg_database, drop_pg_database, migrate  # noqa: E402
from tests.servers import Instance, gunicorn_instance  # noqa: E402

CHUNK = b"1," * (512 * 1024)  # 1 MiB of a JSON array's items ("[" first, "]" last)


def upload(base: str, mb: int) -> tuple[str, float]:
    """One oversized POST (in a thread: blocking sends, so the prober's event loop is
    not the attackers'); how it was answered and how long it took."""
    host, port = base.removeprefix("http://").split(":")
    started = time.perf_counter()
    status = "reset"  # the server closed the connection mid-upload
    with socket.create_connection((host, int(port)), timeout=120) as sock:
        sock.setblocking(True)
        try:
            sock.sendall(
                b"POST /api/dice/roll HTTP/1.1\r\nHost: bench\r\n"
                b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n["
                % (1 + mb * len(CHUNK))
            )
            for i in range(mb):
                if select.select([sock], [], [], 0)[0]:
                    break  # answered before the body was all sent
                sock.sendall(CHUNK if i < mb - 1 else CHUNK[:-1] + b"]")
            status_line = sock.recv(64).split(b"\r\n")[0].decode()
            status = status_line.split(" ")[1] if status_line else status
        except OSError:
            pass
    return status, time.perf_counter() - started


async def health_latencies(
    client: httpx.AsyncClient, stop: asyncio.Event
) -> tuple[list[float], int]:
    """Latencies of /api/health until ``stop``, and how many were not a 200."""
    out, failed = [], 0
    while not stop.is_set():
        t = time.perf_counter()
        r = await client.get("/api/health")
        out.append(time.perf_counter() - t)
        failed += r.status_code != 200
        await asyncio.sleep(0.05)
    return out, failed


def peak_rss_mb(server: Instance) -> float:
    peaks = []
    for pid in server.worker_pids():
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return max(peaks)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


async def run(label: str, url: str, env: dict[str, str], args: argparse.Namespace) -> None:
    with gunicorn_instance(url, workers=2, env=env) as server:
        async with httpx.AsyncClient(base_url=server.base, timeout=120) as client:
            for _ in range(20):  # warm up every worker
                await client.get("/api/health")
            rest = []
            for _ in range(60):
                t = time.perf_counter()
                await client.get("/api/health")
                rest.append(time.perf_counter() - t)
            before_mb = peak_rss_mb(server)

            stop = asyncio.Event()
            answers: list[tuple[str, float]] = []

            async def attacker() -> None:
                while not stop.is_set():
                    answers.append(await asyncio.to_thread(upload, server.base, args.mb))

            prober = asyncio.create_task(health_latencies(client, stop))
            attackers = [asyncio.create_task(attacker()) for _ in range(args.attackers)]
            await asyncio.sleep(args.seconds)
            stop.set()
            await asyncio.gather(*attackers)
            attacked, unhealthy = await prober
            after_mb = peak_rss_mb(server)

    statuses = sorted({s for s, _ in answers})
    took = [t for _, t in answers]
    q95 = (
        statistics.quantiles(attacked, n=20, method="inclusive")[-1]
        if len(attacked) >= 2
        else attacked[0]
    )
    print(f"\n{label}")
    print(f"  health at rest     median {ms(statistics.median(rest))}")
    print(
        f"  health attacked    median {ms(statistics.median(attacked))}   "
        f"p95 {ms(q95)}   max {ms(max(attacked))}   "
        f"({len(attacked)} probes, {unhealthy} not 200)"
    )
    print(
        f"  {args.mb} MB uploads     {len(answers)} answered {'/'.join(statuses)}, "
        f"median {ms(statistics.median(took))} each"
    )
    print(f"  worker peak memory {before_mb:8.0f} MB at rest -> {after_mb:.0f} MB attacked")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--attackers", type=int, default=2)
    parser.add_argument("--mb", type=int, default=50)
    args = parser.parse_args()
    url = await create_pg_database("it_bench")
    try:
        await migrate(url)
        print(f"{args.attackers} clients posting {args.mb} MB to /api/dice/roll, 2 workers")
        await run(
            "no limit (MAX_BODY_BYTES=1 GiB, as before)", url, {"MAX_BODY_BYTES": str(2**30)}, args
        )
        await run("default limits (64 KiB)", url, {}, args)
    finally:
        await drop_pg_database(url)


if __name__ == "__main__":
    asyncio.run(main())
