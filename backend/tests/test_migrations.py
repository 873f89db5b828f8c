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


async def test_srd_rows_migrate_to_qualified_defences_and_back(tmp_path: object) -> None:
    """A database migrated before qualified defences (the plain lists held every type,
    six monsters lacked "deafened") gets the shipped data, and downgrade restores it."""
    import json
    import sqlite3

    from alembic import command

    from tests.conftest import alembic_config

    path = f"{tmp_path}/srd.db"
    cfg = alembic_config(f"sqlite:///{path}")

    def row(slug: str) -> dict[str, object]:
        with sqlite3.connect(path) as db:
            (data,) = db.execute("SELECT data FROM statblocks WHERE id = ?", (f"srd-{slug}",))
            loaded: dict[str, object] = json.loads(data[0])
            return loaded

    await asyncio.to_thread(command.upgrade, cfg, "head")
    shipped = row("iron-golem"), row("shrieker")
    await asyncio.to_thread(command.downgrade, cfg, "0003")
    golem, shrieker = row("iron-golem"), row("shrieker")
    assert "qualified_defences" not in golem
    assert golem["damage_immunities"] == [
        *("fire", "poison", "psychic", "bludgeoning", "piercing", "slashing")
    ]
    assert shrieker["condition_immunities"] == ["blinded", "frightened"]
    await asyncio.to_thread(command.upgrade, cfg, "head")
    assert (row("iron-golem"), row("shrieker")) == shipped
