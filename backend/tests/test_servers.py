"""The service as it really runs: Gunicorn, several workers, a real PostgreSQL."""

from __future__ import annotations

import asyncio
import re
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from tests.conftest import METRICS_HEADERS, PG_URL, create_pg_database, drop_pg_database, migrate
from tests.pg_instance import pg_instance
from tests.servers import BACKEND_DIR, BIN_DIR, gunicorn

pytestmark = pytest.mark.slow


def _count(metrics: str, route: str) -> float:
    pattern = (
        rf'http_requests_total\{{method="GET",route="{re.escape(route)}",status="200"\}} (\S+)'
    )
    return sum(float(v) for v in re.findall(pattern, metrics))


async def test_metrics_are_correct_across_three_workers(pg_url: str) -> None:
    url = await create_pg_database()
    try:
        await migrate(url)
        with gunicorn(url, workers=3) as base:
            async with httpx.AsyncClient(base_url=base, timeout=10) as c:
                pids: set[str] = set()
                responses = await asyncio.gather(*(c.get("/api/health") for _ in range(60)))
                assert all(r.status_code == 200 for r in responses)
                # Each scrape may land on any worker; every one must see all 60.
                for _ in range(9):
                    text = (await c.get("/api/metrics", headers=METRICS_HEADERS)).text
                    pids.update(re.findall(r'pid="(\d+)"', text))
                    assert _count(text, "/api/health") >= 60
                # The health checks made while booting count too, but never fewer than 60.
                assert 60 <= _count(text, "/api/health") <= 60 + 200
                assert "http_requests_in_flight" in text
    finally:
        await drop_pg_database(url)


def test_health_follows_the_database_down_and_up() -> None:
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set (CI always sets it)")
    with pg_instance() as pg:
        asyncio.run(migrate(pg.url))
        with gunicorn(pg.url, workers=2) as base:
            assert httpx.get(f"{base}/api/health").status_code == 200
            pg.stop()
            down = httpx.get(f"{base}/api/health", timeout=10)
            assert down.status_code == 503
            assert down.json()["status"] == "unavailable"
            pg.start()
            deadline = time.monotonic() + 10
            status = 503
            while time.monotonic() < deadline:
                status = httpx.get(f"{base}/api/health", timeout=10).status_code
                if status == 200:
                    break
                time.sleep(0.1)
            assert status == 200


def test_alembic_cli_upgrades_concurrently_on_postgresql(pg_url: str) -> None:
    url = asyncio.run(create_pg_database())
    try:
        procs = [
            subprocess.Popen(
                [str(BIN_DIR / "alembic"), "upgrade", "head"],
                cwd=BACKEND_DIR,
                env={"DATABASE_URL": url, "PATH": str(BIN_DIR)},
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            for _ in range(4)
        ]
        outputs = [p.communicate(timeout=120)[0].decode() for p in procs]
        assert [p.returncode for p in procs] == [0, 0, 0, 0], outputs
        # Exactly one process applied the first revision; the others found it done.
        assert sum("Running upgrade  -> 0001" in o for o in outputs) == 1
    finally:
        asyncio.run(drop_pg_database(url))


def test_gunicorn_migrates_in_its_master_before_serving(pg_url: str) -> None:
    """What the container's entrypoint asks for (MIGRATE_ON_START=1): two Gunicorns started
    at once on one fresh database both serve it at the head revision, one migrating it."""
    url = asyncio.run(create_pg_database())
    try:
        with tempfile.TemporaryDirectory() as tmp:
            logs = [Path(tmp) / "a.log", Path(tmp) / "b.log"]
            env = {"MIGRATE_ON_START": "1"}
            with ExitStack() as stack:
                bases = list(
                    ThreadPoolExecutor(2).map(
                        lambda log: stack.enter_context(
                            gunicorn(url, workers=1, env=env, log_path=log)
                        ),
                        logs,
                    )
                )
                for base in bases:
                    assert httpx.get(f"{base}/api/health").json()["database"] == "ok"
            outputs = [log.read_text() for log in logs]
        assert sum("Running upgrade  -> 0001" in o for o in outputs) == 1
        heads = subprocess.run(
            [str(BIN_DIR / "alembic"), "heads"],
            cwd=BACKEND_DIR,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()[0]
        version = asyncio.run(_alembic_version(url))
        assert version == heads
    finally:
        asyncio.run(drop_pg_database(url))


def test_gunicorn_does_not_start_when_migrations_keep_failing() -> None:
    unreachable = "postgresql://postgres@127.0.0.1:9/nothing"
    proc = subprocess.run(
        [str(BIN_DIR / "gunicorn"), "main:app", "--bind", "127.0.0.1:0"],
        cwd=BACKEND_DIR,
        env={
            "PATH": str(BIN_DIR),
            "DATABASE_URL": unreachable,
            "JWT_SECRET": "server-test-secret-long-enough-0123456789abcdef",
            "WEB_CONCURRENCY": "1",
            "MIGRATE_ON_START": "1",
            "MIGRATION_ATTEMPTS": "2",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0
    assert "migrations failed 2 times; not starting" in proc.stdout + proc.stderr
    assert "Booting worker" not in proc.stdout + proc.stderr


async def _alembic_version(url: str) -> str:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return str(await conn.fetchval("SELECT version_num FROM alembic_version"))
    finally:
        await conn.close()
