"""audit entries as structured events; levels as drafts

Revision ID: 0012_audit_events_and_drafts
Revises: 0011
Create Date: 2026-12-10 10:00:00

Existing levels stay published. Existing audit entries keep their summaries (shown when nothing
better is known); designer entries that stored `changes` as {field: [before, after]} get
before/after values, and entries about levels, challenges, badges and rewards get a label snapshot
from the summary they were written with.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012_audit_events_and_drafts'
down_revision = '0011'
branch_labels = None
depends_on = None

PROGRAMME_OBJECTS = ("Level", "Challenge", "Badge", "Reward")


def upgrade():
    with op.batch_alter_table('levels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=10), nullable=False, server_default='published'))
        batch_op.create_check_constraint(op.f('ck_levels_status_known'), "status IN ('draft', 'published')")

    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('object_label', sa.JSON(), nullable=True))
        batch_op.drop_index(batch_op.f('ix_audit_entries_actor_id'))
        batch_op.create_index('ix_audit_entries_actor_created', ['actor_id', 'created_at'], unique=False)
        batch_op.create_index('ix_audit_entries_action_created', ['action', 'created_at'], unique=False)
        batch_op.create_index('ix_audit_entries_target_created', ['target_type', 'target_id', 'created_at'],
                              unique=False)
    _structure_existing_entries()


def _structure_existing_entries():
    """Designer diffs become before/after values; programme objects get a label snapshot."""
    entries = sa.table('audit_entries', sa.column('id', sa.Integer), sa.column('target_type', sa.String),
                       sa.column('summary', sa.String), sa.column('details', sa.JSON),
                       sa.column('object_label', sa.JSON))
    conn = op.get_bind()
    rows = conn.execute(sa.select(entries.c.id, entries.c.target_type, entries.c.summary, entries.c.details)
                        .where(entries.c.target_type.in_(PROGRAMME_OBJECTS))).all()
    for row in rows:
        details = dict(row.details or {})
        changes = details.pop('changes', None)
        if isinstance(changes, dict) and all(isinstance(v, list) and len(v) == 2 for v in changes.values()):
            details['before'] = {name: pair[0] for name, pair in changes.items()}
            details['after'] = {name: pair[1] for name, pair in changes.items()}
        elif changes is not None:
            details['changes'] = changes
        label = {'nl': row.summary, 'en': row.summary} if row.summary else None
        conn.execute(entries.update().where(entries.c.id == row.id).values(details=details, object_label=label))


def downgrade():
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entries_target_created')
        batch_op.drop_index('ix_audit_entries_action_created')
        batch_op.drop_index('ix_audit_entries_actor_created')
        batch_op.create_index(batch_op.f('ix_audit_entries_actor_id'), ['actor_id'], unique=False)
        batch_op.drop_column('object_label')

    with op.batch_alter_table('levels', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_levels_status_known'), type_='check')
        batch_op.drop_column('status')
