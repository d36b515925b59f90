"""chat alerts: Slack and Microsoft Teams channels of account managers and teams, and the outbox of
chat messages

Revision ID: 0029_chat_alerts
Revises: 0028_api_tokens
Create Date: 2026-12-01 23:45:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0029_chat_alerts'
down_revision = '0028_api_tokens'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('chat_channels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('slack', 'teams')", name=op.f('ck_chat_channels_kind_known')),
    sa.CheckConstraint("scope IN ('personal', 'team')", name=op.f('ck_chat_channels_scope_known')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_chat_channels_owner_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_channels')),
    sa.UniqueConstraint('owner_id', 'scope', name='uq_chat_channels_owner_scope')
    )
    op.create_table('chat_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('topic', sa.String(length=20), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('subject_user_id', sa.Integer(), nullable=True),
    sa.Column('referee_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), server_default='pending', nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('first_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('response_code', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name=op.f('ck_chat_messages_status_known')),
    sa.CheckConstraint("kind IN ('slack', 'teams')", name=op.f('ck_chat_messages_kind_known')),
    sa.CheckConstraint("topic IN ('detractor', 'promoter', 'upsell', 'introduction', 'won', 'test')",
                       name=op.f('ck_chat_messages_topic_known')),
    sa.ForeignKeyConstraint(['channel_id'], ['chat_channels.id'], name=op.f('fk_chat_messages_channel_id_chat_channels'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subject_user_id'], ['users.id'], name=op.f('fk_chat_messages_subject_user_id_users'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['referee_id'], ['referees.id'], name=op.f('fk_chat_messages_referee_id_referees'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_messages'))
    )
    op.create_index('ix_chat_messages_due', 'chat_messages', ['status', 'next_attempt_at'], unique=False)
    op.create_index('ix_chat_messages_channel_status', 'chat_messages', ['channel_id', 'status', 'created_at'],
                    unique=False)
    op.create_index(op.f('ix_chat_messages_subject_user_id'), 'chat_messages', ['subject_user_id'], unique=False)
    op.create_index(op.f('ix_chat_messages_referee_id'), 'chat_messages', ['referee_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_chat_messages_referee_id'), table_name='chat_messages')
    op.drop_index(op.f('ix_chat_messages_subject_user_id'), table_name='chat_messages')
    op.drop_index('ix_chat_messages_channel_status', table_name='chat_messages')
    op.drop_index('ix_chat_messages_due', table_name='chat_messages')
    op.drop_table('chat_messages')
    op.drop_table('chat_channels')
