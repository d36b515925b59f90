"""Time the sales pages through the whole app on the database in DATABASE_URL.

Signs in (a session cookie, as the login does) as the account manager with the most customers, as
the team lead with the most customers under their team (made from the busiest account managers'
manager when the data has none) and as an admin, and for each page prints the first request, the
median of ten more and the number of SQL statements of one request.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/aj_h3_scale .venv/bin/python tools/time_sales_pages.py
"""
from __future__ import annotations

import statistics
import sys
import time

from sqlalchemy import event, func, select

from app import create_app
from app.auth.models import ADMIN, SALES, Company, User
from app.extensions import db

# /healthz first: one trivial statement through the same app and test client, the yardstick for
# what the machine gives a request at that moment.
PAGES = ("/healthz", "/sales/ask", "/sales/ask?page=2", "/sales/pipeline", "/sales/pipeline?view=table")
RUNS = 10


def _customers_per_manager():
    return (select(Company.account_manager_id.label("manager_id"), func.count(User.id).label("n"))
            .join(User, User.company_id == Company.id).group_by(Company.account_manager_id).subquery())


def viewers() -> dict[str, User]:
    per = _customers_per_manager()
    rep_id = db.session.scalar(select(per.c.manager_id).order_by(per.c.n.desc()).limit(1))
    lead_id = db.session.scalar(
        select(User.manager_id).join(per, per.c.manager_id == User.id).where(User.manager_id.is_not(None))
        .group_by(User.manager_id).order_by(func.sum(per.c.n).desc()).limit(1)
    )
    if lead_id is None:  # no team lead yet: make one over the busiest account managers
        lead = User(email="timing-lead@example.test", name="Timing lead", role=SALES, locale="en")
        db.session.add(lead)
        db.session.flush()
        for manager_id in db.session.scalars(select(per.c.manager_id).order_by(per.c.n.desc()).limit(10)):
            db.session.get(User, manager_id).manager_id = lead.id
        db.session.commit()
        lead_id = lead.id
    admin = db.session.scalar(select(User).where(User.role == ADMIN, User.is_active.is_(True)).limit(1))
    found = {"rep": db.session.get(User, rep_id), "lead": db.session.get(User, lead_id)}
    if admin is not None:
        found["admin"] = admin
    return found


def scope_size(user: User) -> int:
    team = select(User.id).where(User.manager_id == user.id)
    return db.session.scalar(
        select(func.count(User.id)).join(Company, Company.id == User.company_id)
        .where((Company.account_manager_id == user.id) | Company.account_manager_id.in_(team))
    ) or 0


def main() -> None:
    app = create_app({"WTF_CSRF_ENABLED": False})
    statements: list[str] = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        people = viewers()
        customers = db.session.scalar(select(func.count(User.id)).where(User.role == "customer"))
        print(f"{db.engine.url.render_as_string(hide_password=True)}: {customers} customers")
        ids = {role: (user.id, user.get_id(), user.role, scope_size(user)) for role, user in people.items()}
        db.session.remove()
    for role, (_id, session_id, user_role, size) in ids.items():
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = session_id, True
        for page in PAGES:
            started = time.perf_counter()
            response = client.get(page)
            first = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, (page, response.status_code)
            times = []
            for _run in range(RUNS):
                statements.clear()
                started = time.perf_counter()
                client.get(page)
                times.append((time.perf_counter() - started) * 1000)
            print(f"{role:5} ({user_role}, {size:6} customers in scope) {page:28} first {first:7.1f} ms  "
                  f"median {statistics.median(times):7.1f} ms  min {min(times):7.1f} ms  {len(statements)} statements")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
