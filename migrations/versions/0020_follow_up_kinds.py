"""follow-ups of two kinds per NPS answer: the alert's and the upsell lead's, with what raised them
and how an upsell ended

Revision ID: 0020_follow_up_kinds
Revises: 0019_reference_calls
Create Date: 2026-12-01 21:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0020_follow_up_kinds'
down_revision = '0019_reference_calls'
branch_labels = None
depends_on = None

TRIGGERS = "('detractor', 'promoter', 'dissatisfied', 'more_than_satisfied', 'wants_more')"
OUTCOMES = "('meeting_planned', 'proposal_sent', 'not_now', 'no_interest')"


def upgrade():
    with op.batch_alter_table('nps_follow_ups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=10), server_default='alert', nullable=False))
        batch_op.add_column(sa.Column('trigger', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('outcome', sa.String(length=20), nullable=True))
    # Every follow-up so far was raised by a promoter's or a detractor's score.
    op.execute("UPDATE nps_follow_ups SET trigger = (SELECT nps_responses.category FROM nps_responses"
               " WHERE nps_responses.id = nps_follow_ups.response_id)")
    op.execute("UPDATE nps_follow_ups SET trigger = 'detractor' WHERE trigger IS NULL OR trigger NOT IN " + TRIGGERS)
    with op.batch_alter_table('nps_follow_ups', schema=None) as batch_op:
        batch_op.alter_column('trigger', existing_type=sa.String(length=20), nullable=False)
        batch_op.drop_constraint('uq_nps_follow_ups_response_id', type_='unique')
        batch_op.create_unique_constraint('uq_nps_follow_ups_response_kind', ['response_id', 'kind'])
        batch_op.create_check_constraint('kind_known', "kind IN ('alert', 'upsell')")
        batch_op.create_check_constraint('trigger_known', "trigger IN " + TRIGGERS)
        batch_op.create_check_constraint('outcome_known', "outcome IS NULL OR outcome IN " + OUTCOMES)


def downgrade():
    op.execute("DELETE FROM nps_follow_ups WHERE kind <> 'alert'")
    with op.batch_alter_table('nps_follow_ups', schema=None) as batch_op:
        batch_op.drop_constraint('outcome_known', type_='check')
        batch_op.drop_constraint('trigger_known', type_='check')
        batch_op.drop_constraint('kind_known', type_='check')
        batch_op.drop_constraint('uq_nps_follow_ups_response_kind', type_='unique')
        batch_op.create_unique_constraint('uq_nps_follow_ups_response_id', ['response_id'])
        batch_op.drop_column('outcome')
        batch_op.drop_column('trigger')
        batch_op.drop_column('kind')
