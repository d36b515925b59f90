"""EXPLAIN (ANALYZE, BUFFERS) of the analytics dashboard's statements on PostgreSQL (DATABASE_URL).

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/aj_bench_pg_large \
        .venv/bin/python -m tools.explain_analytics 365 nps

Runs the named figure families (all when none is named) for a period of the given days ending
today, and prints the plan of every statement they send.
"""
from __future__ import annotations

import sys
from datetime import timedelta

from sqlalchemy import event

from app import create_app
from app.analytics.periods import Period
from app.analytics.services import dashboard
from app.dates import utcnow
from app.extensions import db


def main(argv: list[str]) -> None:
    days = int(argv[0]) if argv else 30
    only = set(argv[1:]) or None
    app = create_app()
    with app.app_context():
        end = utcnow().date()
        statements = []

        def capture(conn, cursor, statement, parameters, context, executemany):
            if statement.lstrip().upper().startswith("SELECT"):
                statements.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", capture)
        dashboard(Period(end - timedelta(days=days - 1), end), only=only)
        event.remove(db.engine, "before_cursor_execute", capture)
        connection = db.session.connection()
        connection.exec_driver_sql("SET LOCAL jit = off")
        for statement, parameters in statements:
            print("=" * 100)
            print(" ".join(statement.split())[:300])
            cursor = connection.connection.cursor()
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            for (line,) in cursor.fetchall():
                print(line)
        db.session.rollback()


if __name__ == "__main__":
    main(sys.argv[1:])
