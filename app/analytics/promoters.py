"""The NPS rollups: answers per day and category, and the promoters with their advocacy.

`NpsDay` counts the answers of each closed day per category (the score in a period and the trend
per month add them up). `PromoterDay` counts, per day, the customers with a promoter answer that
day, by the day of their promoter answer before (`prev_day`), whether one of that day's answers was
followed by an advocacy action within ADVOCACY_DAYS (an approved or waiting answer to a challenge
of level 2 or higher, or a referral they made) as far as the rolled-up days know (`acted`), and
the last earlier day with such an answer (`prev_acted_day`): counted on their first such day in a
period, distinct customers add up over days.

An answer's advocacy can still change for ADVOCACY_DAYS after it (a new action), so every run redoes
the promoter days of the last ADVOCACY_DAYS + 1 rolled-up days. Between runs, only customers with a
promoter answer or an action after the rolled-up days can differ from the rollup: the figures
replace their rolled-up contribution by one counted from the raw tables (`correction`). A review
that turns an answer down can change a closed day: `rejected()` adds the difference. A change of
levels changes which answers are actions: the figure then reads the raw tables until the next run.
"""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, delete, func, insert, literal, or_, select, true, union
from sqlalchemy.orm import aliased

from app.analytics.models import NpsDay, PromoterDay
from app.analytics.periods import day_of, days_between, start_of
from app.extensions import db
from app.journey.models import APPROVED, PENDING, Challenge, Level, Submission
from app.nps.models import PROMOTER, NpsResponse
from app.referrals.models import Referee

ADVOCACY_DAYS = 90  # a promoter's advocacy action counts when it comes within this many days


# --- What an advocacy action is ------------------------------------------------------------------------

def higher_challenges():
    """The ids of the challenges of level 2 or higher (one small uncorrelated subquery)."""
    return select(Challenge.id).join(Level, Level.id == Challenge.level_id).where(Level.position >= 2)


def acted(answer, before: datetime | None = None, also_submission: int | None = None,
          without_referrals: tuple[int, ...] = ()):
    """EXISTS: the customer of `answer` (an aliased NpsResponse) took an advocacy action within
    ADVOCACY_DAYS after it; only actions before `before` when given; `also_submission` counts as an
    action whatever its status (the moment before it was turned down); the referrals `without_referrals` do not."""
    status = Submission.status.in_((APPROVED, PENDING))
    if also_submission is not None:
        status = or_(status, Submission.id == also_submission)
    advocacy_answer = (
        select(Submission.id)
        .where(Submission.user_id == answer.user_id, status, Submission.challenge_id.in_(higher_challenges()),
               Submission.created_at >= answer.created_at,
               days_between(Submission.created_at, answer.created_at) <= ADVOCACY_DAYS,
               Submission.created_at < before if before is not None else true())
        .exists()
    )
    referral = (
        select(Referee.id)
        .where(Referee.referrer_id == answer.user_id, Referee.created_at >= answer.created_at,
               days_between(Referee.created_at, answer.created_at) <= ADVOCACY_DAYS,
               Referee.created_at < before if before is not None else true(),
               Referee.id.not_in(without_referrals) if without_referrals else true())
        .exists()
    )
    return or_(advocacy_answer, referral)


# --- Building --------------------------------------------------------------------------------------------

def nps_days(since: date | None, through: date):
    """INSERT the answers per day and category of the days [since, through]."""
    day = day_of(NpsResponse.created_at).label("day")
    query = (select(day, NpsResponse.category, func.count())
             .where(NpsResponse.created_at < start_of(through + timedelta(days=1)))
             .group_by(day, NpsResponse.category))
    if since is not None:
        query = query.where(NpsResponse.created_at >= start_of(since))
    return insert(NpsDay).from_select(["day", "category", "answers"], query)


def _promoter_tuples(through: date, user_id: int | None = None, also_submission: int | None = None,
                     without_referrals: tuple[int, ...] = ()):
    """Per customer and day with a promoter answer (up to `through`): day, prev_day, acted,
    prev_acted_day; acted as far as the actions before the end of `through` tell."""
    answer = aliased(NpsResponse)
    until = start_of(through + timedelta(days=1))
    answers = (
        select(answer.user_id.label("user_id"), day_of(answer.created_at).label("day"),
               case((acted(answer, until, also_submission, without_referrals), 1), else_=0).label("acted"))
        .where(answer.category == PROMOTER, answer.created_at < until,
               answer.user_id == user_id if user_id is not None else true())
        .subquery("answers")
    )
    days = (select(answers.c.user_id, answers.c.day, func.max(answers.c.acted).label("acted"))
            .group_by(answers.c.user_id, answers.c.day).subquery("promoter_days"))
    order = {"partition_by": days.c.user_id, "order_by": days.c.day}
    return select(
        days.c.user_id, days.c.day, func.lag(days.c.day).over(**order).label("prev_day"), days.c.acted,
        func.max(case((days.c.acted == 1, days.c.day))).over(**order, rows=(None, -1)).label("prev_acted_day"),
    ).subquery("promoter_tuples")


