"""The daily rollups behind the dashboard: built for closed days, read with the open days live.

A day is closed when nothing can be added to it any more: everything is stored with the moment
it happens (UTC), and a challenge view with the programme's date, at most a day ahead of UTC. So
the rollups cover the days up to `RollupState.closed_through` (two days before today, UTC, when
`advance()` runs: `flask analytics-rollup`, daily from cron or the job runner), and the figures
(app.analytics.recent) add the days after it from the raw tables, bounded by their day indexes.
`rebuild()` (`flask analytics-rebuild`, and the end of `seed-scale` / `seed-demo`) recomputes
everything from scratch.

What is rolled up never changes once its day is closed: ledger rows, challenge views, answers
(their existence) and level unlocks are only ever added, with the moment they happen. The one
exception is a review: an answer waiting for review is approved later, on another day; the
review calls `approved()` (in its transaction), which adds the answer to its closed day. The
figures that depend on what can change later (a referral's stage, a claim's cancellation, who is
activated) are not rolled up: they read the raw tables, which are small.
"""
from __future__ import annotations

from datetime import date, timedelta

from flask import g, has_app_context
from sqlalchemy import and_, case, delete, func, insert, literal, null, select, union
from sqlalchemy.orm import aliased

from app import dates
from app.analytics import medians, promoters, referral_days, summaries
from app.analytics.models import (
    AccountFirst,
    ActivityDay,
    ChallengeCustomer,
    ChallengeView,
    ClickDay,
    CompletionDay,
    DurationMonth,
    LastActive,
    NpsDay,
    PointsDay,
    PromoterDay,
    ReferralDay,
    RollupState,
    UnlockDay,
    UnlockDuration,
    ViewDay,
    WonDay,
)
from app.analytics.periods import day_of, start_of
from app.dates import utcnow
from app.extensions import db
from app.journey.models import APPROVED, LevelUnlock, Submission
from app.points.models import PointsEntry
from app.referrals.models import Referee

ROLLUPS = (PointsDay, ViewDay, CompletionDay, ActivityDay, UnlockDay, NpsDay, PromoterDay, LastActive,
           ChallengeCustomer, UnlockDuration, DurationMonth, AccountFirst, ReferralDay, WonDay, ClickDay)


def _rolled_through() -> tuple[date | None, date | None]:
    """(closed_through, levels_through), read once per request: every figure of the dashboard
    cuts its periods at the same day."""
    if has_app_context() and "analytics_rolled_through" in g:
        return g.analytics_rolled_through
    row = db.session.execute(select(RollupState.closed_through, RollupState.levels_through)
                             .where(RollupState.id == 1)).first()
    through = (row.closed_through, row.levels_through) if row is not None else (None, None)
    if has_app_context():
        g.analytics_rolled_through = through
    return through


def closed_through() -> date | None:
    """The last day the rollups cover, or None when nothing is rolled up (everything is live)."""
    return _rolled_through()[0]


def levels_through() -> date | None:
    """The last day the rollups that depend on the levels' order cover; None after a change of levels."""
    return _rolled_through()[1]


def _forget_closed_through() -> None:
    if has_app_context():
        g.pop("analytics_rolled_through", None)


def last_closed_day() -> date:
    """Yesterday (UTC) when the programme's time zone is not behind UTC: a view carries the programme's
    date, so none dated yesterday can come any more. Two days back in a zone behind UTC."""
    behind = dates.local_now().utcoffset() < timedelta(0)
    return utcnow().date() - timedelta(days=2 if behind else 1)


def _state(through: date | None, lock: bool = False) -> RollupState:
    query = select(RollupState).where(RollupState.id == 1)
    state = db.session.scalar(query.with_for_update() if lock else query)
    if state is None:
        state = RollupState(id=1, closed_through=through)
        db.session.add(state)
        db.session.flush()
    return state


# --- Building ---------------------------------------------------------------------------------------

