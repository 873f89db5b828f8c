"""Database engine, sessions, the hot paths' driver connections (:class:`Store`) and
the declarative base.

The engine is made from a :class:`app.config.Database` (``DATABASE_URL`` interpreted
once: which database, with which async driver, through which pooler). On SQLite every
write transaction starts with ``BEGIN IMMEDIATE`` so writers serialise, foreign keys
are on and the journal is WAL.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import JSON, DateTime, MetaData, String, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator
from sqlalchemy.util import greenlet_spawn

from app.config import Database

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# JSONB on PostgreSQL, JSON text on SQLite.
JSONType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on both databases (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value  # type: ignore[no-any-return]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_id() -> str:
    return str(uuid.uuid4())


class IdMixin:
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


def create_engine(database: Database | str, *, pool: bool = True) -> AsyncEngine:
    """The engine for ``database`` (a URL is read as ``DATABASE_URL`` is). Through a
    transaction-mode pooler (PgBouncer, ``database.transaction_pooler``), which hands each
    transaction to whichever server connection is free, a prepared statement must not
    outlive its transaction: asyncpg's statement cache and SQLAlchemy's are off, and the
    statements SQLAlchemy still prepares (it needs their result types) get unique names,
    so two clients' statements never collide on one server connection."""
    if isinstance(database, str):
        database = Database.parse(database)
    url = database.url
    if database.kind == "sqlite":
        engine = create_async_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
        _configure_sqlite(engine)
        return engine
    # hide_parameters: a failed statement's values (emails, hashes) stay out of logs.
    # No pre-ping: it would cost every request a round trip. A connection lost to a
    # database restart fails its request once (503, see app.errors) and invalidates
    # the pool, so the next checkout reconnects.
    kwargs: dict[str, Any] = {
        "hide_parameters": True,
        "connect_args": {"timeout": 5, **_loopback_ssl(url)},
    }
    if database.transaction_pooler:
        kwargs["connect_args"].update(
            statement_cache_size=0,
            prepared_statement_cache_size=0,
            prepared_statement_name_func=_statement_name,
        )
    if pool:
        # Every connection a worker may use is kept open once opened: no overflow. An
        # overflow connection is opened for one checkout and closed when returned, so a
        # worker busier than its pool paid a new PostgreSQL connection (a backend
        # process forked, authenticated, introspected) for most requests: with 15 kept
        # and 5 more, bench/http_bench.py's reads ran at 3,233 req/s, with 20 kept and
        # none more at 4,139 (the bare app: 6,313). At most 20 per worker: three
        # workers, 60, plus their LISTEN connections, fit PostgreSQL's default
        # max_connections of 100 with room for migrations and psql (not a second
        # instance at full load: see "Past one machine"); past that, requests wait for
        # a connection (pool_timeout) rather than open more on a machine with no cores
        # left to serve them.
        kwargs.update(
            pool_size=POOL_SIZE, max_overflow=MAX_OVERFLOW, pool_timeout=10, pool_recycle=1800
        )
    else:
        kwargs["poolclass"] = NullPool
    return create_async_engine(url, **kwargs)


POOL_SIZE = 20
MAX_OVERFLOW = 0
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


def _loopback_ssl(url: URL) -> dict[str, Any]:
    """No TLS negotiation with a server on this machine (``ssl=False``), unless the
    URL asks for some (``sslmode``/``ssl``): asyncpg's default, "prefer", builds an SSL
    context (loading the system's CA certificates) for every new connection, then asks
    the server, which on loopback is CPU spent for nothing."""
    host = url.host or ""
    if "ssl" in url.query or not (host in _LOOPBACK or host.startswith("/")):
        return {}
    return {"ssl": False}


def _statement_name() -> str:
    return f"__it_{uuid.uuid4().hex}__"


def read_engine(engine: AsyncEngine, *, transaction_pooler: bool = False) -> AsyncEngine:
    """The engine for read-only requests: autocommit, which saves the BEGIN/COMMIT round
    trips. Not behind a transaction-mode pooler: there a statement prepared outside a
    transaction may be executed on another server connection, so reads keep theirs."""
    if transaction_pooler:
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def _configure_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if ":memory:" not in str(engine.url):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front: two actions never interleave.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


