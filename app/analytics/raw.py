"""The event figures counted over the raw tables for the whole period, without rollups.

Used when the rollups end too long before the period does (never built, or `flask analytics-rollup`
has not run for a while): reading many open days row by row with the per-row look-ups of
app.analytics.recent would cost more than one pass over the period. Same shapes, same numbers.
"""
from __future__ import annotations

from sqlalchemy import and_, case, func, literal, select, union_all

from app.analytics.models import ChallengeView
from app.analytics.periods import Period, count_if, distinct_if, during, on_days
from app.analytics.promoters import acted
from app.analytics.summaries import joined_at
from app.auth.models import CUSTOMER, User
from app.extensions import db
from app.journey.models import APPROVED, Level, LevelUnlock, Submission
from app.nps.models import PROMOTER, NpsResponse
from app.points.models import PointsEntry
from app.referrals.models import Referee


def challenge_figures(p: Period):
    """Per challenge: views, viewers, done, converted and points as <name>_cur / <name>_prev."""
    q = p.previous()
    zero = literal(0)
    approved = and_(Submission.status == APPROVED, Submission.created_at >= q.since, Submission.created_at < p.until)
    events = union_all(
        select(ChallengeView.challenge_id.label("challenge_id"), ChallengeView.user_id.label("user_id"),
               case((on_days(ChallengeView.day, p), 1), else_=0).label("v_cur"),
               case((on_days(ChallengeView.day, q), 1), else_=0).label("v_prev"),
               zero.label("d_cur"), zero.label("d_prev"))
        .where(ChallengeView.day >= q.start, ChallengeView.day <= p.end),
        select(Submission.challenge_id, Submission.user_id, zero, zero,
               case((during(Submission.created_at, p), 1), else_=0),
               case((during(Submission.created_at, q), 1), else_=0))
        .where(approved),
    ).subquery("events")
    pairs = (
        select(events.c.challenge_id, events.c.user_id,
               func.sum(events.c.v_cur).label("v_cur"), func.sum(events.c.v_prev).label("v_prev"),
               func.sum(events.c.d_cur).label("d_cur"), func.sum(events.c.d_prev).label("d_prev"))
        .group_by(events.c.challenge_id, events.c.user_id).subquery("pairs")
    )
    per_challenge = select(
        pairs.c.challenge_id.label("challenge_id"),
        func.sum(pairs.c.v_cur).label("views_cur"), count_if(pairs.c.v_cur > 0).label("viewers_cur"),
        func.sum(pairs.c.d_cur).label("done_cur"),
        count_if(and_(pairs.c.v_cur > 0, pairs.c.d_cur > 0)).label("converted_cur"), zero.label("points_cur"),
        func.sum(pairs.c.v_prev).label("views_prev"), count_if(pairs.c.v_prev > 0).label("viewers_prev"),
        func.sum(pairs.c.d_prev).label("done_prev"),
        count_if(and_(pairs.c.v_prev > 0, pairs.c.d_prev > 0)).label("converted_prev"), zero.label("points_prev"),
    ).group_by(pairs.c.challenge_id)
    points = (
        select(Submission.challenge_id, zero, zero, zero, zero,
               func.coalesce(func.sum(case((during(PointsEntry.created_at, p), PointsEntry.points), else_=0)), 0),
               zero, zero, zero, zero,
               func.coalesce(func.sum(case((during(PointsEntry.created_at, q), PointsEntry.points), else_=0)), 0))
        .join(Submission, and_(PointsEntry.source_type == "submission", PointsEntry.source_id == Submission.id))
        .where(PointsEntry.created_at >= q.since, PointsEntry.created_at < p.until)
        .group_by(Submission.challenge_id)
    )
    rows = union_all(per_challenge, points).subquery("raw_parts")
    names = [f"{name}_{slot}" for slot in ("cur", "prev") for name in ("views", "viewers", "done", "converted", "points")]
    return (select(rows.c.challenge_id, *[func.sum(rows.c[name]).label(name) for name in names])
            .group_by(rows.c.challenge_id).subquery("figures"))


