"""referees: person keys that ignore legal forms, and the approved first message

Revision ID: 0021_referee_keys
Revises: 0020_follow_up_kinds
Create Date: 2026-12-01 21:00:00

The person key (name + company, the UNIQUE key that refuses a second introduction of someone)
now ignores legal forms and grouping words ("B.V.", "Holding", "Groep" …), see
app/referrals/names.py. Every stored key is made again from the referee's name and company.
Two referees whose new keys are the same were one person introduced twice: the oldest (first
created, then lowest id) keeps the key; the later ones stay as they are (stage, points, history)
but lose the key, so they no longer block anything and the oldest alone stands for the person.

Objections keep their hashes: those cannot be made again. The intake checks an introduction
against the hash of the new key and of the key as it was made before (legacy_person_key), so a
person who objected before this revision is still recognised by the same details as before.
"""
import sqlalchemy as sa
from alembic import op

from app.referrals.names import legacy_person_key, person_key

# revision identifiers, used by Alembic.
revision = '0021_referee_keys'
down_revision = '0020_follow_up_kinds'
branch_labels = None
depends_on = None

_referees = sa.table(
    'referees', sa.column('id', sa.Integer), sa.column('name', sa.String), sa.column('company', sa.String),
    sa.column('person_key', sa.String), sa.column('created_at', sa.DateTime),
)


def _rekey(make_key):
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(_referees.c.id, _referees.c.name, _referees.c.company, _referees.c.person_key)
        .where(_referees.c.person_key.is_not(None))
        .order_by(_referees.c.created_at, _referees.c.id)
    ).all()
    new_keys, seen = {}, set()
    for row in rows:
        key = make_key(row.name, row.company)
        if key in seen:
            key = None  # a later introduction of the same person: the oldest keeps the key
        seen.add(key)
        if key != row.person_key:
            new_keys[row.id] = key
    # Clear first, then set: a key may move from one row to another within this run.
    if new_keys:
        ids = list(new_keys)
        for start in range(0, len(ids), 500):
            conn.execute(sa.update(_referees).where(_referees.c.id.in_(ids[start:start + 500])).values(person_key=None))
        update = sa.update(_referees).where(_referees.c.id == sa.bindparam('rid')).values(person_key=sa.bindparam('key'))
        params = [{'rid': rid, 'key': key} for rid, key in new_keys.items() if key is not None]
        if params:
            conn.execute(update, params)


def upgrade():
    with op.batch_alter_table('referees', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('referees', schema=None) as batch_op:
        batch_op.alter_column('message', server_default=None)
    _rekey(person_key)


def downgrade():
    _rekey(legacy_person_key)
    with op.batch_alter_table('referees', schema=None) as batch_op:
        batch_op.drop_column('message')
