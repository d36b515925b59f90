"""analytics rollups: daily figures for the closed days

Revision ID: 0017_analytics_rollups
Revises: 0011
Create Date: 2026-12-01 17:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0017_analytics_rollups'
down_revision = '0016_sales_indexes'
branch_labels = None
depends_on = None


def _challenge_fk(table):
    return sa.ForeignKeyConstraint(['challenge_id'], ['challenges.id'], name=op.f(f'fk_{table}_challenge_id_challenges'),
                                   ondelete='CASCADE')


def upgrade():
    op.create_table('analytics_rollup_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('closed_through', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_rollup_state'))
    )
    op.create_table('analytics_points_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    _challenge_fk('analytics_points_days'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_points_days'))
    )
    op.create_table('analytics_view_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('prev_day', sa.Date(), nullable=True),
    sa.Column('views', sa.Integer(), nullable=False),
    _challenge_fk('analytics_view_days'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_view_days'))
    )
    op.create_table('analytics_completion_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('last_view', sa.Date(), nullable=True),
    sa.Column('next_view', sa.Date(), nullable=True),
    sa.Column('prev_approved', sa.Date(), nullable=True),
    sa.Column('completions', sa.Integer(), nullable=False),
    _challenge_fk('analytics_completion_days'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_completion_days'))
    )
    op.create_table('analytics_activity_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('prev_day', sa.Date(), nullable=True),
    sa.Column('customers', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_activity_days'))
    )
    op.create_table('analytics_unlock_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('level_id', sa.Integer(), nullable=False),
    sa.Column('unlocks', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['level_id'], ['levels.id'], name=op.f('fk_analytics_unlock_days_level_id_levels'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_unlock_days'))
    )
    for table in ('points', 'view', 'completion', 'activity', 'unlock'):
        op.create_index(f'ix_analytics_{table}_days_day', f'analytics_{table}_days', ['day'], unique=False)
    # Every day up to now is read live until the first `flask analytics-rollup` (or a rebuild).


def downgrade():
    for table in ('unlock', 'activity', 'completion', 'view', 'points'):
        op.drop_index(f'ix_analytics_{table}_days_day', table_name=f'analytics_{table}_days')
        op.drop_table(f'analytics_{table}_days')
    op.drop_table('analytics_rollup_state')
