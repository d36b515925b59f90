"""webhooks: endpoints, the messages queued for them and every delivery attempt

Revision ID: 0027_webhooks
Revises: 0026_worker_heartbeats
Create Date: 2026-12-01 23:55:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0027_webhooks'
down_revision = '0026_worker_heartbeats'
branch_labels = None
depends_on = None

STATUSES = ('pending', 'sending', 'delivered', 'failed', 'cancelled')


def upgrade():
    op.create_table('webhook_endpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('events', sa.JSON(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('allow_private', sa.Boolean(), nullable=False),
    sa.Column('secret', sa.String(length=100), nullable=False),
    sa.Column('previous_secret', sa.String(length=100), nullable=True),
    sa.Column('previous_secret_until', sa.DateTime(), nullable=True),
    sa.Column('failing_since', sa.DateTime(), nullable=True),
    sa.Column('disabled_at', sa.DateTime(), nullable=True),
    sa.Column('auto_disabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_endpoints'))
    )
    op.create_table('webhook_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('endpoint_id', sa.Integer(), nullable=False),
    sa.Column('msg_id', sa.String(length=40), nullable=False),
    sa.Column('event_type', sa.String(length=40), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('retries', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('delivered_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('referee_id', sa.Integer(), nullable=True),
    sa.CheckConstraint(f"status IN {STATUSES!r}", name=op.f('ck_webhook_messages_status_known')),
    sa.ForeignKeyConstraint(['endpoint_id'], ['webhook_endpoints.id'],
                            name=op.f('fk_webhook_messages_endpoint_id_webhook_endpoints'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_webhook_messages_user_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_messages')),
    sa.UniqueConstraint('msg_id', name=op.f('uq_webhook_messages_msg_id'))
    )
    op.create_index('ix_webhook_messages_due', 'webhook_messages', ['status', 'next_attempt_at'], unique=False)
    op.create_index('ix_webhook_messages_endpoint_created', 'webhook_messages', ['endpoint_id', 'created_at'],
                    unique=False)
    op.create_index('ix_webhook_messages_referee', 'webhook_messages', ['referee_id'], unique=False)
    op.create_index('ix_webhook_messages_user', 'webhook_messages', ['user_id'], unique=False)
    op.create_index('ix_webhook_messages_created', 'webhook_messages', ['created_at'], unique=False)
    op.create_table('webhook_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('attempted_at', sa.DateTime(), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('response_excerpt', sa.Text(), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['webhook_messages.id'],
                            name=op.f('fk_webhook_attempts_message_id_webhook_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_attempts'))
    )
    op.create_index('ix_webhook_attempts_message', 'webhook_attempts', ['message_id', 'number'], unique=False)


def downgrade():
    op.drop_index('ix_webhook_attempts_message', table_name='webhook_attempts')
    op.drop_table('webhook_attempts')
    for name in ('created', 'user', 'referee', 'endpoint_created', 'due'):
        op.drop_index(f'ix_webhook_messages_{name}', table_name='webhook_messages')
    op.drop_table('webhook_messages')
    op.drop_table('webhook_endpoints')