def active_customers(p: Period) -> tuple:
    """(current, previous): customers who answered, opened a challenge or made a referral."""
    q = p.previous()
    answers = select(
        Submission.user_id.label("user_id"),
        case((during(Submission.created_at, p), 1), else_=0).label("cur"),
        case((during(Submission.created_at, q), 1), else_=0).label("prev"),
    ).where(Submission.created_at >= q.since, Submission.created_at < p.until)
    views = select(
        ChallengeView.user_id, case((on_days(ChallengeView.day, p), 1), else_=0),
        case((on_days(ChallengeView.day, q), 1), else_=0),
    ).where(ChallengeView.day >= q.start, ChallengeView.day <= p.end)
    referrals = select(
        Referee.referrer_id, case((during(Referee.created_at, p), 1), else_=0),
        case((during(Referee.created_at, q), 1), else_=0),
    ).where(Referee.created_at >= q.since, Referee.created_at < p.until)
    acts = union_all(answers, views, referrals).subquery("activity")
    per_customer = (
        select(acts.c.user_id, func.max(acts.c.cur).label("cur"), func.max(acts.c.prev).label("prev"))
        .group_by(acts.c.user_id).subquery("per_customer")
    )
    return tuple(db.session.execute(
        select(count_if(per_customer.c.cur == 1), count_if(per_customer.c.prev == 1))
    ).one())


def unlock_counts(p: Period):
    """Per level: reached_cur, new_cur, reached_prev, new_prev."""
    q = p.previous()
    return (
        select(LevelUnlock.level_id.label("level_id"),
               distinct_if(LevelUnlock.unlocked_at < p.until, LevelUnlock.user_id).label("reached_cur"),
               distinct_if(during(LevelUnlock.unlocked_at, p), LevelUnlock.user_id).label("new_cur"),
               distinct_if(LevelUnlock.unlocked_at < q.until, LevelUnlock.user_id).label("reached_prev"),
               distinct_if(during(LevelUnlock.unlocked_at, q), LevelUnlock.user_id).label("new_prev"))
        .group_by(LevelUnlock.level_id).subquery("unlocks")
    )


def promoters(p: Period):
    """A row: customers with a promoter answer in each period (promoters_cur/_prev), and those of
    them who took an advocacy action within ADVOCACY_DAYS of such an answer (acted_cur/_prev)."""
    q = p.previous()
    answer = NpsResponse
    return db.session.execute(
        select(
            distinct_if(during(answer.created_at, p), answer.user_id).label("promoters_cur"),
            distinct_if(during(answer.created_at, q), answer.user_id).label("promoters_prev"),
            distinct_if(and_(during(answer.created_at, p), acted(answer)), answer.user_id).label("acted_cur"),
            distinct_if(and_(during(answer.created_at, q), acted(answer)), answer.user_id).label("acted_prev"),
        ).where(answer.category == PROMOTER, answer.created_at >= q.since, answer.created_at < p.until)
    ).one()


def accounts(p: Period):
    """A row: companies with customers by the end of each period (companies_cur/_prev), and those with
    a customer who had reached level 2 (level2_…), and level 3 (level3_…), by then."""
    q = p.previous()
    joined = (
        select(User.company_id.label("company_id"), func.min(joined_at()).label("first"))
        .where(User.role == CUSTOMER, User.company_id.is_not(None))
        .group_by(User.company_id).subquery("joined")
    )
    reached = (
        select(User.company_id.label("company_id"),
               func.min(case((Level.position >= 2, LevelUnlock.unlocked_at), else_=None)).label("level2"),
               func.min(case((Level.position >= 3, LevelUnlock.unlocked_at), else_=None)).label("level3"))
        .select_from(LevelUnlock)
        .join(User, User.id == LevelUnlock.user_id)
        .join(Level, Level.id == LevelUnlock.level_id)
        .where(User.company_id.is_not(None), Level.position >= 2)
        .group_by(User.company_id).subquery("reached")
    )
    return db.session.execute(
        select(
            count_if(joined.c.first < p.until).label("companies_cur"),
            count_if(joined.c.first < q.until).label("companies_prev"),
            count_if(reached.c.level2 < p.until).label("level2_cur"),
            count_if(reached.c.level2 < q.until).label("level2_prev"),
            count_if(reached.c.level3 < p.until).label("level3_cur"),
            count_if(reached.c.level3 < q.until).label("level3_prev"),
        ).select_from(joined).outerjoin(reached, reached.c.company_id == joined.c.company_id)
    ).one()
