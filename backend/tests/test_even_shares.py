"""Connections shared out evenly between Gunicorn's workers (app.realtime.worker).

All workers accept from one listening socket; left to themselves, whichever wakes
first takes what is waiting, and a burst of connections (a load balancer's pool, every
player view reconnecting after a deploy) can land mostly on one worker, which then does
most of the work on one core."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from app.realtime import worker
from tests.servers import Instance, gunicorn_instance

pytestmark = pytest.mark.slow


def _established_by_worker(instance: Instance, port: int) -> dict[int, int]:
    """How many established connections on ``port`` each worker holds, from /proc."""
    inodes: dict[str, int] = {}  # socket inode -> worker pid
    for pid in instance.worker_pids():
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = fd.readlink().as_posix()
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes[target[8:-1]] = pid
    counts = dict.fromkeys(instance.worker_pids(), 0)
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == "01" and fields[9] in inodes:
                counts[inodes[fields[9]]] += 1
    return counts


def _health(conn: socket.socket) -> None:
    conn.sendall(b"GET /api/health HTTP/1.1\r\nHost: test\r\n\r\n")
    reply = b""
    while b"\r\n\r\n" not in reply:
        chunk = conn.recv(4096)
        assert chunk, "the server closed the connection"
        reply += chunk
    assert reply.startswith(b"HTTP/1.1 200"), reply[:100]


def _started(log: Path, workers: int) -> None:
    """Until every worker has logged its start-up: it publishes its (empty) share and
    starts accepting in the same step."""
    deadline = time.monotonic() + 30
    while log.read_bytes().count(b"Application startup complete") < workers:
        assert time.monotonic() < deadline, log.read_text(errors="replace")[-2000:]
        time.sleep(0.05)


def test_a_burst_of_connections_is_shared_evenly(migrated_pg_database: str, tmp_path: Path) -> None:
    log = tmp_path / "gunicorn.log"
    with gunicorn_instance(migrated_pg_database, workers=3, log_path=log) as instance:
        port = int(instance.base.rsplit(":", 1)[1])
        _started(log, 3)
        # 90 connections at once, as fast as the kernel completes them, before any
        # worker has read a byte: the accept queue holds them all.
        conns = [socket.create_connection(("127.0.0.1", port)) for _ in range(90)]
        try:
            for conn in conns:  # each is accepted and served (keep-alive: it stays open)
                conn.settimeout(10)
                _health(conn)
            counts = _established_by_worker(instance, port)
            assert sum(counts.values()) == 90, counts
            assert len(counts) == 3, counts
            # A fair share is 30; the workers step back while another holds fewer.
            assert max(counts.values()) - min(counts.values()) <= 4, counts
        finally:
            for conn in conns:
                conn.close()


def test_shares_count_only_live_workers() -> None:
    shares = worker.Shares()
    assert shares.fewest_elsewhere(0) is None  # alone: nobody to leave a connection to
    shares.publish(1, 7)
    shares.publish(2, 3)
    assert shares.fewest_elsewhere(0) == 3
    assert shares.fewest_elsewhere(2) == 7
    assert sorted(shares.counts()) == [3, 7]
    shares.clear(2)  # the master hands slot 2 to a new worker
    assert shares.fewest_elsewhere(0) == 7
    # A worker that stopped writing (killed) no longer counts once its slot is stale.
    shares._table[1 * worker._FIELDS + 1] -= worker.STALE_MS + 1
    assert shares.fewest_elsewhere(0) is None
    assert shares.counts() == []
