"""Real server processes on loopback for end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

BACKEND_DIR = Path(__file__).resolve().parent.parent
BIN_DIR = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_healthy(
    base_url: str, timeout: float = 30.0, proc: subprocess.Popen[bytes] | None = None
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
class Server:
    base: str
    proc: subprocess.Popen[bytes]

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


@contextmanager
def gunicorn(
    database_url: str,
    *,
    workers: int | None = 3,
    env: dict[str, str] | None = None,
    log_path: Path | None = None,
) -> Iterator[str]:
    """Run ``gunicorn main:app`` from backend/ as production would; yields its base URL."""
    with gunicorn_server(database_url, workers=workers, env=env, log_path=log_path) as server:
        yield server.base


@contextmanager
def gunicorn_server(
    database_url: str,
    *,
    workers: int | None = 3,
    env: dict[str, str] | None = None,
    log_path: Path | None = None,
) -> Iterator[Server]:
    """:func:`gunicorn`, with the process (``workers=None``: no WEB_CONCURRENCY at all)."""
    port = free_port()
    full_env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "JWT_SECRET": "server-test-secret-long-enough-0123456789abcdef",
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
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, proc=proc)
        yield Server(base, proc)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log_path and out is not subprocess.DEVNULL:
            out.close()  # type: ignore[union-attr]
