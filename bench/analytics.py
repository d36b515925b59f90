"""Measure the analytics dashboard with N synthetic customers on SQLite and on PostgreSQL.

    .venv/bin/python bench/analytics.py --customers 100000 \
        --sqlite /tmp/aj-bench.db --postgres postgresql+psycopg://postgres@127.0.0.1:5432/aj_bench

Each database is emptied, given the schema and N synthetic customers (app.demo.scale),
then the dashboard is requested through the app (as a signed-in marketer) for the last 30 days,
the last 365 days and a CSV download; every request is timed (the first, cold, and the median
of the next ones) and its SQL statements counted. Prints a Markdown table for docs/analytics.md.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask import g  # noqa: E402
from sqlalchemy import event, text  # noqa: E402


def _ensure_pg_database(url: str) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}):
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def top_up_ledger(url: str, rows: int, days: int = 365) -> int:
    """Add ledger rows (not for answers) spread over the last `days` days until there are `rows`,
    oldest first, as a ledger grows."""
    from app.extensions import db

    have = db.session.scalar(text("SELECT count(*) FROM points_entries"))
    extra = max(0, rows - have)
    low, high = db.session.execute(text("SELECT min(id), max(id) FROM users WHERE role = 'customer'")).one()
    values = {"low": low, "span": high - low + 1, "n": extra, "seconds": days * 86400}
    if url.startswith("postgresql"):
        db.session.execute(text(
            "INSERT INTO points_entries (user_id, points, source_type, source_id, reason_nl, reason_en, created_at) "
            "SELECT :low + (g % :span), 1 + g % 20, 'bench', g, 'Bench', 'Bench', "
            "(now() AT TIME ZONE 'utc') - ((:n - g)::bigint * :seconds / :n) * interval '1 second' "
            "FROM generate_series(1, :n) g"), values)
    else:
        db.session.execute(text(
            "WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < :n) "
            "INSERT INTO points_entries (user_id, points, source_type, source_id, reason_nl, reason_en, created_at) "
            "SELECT :low + (g % :span), 1 + g % 20, 'bench', g, 'Bench', 'Bench', "
            "datetime('now', '-' || ((:n - g) * :seconds / :n) || ' seconds') FROM s"), values)
    db.session.commit()
    return extra


def measure(url: str, customers: int, repeats: int, ledger: int = 0, reuse: bool = False) -> dict:
    from app import create_app
    from app.analytics import rollups
    from app.auth.models import MARKETER, User
    from app.dates import utcnow
    from app.demo.scale import generate
    from app.extensions import db

    if url.startswith("postgresql"):
        _ensure_pg_database(url)
    elif url.startswith("sqlite:///") and not reuse:
        path = url.removeprefix("sqlite:///")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
                      "RATELIMIT_ENABLED": False, "RATELIMIT_STORAGE_URI": "memory://",
                      "MAIL_DELIVER_ON_COMMIT": False})
    result: dict = {"database": "PostgreSQL" if url.startswith("postgresql") else "SQLite", "customers": customers}
    with app.app_context():
        if not reuse:
            db.drop_all()
        db.create_all()
        if url.startswith("postgresql"):
            result["version"] = db.session.scalar(text("SHOW server_version"))
        else:
            result["version"] = db.session.scalar(text("SELECT sqlite_version()"))
        started = time.perf_counter()
        if not reuse:
            generate(customers, echo=print)
            db.session.commit()
        result["seed_seconds"] = time.perf_counter() - started
        if ledger and not reuse:
            started = time.perf_counter()
            top_up_ledger(url, ledger)
            print(f"  ledger topped up to {ledger:,} rows: {time.perf_counter() - started:.1f}s")
        started = time.perf_counter()
        if not reuse or rollups.closed_through() is None:
            rollups.rebuild()  # as seed-scale does
            db.session.commit()
        result["rebuild_seconds"] = time.perf_counter() - started
        result["ledger"] = db.session.scalar(text("SELECT count(*) FROM points_entries"))
        result["rows"] = sum(db.session.scalar(text(f"SELECT count(*) FROM {table}")) for table in (
            "users", "companies", "challenge_views", "submissions", "points_entries", "level_unlocks",
            "nps_responses", "redemptions", "referees", "referral_events", "share_clicks"))
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        db.session.execute(text("DELETE FROM users WHERE email = 'bench-marketer@example.test'"))
        marketer = User(email="bench-marketer@example.test", name="Bench", role=MARKETER, locale="en",
                        password_hash="x")
        db.session.add(marketer)
        db.session.commit()
        user_id = marketer.get_id()
        today = utcnow().date()
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = user_id
            session["_fresh"] = True

        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        urls = {
            "30 days": f"/admin/analytics?start={(today - timedelta(days=29)).isoformat()}&end={today.isoformat()}",
            "365 days": f"/admin/analytics?start={(today - timedelta(days=364)).isoformat()}&end={today.isoformat()}",
            "CSV (challenges, 365 days)": f"/admin/analytics/challenges.csv?start={(today - timedelta(days=364)).isoformat()}"
                                          f"&end={today.isoformat()}",
        }
        result["requests"] = {}
        for name, path in urls.items():
            timings = []
            for _n in range(repeats + 1):
                statements.clear()
                db.session.remove()
                g.__dict__.clear()  # as a fresh request would: the signed-in user is loaded again
                started = time.perf_counter()
                response = client.get(path)
                timings.append(time.perf_counter() - started)
                assert response.status_code == 200, (path, response.status_code)
            result["requests"][name] = {"cold": timings[0], "median": statistics.median(timings[1:]),
                                        "queries": len(statements)}
        db.session.remove()
        db.engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sqlite", default="/tmp/aj-bench.db", help="SQLite file (emptied); '' to skip")
    parser.add_argument("--postgres", default="", help="PostgreSQL URL (its tables are dropped); '' to skip")
    parser.add_argument("--ledger", type=int, default=0,
                        help="top the ledger up to this many rows (not for answers), spread over the year")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the data already in the databases (no seeding; rollups built if missing)")
    args = parser.parse_args()
    results = []
    if args.sqlite:
        results.append(measure(f"sqlite:///{args.sqlite}", args.customers, args.repeats, args.ledger, args.reuse))
    if args.postgres:
        results.append(measure(args.postgres, args.customers, args.repeats, args.ledger, args.reuse))
    print()
    print("| database | rows | ledger rows | rollup rebuild | request | first | median | queries |")
    print("|---|---:|---:|---:|---|---:|---:|---:|")
    for r in results:
        for name, t in r["requests"].items():
            print(f"| {r['database']} {r['version']} | {r['rows']:,} | {r['ledger']:,} | {r['rebuild_seconds']:.1f} s "
                  f"| {name} | {t['cold'] * 1000:.0f} ms | {t['median'] * 1000:.0f} ms | {t['queries']} |")


if __name__ == "__main__":
    main()
