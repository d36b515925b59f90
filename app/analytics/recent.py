"""Figures from the daily rollups for the closed days plus the raw tables for the days after them.

Each function returns the same numbers as counting the raw tables over the whole period (the
reference in tests/analytics/reference.py; tests/analytics/test_rollups.py compares them on random
data). Counts of distinct people add up over days because each person is counted on their first
day in the window: the day they were last seen before it lies before the window's start. The raw
part reads only the open days (a day or two) through the tables' day indexes, and checks earlier
days per row with index look-ups.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, case, func, literal, or_, select, union, union_all

from app.analytics import raw
from app.analytics.models import (
    ActivityDay,
    ChallengeCustomer,
    ChallengeView,
    CompletionDay,
    LastActive,
    PointsDay,
    UnlockDay,
    ViewDay,
)
from app.analytics.periods import Period, start_of
from app.analytics.rollups import closed_through
from app.extensions import db
from app.journey.models import APPROVED, LevelUnlock, Submission
from app.points.models import PointsEntry
from app.referrals.models import Referee

NEVER = date(1900, 1, 1)  # nothing rolled up: every day is read live
# With more open days than this in a period (the rollups never built, or not advanced for a
# while), one pass over the raw tables for the whole period (app.analytics.raw) costs less than
# the per-row look-ups below.
MAX_OPEN_DAYS = 7


class Split:
    """A period cut at the last rolled-up day: [start, closed_end] from rollups, [open_start, end] live."""

    def __init__(self, period: Period, through: date | None):
        self.through = through
        through = through or NEVER
        self.period = period
        self.start, self.end = period.start, period.end
        self.closed_end = min(period.end, through)
        self.open_start = max(period.start, through + timedelta(days=1))
        self.open_since = start_of(self.open_start)
        self.unrolled_since = start_of(through + timedelta(days=1))  # the first moment not rolled up

    @property
    def open_days(self) -> int:
        return max(0, (self.end - self.open_start).days + 1)


def splits(p: Period) -> tuple[Split, Split]:
    through = closed_through()
    return Split(p, through), Split(p.previous(), through)


def mostly_open(cur: Split, prev: Split) -> bool:
    return max(cur.open_days, prev.open_days) > MAX_OPEN_DAYS


def _slots(names, slot: str, values: dict) -> list:
    """Every `<name>_cur` and `<name>_prev` column, in one order: this slot's values, zeros elsewhere."""
    return [(values.get(name, literal(0)) if s == slot else literal(0)).label(f"{name}_{s}")
            for s in ("cur", "prev") for name in names]


def _sum_if(condition, value):
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


CHALLENGE_COLUMNS = ("views", "viewers", "done", "converted", "points")


def _open_views(s: Split):
    """The open days' views of the period, each with its rank among its customer's views of that
    challenge in those days (1: the first), and the pair's rolled-up last view and approved answer."""
    rank = func.row_number().over(partition_by=(ChallengeView.user_id, ChallengeView.challenge_id),
                                  order_by=ChallengeView.day)
    views = (select(ChallengeView.user_id.label("user_id"), ChallengeView.challenge_id.label("challenge_id"),
                    rank.label("rank"))
             .where(ChallengeView.day >= s.open_start, ChallengeView.day <= s.end).subquery("open_views"))
    return views


def _history(rows, column):
    """The pair's rolled-up day in `column` of ChallengeCustomer (NEVER when none): a primary-key look-up
    per open-day row, whatever the size of the summary."""
    found = (select(column).where(ChallengeCustomer.user_id == rows.c.user_id,
                                  ChallengeCustomer.challenge_id == rows.c.challenge_id).scalar_subquery())
    return func.coalesce(found, NEVER)


