"""the language a customer wrote an answer or an NPS reason in

Revision ID: 0018_written_language
Revises: 0017_analytics_rollups
Create Date: 2026-12-01 20:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0018_written_language'
down_revision = '0017_analytics_rollups'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('submissions', 'nps_responses'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('locale', sa.String(length=5), nullable=True))
        # Earlier answers: the customer's own language is the best guess there is.
        op.execute(f"UPDATE {table} SET locale = (SELECT users.locale FROM users WHERE users.id = {table}.user_id)")


def downgrade():
    for table in ('nps_responses', 'submissions'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('locale')
