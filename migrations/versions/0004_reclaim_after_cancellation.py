"""reclaim after cancellation

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 02:06:48.455774

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('redemptions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_redemptions_user_reward'), type_='unique')
        batch_op.create_index('uq_redemptions_user_reward_open', ['user_id', 'reward_id'], unique=True, postgresql_where=sa.text("status <> 'cancelled'"), sqlite_where=sa.text("status <> 'cancelled'"))



def downgrade():
    with op.batch_alter_table('redemptions', schema=None) as batch_op:
        batch_op.drop_index('uq_redemptions_user_reward_open', postgresql_where=sa.text("status <> 'cancelled'"), sqlite_where=sa.text("status <> 'cancelled'"))
        batch_op.create_unique_constraint(batch_op.f('uq_redemptions_user_reward'), ['user_id', 'reward_id'])

