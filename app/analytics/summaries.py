"""Small summaries the rollup runs keep beside the daily rollups, so that the few open days can be
read set-wise instead of looking up each event's history:

- `LastActive`: per customer, the last rolled-up day they were active (answered, opened a
  challenge, made a referral). "Active on a closed day of the period" is then `day >= start`.
- `ChallengeCustomer`: per customer and challenge, the last rolled-up day they opened it and gave
  an approved answer to it.
- `AccountFirst`: per company, when its first customer joined and its customers first reached
  each level (the accounts figure).

The first two only gain the newly closed days (every new day is later than what they hold); the
accounts are recomputed whole by every run, as a customer's join date or company may change (the
unlock durations too: app.analytics.medians).
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, case, delete, func, insert, null, or_, select, union_all
from sqlalchemy.dialects import postgresql as postgresql_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect

from app.analytics.models import AccountFirst, ChallengeCustomer, ChallengeView, LastActive
from app.analytics.periods import day_of, start_of
from app.auth.models import CUSTOMER, User
from app.extensions import db
from app.journey.models import APPROVED, Level, LevelUnlock, Submission


def joined_at():
    """When a customer joined the programme: the invitation, or the account for those never invited."""
    return func.coalesce(User.invited_at, User.created_at)


def joined_since(moment):
    """joined_at() >= moment, said so that the indexes on invited_at and created_at serve it."""
    return or_(User.invited_at >= moment, and_(User.invited_at.is_(None), User.created_at >= moment))


def _upsert(model):
    module = sqlite_dialect if db.session.get_bind().dialect.name == "sqlite" else postgresql_dialect
    return module.insert(model)


def advance(since: date | None, through: date, activity_days) -> None:
    """Bring the summaries to `through`; `since` the first new day (None: from the start), and
    `activity_days` the (user_id, day) rows of the new days."""
    if since is not None:
        db.session.execute(delete(LastActive).where(
            LastActive.user_id.in_(select(activity_days.c.user_id))))
    db.session.execute(insert(LastActive).from_select(
        ["user_id", "day"],
        select(activity_days.c.user_id, func.max(activity_days.c.day)).where(activity_days.c.user_id.is_not(None))
        .group_by(activity_days.c.user_id)))
    _challenge_customers(since, through)
    account_firsts(through)


def _challenge_customers(since: date | None, through: date) -> None:
    until = start_of(through + timedelta(days=1))
    views = select(ChallengeView.user_id.label("user_id"), ChallengeView.challenge_id.label("challenge_id"),
                   ChallengeView.day.label("view_day"), null().label("approved_day")).where(ChallengeView.day <= through)
    answers = select(Submission.user_id, Submission.challenge_id, null(), day_of(Submission.created_at)).where(
        Submission.status == APPROVED, Submission.created_at < until)
    if since is not None:
        views = views.where(ChallengeView.day >= since)
        answers = answers.where(Submission.created_at >= start_of(since))
    rows = union_all(views, answers).subquery("pair_days")
    latest = (select(rows.c.user_id, rows.c.challenge_id, func.max(rows.c.view_day), func.max(rows.c.approved_day))
              .where(rows.c.user_id.is_not(None))
              .group_by(rows.c.user_id, rows.c.challenge_id))
    statement = _upsert(ChallengeCustomer).from_select(
        ["user_id", "challenge_id", "last_view", "last_approved"], latest)
    table = ChallengeCustomer.__table__
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["user_id", "challenge_id"],
        set_={"last_view": func.coalesce(statement.excluded.last_view, table.c.last_view),
              "last_approved": func.coalesce(statement.excluded.last_approved, table.c.last_approved)}))


def approved_on(user_id: int, challenge_id: int, day: date) -> None:
    """A late review approved an answer given on a rolled-up day."""
    statement = _upsert(ChallengeCustomer).values(user_id=user_id, challenge_id=challenge_id, last_view=None,
                                                  last_approved=day)
    table = ChallengeCustomer.__table__
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["user_id", "challenge_id"],
        set_={"last_approved": case((table.c.last_approved.is_(None), statement.excluded.last_approved),
                                    (table.c.last_approved < statement.excluded.last_approved,
                                     statement.excluded.last_approved), else_=table.c.last_approved)}))


def account_firsts(through: date) -> None:
    """Recompute the per-company firsts up to `through` (with the levels as they are now)."""
    until = start_of(through + timedelta(days=1))
    db.session.execute(delete(AccountFirst))
    rows = union_all(
        select(User.company_id.label("company_id"), joined_at().label("joined"), null().label("level2"),
               null().label("level3"))
        .where(User.role == CUSTOMER, User.company_id.is_not(None), joined_at() < until),
        select(User.company_id, null(), case((Level.position >= 2, LevelUnlock.unlocked_at)),
               case((Level.position >= 3, LevelUnlock.unlocked_at)))
        .select_from(LevelUnlock).join(User, User.id == LevelUnlock.user_id).join(Level, Level.id == LevelUnlock.level_id)
        .where(User.company_id.is_not(None), Level.position >= 2, LevelUnlock.unlocked_at < until),
    ).subquery("account_days")
    db.session.execute(insert(AccountFirst).from_select(
        ["company_id", "first_joined", "level2_at", "level3_at"],
        select(rows.c.company_id, func.min(rows.c.joined), func.min(rows.c.level2), func.min(rows.c.level3))
        .where(rows.c.company_id.is_not(None)).group_by(rows.c.company_id)))


def account_rows(unrolled_since):
    """(company_id, joined, level2, level3) rows: one per company from the rollup run, plus the
    customers who joined and the levels reached after the rolled-up days (a company's firsts can only
    get earlier by them)."""
    return union_all(
        select(AccountFirst.company_id.label("company_id"), AccountFirst.first_joined.label("joined"),
               AccountFirst.level2_at.label("level2"), AccountFirst.level3_at.label("level3")),
        select(User.company_id, joined_at(), null(), null())
        .where(User.role == CUSTOMER, User.company_id.is_not(None), joined_since(unrolled_since)),
        select(User.company_id, null(), case((Level.position >= 2, LevelUnlock.unlocked_at)),
               case((Level.position >= 3, LevelUnlock.unlocked_at)))
        .select_from(LevelUnlock).join(User, User.id == LevelUnlock.user_id).join(Level, Level.id == LevelUnlock.level_id)
        .where(User.company_id.is_not(None), Level.position >= 2, LevelUnlock.unlocked_at >= unrolled_since),
    ).subquery("account_rows")
