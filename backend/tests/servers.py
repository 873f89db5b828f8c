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
from pathlib import Path

import httpx

from tests.conftest import METRICS_TOKEN

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


@contextmanager
def gunicorn(
    database_url: str,
    *,
    workers: int = 3,
    env: dict[str, str] | None = None,
    log_path: Path | None = None,
) -> Iterator[str]:
    """Run ``gunicorn main:app`` from backend/ as production would; yields its base URL."""
    port = free_port()
    full_env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "JWT_SECRET": "server-test-secret-long-enough-0123456789abcdef",
        "METRICS_TOKEN": METRICS_TOKEN,
        "ENVIRONMENT": "test",
        "WEB_CONCURRENCY": str(workers),
        "PORT": str(port),
        "LOG_LEVEL": "INFO",
        **(env or {}),
    }
    full_env.pop("PROMETHEUS_MULTIPROC_DIR", None)
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
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log_path and out is not subprocess.DEVNULL:
            out.close()  # type: ignore[union-attr]
