"""statblocks: the monster library, with the 334 SRD 5.1 monsters

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 13:44:59.834751
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from app.statblocks.srd import load_srd_monsters

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('statblocks',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('owner_id', sa.String(length=36), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_lower', sa.String(length=200), nullable=False),
    sa.Column('challenge_rating', sa.Float(), nullable=False),
    sa.Column('type', sa.String(length=60), nullable=False),
    sa.Column('size', sa.String(length=10), nullable=False),
    sa.Column('xp', sa.Integer(), nullable=False),
    sa.Column('data', JSON_TYPE, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_statblocks_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statblocks'))
    )
    with op.batch_alter_table('statblocks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statblocks_challenge_rating'), ['challenge_rating'], unique=False)
        batch_op.create_index(batch_op.f('ix_statblocks_owner_id'), ['owner_id'], unique=False)
        # Search reads only this index (covering), never the wide rows.
        batch_op.create_index('ix_statblocks_search', ['name_lower', 'source', 'owner_id', 'challenge_rating', 'type', 'size', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_statblocks_size'), ['size'], unique=False)
        batch_op.create_index(batch_op.f('ix_statblocks_type'), ['type'], unique=False)

    # The SRD monsters ship as rows of their own, with ids from their slugs.
    statblocks = sa.table(
        'statblocks',
        sa.column('id', sa.String()),
        sa.column('source', sa.String()),
        sa.column('owner_id', sa.String()),
        sa.column('name', sa.String()),
        sa.column('name_lower', sa.String()),
        sa.column('challenge_rating', sa.Float()),
        sa.column('type', sa.String()),
        sa.column('size', sa.String()),
        sa.column('xp', sa.Integer()),
        sa.column('data', JSON_TYPE),
        sa.column('created_at', sa.DateTime(timezone=True)),
        sa.column('updated_at', sa.DateTime(timezone=True)),
    )
    now = dt.datetime.now(dt.UTC)
    op.bulk_insert(statblocks, [
        {
            'id': f"srd-{monster['slug']}",
            'source': 'srd',
            'owner_id': None,
            'name': monster['name'],
            'name_lower': monster['name'].lower(),
            'challenge_rating': float(monster['challenge_rating']),
            'type': monster['type'].lower(),
            'size': monster['size'],
            'xp': monster['xp'],
            'data': monster,
            'created_at': now,
            'updated_at': now,
        }
        for monster in load_srd_monsters()
    ])


def downgrade() -> None:
    with op.batch_alter_table('statblocks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statblocks_type'))
        batch_op.drop_index(batch_op.f('ix_statblocks_size'))
        batch_op.drop_index(batch_op.f('ix_statblocks_owner_id'))
        batch_op.drop_index('ix_statblocks_search')
        batch_op.drop_index(batch_op.f('ix_statblocks_challenge_rating'))

    op.drop_table('statblocks')
