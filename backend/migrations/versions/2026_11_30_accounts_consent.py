"""co-DM invitations (consent before membership) and homebrew shared per campaign

Revision ID: 20261130_accounts_consent
Revises: 20261130_accounts_throttle
Create Date: 2026-11-30 08:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '20261130_accounts_consent'
down_revision: str | None = '20261130_accounts_throttle'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('campaign_invitations',
    sa.Column('campaign_id', sa.String(length=36), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_invitations_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_invitations')),
    sa.UniqueConstraint('campaign_id', 'email', name=op.f('uq_campaign_invitations_campaign_id'))
    )
    with op.batch_alter_table('campaign_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_invitations_email'), ['email'], unique=False)

    op.create_table('statblock_shares',
    sa.Column('campaign_id', sa.String(length=36), nullable=False),
    sa.Column('statblock_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_statblock_shares_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['statblock_id'], ['statblocks.id'], name=op.f('fk_statblock_shares_statblock_id_statblocks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('campaign_id', 'statblock_id', name=op.f('pk_statblock_shares'))
    )
    with op.batch_alter_table('statblock_shares', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statblock_shares_statblock_id'), ['statblock_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('statblock_shares', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statblock_shares_statblock_id'))
    op.drop_table('statblock_shares')
    with op.batch_alter_table('campaign_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_invitations_email'))
    op.drop_table('campaign_invitations')
