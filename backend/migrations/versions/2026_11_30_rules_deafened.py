"""SRD stat blocks: "deafened" back among six monsters' condition immunities

The SRD source listed "blinded" twice where the SRD prints "blinded, ... deafened"
(Flying Sword, Ochre Jelly, Rug of Smothering, Shambling Mound, Shrieker, Violet
Fungus); the shipped data now corrects it. A data migration for the stored SRD rows;
downgrade takes "deafened" out again.

Revision ID: 20261130_rules_deafened
Revises: 20261130_rules
Create Date: 2026-11-30 08:40:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from app.statblocks.srd import load_srd_monsters

revision: str = '20261130_rules_deafened'
down_revision: str | None = '20261130_rules'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
CORRECTED = (
    'flying-sword',
    'ochre-jelly',
    'rug-of-smothering',
    'shambling-mound',
    'shrieker',
    'violet-fungus',
)

statblocks = sa.table('statblocks', sa.column('id', sa.String()), sa.column('data', JSON_TYPE))


def _write(rows: list[dict[str, Any]]) -> None:
    for monster in rows:
        op.execute(
            statblocks.update()
            .where(statblocks.c.id == f"srd-{monster['slug']}")
            .values(data=monster)
        )


def _corrected() -> list[dict[str, Any]]:
    return [m for m in load_srd_monsters() if m['slug'] in CORRECTED]


def upgrade() -> None:
    _write(_corrected())


def downgrade() -> None:
    _write([
        {**m, 'condition_immunities': [c for c in m['condition_immunities'] if c != 'deafened']}
        for m in _corrected()
    ])
