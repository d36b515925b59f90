"""Fast bulk writes for the scale generator: ids handed out here, no RETURNING, `executemany` on
SQLite and `COPY … FROM STDIN` on PostgreSQL, in the session's own transaction.

Millions of ledger rows and answers go through here; the ORM and `INSERT … RETURNING` would take
many minutes for them. Only for generators that are the sole writer while they run (seed-scale).
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, func, select, text

from app.extensions import db

# Datetimes on SQLite are written in SQLAlchemy's own storage format ("YYYY-MM-DD HH:MM:SS.ffffff"):
# comparisons in SQL are string comparisons.
SQLITE_CACHE_KIB = 1_000_000


def next_id(model) -> int:
    """The first free primary key of the model's table."""
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def _sqlite_datetime(value: datetime) -> str:
    text_value = value.isoformat(" ")
    return text_value if len(text_value) > 19 else text_value + ".000000"


def _json(value) -> str:
    return "{}" if not value else json.dumps(value)


def _converters(model, columns: Sequence[str], dialect: str) -> list[tuple[int, object]]:
    """(position, function) for the columns whose Python values the driver would not take as they are."""
    result = []
    for index, name in enumerate(columns):
        kind = model.__table__.c[name].type
        if isinstance(kind, JSON):
            result.append((index, _json))
        elif dialect == "sqlite" and isinstance(kind, DateTime):
            result.append((index, _sqlite_datetime))
        elif dialect == "sqlite" and isinstance(kind, Date):
            result.append((index, date.isoformat))
    return result


def _converted(rows: Iterable[Sequence], converters: list[tuple[int, object]]):
    for row in rows:
        values = list(row)
        for index, convert in converters:
            if values[index] is not None:
                values[index] = convert(values[index])
        yield values


def write(model, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Write the rows (tuples in the order of `columns`) into the model's table. Returns how many."""
    db.session.flush()
    connection = db.session.connection()
    raw = connection.connection.dbapi_connection
    table = model.__table__.name
    names = ", ".join(columns)
    count = 0
    converted = _converted(rows, _converters(model, columns, connection.dialect.name))
    if connection.dialect.name == "postgresql":
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in converted:
                copy.write_row(row)
                count += 1
        return count
    values = list(converted)
    cursor = raw.cursor()
    try:
        # A big page cache for this connection: the indexes of millions of rows stay in memory
        # instead of spilling to the WAL page by page.
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})", values)
    finally:
        cursor.close()
    return len(values)


def sync_sequence(model) -> None:
    """After writing explicit ids on PostgreSQL, move the id sequence past them."""
    if db.session.connection().dialect.name != "postgresql":
        return
    table = model.__table__.name
    db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"))
