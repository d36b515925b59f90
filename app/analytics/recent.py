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

from sqlalchemy import and_, case, exists, func, literal, or_, select, union_all
from sqlalchemy.orm import aliased

from app.analytics import raw
from app.analytics.models import ActivityDay, ChallengeView, CompletionDay, PointsDay, UnlockDay, ViewDay
from app.analytics.periods import Period
from app.analytics.rollups import closed_through, start_of
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


def _mostly_open(cur: Split, prev: Split) -> bool:
    return max(cur.open_days, prev.open_days) > MAX_OPEN_DAYS


def _slots(names, slot: str, values: dict) -> list:
    """Every `<name>_cur` and `<name>_prev` column, in one order: this slot's values, zeros elsewhere."""
    return [(values.get(name, literal(0)) if s == slot else literal(0)).label(f"{name}_{s}")
            for s in ("cur", "prev") for name in names]


def _sum_if(condition, value):
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


CHALLENGE_COLUMNS = ("views", "viewers", "done", "converted", "points")


def _challenge_parts(s: Split, slot: str) -> list:
    """Per challenge, for one period: views, viewers, approved answers, converted customers, points."""
    cols = lambda **values: _slots(CHALLENGE_COLUMNS, slot, values)  # noqa: E731
    other = aliased(ChallengeView)
    rolled_views = (
        select(ViewDay.challenge_id.label("challenge_id"),
               *cols(views=func.sum(ViewDay.views),
                     viewers=_sum_if(or_(ViewDay.prev_day.is_(None), ViewDay.prev_day < s.start), ViewDay.views)))
        .where(ViewDay.day >= s.start, ViewDay.day <= s.closed_end).group_by(ViewDay.challenge_id)
    )
    same_pair = and_(other.user_id == ChallengeView.user_id, other.challenge_id == ChallengeView.challenge_id)
    seen_earlier = exists().where(same_pair, other.day >= s.start, other.day < ChallengeView.day)
    live_views = (
        select(ChallengeView.challenge_id, *cols(views=func.count(), viewers=_sum_if(~seen_earlier, 1)))
        .where(ChallengeView.day >= s.open_start, ChallengeView.day <= s.end).group_by(ChallengeView.challenge_id)
    )
    first_in_window = or_(CompletionDay.prev_approved.is_(None), CompletionDay.prev_approved < s.start)
    seen_in_window = or_(CompletionDay.last_view >= s.start, CompletionDay.next_view <= s.end)
    rolled_done = (
        select(CompletionDay.challenge_id,
               *cols(done=func.sum(CompletionDay.completions),
                     converted=_sum_if(and_(first_in_window, seen_in_window), CompletionDay.completions)))
        .where(CompletionDay.day >= s.start, CompletionDay.day <= s.closed_end).group_by(CompletionDay.challenge_id)
    )
    before = aliased(Submission)
    approved_before = exists().where(
        before.user_id == Submission.user_id, before.challenge_id == Submission.challenge_id,
        before.status == APPROVED, before.created_at >= s.period.since,
        or_(before.created_at < Submission.created_at,
            and_(before.created_at == Submission.created_at, before.id < Submission.id)))
    viewed = exists().where(other.user_id == Submission.user_id, other.challenge_id == Submission.challenge_id,
                            other.day >= s.start, other.day <= s.end)
    live_done = (
        select(Submission.challenge_id,
               *cols(done=func.count(), converted=_sum_if(and_(~approved_before, viewed), 1)))
        .where(Submission.status == APPROVED, Submission.created_at >= s.open_since,
               Submission.created_at < s.period.until)
        .group_by(Submission.challenge_id)
    )
    # Answers approved on a closed day of the window whose customer opened the challenge in the
    # window only on an open day: counted once per customer, from their first open-day view.
    answered_closed = exists().where(
        Submission.user_id == ChallengeView.user_id, Submission.challenge_id == ChallengeView.challenge_id,
        Submission.status == APPROVED, Submission.created_at >= s.period.since,
        Submission.created_at < s.open_since)
    seen_closed = exists().where(same_pair, other.day >= s.start, other.day <= s.closed_end)
    seen_open_earlier = exists().where(same_pair, other.day >= s.open_start, other.day < ChallengeView.day)
    late_views = (
        select(ChallengeView.challenge_id,
               *cols(converted=_sum_if(and_(answered_closed, ~seen_closed, ~seen_open_earlier), 1)))
        .where(ChallengeView.day >= s.open_start, ChallengeView.day <= s.end).group_by(ChallengeView.challenge_id)
    )
    rolled_points = (
        select(PointsDay.challenge_id, *cols(points=func.sum(PointsDay.points)))
        .where(PointsDay.day >= s.start, PointsDay.day <= s.closed_end).group_by(PointsDay.challenge_id)
    )
    # Each open-day ledger row finds its answer's challenge by primary key: a join would hash all
    # answers, and a condition on source_type out here would lead PostgreSQL to scan the ledger's
    # (source_type, …) index for every row of that type ever booked.
    answer_challenge = (select(Submission.challenge_id)
                        .where(PointsEntry.source_type == "submission", Submission.id == PointsEntry.source_id)
                        .scalar_subquery())
    booked = (select(answer_challenge.label("challenge_id"), PointsEntry.points)
              .where(PointsEntry.created_at >= s.open_since, PointsEntry.created_at < s.period.until)
              .subquery("booked"))
    live_points = (
        select(booked.c.challenge_id, *cols(points=func.sum(booked.c.points)))
        .where(booked.c.challenge_id.is_not(None)).group_by(booked.c.challenge_id)
    )
    return [rolled_views, live_views, rolled_done, live_done, late_views, rolled_points, live_points]