def _points(since: date | None, through: date):
    day = day_of(PointsEntry.created_at).label("day")
    query = (
        select(day, Submission.challenge_id, func.sum(PointsEntry.points))
        .join(Submission, and_(PointsEntry.source_type == "submission", PointsEntry.source_id == Submission.id))
        .where(PointsEntry.created_at < start_of(through + timedelta(days=1)))
        .group_by(day, Submission.challenge_id)
    )
    if since is not None:
        query = query.where(PointsEntry.created_at >= start_of(since))
    return insert(PointsDay).from_select(["day", "challenge_id", "points"], query)


def _views(since: date | None, through: date):
    prev = func.lag(ChallengeView.day).over(partition_by=(ChallengeView.user_id, ChallengeView.challenge_id),
                                            order_by=ChallengeView.day)
    ranked = (select(ChallengeView.challenge_id, ChallengeView.day, prev.label("prev_day"))
              .where(ChallengeView.day <= through).subquery("ranked"))
    query = (select(ranked.c.day, ranked.c.challenge_id, ranked.c.prev_day, func.count())
             .group_by(ranked.c.day, ranked.c.challenge_id, ranked.c.prev_day))
    if since is not None:
        query = query.where(ranked.c.day >= since)
    return insert(ViewDay).from_select(["day", "challenge_id", "prev_day", "views"], query)


def _view_before(user_id, challenge_id, on_or_before):
    return (select(func.max(ChallengeView.day))
            .where(ChallengeView.user_id == user_id, ChallengeView.challenge_id == challenge_id,
                   ChallengeView.day <= on_or_before).scalar_subquery())


def _view_after(user_id, challenge_id, after, through: date):
    return (select(func.min(ChallengeView.day))
            .where(ChallengeView.user_id == user_id, ChallengeView.challenge_id == challenge_id,
                   ChallengeView.day > after, ChallengeView.day <= through).scalar_subquery())


def _completions(through: date):
    """Every closed day's approved answers (rebuilt whole: `next_view` moves as days close)."""
    day = day_of(Submission.created_at)
    prev = func.lag(day).over(partition_by=(Submission.user_id, Submission.challenge_id),
                              order_by=(Submission.created_at, Submission.id))
    answers = (
        select(Submission.user_id, Submission.challenge_id, day.label("day"), prev.label("prev_approved"))
        .where(Submission.status == APPROVED, Submission.created_at < start_of(through + timedelta(days=1)))
        .subquery("answers")
    )
    last_view = _view_before(answers.c.user_id, answers.c.challenge_id, answers.c.day)
    facts = select(answers.c.day, answers.c.challenge_id, last_view.label("last_view"),
                   _view_after(answers.c.user_id, answers.c.challenge_id, answers.c.day, through).label("next_view"),
                   answers.c.prev_approved).subquery("facts")
    # When the customer opened it on the day itself, a later view changes nothing: leave it out.
    next_view = case((facts.c.last_view == facts.c.day, null()), else_=facts.c.next_view)
    query = (select(facts.c.day, facts.c.challenge_id, facts.c.last_view, next_view.label("next_view"),
                    facts.c.prev_approved, func.count())
             .group_by(facts.c.day, facts.c.challenge_id, facts.c.last_view, next_view, facts.c.prev_approved))
    return insert(CompletionDay).from_select(
        ["day", "challenge_id", "last_view", "next_view", "prev_approved", "completions"], query)


