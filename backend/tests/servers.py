"""Real server processes on loopback for end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

# The scrape token of every test server and app (tests.conftest re-exports it).
METRICS_TOKEN = "test-metrics-scrape-token-0123456789"

BACKEND_DIR = Path(__file__).resolve().parent.parent
BIN_DIR = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_healthy(
    base_url: str, timeout: float = 60.0, proc: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(f"{base_url}/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{base_url} did not become healthy in {timeout}s")


@dataclass
class Instance:
    """A running Gunicorn master (in a process group of its own) and its base URL."""

    base: str
    proc: subprocess.Popen[bytes]

    @property
    def address(self) -> str:
        return self.base.removeprefix("http://")

    def worker_pids(self) -> set[int]:
        """The Gunicorn master's children (its workers), from /proc."""
        pids = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == self.proc.pid:
                pids.add(int(stat.parent.name))
        return pids

    def workers_holding(self, client_ports: set[int]) -> dict[int, int]:
        """How many of the loopback connections from ``client_ports`` each worker holds,
        by worker pid: /proc/net/tcp names each accepted socket's inode by its two ports,
        and a worker's /proc/<pid>/fd links name the inodes it holds."""
        server_port = int(self.address.rsplit(":", 1)[1])
        inodes: set[str] = set()
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            with suppress(OSError):
                for line in Path(table).read_text().splitlines()[1:]:
                    fields = line.split()
                    local = int(fields[1].rsplit(":", 1)[1], 16)
                    remote = int(fields[2].rsplit(":", 1)[1], 16)
                    if local == server_port and remote in client_ports:
                        inodes.add(f"socket:[{fields[9]}]")
        held: dict[int, int] = {}
        for pid in self.worker_pids():
            with suppress(OSError):
                links = {os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()}
                held[pid] = len(links & inodes)
        return held

    def kill(self) -> None:
        """Kill the master and its workers at once (SIGKILL), as a crashed machine."""
        with suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()


@contextmanager
def gunicorn(
    database_url: str,
    *,
    workers: int | None = 3,
    env: dict[str, str] | None = None,
    log_path: Path | None = None,
) -> Iterator[str]:
    """Run ``gunicorn main:app`` from backend/ as production would; yields its base URL."""
    with gunicorn_instance(database_url, workers=workers, env=env, log_path=log_path) as instance:
        yield instance.base


@contextmanager
def gunicorn_instance(
    database_url: str,
    *,
    workers: int | None = 3,
    env: dict[str, str] | None = None,
    log_path: Path | None = None,
) -> Iterator[Instance]:
    """:func:`gunicorn`, yielding the :class:`Instance` (which a test may kill);
    ``workers=None``: no WEB_CONCURRENCY at all."""
    from tests.pgbouncer import app_database_env  # (it imports this module)

    port = free_port()
    full_env = {
        **os.environ,
        **app_database_env(database_url),
        "JWT_SECRET": "server-test-secret-long-enough-0123456789abcdef",
        "METRICS_TOKEN": METRICS_TOKEN,
        # Every test user registers from 127.0.0.1.
        "REGISTER_ATTEMPTS": "1000000",
        "ENVIRONMENT": "test",
        "PORT": str(port),
        "LOG_LEVEL": "INFO",
        **({"WEB_CONCURRENCY": str(workers)} if workers is not None else {}),
        **(env or {}),
    }
    full_env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    if workers is None:
        full_env.pop("WEB_CONCURRENCY", None)
    out = open(log_path, "wb") if log_path else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(
        [str(BIN_DIR / "gunicorn"), "main:app", "--bind", f"127.0.0.1:{port}"],
        cwd=BACKEND_DIR,
        env=full_env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, proc=proc)
        yield Instance(base, proc)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log_path and out is not subprocess.DEVNULL:
            out.close()  # type: ignore[union-attr]
