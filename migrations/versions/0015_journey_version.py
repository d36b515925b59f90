"""journey version: the stamp that tells every worker its cached journey is out of date

Revision ID: 0015_journey_version
Revises: 0011
Create Date: 2026-12-01 17:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015_journey_version'
down_revision = '0014_programme_identity'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('journey_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journey_version'))
    )
    op.execute("INSERT INTO journey_version (id, version) VALUES (1, 1)")


def downgrade():
    op.drop_table('journey_version')