def _challenge_parts(s: Split, slot: str) -> list:
    """Per challenge, for one period: views, viewers, approved answers, converted customers, points.
    Rolled-up days from the daily rollups; the open days set-wise, with each customer's rolled-up
    history from ChallengeCustomer (its days all lie before the open days)."""
    cols = lambda **values: _slots(CHALLENGE_COLUMNS, slot, values)  # noqa: E731
    rolled_views = (
        select(ViewDay.challenge_id.label("challenge_id"),
               *cols(views=func.sum(ViewDay.views),
                     viewers=_sum_if(or_(ViewDay.prev_day.is_(None), ViewDay.prev_day < s.start), ViewDay.views)))
        .where(ViewDay.day >= s.start, ViewDay.day <= s.closed_end).group_by(ViewDay.challenge_id)
    )
    first_in_window = or_(CompletionDay.prev_approved.is_(None), CompletionDay.prev_approved < s.start)
    seen_in_window = or_(CompletionDay.last_view >= s.start, CompletionDay.next_view <= s.end)
    rolled_done = (
        select(CompletionDay.challenge_id,
               *cols(done=func.sum(CompletionDay.completions),
                     converted=_sum_if(and_(first_in_window, seen_in_window), CompletionDay.completions)))
        .where(CompletionDay.day >= s.start, CompletionDay.day <= s.closed_end).group_by(CompletionDay.challenge_id)
    )
    rolled_points = (
        select(PointsDay.challenge_id, *cols(points=func.sum(PointsDay.points)))
        .where(PointsDay.day >= s.start, PointsDay.day <= s.closed_end).group_by(PointsDay.challenge_id)
    )
    if s.open_days == 0:
        return [rolled_views, rolled_done, rolled_points]

    views = _open_views(s)
    last_view = lambda rows: _history(rows, ChallengeCustomer.last_view)  # noqa: E731
    last_approved = lambda rows: _history(rows, ChallengeCustomer.last_approved)  # noqa: E731
    live_views = (
        select(views.c.challenge_id,
               *cols(views=func.count(),
                     # Not opened on a rolled-up day of the period, nor earlier in the open days.
                     viewers=_sum_if(and_(views.c.rank == 1, last_view(views) < s.start), 1),
                     # Answered approved on a rolled-up day of the period, opened it only on an open day:
                     # converted, once per customer, from their first open-day view.
                     converted=_sum_if(and_(views.c.rank == 1, last_approved(views) >= s.start,
                                            last_view(views) < s.start), 1)))
        .group_by(views.c.challenge_id)
    )
    rank = func.row_number().over(partition_by=(Submission.user_id, Submission.challenge_id),
                                  order_by=(Submission.created_at, Submission.id))
    answers = (select(Submission.user_id.label("user_id"), Submission.challenge_id.label("challenge_id"),
                      rank.label("rank"))
               .where(Submission.status == APPROVED, Submission.created_at >= s.open_since,
                      Submission.created_at < s.period.until).subquery("open_answers"))
    open_seen = (select(views.c.user_id, views.c.challenge_id).where(views.c.rank == 1)
                 .subquery("open_seen"))
    # The first approved answer of the period (none on a rolled-up day of it, none earlier in the open
    # days), by a customer who opened the challenge in the period.
    converted = and_(answers.c.rank == 1, last_approved(answers) < s.start,
                     or_(open_seen.c.user_id.is_not(None), last_view(answers) >= s.start))
    live_done = (
        select(answers.c.challenge_id, *cols(done=func.count(), converted=_sum_if(converted, 1)))
        .select_from(answers)
        .outerjoin(open_seen, and_(open_seen.c.user_id == answers.c.user_id,
                                   open_seen.c.challenge_id == answers.c.challenge_id))
        .group_by(answers.c.challenge_id)
    )
    # Each open-day ledger row finds its answer's challenge among the open days' answers (booked at
    # once, the usual case), else by primary key (booked later, after a review). A condition on the
    # ledger's source_type alone would lead PostgreSQL to its (source_type, …) index.
    recent_answers = (select(Submission.id.label("id"), Submission.challenge_id.label("challenge_id"))
                      .where(Submission.created_at >= s.open_since, Submission.created_at < s.period.until)
                      .subquery("recent_answers"))
    by_key = (select(Submission.challenge_id).where(Submission.id == PointsEntry.source_id).scalar_subquery())
    booked = (select(func.coalesce(recent_answers.c.challenge_id, by_key).label("challenge_id"),
                     PointsEntry.points.label("points"))
              .select_from(PointsEntry)
              .outerjoin(recent_answers, recent_answers.c.id == PointsEntry.source_id)
              .where(PointsEntry.created_at >= s.open_since, PointsEntry.created_at < s.period.until,
                     PointsEntry.source_type == literal("submission"))
              .subquery("booked"))
    live_points = (
        select(booked.c.challenge_id, *cols(points=func.sum(booked.c.points)))
        .where(booked.c.challenge_id.is_not(None)).group_by(booked.c.challenge_id)
    )
    return [rolled_views, live_views, rolled_done, live_done, rolled_points, live_points]


