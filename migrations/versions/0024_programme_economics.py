"""programme economics: a unit cost per reward (copied onto each claim), the running cost per month,
deals won per month without a referral, and goals per quarter

Revision ID: 0024_programme_economics
Revises: 0023_referral_origin_owner_value
Create Date: 2026-12-01 21:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0024_programme_economics'
down_revision = '0023_referral_origin_owner_value'
branch_labels = None
depends_on = None

METRICS = ('introductions', 'won_referrals', 'approved_quotes', 'reviews', 'nps', 'level3_share')


def upgrade():
    with op.batch_alter_table('rewards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_cost_cents', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.create_check_constraint('unit_cost_not_negative', 'unit_cost_cents >= 0')
    with op.batch_alter_table('redemptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_cost_cents', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.create_check_constraint('unit_cost_not_negative', 'unit_cost_cents >= 0')
    op.create_table(
        'programme_costs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('amount_cents', sa.BigInteger(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('entered_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('amount_cents >= 0 AND amount_cents <= 10000000000', name=op.f('ck_programme_costs_amount_in_range')),
        sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_programme_costs_entered_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_costs')),
        sa.UniqueConstraint('month', name='uq_programme_costs_month'),
    )
    op.create_index(op.f('ix_programme_costs_entered_by_id'), 'programme_costs', ['entered_by_id'], unique=False)
    op.create_table(
        'non_referral_wins',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('won', sa.Integer(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('entered_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('won >= 0 AND won <= 1000000', name=op.f('ck_non_referral_wins_won_in_range')),
        sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_non_referral_wins_entered_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_non_referral_wins')),
        sa.UniqueConstraint('month', name='uq_non_referral_wins_month'),
    )
    op.create_index(op.f('ix_non_referral_wins_entered_by_id'), 'non_referral_wins', ['entered_by_id'], unique=False)
    op.create_table(
        'goals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('quarter', sa.String(length=7), nullable=False),
        sa.Column('metric', sa.String(length=20), nullable=False),
        sa.Column('target', sa.Integer(), nullable=False),
        sa.Column('entered_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint(f'metric IN {METRICS!r}', name=op.f('ck_goals_metric_known')),
        sa.CheckConstraint('target >= -100 AND target <= 1000000', name=op.f('ck_goals_target_in_range')),
        sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_goals_entered_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_goals')),
        sa.UniqueConstraint('quarter', 'metric', name='uq_goals_quarter_metric'),
    )
    op.create_index(op.f('ix_goals_entered_by_id'), 'goals', ['entered_by_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_goals_entered_by_id'), table_name='goals')
    op.drop_table('goals')
    op.drop_index(op.f('ix_non_referral_wins_entered_by_id'), table_name='non_referral_wins')
    op.drop_table('non_referral_wins')
    op.drop_index(op.f('ix_programme_costs_entered_by_id'), table_name='programme_costs')
    op.drop_table('programme_costs')
    with op.batch_alter_table('redemptions', schema=None) as batch_op:
        batch_op.drop_constraint('unit_cost_not_negative', type_='check')
        batch_op.drop_column('unit_cost_cents')
    with op.batch_alter_table('rewards', schema=None) as batch_op:
        batch_op.drop_constraint('unit_cost_not_negative', type_='check')
        batch_op.drop_column('unit_cost_cents')
