"""The models and the migrations describe the same schema, on every backend."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from app.db import create_engine
from app.models import Base


async def test_models_match_migrations(database_url: str) -> None:
    engine = create_engine(database_url, pool=False)

    def diff(conn: Connection) -> list[object]:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(ctx, Base.metadata))

    try:
        async with engine.connect() as conn:
            differences = await conn.run_sync(diff)
    finally:
        await engine.dispose()
    assert differences == []


async def test_migrations_downgrade_and_upgrade_again(tmp_path: object) -> None:
    from alembic import command

    from tests.conftest import alembic_config

    url = f"sqlite:///{tmp_path}/roundtrip.db"
    cfg = alembic_config(url)
    await asyncio.to_thread(command.upgrade, cfg, "head")
    await asyncio.to_thread(command.downgrade, cfg, "base")
    await asyncio.to_thread(command.upgrade, cfg, "head")
