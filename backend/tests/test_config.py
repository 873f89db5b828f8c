"""Production refuses an unsafe configuration at start-up with one clear line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from app.config import ConfigError, Database, Settings
from tests.servers import BACKEND_DIR, BIN_DIR, gunicorn_instance

GOOD_SECRET = "x" * 40


def test_the_database_url_is_read_once_into_one_value() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url="postgres://u:p@db:5432/it?sslmode=require",
        database_listen_url="postgresql://u:p@direct:5432/it",
        database_pooler="transaction",
    )
    database = settings.database
    assert database.kind == "postgresql" and database.transaction_pooler
    assert database.url.drivername == "postgresql+asyncpg"
    assert dict(database.url.query) == {"ssl": "require"}
    assert database.direct_url.host == "direct"
    assert database.listen_dsn == "postgresql://u:p@direct:5432/it"
    assert "p@" not in repr(database)  # the password stays out of logs
    direct = database.direct()
    assert direct.url.host == "direct" and not direct.transaction_pooler
    sqlite = Database.parse("sqlite:///./x.db", transaction_pooler=True)
    assert (sqlite.kind, sqlite.url.drivername) == ("sqlite", "sqlite+aiosqlite")
    assert sqlite.listen_dsn is None and not sqlite.transaction_pooler
    assert Database.parse("postgresql://u@h/d?ssl=require").listen_dsn == (
        "postgresql://u@h/d?sslmode=require"
    )


@pytest.mark.parametrize("url", ["mysql://u@h/d", "not a url"])
def test_a_database_url_that_is_neither_database_is_refused(url: str) -> None:
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        Database.parse(url)


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({}, "JWT_SECRET"),
        ({"JWT_SECRET": "short-secret"}, "JWT_SECRET"),
        ({"JWT_SECRET": "your-secret-key"}, "JWT_SECRET"),
    ],
)
def test_production_checks(env: dict[str, str], names: str) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        environment="production",
        database_url="sqlite:///./x.db",
        **{k.lower(): v for k, v in env.items()},
    )
    with pytest.raises(ConfigError, match=names):
        settings.check_production()


@pytest.mark.parametrize(
    ("database_url", "web_concurrency", "workers"),
    [
        ("sqlite:///./x.db", None, 1),
        ("postgresql://u@h/db", None, 3),
        ("sqlite:///./x.db", 1, 1),
        ("postgresql://u@h/db", 5, 5),
    ],
)
def test_the_worker_count_defaults_to_one_on_sqlite(
    database_url: str, web_concurrency: int | None, workers: int
) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        web_concurrency=web_concurrency,
    )
    assert settings.workers == workers


def test_production_refuses_sqlite_in_several_workers() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        environment="production",
        database_url="sqlite:///./x.db",
        jwt_secret=GOOD_SECRET,
    )
    settings.check_workers(1)
    with pytest.raises(ConfigError, match="WEB_CONCURRENCY"):
        settings.check_workers(3)


def test_production_accepts_a_safe_setup() -> None:
    Settings(
        _env_file=None,  # type: ignore[call-arg]
        environment="production",
        database_url="postgresql://u@h/db",
        jwt_secret=GOOD_SECRET,
        web_concurrency=3,
    ).check_production()


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"JWT_SECRET", "WEB_CONCURRENCY"}}
    env.update(extra)
    return env


@pytest.mark.parametrize("command", ["gunicorn", "import"])
def test_unsafe_production_stops_startup(command: str, tmp_path: object) -> None:
    env = _clean_env(ENVIRONMENT="production", DATABASE_URL=f"sqlite:///{tmp_path}/p.db")
    argv = (
        [str(BIN_DIR / "gunicorn"), "main:app", "--bind", "127.0.0.1:0"]
        if command == "gunicorn"
        else [sys.executable, "-c", "import main"]
    )
    proc = subprocess.run(argv, cwd=BACKEND_DIR, env=env, capture_output=True, timeout=60)
    assert proc.returncode != 0
    lines = [line for line in proc.stderr.decode().splitlines() if line.strip()]
    assert lines == [lines[0]] and "JWT_SECRET" in lines[0], proc.stderr.decode()


def test_production_on_sqlite_starts_one_worker_by_default(tmp_path: Path) -> None:
    """`ENVIRONMENT=production DATABASE_URL=sqlite:///... gunicorn main:app`, no
    WEB_CONCURRENCY: it used to stop ("SQLite needs WEB_CONCURRENCY=1") because the
    import-time check assumed 3 workers while gunicorn.conf.py started 1."""
    with gunicorn_instance(
        f"sqlite:///{tmp_path}/p.db",
        workers=None,
        env={"ENVIRONMENT": "production", "JWT_SECRET": GOOD_SECRET},
    ) as server:
        assert httpx.get(f"{server.base}/api/health").status_code == 200
        assert len(server.worker_pids()) == 1


@pytest.mark.parametrize(
    ("extra_env", "argv"),
    [({"WEB_CONCURRENCY": "3"}, []), ({}, ["-w", "2"])],
    ids=["WEB_CONCURRENCY=3", "-w 2"],
)
def test_production_on_sqlite_refuses_several_workers(
    extra_env: dict[str, str], argv: list[str], tmp_path: Path
) -> None:
    env = _clean_env(
        ENVIRONMENT="production",
        JWT_SECRET=GOOD_SECRET,
        DATABASE_URL=f"sqlite:///{tmp_path}/p.db",
        **extra_env,
    )
    proc = subprocess.run(
        [str(BIN_DIR / "gunicorn"), "main:app", "--bind", "127.0.0.1:0", *argv],
        cwd=BACKEND_DIR,
        env=env,
        capture_output=True,
        timeout=60,
    )
    assert proc.returncode != 0
    errors = [line for line in proc.stderr.decode().splitlines() if "configuration" in line]
    assert len(errors) == 1 and "WEB_CONCURRENCY" in errors[0], proc.stderr.decode()
