"""reference calls: the calls a customer took as a reference, under their own quarterly limit

Revision ID: 0019_reference_calls
Revises: 0018_written_language
Create Date: 2026-12-01 21:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0019_reference_calls'
down_revision = '0018_written_language'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'reference_calls',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=True),
        sa.Column('quarter', sa.String(length=7), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('calls_limit', sa.Integer(), nullable=False),
        sa.Column('called_on', sa.Date(), nullable=False),
        sa.Column('prospect', sa.String(length=200), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('logged_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('seq >= 1 AND seq <= calls_limit', name=op.f('ck_reference_calls_seq_within_limit')),
        sa.ForeignKeyConstraint(['customer_id'], ['users.id'], name=op.f('fk_reference_calls_customer_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['logged_by_id'], ['users.id'], name=op.f('fk_reference_calls_logged_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'],
                                name=op.f('fk_reference_calls_submission_id_submissions'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reference_calls')),
        sa.UniqueConstraint('customer_id', 'quarter', 'seq', name='uq_reference_calls_customer_quarter_seq'),
    )
    with op.batch_alter_table('reference_calls', schema=None) as batch_op:
        batch_op.create_index('ix_reference_calls_quarter', ['quarter'], unique=False)
        batch_op.create_index(batch_op.f('ix_reference_calls_logged_by_id'), ['logged_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reference_calls_submission_id'), ['submission_id'], unique=False)


def downgrade():
    with op.batch_alter_table('reference_calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reference_calls_submission_id'))
        batch_op.drop_index(batch_op.f('ix_reference_calls_logged_by_id'))
        batch_op.drop_index('ix_reference_calls_quarter')
    op.drop_table('reference_calls')