class Store:
    """How the hot paths (an encounter read, a combat action) reach the database.

    On PostgreSQL (``driver_ready``) :meth:`driver` lends the driver's own (asyncpg)
    connection, checked out of the engine's pool: the statements run as asyncpg prepares
    and caches them, with no ORM session and no SQLAlchemy execution around them, which
    cost more CPU than the statements. SQLAlchemy still pools (one pool for every
    route), and the driver's errors reach the error handlers as SQLAlchemy's would
    (:func:`_as_dbapi_error`). Elsewhere (SQLite) :meth:`unit` gives a session, as
    every other route has."""

    __slots__ = (
        "driver_ready",
        "engine",
        "read_sessionmaker",
        "sessionmaker",
        "transaction_pooler",
    )

    def __init__(
        self,
        engine: AsyncEngine,
        sessionmaker: async_sessionmaker[AsyncSession],
        read_sessionmaker: async_sessionmaker[AsyncSession],
        *,
        transaction_pooler: bool = False,
    ) -> None:
        self.engine = engine
        self.sessionmaker = sessionmaker
        self.read_sessionmaker = read_sessionmaker
        self.transaction_pooler = transaction_pooler
        self.driver_ready = engine.dialect.name == "postgresql"

    @asynccontextmanager
    async def unit(self, *, read: bool = False) -> AsyncIterator[AsyncSession]:
        """A session whose transaction commits when the block ends and rolls back when
        it raises (every request's session is one: :func:`app.deps.get_session`); ``read``: the
        read-only requests' sessionmaker."""
        maker = self.read_sessionmaker if read else self.sessionmaker
        async with maker() as session:
            try:
                yield session
            except BaseException:
                await session.rollback()
                raise
            else:
                await session.commit()

    @asynccontextmanager
    async def driver(self, *, transaction: bool) -> AsyncIterator[Any]:
        """The asyncpg connection of one pooled connection, for the block. With
        ``transaction`` the block is one transaction (committed when it ends, rolled back
        when it raises); without, each statement commits on its own. Through a
        transaction-mode pooler every block is a transaction: asyncpg prepares a statement
        (unnamed there, its cache being off) and runs it in two exchanges, which the
        pooler keeps on one server connection only inside a transaction.

        A connection that failed (lost, the server shutting down, the request cancelled
        mid-statement) is not given back to the pool but closed."""
        try:
            pooled = await self.engine.raw_connection()
        except self.engine.dialect.loaded_dbapi.Error as exc:
            # Refused (too many clients, shutting down...): as SQLAlchemy raises it.
            raise DBAPIError.instance(
                None, None, exc, self.engine.dialect.loaded_dbapi.Error, dialect=self.engine.dialect
            ) from exc
        conn: Any = pooled.driver_connection
        returned = False  # to the pool, or closed (invalidated)
        try:
            if transaction or self.transaction_pooler:
                async with conn.transaction():
                    yield conn
            else:
                yield conn
        except _DRIVER_ERRORS as exc:
            broken = _broken(exc)
            if broken:
                returned = True
                await greenlet_spawn(pooled.invalidate, exc)
            raise _as_dbapi_error(exc, broken) from exc
        except asyncio.CancelledError:
            # Cancelled mid-statement (the client went away), maybe mid-transaction.
            returned = True
            await greenlet_spawn(pooled.invalidate)
            raise
        finally:
            if not returned:
                # Back to the pool.
                await greenlet_spawn(pooled.close)


# What the driver raises: the server's errors, its own interface errors, its protocol
# found out of step (InternalClientError: e.g. an error the server sent as it shut down,
# still being consumed when the next statement came), the socket's errors.
_DRIVER_ERRORS = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    OSError,
)

# SQLSTATE classes after which the connection is gone or going: 08 connection exception,
# 57 operator intervention (shutting down, terminated by an administrator).
_BROKEN_CLASSES = frozenset({"08", "57"})


def _broken(exc: BaseException) -> bool:
    if isinstance(exc, asyncpg.PostgresError):
        return str(getattr(exc, "sqlstate", "") or "")[:2] in _BROKEN_CLASSES
    return True  # the driver's interface and protocol errors, the socket's


def _as_dbapi_error(exc: BaseException, broken: bool) -> DBAPIError:
    """The driver's error as SQLAlchemy raises it, for app.problems' handler: a lost
    connection is an OperationalError (503, retry); a statement's own error keeps its
    SQLSTATE (``orig.sqlstate``), which decides between 503 and 500 there."""
    if broken:
        return OperationalError(None, None, exc, connection_invalidated=True)
    return DBAPIError(None, None, exc)
