"""EXPLAIN (ANALYZE, BUFFERS) of the sales pages' main statements on the PostgreSQL database in
DATABASE_URL, for the account manager with the most customers and for the team lead over them
(the same people tools/time_sales_pages.py signs in as).

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/aj_h3_scale .venv/bin/python tools/explain_sales.py
"""
from __future__ import annotations

import sys

from sqlalchemy import text

from app import create_app
from app.dates import utcnow
from app.extensions import db
from app.referrals.settings import programme_settings
from app.sales import pipeline, queue
from app.sales.scope import scope_of
from tools.compare_queue import team_of_ten
from tools.time_sales_pages import viewers


def explain(title: str, statement) -> None:
    sql = str(statement.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))
    plan = db.session.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + sql)).scalars()
    print(f"\n### {title}\n\n```\n" + "\n".join(plan) + "\n```")


def main(which: list[str]) -> None:
    app = create_app()
    with app.app_context(), app.test_request_context():
        people = viewers()
        people["team10"] = team_of_ten(people["lead"])
        now, cap = utcnow(), programme_settings().ask_cap_days
        for role in which or ("rep", "lead"):
            viewer = scope_of(people[role])  # team10 is a Scope already
            explain(f"{role}: ask queue, first page",
                    queue.queue_statement(viewer, now, cap, limit=25))
            card_ids = list(db.session.scalars(pipeline.board_statements(viewer, [])[0][1]))
            for title, statement in pipeline.board_statements(viewer, card_ids):
                explain(f"{role}: pipeline board, {title}", statement)


if __name__ == "__main__":
    main(sys.argv[1:])
