"""analytics at scale: NPS and promoter rollups, per-customer summaries for the open days, unlock
durations and account firsts; answers and ledger rows of a period from the index alone on PostgreSQL

Revision ID: 0025_analytics_at_scale
Revises: 0024_programme_economics
Create Date: 2026-12-01 20:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0025_analytics_at_scale'
down_revision = '0024_programme_economics'
branch_labels = None
depends_on = None

ROLLED_UP = ('points', 'view', 'completion', 'activity', 'unlock')


def _fk(table, column, target, ondelete='CASCADE'):
    return sa.ForeignKeyConstraint([column], [f'{target}.id'], name=op.f(f'fk_{table}_{column}_{target}'),
                                   ondelete=ondelete)


def upgrade():
    with op.batch_alter_table('analytics_rollup_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('levels_through', sa.Date(), nullable=True))
    # Activity now counts referrals too, and the new tables start empty: everything is read live until
    # the next `flask analytics-rollup`, which then rebuilds every rollup.
    op.execute("UPDATE analytics_rollup_state SET closed_through = NULL, levels_through = NULL")
    for table in ROLLED_UP:
        op.execute(f"DELETE FROM analytics_{table}_days")

    op.create_table('analytics_nps_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('answers', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_nps_days'))
    )
    op.create_index('ix_analytics_nps_days_day', 'analytics_nps_days', ['day'], unique=False)
    op.create_table('analytics_promoter_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('prev_day', sa.Date(), nullable=True),
    sa.Column('acted', sa.Boolean(), nullable=False),
    sa.Column('prev_acted_day', sa.Date(), nullable=True),
    sa.Column('customers', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_promoter_days'))
    )
    op.create_index('ix_analytics_promoter_days_day', 'analytics_promoter_days', ['day'], unique=False)
    op.create_table('analytics_last_active',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    _fk('analytics_last_active', 'user_id', 'users'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_analytics_last_active'))
    )
    op.create_table('analytics_challenge_customers',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('last_view', sa.Date(), nullable=True),
    sa.Column('last_approved', sa.Date(), nullable=True),
    _fk('analytics_challenge_customers', 'user_id', 'users'),
    _fk('analytics_challenge_customers', 'challenge_id', 'challenges'),
    sa.PrimaryKeyConstraint('user_id', 'challenge_id', name=op.f('pk_analytics_challenge_customers'))
    )
    op.create_table('analytics_unlock_durations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('level_id', sa.Integer(), nullable=False),
    sa.Column('days', sa.Double(), nullable=False),
    sa.Column('bucket', sa.Integer(), nullable=False),
    _fk('analytics_unlock_durations', 'level_id', 'levels'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_unlock_durations'))
    )
    op.create_index('ix_analytics_unlock_durations_day', 'analytics_unlock_durations', ['day', 'level_id', 'bucket'],
                    unique=False)
    op.create_index('ix_analytics_unlock_durations_bucket', 'analytics_unlock_durations',
                    ['level_id', 'bucket', 'day'], unique=False, postgresql_include=['days'])
    op.create_table('analytics_duration_months',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('level_id', sa.Integer(), nullable=False),
    sa.Column('bucket', sa.Integer(), nullable=False),
    sa.Column('unlocks', sa.Integer(), nullable=False),
    _fk('analytics_duration_months', 'level_id', 'levels'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_duration_months'))
    )
    op.create_index('ix_analytics_duration_months_month', 'analytics_duration_months', ['month'], unique=False)
    op.create_table('analytics_account_firsts',
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('first_joined', sa.DateTime(), nullable=True),
    sa.Column('level2_at', sa.DateTime(), nullable=True),
    sa.Column('level3_at', sa.DateTime(), nullable=True),
    _fk('analytics_account_firsts', 'company_id', 'companies'),
    sa.PrimaryKeyConstraint('company_id', name=op.f('pk_analytics_account_firsts'))
    )

    for name, unit in (('referral', 'referrers'), ('won', 'referees')):
        columns = [sa.Column('referrals', sa.Integer(), nullable=False)] if name == 'referral' else []
        op.create_table(f'analytics_{name}_days',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('prev_day', sa.Date(), nullable=True),
        sa.Column(unit, sa.Integer(), nullable=False),
        *columns,
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_analytics_{name}_days'))
        )
        op.create_index(f'ix_analytics_{name}_days_day', f'analytics_{name}_days', ['day'], unique=False)
    op.create_table('analytics_click_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('clicks', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_click_days'))
    )
    op.create_index('ix_analytics_click_days_day', 'analytics_click_days', ['day'], unique=False)
    with op.batch_alter_table('referees', schema=None) as batch_op:
        batch_op.create_index('ix_referees_created', ['created_at'], unique=False)
    with op.batch_alter_table('referral_events', schema=None) as batch_op:
        batch_op.create_index('ix_referral_events_stage_created', ['stage', 'created_at'], unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index('ix_users_invited_at', ['invited_at'], unique=False)
        batch_op.create_index('ix_users_created_at', ['created_at'], unique=False)
    # The open days' answers and ledger rows from the index alone (INCLUDE is PostgreSQL only).
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_index('ix_submissions_created')
        batch_op.create_index('ix_submissions_created', ['created_at'], unique=False,
                              postgresql_include=['id', 'user_id', 'challenge_id', 'status'])
    with op.batch_alter_table('points_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_points_entries_created')
        batch_op.create_index('ix_points_entries_created', ['created_at'], unique=False,
                              postgresql_include=['source_type', 'source_id', 'points'])


def downgrade():
    with op.batch_alter_table('referral_events', schema=None) as batch_op:
        batch_op.drop_index('ix_referral_events_stage_created')
    with op.batch_alter_table('referees', schema=None) as batch_op:
        batch_op.drop_index('ix_referees_created')
    for name in ('click', 'won', 'referral'):
        op.drop_index(f'ix_analytics_{name}_days_day', table_name=f'analytics_{name}_days')
        op.drop_table(f'analytics_{name}_days')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_created_at')
        batch_op.drop_index('ix_users_invited_at')
    with op.batch_alter_table('points_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_points_entries_created')
        batch_op.create_index('ix_points_entries_created', ['created_at'], unique=False)
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_index('ix_submissions_created')
        batch_op.create_index('ix_submissions_created', ['created_at'], unique=False)
    op.drop_table('analytics_account_firsts')
    op.drop_index('ix_analytics_duration_months_month', table_name='analytics_duration_months')
    op.drop_table('analytics_duration_months')
    op.drop_index('ix_analytics_unlock_durations_bucket', table_name='analytics_unlock_durations')
    op.drop_index('ix_analytics_unlock_durations_day', table_name='analytics_unlock_durations')
    op.drop_table('analytics_unlock_durations')
    op.drop_table('analytics_challenge_customers')
    op.drop_table('analytics_last_active')
    op.drop_index('ix_analytics_promoter_days_day', table_name='analytics_promoter_days')
    op.drop_table('analytics_promoter_days')
    op.drop_index('ix_analytics_nps_days_day', table_name='analytics_nps_days')
    op.drop_table('analytics_nps_days')
    op.execute("UPDATE analytics_rollup_state SET closed_through = NULL")
    for table in ROLLED_UP:
        op.execute(f"DELETE FROM analytics_{table}_days")
    with op.batch_alter_table('analytics_rollup_state', schema=None) as batch_op:
        batch_op.drop_column('levels_through')