def activity_days(since: date | None, through: date, user_id: int | None = None,
                  without_referrals: tuple[int, ...] = ()):
    """(user_id, day) once per customer and day they answered, opened a challenge or made a referral
    (only `user_id`'s when given; leaving the referrals `without_referrals` out)."""
    until = start_of(through + timedelta(days=1))
    answers = select(Submission.user_id.label("user_id"), day_of(Submission.created_at).label("day")).where(
        Submission.created_at < until)
    views = select(ChallengeView.user_id, ChallengeView.day).where(ChallengeView.day <= through)
    referrals = select(Referee.referrer_id, day_of(Referee.created_at)).where(Referee.created_at < until)
    if user_id is not None:
        answers = answers.where(Submission.user_id == user_id)
        views = views.where(ChallengeView.user_id == user_id)
        referrals = referrals.where(Referee.referrer_id == user_id)
    if without_referrals:
        referrals = referrals.where(Referee.id.not_in(without_referrals))
    if since is not None:
        answers = answers.where(Submission.created_at >= start_of(since))
        views = views.where(ChallengeView.day >= since)
        referrals = referrals.where(Referee.created_at >= start_of(since))
    return union(answers, views, referrals).subquery("days")


def _activity(since: date | None, through: date):
    days = activity_days(None, through)
    ranked = select(days.c.day, func.lag(days.c.day).over(partition_by=days.c.user_id, order_by=days.c.day)
                    .label("prev_day")).subquery("ranked")
    query = select(ranked.c.day, ranked.c.prev_day, func.count()).group_by(ranked.c.day, ranked.c.prev_day)
    if since is not None:
        query = query.where(ranked.c.day >= since)
    return insert(ActivityDay).from_select(["day", "prev_day", "customers"], query)


def _unlocks(since: date | None, through: date):
    day = day_of(LevelUnlock.unlocked_at).label("day")
    query = (select(day, LevelUnlock.level_id, func.count())
             .where(LevelUnlock.unlocked_at < start_of(through + timedelta(days=1))).group_by(day, LevelUnlock.level_id))
    if since is not None:
        query = query.where(LevelUnlock.unlocked_at >= start_of(since))
    return insert(UnlockDay).from_select(["day", "level_id", "unlocks"], query)


def _build(since: date | None, through: date) -> None:
    """Add the days (since, through] (all days up to `through` when since is None)."""
    start = since + timedelta(days=1) if since is not None else None
    for statement in (_points(start, through), _views(start, through), _activity(start, through),
                      _unlocks(start, through), promoters.nps_days(start, through),
                      *referral_days.build(start, through)):
        db.session.execute(statement)
    summaries.advance(start, through, activity_days(start, through))
    medians.build(through)
    db.session.execute(delete(CompletionDay))
    db.session.execute(_completions(through))


def rebuild(through: date | None = None) -> date:
    """Recompute every rollup from the raw tables (flush only). Returns the last day covered."""
    through = through or last_closed_day()
    state = _state(through, lock=True)
    _forget_closed_through()
    for model in ROLLUPS:
        db.session.execute(delete(model))
    _build(None, through)
    promoters.rebuild_days(None, through)
    state.closed_through = state.levels_through = through
    db.session.flush()
    return through


def advance(through: date | None = None) -> date:
    """Roll up the days closed since the last run (flush only). Returns the last day covered."""
    through = through or last_closed_day()
    state = _state(None, lock=True)
    _forget_closed_through()
    if state.closed_through is None:
        return rebuild(through)
    if through > state.closed_through:
        _build(state.closed_through, through)
        # A promoter answer's advocacy window runs ADVOCACY_DAYS: the days it reaches into are redone.
        promoters.rebuild_days(None if state.levels_through is None else state.closed_through, through)
        state.closed_through = state.levels_through = through
        db.session.flush()
    elif state.levels_through is None:
        promoters.rebuild_days(None, state.closed_through)
        summaries.account_firsts(state.closed_through)
        state.levels_through = state.closed_through
        db.session.flush()
    return state.closed_through


def levels_changed() -> None:
    """A level moved or a challenge changed level: which answers are advocacy changed with it. The
    advocacy figure reads the raw tables until the next run rebuilds its rollup (flush only)."""
    state = db.session.scalar(select(RollupState).where(RollupState.id == 1).with_for_update())
    if state is not None and state.levels_through is not None:
        state.levels_through = None
        db.session.flush()


# --- Keeping a closed day right ----------------------------------------------------------------------