def challenge_figures(p: Period):
    """A subquery: per challenge, views, viewers, done, converted and points as <name>_cur / <name>_prev."""
    cur, prev = splits(p)
    if mostly_open(cur, prev):
        return raw.challenge_figures(p)
    parts = []
    for split, slot in ((cur, "cur"), (prev, "prev")):
        parts += _challenge_parts(split, slot)
    rows = union_all(*parts).subquery("parts")
    return (
        select(rows.c.challenge_id,
               *[func.sum(rows.c[f"{name}_{s_}"]).label(f"{name}_{s_}")
                 for s_ in ("cur", "prev") for name in CHALLENGE_COLUMNS])
        .group_by(rows.c.challenge_id).subquery("figures")
    )


# --- Active customers ------------------------------------------------------------------------------

def active_pair(p: Period) -> tuple:
    """(current, previous): customers who answered, opened a challenge or made a referral."""
    cur, prev = splits(p)
    if mostly_open(cur, prev):
        return raw.active_customers(p)
    return tuple(db.session.execute(select(active_customers(cur), active_customers(prev))).one())


def active_customers(s: Split):
    """A scalar subquery: customers who answered, opened a challenge or made a referral in the period.
    The rolled-up days count each customer on their first day in the period; the open days count the
    customers active on them who were not active on a rolled-up day of the period (LastActive)."""
    rolled = (select(func.coalesce(func.sum(ActivityDay.customers), 0))
              .where(ActivityDay.day >= s.start, ActivityDay.day <= s.closed_end,
                     or_(ActivityDay.prev_day.is_(None), ActivityDay.prev_day < s.start)).scalar_subquery())
    if s.open_days == 0:
        return rolled
    people = union(
        select(Submission.user_id.label("user_id"))
        .where(Submission.created_at >= s.open_since, Submission.created_at < s.period.until),
        select(ChallengeView.user_id).where(ChallengeView.day >= s.open_start, ChallengeView.day <= s.end),
        select(Referee.referrer_id).where(Referee.created_at >= s.open_since, Referee.created_at < s.period.until),
    ).subquery("open_people")
    live = (select(func.count()).select_from(people)
            .outerjoin(LastActive, LastActive.user_id == people.c.user_id)
            .where(people.c.user_id.is_not(None), or_(LastActive.day.is_(None), LastActive.day < s.start))
            .scalar_subquery())
    return rolled + live


# --- Level unlocks ---------------------------------------------------------------------------------

def unlock_counts(p: Period):
    """A subquery: per level, customers who had reached it by the end of each period and who reached
    it in each period (reached_cur, reached_prev, new_cur, new_prev)."""
    cur, prev = splits(p)
    if mostly_open(cur, prev):
        return raw.unlock_counts(p)
    parts = []
    for s, slot in ((cur, "cur"), (prev, "prev")):
        def cols(reached, new, slot=slot):
            return _slots(("reached", "new"), slot, {"reached": reached, "new": new})
        parts.append(select(UnlockDay.level_id.label("level_id"),
                            *cols(func.sum(UnlockDay.unlocks), _sum_if(UnlockDay.day >= s.start, UnlockDay.unlocks)))
                     .where(UnlockDay.day <= s.closed_end).group_by(UnlockDay.level_id))
        parts.append(select(LevelUnlock.level_id,
                            *cols(func.count(), _sum_if(LevelUnlock.unlocked_at >= s.period.since, 1)))
                     .where(LevelUnlock.unlocked_at >= s.unrolled_since, LevelUnlock.unlocked_at < s.period.until)
                     .group_by(LevelUnlock.level_id))
    rows = union_all(*parts).subquery("unlock_parts")
    return (select(rows.c.level_id, *[func.sum(rows.c[name]).label(name)
                                      for name in ("reached_cur", "new_cur", "reached_prev", "new_prev")])
            .group_by(rows.c.level_id).subquery("unlocks"))