def challenge_figures(p: Period):
    """A subquery: per challenge, views, viewers, done, converted and points as <name>_cur / <name>_prev."""
    cur, prev = splits(p)
    if _mostly_open(cur, prev):
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
    if _mostly_open(cur, prev):
        return raw.active_customers(p)
    return tuple(db.session.execute(select(active_customers(cur), active_customers(prev))).one())


def active_customers(s: Split):
    """A scalar subquery: customers who answered, opened a challenge or made a referral in the period."""
    view = aliased(ChallengeView)
    answer = aliased(Submission)

    def did_before(user_id, first: date, day_before: date):
        """An answer or a view of user_id on a day in [first, day_before)."""
        return or_(
            exists().where(view.user_id == user_id, view.day >= first, view.day < day_before),
            exists().where(answer.user_id == user_id, answer.created_at >= start_of(first),
                           answer.created_at < start_of(day_before)),
        )

    rolled = (select(func.coalesce(func.sum(ActivityDay.customers), 0))
              .where(ActivityDay.day >= s.start, ActivityDay.day <= s.closed_end,
                     or_(ActivityDay.prev_day.is_(None), ActivityDay.prev_day < s.start)).scalar_subquery())
    # The open days: each customer once, on their first open day in the window, unless they were
    # active on a closed day of it.
    days = union_all(
        select(Submission.user_id.label("user_id"), func.date(Submission.created_at).label("day"))
        .where(Submission.created_at >= s.open_since, Submission.created_at < s.period.until),
        select(ChallengeView.user_id, ChallengeView.day).where(ChallengeView.day >= s.open_start,
                                                               ChallengeView.day <= s.end),
    ).subquery("open_days")
    first_open = select(days.c.user_id).group_by(days.c.user_id).subquery("first_open")
    live = (select(func.count()).select_from(first_open)
            .where(~did_before(first_open.c.user_id, s.start, s.open_start)).scalar_subquery())
    referrers = (select(Referee.referrer_id.label("user_id"))
                 .where(Referee.created_at >= s.period.since, Referee.created_at < s.period.until)
                 .group_by(Referee.referrer_id).subquery("referrers"))
    until_day = s.end + timedelta(days=1)
    only_referred = (select(func.count()).select_from(referrers)
                     .where(~did_before(referrers.c.user_id, s.start, until_day)).scalar_subquery())
    return rolled + live + only_referred


# --- Level unlocks ---------------------------------------------------------------------------------

def unlock_counts(p: Period):
    """A subquery: per level, customers who had reached it by the end of each period and who reached
    it in each period (reached_cur, reached_prev, new_cur, new_prev)."""
    cur, prev = splits(p)
    if _mostly_open(cur, prev):
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
