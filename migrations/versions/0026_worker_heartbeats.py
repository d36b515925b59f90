"""job runner: the worker's heartbeat, the worker holding an outbox claim, and a follow-up's one
reminder when it falls due

Revision ID: 0026_worker_heartbeats
Revises: 0025_analytics_at_scale
Create Date: 2026-12-01 23:50:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0026_worker_heartbeats'
down_revision = '0025_analytics_at_scale'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('worker_heartbeats',
    sa.Column('worker', sa.String(length=64), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('beat_at', sa.DateTime(), nullable=False),
    sa.Column('swept_at', sa.DateTime(), nullable=True),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('worker', name=op.f('pk_worker_heartbeats'))
    )
    op.create_index('ix_worker_heartbeats_beat_at', 'worker_heartbeats', ['beat_at'], unique=False)
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=64), nullable=True))
    with op.batch_alter_table('nps_follow_ups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminded_at', sa.DateTime(), nullable=True))
    # Follow-ups already past due before reminders existed are not reminded all at once now.
    op.execute("UPDATE nps_follow_ups SET reminded_at = due_at WHERE status <> 'closed' AND due_at <= "
               + ("(now() AT TIME ZONE 'UTC')" if op.get_bind().dialect.name == 'postgresql'
                  else "strftime('%Y-%m-%d %H:%M:%f', 'now')"))


def downgrade():
    with op.batch_alter_table('nps_follow_ups', schema=None) as batch_op:
        batch_op.drop_column('reminded_at')
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('claimed_by')
    op.drop_index('ix_worker_heartbeats_beat_at', table_name='worker_heartbeats')
    op.drop_table('worker_heartbeats')
