"""SRD stat blocks keep their qualified defences ("from nonmagical attacks", ...)

A data migration: the stored SRD 5.1 rows take the shipped data, whose plain damage
lists no longer hold the qualified types and whose ``qualified_defences`` say when
each holds. Downgrade puts the types back into the plain lists and drops the field.
Homebrew rows are left as their owners wrote them (reading one derives its
qualified defences from its notes).

Revision ID: 20261130_rules
Revises: 0003
Create Date: 2026-11-30 08:00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from app.statblocks.srd import load_srd_monsters

revision: str = '20261130_rules'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
_FIELDS = {
    'vulnerability': 'damage_vulnerabilities',
    'resistance': 'damage_resistances',
    'immunity': 'damage_immunities',
}

statblocks = sa.table('statblocks', sa.column('id', sa.String()), sa.column('data', JSON_TYPE))


def _qualified(monster: dict[str, Any]) -> bool:
    return bool(monster.get('qualified_defences'))


def _old_shape(monster: dict[str, Any]) -> dict[str, Any]:
    old = {k: v for k, v in monster.items() if k != 'qualified_defences'}
    for defence in monster['qualified_defences']:
        field = _FIELDS[defence['kind']]
        old[field] = [*old[field], *(t for t in defence['types'] if t not in old[field])]
    return old


def _write(rows: list[dict[str, Any]]) -> None:
    for monster in rows:
        op.execute(
            statblocks.update()
            .where(statblocks.c.id == f"srd-{monster['slug']}")
            .values(data=monster)
        )


def upgrade() -> None:
    _write([m for m in load_srd_monsters() if _qualified(m)])


def downgrade() -> None:
    _write([_old_shape(m) for m in load_srd_monsters() if _qualified(m)])
