"""points corrections, programme terms (versions and acceptances), mail by recipient

Revision ID: 0013_terms_and_corrections
Revises: 0011
Create Date: 2026-12-01 16:47:34.697315

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013_terms_and_corrections'
down_revision = '0012_audit_events_and_drafts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('points_corrections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('request_key', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('points <> 0', name=op.f('ck_points_corrections_points_not_zero')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_points_corrections_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_points_corrections_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_points_corrections')),
    sa.UniqueConstraint('request_key', name='uq_points_corrections_request_key')
    )
    with op.batch_alter_table('points_corrections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_points_corrections_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_points_corrections_user_created', ['user_id', 'created_at'], unique=False)

    op.create_table('terms_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('body_nl', sa.Text(), nullable=False),
    sa.Column('body_en', sa.Text(), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('minor', 'material')", name=op.f('ck_terms_versions_kind_known')),
    sa.CheckConstraint('number >= 1', name=op.f('ck_terms_versions_number_positive')),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_terms_versions_published_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_terms_versions')),
    sa.UniqueConstraint('number', name='uq_terms_versions_number')
    )
    with op.batch_alter_table('terms_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_terms_versions_published_by_id'), ['published_by_id'], unique=False)

    op.create_table('terms_acceptances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('accepted_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("locale IN ('nl', 'en')", name=op.f('ck_terms_acceptances_locale_known')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_terms_acceptances_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['terms_versions.id'], name=op.f('fk_terms_acceptances_version_id_terms_versions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_terms_acceptances')),
    sa.UniqueConstraint('user_id', 'version_id', name='uq_terms_acceptances_user_version')
    )
    with op.batch_alter_table('terms_acceptances', schema=None) as batch_op:
        batch_op.create_index('ix_terms_acceptances_user_accepted', ['user_id', 'accepted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_terms_acceptances_version_id'), ['version_id'], unique=False)

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_messages_to_created', ['to_address', 'created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_messages_to_created')

    with op.batch_alter_table('terms_acceptances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_terms_acceptances_version_id'))
        batch_op.drop_index('ix_terms_acceptances_user_accepted')

    op.drop_table('terms_acceptances')
    with op.batch_alter_table('terms_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_terms_versions_published_by_id'))

    op.drop_table('terms_versions')
    with op.batch_alter_table('points_corrections', schema=None) as batch_op:
        batch_op.drop_index('ix_points_corrections_user_created')
        batch_op.drop_index(batch_op.f('ix_points_corrections_author_id'))

    op.drop_table('points_corrections')
