"""Settings, read once from the environment (and a `.env` file in development).

Nothing else in the service reads ``os.environ``. :func:`get_settings` is cached;
:meth:`Settings.check_production` is called at start-up and stops the process
with one clear line when the configuration is unsafe for production.

``DATABASE_URL`` (with ``DATABASE_LISTEN_URL`` and ``DATABASE_POOLER``) is interpreted
here only, into one :class:`Database` (:attr:`Settings.database`) that the engine
(:func:`app.db.create_engine`), the realtime hub's LISTEN connection and the
migrations are given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

DEV_JWT_SECRET = "dev-only-insecure-secret-change-me-0123456789"  # noqa: S105 (development default)
# Secrets copied from documentation and examples; refused in production.
EXAMPLE_SECRETS = frozenset(
    {
        DEV_JWT_SECRET,
        "your-secret-key",
        "dev_secret",
        "dev_secret_key",
        "change-me",
        "changeme",
        "secret",
        "replace-me-with-at-least-32-random-bytes",
    }
)
MIN_SECRET_BYTES = 32
MIN_TOKEN_BYTES = 24
DEFAULT_WORKERS = 3


class ConfigError(Exception):
    """A setting that makes the service unsafe or unable to start."""


DatabaseKind = Literal["sqlite", "postgresql"]


@dataclass(frozen=True, slots=True)
class Database:
    """The database, as ``DATABASE_URL`` names it, interpreted once.

    ``DATABASE_URL`` is written the usual way (``postgresql://...``, ``postgres://...``
    or ``sqlite:///...``); ``url`` is the same with SQLAlchemy's async driver (asyncpg,
    aiosqlite; libpq's ``sslmode``, which Azure's connection strings carry, spelt as
    asyncpg's ``ssl``). ``direct_url`` is a session-capable connection to the same
    database (``DATABASE_LISTEN_URL``, else ``url``), for what a transaction-mode
    pooler cannot carry: the migrations' advisory lock, and each worker's LISTEN
    connection, which asyncpg opens with ``listen_dsn`` (PostgreSQL only).
    """

    kind: DatabaseKind
    url: URL
    direct_url: URL
    listen_dsn: str | None = field(default=None, repr=False)  # holds the password
    transaction_pooler: bool = False  # DATABASE_POOLER=transaction

    @classmethod
    def parse(
        cls,
        database_url: str,
        *,
        listen_url: str | None = None,
        transaction_pooler: bool = False,
    ) -> Database:
        """:class:`ConfigError` names the variable when a URL is neither database."""
        url = _async_url(database_url, "DATABASE_URL")
        kind: DatabaseKind = "sqlite" if url.get_backend_name() == "sqlite" else "postgresql"
        direct = url if listen_url is None else _async_url(listen_url, "DATABASE_LISTEN_URL")
        return cls(
            kind=kind,
            url=url,
            direct_url=direct,
            listen_dsn=_asyncpg_dsn(direct) if kind == "postgresql" else None,
            transaction_pooler=transaction_pooler and kind == "postgresql",
        )

    def direct(self) -> Database:
        """The same database over its session-capable connection, not the pooler's."""
        return Database(self.kind, self.direct_url, self.direct_url, self.listen_dsn)


def _url(database_url: str, variable: str) -> URL:
    try:
        return make_url(database_url.replace("postgres://", "postgresql://", 1))
    except ArgumentError as exc:
        raise ConfigError(f"{variable} is not a database URL") from exc


def _async_url(database_url: str, variable: str) -> URL:
    url = _url(database_url, variable)
    backend = url.get_backend_name()
    if backend == "postgresql":
        query = dict(url.query)
        # libpq's sslmode (Azure's connection strings carry it) is asyncpg's ssl.
        sslmode = query.pop("sslmode", None)
        if sslmode is not None and "ssl" not in query:
            query["ssl"] = sslmode
        return url.set(drivername="postgresql+asyncpg", query=query)
    if backend == "sqlite":
        return url.set(drivername="sqlite+aiosqlite")
    raise ConfigError(f"{variable} must be postgresql:// or sqlite:///, not {backend}://")


def _asyncpg_dsn(url: URL) -> str:
    """A libpq-style DSN for asyncpg (any driver suffix dropped, SQLAlchemy's ``ssl=``
    spelt as libpq's ``sslmode=``, which asyncpg understands)."""
    query = dict(url.query)
    ssl = query.pop("ssl", None)
    if ssl is not None and "sslmode" not in query:
        query["sslmode"] = ssl
    return url.set(drivername="postgresql", query=query).render_as_string(hide_password=False)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    database_url: str = "sqlite:///./initiative.db"
    # A session-capable connection to the same database, for what a transaction-mode
    # pooler cannot carry: each worker's LISTEN connection and the migrations' advisory
    # lock. Unset: DATABASE_URL.
    database_listen_url: str | None = None
    # "transaction": DATABASE_URL goes through a transaction-mode pooler (PgBouncer, as
    # Azure's built-in one runs), so no prepared statement outlives its transaction.
    database_pooler: Literal["none", "transaction"] = "none"
    # Live updates fan out over Redis pub/sub (published after commit) instead of
    # PostgreSQL NOTIFY. Unset or empty: NOTIFY (PostgreSQL) or in-process (SQLite).
    redis_url: str | None = None
    jwt_secret: str = DEV_JWT_SECRET
    jwt_expires_minutes: int = Field(default=12 * 60, ge=1, le=30 * 24 * 60)
    cors_origins: Annotated[list[str], NoDecode] = []
    # Gunicorn workers; unset means 3, or 1 on SQLite (see :attr:`workers`).
    web_concurrency: int | None = Field(default=None, ge=1, le=64)
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    # Login throttling (app/auth/throttle.py; README, Operations): verified attempts
    # per window for an account-and-address pair, failures from one address, and
    # failures against one account beyond which only clean pairs are verified.
    login_attempts: int = Field(default=10, ge=1, le=1_000_000)
    login_address_attempts: int = Field(default=100, ge=1, le=1_000_000)
    login_account_attempts: int = Field(default=50, ge=1, le=1_000_000)
    login_window_seconds: int = Field(default=60, ge=1, le=7 * 24 * 3600)
    # Registrations per client address per window.
    register_attempts: int = Field(default=10, ge=1, le=1_000_000)
    register_window_seconds: int = Field(default=3600, ge=1, le=7 * 24 * 3600)
    # The bearer token Prometheus (or Azure Monitor's agent) sends to scrape
    # /api/metrics. Unset: the endpoint is off (404).
    metrics_token: str | None = Field(default=None, min_length=1, max_length=512)
    # What a client may send (README, "Limits"): request bodies, and WebSocket messages
    # in size and in rate (a token bucket per socket: a burst, then so many a second).
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    max_import_body_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    ws_max_message_bytes: int = Field(default=8 * 1024, ge=256)
    ws_messages_per_second: float = Field(default=2.0, gt=0)
    ws_message_burst: int = Field(default=10, ge=1)

    @field_validator("metrics_token", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [o.strip().rstrip("/") for o in value.split(",") if o.strip()]
        return value

    @field_validator("redis_url", "database_listen_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @property
    def database(self) -> Database:
        """``DATABASE_URL``, ``DATABASE_LISTEN_URL`` and ``DATABASE_POOLER`` as one value."""
        return Database.parse(
            self.database_url,
            listen_url=self.database_listen_url,
            transaction_pooler=self.database_pooler == "transaction",
        )

    @property
    def is_sqlite(self) -> bool:
        return self.database.kind == "sqlite"

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def workers(self) -> int:
        """The Gunicorn worker count: ``WEB_CONCURRENCY``, else 3, or 1 on SQLite
        (whose live view fans out in one process). The one place this default lives."""
        if self.web_concurrency is not None:
            return self.web_concurrency
        return 1 if self.is_sqlite else DEFAULT_WORKERS

    def check_production(self) -> None:
        """Raise ConfigError naming the variable if production would be unsafe."""
        if not self.is_production:
            return
        secret = self.jwt_secret
        if not secret or secret in EXAMPLE_SECRETS:
            raise ConfigError(
                "JWT_SECRET is missing or an example value; set a random secret "
                f"of at least {MIN_SECRET_BYTES} bytes"
            )
        if len(secret.encode()) < MIN_SECRET_BYTES:
            raise ConfigError(
                f"JWT_SECRET is too short ({len(secret.encode())} bytes); "
                f"use at least {MIN_SECRET_BYTES} random bytes"
            )
        if self.metrics_token is not None and len(self.metrics_token.encode()) < MIN_TOKEN_BYTES:
            raise ConfigError(
                f"METRICS_TOKEN is too short ({len(self.metrics_token.encode())} bytes); "
                f"use at least {MIN_TOKEN_BYTES} random bytes, or leave it unset to turn "
                "/api/metrics off"
            )

    def check_workers(self, workers: int) -> None:
        """Raise ConfigError if production would run SQLite in several processes.
        ``workers`` is the count the server really starts (gunicorn.conf.py passes
        Gunicorn's, command-line ``-w`` included); a single process (``uvicorn main:app``,
        the tests) never needs this check."""
        if self.is_production and self.is_sqlite and workers > 1:
            raise ConfigError(
                f"DATABASE_URL is SQLite but {workers} workers would start; SQLite needs "
                "one worker (unset WEB_CONCURRENCY or set it to 1, or use PostgreSQL)"
            )


@lru_cache
def get_settings() -> Settings:
    return Settings()
