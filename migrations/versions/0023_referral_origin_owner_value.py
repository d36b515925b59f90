"""referrals: origin, the ask that led to it, an owner in sales, expected and won deal value

Revision ID: 0023_referral_origin_owner_value
Revises: 0022_feedback
Create Date: 2026-12-01 21:05:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0023_referral_origin_owner_value'
down_revision = '0022_feedback'
branch_labels = None
depends_on = None

ORIGINS = ('asked', 'proactive', 'received', 'share', 'linkedin')


def upgrade():
    with op.batch_alter_table('referees', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin', sa.String(length=10), server_default='proactive', nullable=False))
        batch_op.add_column(sa.Column('ask_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('owner_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('currency', sa.String(length=3), server_default='EUR', nullable=False))
        batch_op.add_column(sa.Column('expected_value_cents', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('deal_value_cents', sa.BigInteger(), nullable=True))
        batch_op.create_index(batch_op.f('ix_referees_ask_id'), ['ask_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referees_owner_id'), ['owner_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_referees_ask_id_asks'), 'asks', ['ask_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_referees_owner_id_users'), 'users', ['owner_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.create_check_constraint('origin_known', f"origin IN {ORIGINS!r}")
        batch_op.create_check_constraint('deal_value_not_negative', 'deal_value_cents IS NULL OR deal_value_cents >= 0')
        batch_op.create_check_constraint('expected_value_not_negative',
                                         'expected_value_cents IS NULL OR expected_value_cents >= 0')
    # Earlier referrals: a share-link sign-up or a LinkedIn contact by their source, the rest came
    # from the customer on their own; each is owned by the referrer's account manager.
    op.execute("UPDATE referees SET origin = source WHERE source IN ('share', 'linkedin')")
    op.execute(
        "UPDATE referees SET owner_id = (SELECT companies.account_manager_id FROM users JOIN companies "
        "ON companies.id = users.company_id WHERE users.id = referees.referrer_id)"
    )


def downgrade():
    with op.batch_alter_table('referees', schema=None) as batch_op:
        batch_op.drop_constraint('expected_value_not_negative', type_='check')
        batch_op.drop_constraint('deal_value_not_negative', type_='check')
        batch_op.drop_constraint('origin_known', type_='check')
        batch_op.drop_constraint(batch_op.f('fk_referees_owner_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_referees_ask_id_asks'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_referees_owner_id'))
        batch_op.drop_index(batch_op.f('ix_referees_ask_id'))
        for column in ('deal_value_cents', 'expected_value_cents', 'currency', 'owner_id', 'ask_id', 'origin'):
            batch_op.drop_column(column)
