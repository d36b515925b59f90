"""Time every statement of the analytics dashboard, figure by figure, on the database in DATABASE_URL.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/aj_bench_pg_large \
        .venv/bin/python -m tools.profile_analytics 30 365

For each period length (days, ending today) and each figure family, runs the family once to warm
up and then RUNS times, and prints the median time of the family and of each of its statements
(with the start of its SQL), so the statements whose cost grows with the data stand out.
"""
from __future__ import annotations

import statistics
import sys
import time
from collections import defaultdict
from datetime import timedelta

from sqlalchemy import event

from app import create_app
from app.analytics.periods import Period
from app.analytics.services import dashboard
from app.dates import utcnow
from app.extensions import db

FAMILIES = ("participation", "funnel", "challenges", "referrals", "nps", "accounts", "rewards")
RUNS = 3


def profile(days: int) -> None:
    end = utcnow().date()
    period = Period(end - timedelta(days=days - 1), end)
    engine = db.engine
    current: list = []

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["started"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        current.append((" ".join(statement.split())[:110], time.perf_counter() - conn.info.pop("started")))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        for family in FAMILIES:
            only = {family} if family != "referrals" else {"participation", "referrals"}
            totals, per_statement = [], defaultdict(list)
            for run in range(RUNS + 1):
                current.clear()
                started = time.perf_counter()
                dashboard(period, only=only)
                elapsed = time.perf_counter() - started
                db.session.rollback()
                if run:
                    totals.append(elapsed)
                    for n, (sql, seconds) in enumerate(current):
                        per_statement[(n, sql)].append(seconds)
            print(f"{days:>4} days  {family:<14} {1000 * statistics.median(totals):8.1f} ms")
            for (_n, sql), times in per_statement.items():
                print(f"            {1000 * statistics.median(times):8.1f} ms  {sql}")
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def main(argv: list[str]) -> None:
    app = create_app()
    with app.app_context():
        for days in [int(arg) for arg in argv] or [30, 365]:
            profile(days)


if __name__ == "__main__":
    main(sys.argv[1:])
