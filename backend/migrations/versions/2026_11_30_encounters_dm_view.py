"""encounters: the DM's view of the state, stored as it was answered

Revision ID: 20261130_dm_view
Revises: 20261130_console_settings
Create Date: 2026-11-30 18:00:00

``dm_view`` is the JSON document ``GET /api/encounters/{id}`` answers, written by
the action that wrote the state; ``dm_view_version`` the version it was written for,
``dm_view_format`` the format it was rendered in. A read uses it only while that is
still the encounter's version and the running code's format (a row written any other
way, or before this revision, is reshaped from its state as before).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '20261130_dm_view'
down_revision: str | None = '20261130_console_settings'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('encounters') as batch:
        batch.add_column(sa.Column('dm_view', sa.Text(), nullable=True))
        batch.add_column(sa.Column('dm_view_version', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('dm_view_format', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('encounters') as batch:
        batch.drop_column('dm_view_format')
        batch.drop_column('dm_view_version')
        batch.drop_column('dm_view')
