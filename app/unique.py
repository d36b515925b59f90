"""Insert a row unless a UNIQUE constraint already holds it: the database decides, in one statement."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.dialects import postgresql as postgresql_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.exc import IntegrityError

from app.extensions import db


def insert_once(table: Table, **values: Any) -> Any:
    """INSERT … ON CONFLICT DO NOTHING on the request's session; the new row's key (its first primary
    key column) when the row was added, True when added on a database that cannot say it, else False.

    Double clicks, retries and parallel workers add it once, without a savepoint round trip. Column
    defaults (timestamps) apply as for an ORM insert."""
    dialect = db.session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        module = sqlite_dialect if dialect == "sqlite" else postgresql_dialect
        # The row's key comes back only when it was added (rowcount is -1 with RETURNING on psycopg).
        statement = module.insert(table).values(**values).on_conflict_do_nothing()
        row = db.session.execute(statement.returning(*table.primary_key.columns)).first()
        return False if row is None else (row[0] if row[0] is not None else True)
    try:  # any other database: the constraint still decides, through a savepoint
        with db.session.begin_nested():
            db.session.execute(insert(table).values(**values))
    except IntegrityError:
        return False
    return True
