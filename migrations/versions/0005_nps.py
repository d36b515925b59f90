"""NPS answers, alerts, follow-ups and survey links

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 02:21:03.180133

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('nps_surveys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('sent_by_id', sa.Integer(), nullable=True),
    sa.Column('occasion', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['sent_by_id'], ['users.id'], name=op.f('fk_nps_surveys_sent_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_nps_surveys_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nps_surveys'))
    )
    with op.batch_alter_table('nps_surveys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nps_surveys_user_id'), ['user_id'], unique=False)

    op.create_table('nps_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=True),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=True),
    sa.Column('survey_id', sa.Integer(), nullable=True),
    sa.Column('satisfaction', sa.String(length=20), nullable=True),
    sa.Column('wants_more', sa.Boolean(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("category IN ('promoter', 'passive', 'detractor')", name=op.f('ck_nps_responses_category_known')),
    sa.CheckConstraint('score >= 0 AND score <= 10', name=op.f('ck_nps_responses_score_range')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_nps_responses_company_id_companies'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_nps_responses_submission_id_submissions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['survey_id'], ['nps_surveys.id'], name=op.f('fk_nps_responses_survey_id_nps_surveys'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_nps_responses_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nps_responses')),
    sa.UniqueConstraint('survey_id', name='uq_nps_responses_survey_id')
    )
    with op.batch_alter_table('nps_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nps_responses_company_id'), ['company_id'], unique=False)
        batch_op.create_index('ix_nps_responses_created', ['created_at'], unique=False)
        batch_op.create_index('ix_nps_responses_user_created', ['user_id', 'created_at'], unique=False)

    op.create_table('nps_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['recipient_id'], ['users.id'], name=op.f('fk_nps_alerts_recipient_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['response_id'], ['nps_responses.id'], name=op.f('fk_nps_alerts_response_id_nps_responses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nps_alerts')),
    sa.UniqueConstraint('response_id', 'recipient_id', name='uq_nps_alerts_response_recipient')
    )
    with op.batch_alter_table('nps_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nps_alerts_recipient_id'), ['recipient_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_nps_alerts_response_id'), ['response_id'], unique=False)

    op.create_table('nps_follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('open', 'contacted', 'closed')", name=op.f('ck_nps_follow_ups_status_known')),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_nps_follow_ups_assignee_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_nps_follow_ups_closed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['response_id'], ['nps_responses.id'], name=op.f('fk_nps_follow_ups_response_id_nps_responses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nps_follow_ups')),
    sa.UniqueConstraint('response_id', name=op.f('uq_nps_follow_ups_response_id'))
    )
    with op.batch_alter_table('nps_follow_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nps_follow_ups_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index('ix_nps_follow_ups_status_due', ['status', 'due_at'], unique=False)



def downgrade():
    with op.batch_alter_table('nps_follow_ups', schema=None) as batch_op:
        batch_op.drop_index('ix_nps_follow_ups_status_due')
        batch_op.drop_index(batch_op.f('ix_nps_follow_ups_assignee_id'))

    op.drop_table('nps_follow_ups')
    with op.batch_alter_table('nps_alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nps_alerts_response_id'))
        batch_op.drop_index(batch_op.f('ix_nps_alerts_recipient_id'))

    op.drop_table('nps_alerts')
    with op.batch_alter_table('nps_responses', schema=None) as batch_op:
        batch_op.drop_index('ix_nps_responses_user_created')
        batch_op.drop_index('ix_nps_responses_created')
        batch_op.drop_index(batch_op.f('ix_nps_responses_company_id'))

    op.drop_table('nps_responses')
    with op.batch_alter_table('nps_surveys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nps_surveys_user_id'))

    op.drop_table('nps_surveys')
