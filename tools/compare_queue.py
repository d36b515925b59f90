"""Interleaved rounds: the ask queue's page statement before this change (copied below as it was:
figures grouped over every customer, then filtered to the viewer's accounts, and counted by a
second statement) against the statement now, for the same viewer, alternating, on the database in
DATABASE_URL. Prints the median per viewer. Both sides run on the same loaded machine at the same
moments, so their ratio means more than either time.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/aj_h3_scale .venv/bin/python -m tools.compare_queue
"""
from __future__ import annotations

import statistics
import sys
import time
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import aliased

from app import create_app
from app.auth.models import CUSTOMER, Company, User
from app.dates import utcnow
from app.extensions import db
from app.journey.models import APPROVED, Challenge, Level, LevelUnlock, Submission
from app.nps.models import DETRACTOR, PROMOTER, NpsResponse
from app.nps.services import paused_customer_ids
from app.referrals.models import AskStatus
from app.referrals.settings import programme_settings
from app.sales import queue
from app.sales.queue import ASK_LEVEL, CLAIM_DAYS, _open_detractor_follow_up
from app.sales.scope import Scope, in_scope, scope_of
from tools.time_sales_pages import viewers


def before_statement(viewer: User, now: datetime, cap_days: int, customer_id: int | None = None) -> Select:
    """The viewer's customers ready for the ask, most ready first, in one SELECT.

    Ready: reached level 3 or a promoter by their latest NPS answer. Left out: a detractor by their
    latest answer, anyone with an open detractor follow-up, anyone asked within the cap. With
    `customer_id` the statement gives that one customer's row whether ready or not (a row to
    redraw after a claim).
    """
    reached = (
        select(LevelUnlock.user_id.label("user_id"), func.max(Level.position).label("level"))
        .join(Level, Level.id == LevelUnlock.level_id)
        .group_by(LevelUnlock.user_id).subquery("reached")
    )
    contributions = (
        select(Submission.user_id.label("user_id"), func.count(Submission.id).label("n"))
        .join(Challenge, Challenge.id == Submission.challenge_id)
        .join(Level, Level.id == Challenge.level_id)
        .where(Level.position == 2, Submission.status == APPROVED)
        .group_by(Submission.user_id).subquery("contributions")
    )
    ranked = select(
        NpsResponse.user_id.label("user_id"), NpsResponse.score.label("score"), NpsResponse.category.label("category"),
        func.row_number().over(
            partition_by=NpsResponse.user_id, order_by=(NpsResponse.created_at.desc(), NpsResponse.id.desc())
        ).label("rank"),
    ).subquery("ranked")
    latest = select(ranked.c.user_id, ranked.c.score, ranked.c.category).where(ranked.c.rank == 1).subquery("latest")
    claimer = aliased(User, name="claimer")
    claim_since = now - timedelta(days=CLAIM_DAYS)

    level = func.coalesce(reached.c.level, 0).label("level")
    done = func.coalesce(contributions.c.n, 0).label("contributions")
    statement = (
        select(
            User, Company.name.label("company_name"), level, done,
            latest.c.score.label("nps_score"), latest.c.category.label("nps_category"),
            AskStatus.last_asked_at, claimer.id.label("claimed_by_id"), claimer.name.label("claimed_by_name"),
            case((claimer.id.is_not(None), AskStatus.claimed_at)).label("claimed_at"),
        )
        .outerjoin(Company, Company.id == User.company_id)
        .outerjoin(reached, reached.c.user_id == User.id)
        .outerjoin(contributions, contributions.c.user_id == User.id)
        .outerjoin(latest, latest.c.user_id == User.id)
        .outerjoin(AskStatus, AskStatus.customer_id == User.id)
        .outerjoin(claimer, and_(claimer.id == AskStatus.claimed_by_id, AskStatus.claimed_at >= claim_since))
        .where(User.role == CUSTOMER, User.is_active.is_(True), in_scope(User.company_id, viewer))
    )
    if customer_id is not None:
        return statement.where(User.id == customer_id)
    cutoff = now - timedelta(days=cap_days)
    return (
        statement
        .where(or_(func.coalesce(reached.c.level, 0) >= ASK_LEVEL, latest.c.category == PROMOTER))
        .where(or_(latest.c.category.is_(None), latest.c.category != DETRACTOR))
        .where(User.id.not_in(paused_customer_ids()), ~_open_detractor_follow_up(User.id))
        .where(or_(AskStatus.last_asked_at.is_(None), AskStatus.last_asked_at < cutoff))
        .order_by(
            func.coalesce(reached.c.level, 0).desc(),
            func.coalesce(contributions.c.n, 0).desc(),
            func.coalesce(latest.c.score, -1).desc(),
            case((AskStatus.last_asked_at.is_(None), 0), else_=1),  # never asked first
            AskStatus.last_asked_at.asc(),                          # then the longest ago
            User.name, User.id,
        )
    )



def before(viewer: User | Scope, now: datetime, cap: int) -> int:
    statement = before_statement(viewer, now, cap)
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    rows = db.session.execute(statement.limit(25)).all()
    return len(rows) + 0 * (total or 0)


def after(viewer: User | Scope, now: datetime, cap: int) -> int:
    return len(db.session.execute(queue.queue_statement(scope_of(viewer), now, cap, limit=25)).all())


def team_of_ten(lead: User) -> Scope:
    """A lead over ten account managers (not the whole book): the scope as a list, nothing skipped."""
    reps = db.session.scalars(select(User.id).where(User.manager_id == lead.id).order_by(User.id).limit(10))
    return Scope(lead.id, (lead.id, *reps), every_account=False)


def main(rounds: int) -> None:
    app = create_app()
    with app.app_context():
        now, cap = utcnow(), programme_settings().ask_cap_days
        people = viewers()
        people["team10"] = team_of_ten(people["lead"])
        for role, viewer in people.items():
            times: dict[str, list[float]] = {"before": [], "after": []}
            for _round in range(rounds):
                for name, run in (("before", before), ("after", after)):
                    started = time.perf_counter()
                    run(viewer, now, cap)
                    times[name].append((time.perf_counter() - started) * 1000)
            b, a = statistics.median(times["before"]), statistics.median(times["after"])
            print(f"{role:5} before {b:8.1f} ms  after {a:8.1f} ms  after/before {a / b:5.2f}  ({rounds} rounds)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
