"""a referral code for every customer

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 14:18:12.314705

"""
import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

users = sa.table(
    'users',
    sa.column('id', sa.Integer),
    sa.column('role', sa.String),
    sa.column('referral_code', sa.String),
)


def _new_code(taken: set) -> str:
    # The same 12 characters the app draws (app/referrals/links.py), never one that is in use.
    while True:
        code = secrets.token_urlsafe(9)[:12]
        if code not in taken:
            taken.add(code)
            return code


def upgrade():
    # Customers get their personal referral code when their account is made; accounts made before
    # that get theirs here, so no page has to store a code while it shows one.
    conn = op.get_bind()
    taken = set(conn.scalars(sa.select(users.c.referral_code).where(users.c.referral_code.is_not(None))))
    ids = list(conn.scalars(
        sa.select(users.c.id).where(users.c.role == 'customer', users.c.referral_code.is_(None)).order_by(users.c.id)
    ))
    if not ids:
        return
    conn.execute(
        users.update()
        .where(users.c.id == sa.bindparam('user_id'), users.c.referral_code.is_(None))
        .values(referral_code=sa.bindparam('code')),
        [{'user_id': user_id, 'code': _new_code(taken)} for user_id in ids],
    )


def downgrade():
    # Nothing to undo: a code given here is like one given on a first visit, and the links customers
    # already shared must keep working.
    pass
