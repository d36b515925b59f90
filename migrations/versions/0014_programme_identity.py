"""programme identity: the organisation's name, logo, pitch, sender and ideal customer

Revision ID: 0014_programme_identity
Revises: 0011
Create Date: 2026-12-10 10:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014_programme_identity'
down_revision = '0013_terms_and_corrections'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('programme_identity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_name', sa.String(length=80), nullable=False),
    sa.Column('pitch_nl', sa.String(length=200), nullable=False),
    sa.Column('pitch_en', sa.String(length=200), nullable=False),
    sa.Column('about_nl', sa.Text(), nullable=False),
    sa.Column('about_en', sa.Text(), nullable=False),
    sa.Column('ideal_customer_nl', sa.Text(), nullable=False),
    sa.Column('ideal_customer_en', sa.Text(), nullable=False),
    sa.Column('sender_name', sa.String(length=80), nullable=False),
    sa.Column('reply_to', sa.String(length=254), nullable=False),
    sa.Column('logo', sa.LargeBinary(), nullable=True),
    sa.Column('logo_type', sa.String(length=20), nullable=True),
    sa.Column('logo_version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("logo_type IS NULL OR logo_type IN ('image/png', 'image/jpeg', 'image/webp')", name=op.f('ck_programme_identity_logo_type_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_identity'))
    )


def downgrade():
    op.drop_table('programme_identity')