def approved(submission: Submission) -> None:
    """An answer was approved after review: when it was given on a closed day, add it there."""
    # A share lock: reviews do not wait for each other, a rollup run (which locks it) waits for them.
    through = db.session.scalar(
        select(RollupState.closed_through).where(RollupState.id == 1).with_for_update(read=True))
    day = submission.created_at.date()
    if through is None or day > through:
        return  # its day is still read live
    earlier = aliased(Submission)
    prev_approved = db.session.scalar(
        select(func.max(earlier.created_at))
        .where(earlier.user_id == submission.user_id, earlier.challenge_id == submission.challenge_id,
               earlier.status == APPROVED, earlier.id != submission.id,
               (earlier.created_at < submission.created_at)
               | and_(earlier.created_at == submission.created_at, earlier.id < submission.id))
    )
    last_view = db.session.scalar(select(_view_before(literal(submission.user_id), literal(submission.challenge_id),
                                                      day)))
    next_view = None if last_view == day else db.session.scalar(
        select(_view_after(literal(submission.user_id), literal(submission.challenge_id), day, through)))
    db.session.add(CompletionDay(day=day, challenge_id=submission.challenge_id, last_view=last_view,
                                 next_view=next_view, completions=1,
                                 prev_approved=prev_approved.date() if prev_approved else None))
    summaries.approved_on(submission.user_id, submission.challenge_id, day)
    db.session.flush()


def _days(values) -> list[date]:
    return sorted({date.fromisoformat(v) if isinstance(v, str) else v for v in values})


def referrals_removed(referees: list[Referee]) -> None:
    """Referrals are about to be deleted (an objection, the end of their retention): where they were
    made on a rolled-up day, their referrers' activity and advocacy there are recounted without them
    (flush only; call before the DELETE)."""
    state = db.session.scalar(select(RollupState).where(RollupState.id == 1).with_for_update(read=True))
    if state is None or state.closed_through is None:
        return
    through = state.closed_through
    by_referrer: dict[int, tuple[int, ...]] = {}
    for referee in referees:
        if referee.created_at.date() <= through:
            by_referrer[referee.referrer_id] = (*by_referrer.get(referee.referrer_id, ()), referee.id)
    referral_days.removed([r for r in referees if r.created_at.date() <= through], through)
    for user_id, gone in sorted(by_referrer.items()):
        _activity_without(user_id, through, gone)
        if state.levels_through is not None:
            promoters.action_removed(user_id, through, without_referrals=gone)
    db.session.flush()


def _activity_without(user_id: int, through: date, gone: tuple[int, ...]) -> None:
    """Rows of -1 and +1 customers that turn the customer's rolled-up activity days into the same
    days without the referrals `gone`; their last active day with it."""
    with_them = activity_days(None, through, user_id)
    without = activity_days(None, through, user_id, without_referrals=gone)
    before = _days(db.session.scalars(select(with_them.c.day)))
    after = _days(db.session.scalars(select(without.c.day)))
    if before == after:
        return
    changes: dict[tuple, int] = {}
    for days, sign in ((before, -1), (after, 1)):
        for n, day in enumerate(days):
            key = (day, days[n - 1] if n else None)
            changes[key] = changes.get(key, 0) + sign
    for (day, prev_day), customers in changes.items():
        if customers:
            db.session.add(ActivityDay(day=day, prev_day=prev_day, customers=customers))
    db.session.execute(delete(LastActive).where(LastActive.user_id == user_id))
    if after:
        db.session.add(LastActive(user_id=user_id, day=after[-1]))


def rejected(submission: Submission) -> None:
    """An answer waiting for review was turned down: when it was a promoter's advocacy action on a
    rolled-up day, the promoters' rollup loses it (flush only)."""
    state = db.session.scalar(select(RollupState).where(RollupState.id == 1).with_for_update(read=True))
    if state is None or state.closed_through is None or state.levels_through is None:
        return
    promoters.rejected(submission, state.closed_through)
