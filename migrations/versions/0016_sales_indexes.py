"""sales at scale: a customer's approved submissions per challenge, their latest NPS answer by
(created_at, id) with score and category in the index on PostgreSQL, flagged referrals, and the
people of a company from the index alone

Revision ID: 0016_sales_indexes
Revises: 0011
Create Date: 2026-12-02 17:10:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016_sales_indexes'
down_revision = '0015_journey_version'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_company_id')
        batch_op.create_index('ix_users_company_people', ['company_id', 'id'], unique=False,
                              postgresql_include=['role', 'is_active', 'name'])

    with op.batch_alter_table('referees', schema=None) as batch_op:
        batch_op.create_index('ix_referees_flag', ['flag'], unique=False)

    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.create_index('ix_submissions_user_status_challenge', ['user_id', 'status', 'challenge_id'],
                              unique=False)

    with op.batch_alter_table('nps_responses', schema=None) as batch_op:
        batch_op.drop_index('ix_nps_responses_user_created')
        batch_op.create_index('ix_nps_responses_user_created_id', ['user_id', 'created_at', 'id'], unique=False,
                              postgresql_include=['score', 'category'])


def downgrade():
    with op.batch_alter_table('nps_responses', schema=None) as batch_op:
        batch_op.drop_index('ix_nps_responses_user_created_id')
        batch_op.create_index('ix_nps_responses_user_created', ['user_id', 'created_at'], unique=False)

    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_index('ix_submissions_user_status_challenge')

    with op.batch_alter_table('referees', schema=None) as batch_op:
        batch_op.drop_index('ix_referees_flag')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_company_people')
        batch_op.create_index('ix_users_company_id', ['company_id'], unique=False)
