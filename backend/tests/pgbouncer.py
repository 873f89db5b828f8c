"""A PgBouncer of a test's own, in transaction mode (as Azure's built-in pooler runs),
on a free loopback port in front of a PostgreSQL server.

Debian's ``pgbouncer`` package provides the binary (``.ci/run`` installs it). Every
database name is passed through to the server (``* =``), so a test's freshly created
database is reachable through the pooler by changing only the URL's port.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.servers import free_port


def pgbouncer_binary() -> str | None:
    return shutil.which("pgbouncer") or next(
        (p for p in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if os.path.exists(p)), None
    )


def require_pgbouncer() -> str:
    """The binary, or skip (fail in CI, which installs it) with the reason."""
    binary = pgbouncer_binary()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("pgbouncer (Debian's package) is required in CI")
        pytest.skip("pgbouncer is not installed (apt-get install pgbouncer)")
    return binary


@dataclass
class PgBouncer:
    port: int
    upstream_host: str
    upstream_port: int
    proc: subprocess.Popen[bytes]
    root: Path

    def url_for(self, database_url: str) -> str:
        """``database_url`` (a database on the upstream server) through the pooler."""
        url = make_url(database_url)
        return url.set(host="127.0.0.1", port=self.port).render_as_string(hide_password=False)

    def fronts(self, database_url: str) -> bool:
        url = make_url(database_url)
        return (url.host or "127.0.0.1", url.port or 5432) == (
            self.upstream_host,
            self.upstream_port,
        )

    @property
    def admin_url(self) -> str:
        """The console (``SHOW STATS``, ``SHOW POOLS``): database ``pgbouncer``."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/pgbouncer"

    def log(self) -> str:
        path = self.root / "pgbouncer.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.root, ignore_errors=True)


def start_pgbouncer(upstream_url: str, *, pool_size: int = 20) -> PgBouncer:
    """Start PgBouncer in front of ``upstream_url``'s server; the caller stops it."""
    binary = require_pgbouncer()
    upstream = make_url(upstream_url)
    host, port = upstream.host or "127.0.0.1", upstream.port or 5432
    user = upstream.username or "postgres"
    password = f" password={upstream.password}" if upstream.password else ""
    root = Path(tempfile.mkdtemp(prefix="it-pgbouncer-"))
    listen = free_port()
    (root / "users.txt").write_text(f'"{user}" ""\n')
    (root / "pgbouncer.ini").write_text(
        f"""[databases]
* = host={host} port={port} user={user}{password}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {listen}
unix_socket_dir =
auth_type = trust
auth_file = {root}/users.txt
admin_users = {user}
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 1000
ignore_startup_parameters = extra_float_digits
logfile = {root}/pgbouncer.log
pidfile = {root}/pgbouncer.pid
"""
    )
    kwargs: dict[str, str] = {}
    if os.geteuid() == 0:  # pgbouncer refuses to run as root
        shutil.chown(root, "postgres")
        for name in ("users.txt", "pgbouncer.ini"):
            shutil.chown(root / name, "postgres")
        kwargs = {"user": "postgres", "group": "postgres"}
    proc = subprocess.Popen(
        [binary, str(root / "pgbouncer.ini")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        **kwargs,  # type: ignore[call-overload]
    )
    bouncer = PgBouncer(listen, host, port, proc, root)
    deadline = time.monotonic() + 15
    while True:
        if proc.poll() is not None:
            log = bouncer.log()
            bouncer.stop()
            raise RuntimeError(f"pgbouncer exited with {proc.returncode}: {log}")
        try:
            socket.create_connection(("127.0.0.1", listen), timeout=1).close()
            return bouncer
        except OSError:
            if time.monotonic() > deadline:
                bouncer.stop()
                raise TimeoutError("pgbouncer did not start listening") from None
            time.sleep(0.05)


@contextmanager
def pgbouncer(upstream_url: str, *, pool_size: int = 20) -> Iterator[PgBouncer]:
    bouncer = start_pgbouncer(upstream_url, pool_size=pool_size)
    try:
        yield bouncer
    finally:
        bouncer.stop()


# --- the whole suite behind the pooler (TEST_PGBOUNCER=1, scripts/test.sh --pgbouncer) ---

ENABLED = os.environ.get("TEST_PGBOUNCER") == "1"
_shared: PgBouncer | None = None


def shared(upstream_url: str) -> PgBouncer:
    """The suite's one pooler (started on first use, stopped by ``stop_shared``)."""
    global _shared
    if _shared is None:
        _shared = start_pgbouncer(upstream_url, pool_size=40)
    return _shared


def stop_shared() -> None:
    global _shared
    if _shared is not None:
        _shared.stop()
        _shared = None


def app_database_env(database_url: str) -> dict[str, str]:
    """The settings an app server gets for ``database_url``: with the suite behind the
    pooler, requests go through it and LISTEN / migrations go direct."""
    test_url = os.environ.get("TEST_DATABASE_URL")
    if not (ENABLED and test_url) or not database_url.startswith("postgres"):
        return {"DATABASE_URL": database_url}
    bouncer = shared(test_url)
    if not bouncer.fronts(database_url):
        return {"DATABASE_URL": database_url}
    return {
        "DATABASE_URL": bouncer.url_for(database_url),
        "DATABASE_LISTEN_URL": database_url,
        "DATABASE_POOLER": "transaction",
    }
