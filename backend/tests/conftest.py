"""Test fixtures: the app on every database the machine offers.

The suite always runs on SQLite (a fresh file per session) and, when
``TEST_DATABASE_URL`` points at a PostgreSQL server, also on a database of its
own created there and dropped afterwards. Both are built by the Alembic
migrations, exactly as production is. Tests isolate themselves by creating
their own users and campaigns (random emails), never relying on leftovers.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.config import Settings
from app.db import create_engine
from app.main import create_app
from tests import pgbouncer
from tests.servers import METRICS_TOKEN

BACKEND_DIR = Path(__file__).resolve().parent.parent
TEST_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"
METRICS_HEADERS = {"Authorization": f"Bearer {METRICS_TOKEN}"}
PG_URL = os.environ.get("TEST_DATABASE_URL")

# With TEST_PGBOUNCER=1 (scripts/test.sh --pgbouncer) the suite runs on PostgreSQL only,
# every app it starts reaching the database through a transaction-mode PgBouncer
# (tests/pgbouncer.py) and LISTENing directly.
if pgbouncer.ENABLED and not PG_URL:
    raise RuntimeError("TEST_PGBOUNCER=1 needs TEST_DATABASE_URL")
BACKENDS = ["postgresql"] if pgbouncer.ENABLED else ["sqlite"] + (["postgresql"] if PG_URL else [])


def alembic_config(database_url: str) -> Config:
    cfg = Config(str(BACKEND_DIR / "alembic.ini"))
    cfg.set_main_option("script_location", str(BACKEND_DIR / "migrations"))
    cfg.attributes["database_url"] = database_url
    cfg.attributes["skip_logging"] = True
    return cfg


async def migrate(database_url: str) -> None:
    # env.py runs its own event loop, so it runs in a thread of its own.
    await asyncio.to_thread(command.upgrade, alembic_config(database_url), "head")


async def create_pg_database(prefix: str = "it_test") -> str:
    """A fresh database on TEST_DATABASE_URL's server; returns its URL."""
    assert PG_URL
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, pool=False)
    async with admin.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


async def drop_pg_database(url: str) -> None:
    assert PG_URL
    name = make_url(url).database
    admin = create_engine(PG_URL, pool=False)
    async with admin.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


@pytest.fixture(scope="session", autouse=True)
def _stop_shared_pgbouncer() -> Iterator[None]:
    yield
    pgbouncer.stop_shared()


@pytest.fixture(scope="session")
def tmp_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("initiative")


@pytest.fixture(scope="session", params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_dir: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_dir / 'test.db'}"
        await migrate(url)
        yield url
        return
    url = await create_pg_database()
    try:
        await migrate(url)
        yield url
    finally:
        await drop_pg_database(url)


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": "test",
        **{k.lower(): v for k, v in pgbouncer.app_database_env(database_url).items()},
        "jwt_secret": TEST_SECRET,
        "cors_origins": ["https://table.example"],
        "login_attempts": 5,
        "login_window_seconds": 60,
        "metrics_token": METRICS_TOKEN,
        # Tests share addresses (see `client`) and register many users each.
        "register_attempts": 1_000_000,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
async def app(database_url: str) -> AsyncIterator[Any]:
    application = create_app(make_settings(database_url))
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(f"10.{uuid.uuid4().int % 250}.0.1", 1234))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


def unique_email() -> str:
    return f"dm-{uuid.uuid4().hex[:12]}@example.com"


async def register(
    client: httpx.AsyncClient, email: str | None = None, password: str = "correct horse battery"
) -> dict[str, str]:
    """Register a user and return Authorization headers for them."""
    email = email or unique_email()
    r = await client.post("/api/auth/register", json={"email": email, "password": password})
    assert r.status_code == 202, r.text
    r = await client.post("/api/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.fixture
async def dm(client: httpx.AsyncClient) -> dict[str, str]:
    return await register(client)


@pytest.fixture
async def campaign(client: httpx.AsyncClient, dm: dict[str, str]) -> dict[str, Any]:
    r = await client.post("/api/campaigns", json={"name": "Curse of Strahd"}, headers=dm)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].startswith("https://")
    assert body["title"]
    return body


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set (CI always sets it)")
    yield PG_URL


@pytest.fixture
async def migrated_pg_database(pg_url: str) -> AsyncIterator[str]:
    """A fresh PostgreSQL database at the newest revision, dropped after the test: for
    tests that run real servers (Gunicorn) on it."""
    url = await create_pg_database("it_servers")
    try:
        await migrate(url)
        yield url
    finally:
        await drop_pg_database(url)
