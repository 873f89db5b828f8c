"""Alembic environment: async engines from DATABASE_URL, and on PostgreSQL an
advisory lock so several containers starting at once migrate one at a time."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.config import Database, get_settings
from app.db import create_engine
from app.models import Base
from app.observability.logging import configure_logging

# An arbitrary constant shared by every process migrating this database.
MIGRATION_LOCK_ID = 7_245_113_901

config = context.config
if not config.attributes.get("skip_logging"):
    # The same one-JSON-object-per-line logs as the service (the container runs
    # migrations right before it).
    configure_logging(get_settings().log_level)

target_metadata = Base.metadata


def _database() -> Database:
    # The direct connection when there is one: the advisory lock below needs a session,
    # which a transaction-mode pooler does not keep.
    given = config.attributes.get("database_url")
    return (Database.parse(str(given)) if given else get_settings().database).direct()


def run_migrations_offline() -> None:
    context.configure(
        url=_database().url.render_as_string(hide_password=False),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    is_postgres = connection.dialect.name == "postgresql"
    if is_postgres:
        # Session-level lock, held until this connection closes: a second
        # migrator waits here, then finds nothing left to do.
        connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": MIGRATION_LOCK_ID})
        connection.commit()
    try:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=not is_postgres,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
    finally:
        if is_postgres:
            connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": MIGRATION_LOCK_ID})
            connection.commit()


async def run_migrations_online() -> None:
    engine = create_engine(_database(), pool=False)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
