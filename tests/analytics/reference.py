"""The reference: the dashboard's figures counted over the raw tables for the whole period, as the
dashboard did before the daily rollups. tests/analytics/test_rollups.py compares the dashboard with it."""
from __future__ import annotations

from sqlalchemy import and_, case, func, literal, or_, select, union_all

from app.analytics.models import ChallengeView
from app.analytics.participation import activated, joined_at
from app.analytics.periods import Pair, Period, both, count_if, days_between, distinct_if, during, on_days, ratio_pair
from app.auth.models import CUSTOMER, User
from app.extensions import db
from app.journey.models import APPROVED, DRAFT, PENDING, Challenge, Level, LevelUnlock, Submission
from app.nps import stats
from app.nps.models import PROMOTER, NpsResponse
from app.points.models import PointsEntry
from app.referrals.models import CHANNELS, FROM_SHARE, STAGES, WON, Referee, ReferralEvent, ShareClick

SORT_KEYS = ("level", "challenge", "views", "completions", "rate", "points")


def _median_days(p: Period, q: Period) -> dict[tuple[int, str], float]:
    """Median days from joining to reaching each level, for the levels reached in each period:
    window functions number each level's durations, the middle one (or two) is the median."""
    period = case((during(LevelUnlock.unlocked_at, p), literal("cur")), else_=literal("prev")).label("period")
    durations = (
        select(LevelUnlock.level_id.label("level_id"), period,
               days_between(LevelUnlock.unlocked_at, joined_at()).label("days"))
        .join(User, User.id == LevelUnlock.user_id)
        .where(LevelUnlock.unlocked_at >= q.since, LevelUnlock.unlocked_at < p.until)
        .subquery("durations")
    )
    ranked = select(
        durations.c.level_id, durations.c.period, durations.c.days,
        func.row_number().over(partition_by=(durations.c.level_id, durations.c.period),
                               order_by=durations.c.days).label("rn"),
        func.count().over(partition_by=(durations.c.level_id, durations.c.period)).label("n"),
    ).subquery("ranked")
    rows = db.session.execute(
        select(ranked.c.level_id, ranked.c.period, func.avg(ranked.c.days).label("median"))
        .where(ranked.c.rn.in_(((ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2)))
        .group_by(ranked.c.level_id, ranked.c.period)
    )
    return {(row.level_id, row.period): float(row.median) for row in rows}

def activity(p: Period, q: Period):
    """(user_id, in_current, in_previous) per thing a customer did: an answer, a challenge opened,
    a referral made. Both periods are adjacent, so [q.since, p.until) covers them."""
    answers = select(
        Submission.user_id.label("user_id"),
        case((during(Submission.created_at, p), 1), else_=0).label("cur"),
        case((during(Submission.created_at, q), 1), else_=0).label("prev"),
    ).where(Submission.created_at >= q.since, Submission.created_at < p.until)
    views = select(
        ChallengeView.user_id.label("user_id"),
        case((on_days(ChallengeView.day, p), 1), else_=0).label("cur"),
        case((on_days(ChallengeView.day, q), 1), else_=0).label("prev"),
    ).where(ChallengeView.day >= q.start, ChallengeView.day <= p.end)
    referrals = select(
        Referee.referrer_id.label("user_id"),
        case((during(Referee.created_at, p), 1), else_=0).label("cur"),
        case((during(Referee.created_at, q), 1), else_=0).label("prev"),
    ).where(Referee.created_at >= q.since, Referee.created_at < p.until)
    return union_all(answers, views, referrals).subquery("activity")


def participation(p: Period) -> dict[str, Pair]:
    """Invited (joined in the period), of those activated, active in the period, the customers in
    the programme at the end of the period, and the participation rate (active / in programme)."""
    q = p.previous()
    joined = joined_at()
    row = db.session.execute(
        select(
            count_if(during(joined, p)).label("invited_cur"),
            count_if(during(joined, q)).label("invited_prev"),
            count_if(and_(during(joined, p), activated())).label("activated_cur"),
            count_if(and_(during(joined, q), activated())).label("activated_prev"),
            count_if(and_(joined < p.until, activated(), User.is_active)).label("base_cur"),
            count_if(and_(joined < q.until, activated(), User.is_active)).label("base_prev"),
        ).where(User.role == CUSTOMER)
    ).one()
    acts = activity(p, q)
    per_customer = (
        select(acts.c.user_id, func.max(acts.c.cur).label("cur"), func.max(acts.c.prev).label("prev"))
        .group_by(acts.c.user_id).subquery("per_customer")
    )
    active = db.session.execute(
        select(
            count_if(per_customer.c.cur == 1).label("active_cur"),
            count_if(per_customer.c.prev == 1).label("active_prev"),
        )
    ).one()
    result = {name: both(row, name) for name in ("invited", "activated", "base")}
    result["active"] = both(active, "active")
    result["activation_rate"] = ratio_pair(result["activated"], result["invited"])
    result["rate"] = ratio_pair(result["active"], result["base"])
    return result


def funnel(p: Period) -> list[dict]:
    """Per level: customers who had reached it by the end of each period, how many reached it
    during the period, the conversion from the level before, and the median days to get there."""
    q = p.previous()
    rows = db.session.execute(
        select(
            Level.id, Level.position, Level.name_nl, Level.name_en,
            distinct_if(LevelUnlock.unlocked_at < p.until, LevelUnlock.user_id).label("reached_cur"),
            distinct_if(LevelUnlock.unlocked_at < q.until, LevelUnlock.user_id).label("reached_prev"),
            distinct_if(during(LevelUnlock.unlocked_at, p), LevelUnlock.user_id).label("new_cur"),
            distinct_if(during(LevelUnlock.unlocked_at, q), LevelUnlock.user_id).label("new_prev"),
        )
        .outerjoin(LevelUnlock, LevelUnlock.level_id == Level.id)
        .group_by(Level.id, Level.position, Level.name_nl, Level.name_en)
        .order_by(Level.position)
    ).all()
    medians = _median_days(p, q)
    levels, before = [], None
    for row in rows:  # one row per level (a handful), not per customer
        reached = both(row, "reached")
        levels.append({
            "id": row.id, "position": row.position, "name_nl": row.name_nl, "name_en": row.name_en,
            "reached": reached, "new": both(row, "new"),
            "conversion": ratio_pair(reached, before) if before is not None else None,
            "median_days": Pair(medians.get((row.id, "cur")), medians.get((row.id, "prev"))),
        })
        before = reached
    return levels


def challenge_table(p: Period, sort: str = "level", descending: bool = False, locale: str = "nl") -> list[dict]:
    """Per challenge (drafts left out): views (customer-days), completions (approved answers),
    completion rate (the share of the customers who opened it that completed it, both in the
    period) and points given, in each period; sorted in SQL."""
    if sort not in SORT_KEYS:
        raise ValueError(sort)
    q = p.previous()
    # Views and approved answers as one list of (challenge, customer) events, summed per pair and
    # then per challenge: one pass over each table, no join between them.
    approved = and_(Submission.status == APPROVED, Submission.created_at >= q.since, Submission.created_at < p.until)
    zero_ = literal(0)
    events = union_all(
        select(ChallengeView.challenge_id.label("challenge_id"), ChallengeView.user_id.label("user_id"),
               case((on_days(ChallengeView.day, p), 1), else_=0).label("v_cur"),
               case((on_days(ChallengeView.day, q), 1), else_=0).label("v_prev"),
               zero_.label("d_cur"), zero_.label("d_prev"))
        .where(ChallengeView.day >= q.start, ChallengeView.day <= p.end),
        select(Submission.challenge_id, Submission.user_id, zero_, zero_,
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
    activity_ = (
        select(
            pairs.c.challenge_id,
            func.sum(pairs.c.v_cur).label("views_cur"), func.sum(pairs.c.v_prev).label("views_prev"),
            count_if(pairs.c.v_cur > 0).label("viewers_cur"), count_if(pairs.c.v_prev > 0).label("viewers_prev"),
            func.sum(pairs.c.d_cur).label("done_cur"), func.sum(pairs.c.d_prev).label("done_prev"),
            count_if(and_(pairs.c.v_cur > 0, pairs.c.d_cur > 0)).label("converted_cur"),
            count_if(and_(pairs.c.v_prev > 0, pairs.c.d_prev > 0)).label("converted_prev"),
        ).group_by(pairs.c.challenge_id).subquery("activity")
    )
    views = completions = converted = activity_
    points = (
        select(
            Submission.challenge_id.label("challenge_id"),
            func.coalesce(func.sum(case((during(PointsEntry.created_at, p), PointsEntry.points), else_=0)), 0)
            .label("points_cur"),
            func.coalesce(func.sum(case((during(PointsEntry.created_at, q), PointsEntry.points), else_=0)), 0)
            .label("points_prev"),
        )
        .join(Submission, and_(PointsEntry.source_type == "submission", PointsEntry.source_id == Submission.id))
        .where(PointsEntry.created_at >= q.since, PointsEntry.created_at < p.until)
        .group_by(Submission.challenge_id).subquery("points")
    )
    zero = lambda column: func.coalesce(column, 0)  # noqa: E731
    rate = (zero(converted.c.converted_cur) * 1.0 / func.nullif(zero(views.c.viewers_cur), 0)).label("rate_cur")
    title = Challenge.title_en if locale == "en" else Challenge.title_nl
    order_by = {
        "level": Level.position, "challenge": func.lower(title), "views": zero(views.c.views_cur),
        "completions": zero(completions.c.done_cur), "rate": rate, "points": zero(points.c.points_cur),
    }[sort]
    ordering = [order_by.is_(None)] if sort == "rate" else []  # challenges nobody opened: last, either way
    ordering += [order_by.desc() if descending else order_by.asc(), Level.position, Challenge.position, Challenge.id]
    rows = db.session.execute(
        select(
            Challenge.id, Challenge.title_nl, Challenge.title_en, Challenge.type_key, Challenge.status,
            Level.position.label("level"),
            zero(views.c.views_cur).label("views_cur"), zero(views.c.views_prev).label("views_prev"),
            zero(views.c.viewers_cur).label("viewers_cur"), zero(views.c.viewers_prev).label("viewers_prev"),
            zero(converted.c.converted_cur).label("converted_cur"),
            zero(converted.c.converted_prev).label("converted_prev"),
            zero(completions.c.done_cur).label("done_cur"), zero(completions.c.done_prev).label("done_prev"),
            zero(points.c.points_cur).label("points_cur"), zero(points.c.points_prev).label("points_prev"),
            rate,
        )
        .join(Level, Level.id == Challenge.level_id)
        .outerjoin(activity_, activity_.c.challenge_id == Challenge.id)
        .outerjoin(points, points.c.challenge_id == Challenge.id)
        .where(Challenge.status != DRAFT)
        .order_by(*ordering)
    ).all()
    table = []
    for row in rows:  # one row per challenge
        viewers, converted_ = both(row, "viewers"), both(row, "converted")
        table.append({
            "id": row.id, "title_nl": row.title_nl, "title_en": row.title_en, "type_key": row.type_key,
            "status": row.status, "level": row.level, "views": both(row, "views"), "viewers": viewers,
            "completions": both(row, "done"), "rate": ratio_pair(converted_, viewers),
            "points": both(row, "points"),
        })
    return table


def accounts(p: Period) -> dict[str, Pair]:
    """Companies with customers by the end of each period, and those with a customer who had
    reached level 2, and level 3, by then: every customer grouped by company."""
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
    row = db.session.execute(
        select(
            count_if(joined.c.first < p.until).label("companies_cur"),
            count_if(joined.c.first < q.until).label("companies_prev"),
            count_if(reached.c.level2 < p.until).label("level2_cur"),
            count_if(reached.c.level2 < q.until).label("level2_prev"),
            count_if(reached.c.level3 < p.until).label("level3_cur"),
            count_if(reached.c.level3 < q.until).label("level3_prev"),
        ).select_from(joined).outerjoin(reached, reached.c.company_id == joined.c.company_id)
    ).one()
    result = {name: both(row, name) for name in ("companies", "level2", "level3")}
    result["level2_share"] = ratio_pair(result["level2"], result["companies"])
    result["level3_share"] = ratio_pair(result["level3"], result["companies"])
    return result


def nps(p: Period) -> dict:
    """NPS per period and month over the raw answers, and the promoters who took an advocacy action
    within 90 days: one EXISTS per promoter answer."""
    q = p.previous()
    row = db.session.execute(
        select(*stats.segment_sums(when=during(NpsResponse.created_at, p), suffix="_cur"),
               *stats.segment_sums(when=during(NpsResponse.created_at, q), suffix="_prev"))
        .where(NpsResponse.created_at >= q.since, NpsResponse.created_at < p.until)
    ).one()
    current, previous = stats.Segments.of(row, "_cur"), stats.Segments.of(row, "_prev")
    answer = NpsResponse
    advocacy_answer = (
        select(Submission.id)
        .join(Challenge, Challenge.id == Submission.challenge_id)
        .join(Level, Level.id == Challenge.level_id)
        .where(Submission.user_id == answer.user_id, Submission.status.in_((APPROVED, PENDING)),
               Level.position >= 2, Submission.created_at >= answer.created_at,
               days_between(Submission.created_at, answer.created_at) <= 90)
        .exists()
    )
    referral = (
        select(Referee.id)
        .where(Referee.referrer_id == answer.user_id, Referee.created_at >= answer.created_at,
               days_between(Referee.created_at, answer.created_at) <= 90)
        .exists()
    )
    acted = or_(advocacy_answer, referral)
    promoters = db.session.execute(
        select(
            distinct_if(during(answer.created_at, p), answer.user_id).label("promoters_cur"),
            distinct_if(during(answer.created_at, q), answer.user_id).label("promoters_prev"),
            distinct_if(and_(during(answer.created_at, p), acted), answer.user_id).label("acted_cur"),
            distinct_if(and_(during(answer.created_at, q), acted), answer.user_id).label("acted_prev"),
        ).where(answer.category == PROMOTER, answer.created_at >= q.since, answer.created_at < p.until)
    ).one()
    promoter_customers, acted_customers = both(promoters, "promoters"), both(promoters, "acted")
    return {
        "score": Pair(current.score, previous.score),
        "counts": {"cur": current.counts(), "prev": previous.counts()},
        "answers": Pair(current.answers, previous.answers),
        "trend": stats.trend(stats.months(p.end, 12, first=p.start), NpsResponse.created_at < p.until),
        "promoters": promoter_customers, "acted": acted_customers,
        "advocacy_rate": ratio_pair(acted_customers, promoter_customers),
    }


def referrals(p: Period, active: Pair) -> dict:
    """Referral rate (customers who made a referral in the period / active customers), referrals
    made per stage they are in now, share links per channel (clicks → confirmed sign-ups → won),
    and referrals won in the period (the pipeline's `won` events)."""
    q = p.previous()
    window = and_(Referee.created_at >= q.since, Referee.created_at < p.until)
    totals = db.session.execute(
        select(
            distinct_if(during(Referee.created_at, p), Referee.referrer_id).label("referrers_cur"),
            distinct_if(during(Referee.created_at, q), Referee.referrer_id).label("referrers_prev"),
            count_if(during(Referee.created_at, p)).label("made_cur"),
            count_if(during(Referee.created_at, q)).label("made_prev"),
        ).where(window)
    ).one()
    stage_rows = {
        row.stage: row for row in db.session.execute(
            select(Referee.stage, count_if(during(Referee.created_at, p)).label("n_cur"),
                   count_if(during(Referee.created_at, q)).label("n_prev"))
            .where(window).group_by(Referee.stage)
        )
    }
    won = db.session.execute(
        select(
            distinct_if(during(ReferralEvent.created_at, p), ReferralEvent.referee_id).label("won_cur"),
            distinct_if(during(ReferralEvent.created_at, q), ReferralEvent.referee_id).label("won_prev"),
        ).where(ReferralEvent.stage == WON, ReferralEvent.created_at >= q.since, ReferralEvent.created_at < p.until)
    ).one()
    channel = func.coalesce(ShareClick.channel, "other")
    clicks = {
        row.channel: row for row in db.session.execute(
            select(channel.label("channel"), count_if(during(ShareClick.created_at, p)).label("clicks_cur"),
                   count_if(during(ShareClick.created_at, q)).label("clicks_prev"))
            .where(ShareClick.created_at >= q.since, ShareClick.created_at < p.until).group_by(channel)
        )
    }
    signup_channel = func.coalesce(Referee.channel, "other")
    signups = {
        row.channel: row for row in db.session.execute(
            select(signup_channel.label("channel"),
                   count_if(during(Referee.created_at, p)).label("signups_cur"),
                   count_if(during(Referee.created_at, q)).label("signups_prev"),
                   count_if(and_(during(Referee.created_at, p), Referee.stage == WON)).label("won_cur"),
                   count_if(and_(during(Referee.created_at, q), Referee.stage == WON)).label("won_prev"))
            .where(window, Referee.source == FROM_SHARE, Referee.confirmed_at.is_not(None))
            .group_by(signup_channel)
        )
    }
    zero = Pair(0, 0)
    channels = []
    for name in CHANNELS:  # the fixed list of share channels
        click = both(clicks[name], "clicks") if name in clicks else zero
        signup = both(signups[name], "signups") if name in signups else zero
        channels.append({
            "channel": name, "clicks": click, "signups": signup,
            "won": both(signups[name], "won") if name in signups else zero,
            "conversion": ratio_pair(signup, click),
        })
    referrers = both(totals, "referrers")
    return {
        "referrers": referrers, "made": both(totals, "made"), "rate": ratio_pair(referrers, active),
        "stages": [{"stage": stage, "count": both(stage_rows[stage], "n") if stage in stage_rows else zero}
                   for stage in STAGES],
        "channels": channels, "won": both(won, "won"),
    }


