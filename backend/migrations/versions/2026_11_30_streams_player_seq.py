"""streams: the player view's own sequence (what the players see changed)

Revision ID: 20261130_streams
Revises: 20261130_rules_deafened
Create Date: 2026-11-30 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '20261130_streams'
down_revision: str | None = '20261130_rules_deafened'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('encounters') as batch:
        batch.add_column(
            sa.Column('player_seq', sa.Integer(), server_default=sa.text('0'), nullable=False)
        )
        batch.add_column(sa.Column('share_seq', sa.Integer(), nullable=True))
    with op.batch_alter_table('encounter_events') as batch:
        batch.add_column(sa.Column('player_seq', sa.Integer(), nullable=True))
    # A link made before this revision starts its own sequence now.
    op.execute('UPDATE encounters SET share_seq = 0 WHERE share_token_hash IS NOT NULL')


def downgrade() -> None:
    with op.batch_alter_table('encounter_events') as batch:
        batch.drop_column('player_seq')
    with op.batch_alter_table('encounters') as batch:
        batch.drop_column('share_seq')
        batch.drop_column('player_seq')