def rebuild_days(closed_before: date | None, through: date) -> None:
    """Redo the promoter days whose advocacy may have changed since the rollups ended at
    `closed_before` (every day when None), up to `through`."""
    tuples = _promoter_tuples(through)
    query = (select(tuples.c.day, tuples.c.prev_day, tuples.c.acted == 1, tuples.c.prev_acted_day, func.count())
             .group_by(tuples.c.day, tuples.c.prev_day, tuples.c.acted, tuples.c.prev_acted_day))
    if closed_before is None:
        db.session.execute(delete(PromoterDay))
    else:
        first = closed_before - timedelta(days=ADVOCACY_DAYS + 1)
        db.session.execute(delete(PromoterDay).where(PromoterDay.day >= first))
        query = query.where(tuples.c.day >= first)
    db.session.execute(insert(PromoterDay).from_select(
        ["day", "prev_day", "acted", "prev_acted_day", "customers"], query))


def _customer_tuples(user_id: int, through: date, also_submission: int | None = None,
                     without_referrals: tuple[int, ...] = ()) -> Counter:
    tuples = _promoter_tuples(through, user_id, also_submission, without_referrals)
    rows = db.session.execute(select(tuples.c.day, tuples.c.prev_day, tuples.c.acted, tuples.c.prev_acted_day))
    return Counter((_day(r.day), _day(r.prev_day), bool(r.acted), _day(r.prev_acted_day)) for r in rows)


def _day(value) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def rejected(submission: Submission, closed_through: date) -> None:
    """The customer's promoter days as rolled up, with the turned-down answer still counted, replaced
    by the same days without it (flush only)."""
    if submission.created_at >= start_of(closed_through + timedelta(days=1)):
        return  # not an action the rolled-up days know of
    _replace(_customer_tuples(submission.user_id, closed_through, also_submission=submission.id),
             _customer_tuples(submission.user_id, closed_through))


def action_removed(user_id: int, closed_through: date, without_referrals: tuple[int, ...]) -> None:
    """Referrals are about to go: the customer's promoter days without them replace those with them."""
    _replace(_customer_tuples(user_id, closed_through),
             _customer_tuples(user_id, closed_through, without_referrals=without_referrals))


def _replace(before: Counter, after: Counter) -> None:
    """Rows of -1 and +1 customers that turn the rolled-up `before` into `after` (flush only)."""
    changes = Counter(after)
    changes.subtract(before)
    for (day, prev_day, acted_, prev_acted_day), customers in changes.items():
        if customers:
            db.session.add(PromoterDay(day=day, prev_day=prev_day, acted=acted_, prev_acted_day=prev_acted_day,
                                       customers=customers))
    db.session.flush()


# --- Reading ---------------------------------------------------------------------------------------------

def rolled(s) -> dict:
    """Conditional sums over the promoter days of split `s`: the customers counted on a rolled-up day
    of it (promoters), and those of them whose answer was followed by an action (acted)."""
    in_window = and_(PromoterDay.day >= s.start, PromoterDay.day <= s.closed_end)
    promoters = func.coalesce(func.sum(case(
        (and_(in_window, or_(PromoterDay.prev_day.is_(None), PromoterDay.prev_day < s.start)),
         PromoterDay.customers), else_=0)), 0)
    acted_ = func.coalesce(func.sum(case(
        (and_(in_window, PromoterDay.acted.is_(True),
              or_(PromoterDay.prev_acted_day.is_(None), PromoterDay.prev_acted_day < s.start)),
         PromoterDay.customers), else_=0)), 0)
    return {"promoters": promoters, "acted": acted_}


def touched(unrolled_since: datetime):
    """The customers with a promoter answer or an advocacy action after the rolled-up days."""
    return union(
        select(NpsResponse.user_id.label("user_id")).where(NpsResponse.category == PROMOTER,
                                                           NpsResponse.created_at >= unrolled_since),
        select(Submission.user_id).where(Submission.created_at >= unrolled_since,
                                         Submission.status.in_((APPROVED, PENDING)),
                                         Submission.challenge_id.in_(higher_challenges())),
        select(Referee.referrer_id).where(Referee.created_at >= unrolled_since),
    ).subquery("touched")


def correction(s, unrolled_since: datetime, touched) -> dict:
    """Per customer of `touched`: whether they count in split `s` now (from the raw tables) minus
    whether the rollup counts them, summed."""
    rolled_until = min(s.period.until, unrolled_since)

    def has(since, until, before=None, with_action=False):
        answer = aliased(NpsResponse)
        condition = and_(answer.user_id == touched.c.user_id, answer.category == PROMOTER,
                         answer.created_at >= since, answer.created_at < until)
        if with_action:
            condition = and_(condition, acted(answer, before))
        if until <= since:
            return literal(0)
        return case((select(answer.id).where(condition).exists(), 1), else_=0)

    now_p, rolled_p = has(s.period.since, s.period.until), has(s.period.since, rolled_until)
    now_a = has(s.period.since, s.period.until, with_action=True)
    rolled_a = has(s.period.since, rolled_until, unrolled_since, with_action=True)
    return {"promoters": func.coalesce(func.sum(now_p - rolled_p), 0),
            "acted": func.coalesce(func.sum(now_a - rolled_a), 0)}

