"""The programme's figures for a period beside the period before it, one function per figure.

Every figure is one or two aggregate queries: conditional sums over both periods at once
(`CASE WHEN <in this period> …`), so the number of queries never depends on the amount of data,
and nothing loops over customers in Python. Periods are whole days [start, end], as UTC dates.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, distinct, func, literal, or_, select, union_all
from sqlalchemy.sql import ColumnElement

from app.analytics.models import ChallengeView
from app.auth.models import CUSTOMER, User
from app.extensions import db
from app.journey.models import APPROVED, DRAFT, PENDING, Challenge, Level, LevelUnlock, Submission
from app.nps.models import DETRACTOR, PASSIVE, PROMOTER, NpsResponse
from app.nps.services import nps_score
from app.points.models import PointsEntry
from app.referrals.models import CHANNELS, FROM_SHARE, STAGES, WON, Referee, ReferralEvent, ShareClick
from app.rewards.models import CANCELLED, MONEY_LIKE_KINDS, REWARD_KINDS, Redemption, Reward

ADVOCACY_DAYS = 90  # a promoter's advocacy action counts when it comes within this many days
TREND_MONTHS = 12  # the NPS trend shows at least this many months, ending with the period's last month
SORT_KEYS = ("level", "challenge", "views", "completions", "rate", "points")


@dataclass(frozen=True)
class Period:
    """Whole days from `start` to `end`, both included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time.min)

    @property
    def until(self) -> datetime:
        """The first moment after the period (exclusive bound)."""
        return datetime.combine(self.end + timedelta(days=1), time.min)

    def previous(self) -> Period:
        """The period of the same length that ends the day before this one starts."""
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=self.days - 1), end)


@dataclass(frozen=True)
class Pair:
    """A figure in the chosen period and in the period before it."""

    current: int | float | None
    previous: int | float | None

    @property
    def change(self) -> int | float | None:
        if self.current is None or self.previous is None:
            return None
        return self.current - self.previous


def ratio(part, whole) -> float | None:
    """part / whole, or None when there is nothing to divide by."""
    return None if not whole else part / whole


def ratio_pair(part: Pair, whole: Pair) -> Pair:
    return Pair(ratio(part.current, whole.current), ratio(part.previous, whole.previous))


# --- Portable SQL helpers -----------------------------------------------------------------------

def _dialect() -> str:
    return db.session.get_bind().dialect.name


def days_between(later, earlier) -> ColumnElement:
    """(later − earlier) in days, as a fractional number, on SQLite and PostgreSQL."""
    if _dialect() == "postgresql":
        return func.date_part("epoch", later - earlier) / 86400.0
    return func.julianday(later) - func.julianday(earlier)


def month_of(column) -> ColumnElement:
    """'YYYY-MM' of a timestamp."""
    if _dialect() == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def during(column, period: Period) -> ColumnElement:
    """A timestamp inside the period."""
    return and_(column >= period.since, column < period.until)


def on_days(column, period: Period) -> ColumnElement:
    """A date inside the period."""
    return and_(column >= period.start, column <= period.end)


def _count_if(condition) -> ColumnElement:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _distinct_if(condition, column) -> ColumnElement:
    return func.count(distinct(case((condition, column), else_=None)))


def _both(row, name: str) -> Pair:
    return Pair(int(row._mapping[f"{name}_cur"] or 0), int(row._mapping[f"{name}_prev"] or 0))


# --- Participation ------------------------------------------------------------------------------

def joined_at():
    """When a customer joined the programme: the invitation, or the account for those never invited."""
    return func.coalesce(User.invited_at, User.created_at)


def activated():
    """A customer who chose a password or has signed in."""
    return or_(User.password_hash.is_not(None), User.last_login_at.is_not(None))


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
            _count_if(during(joined, p)).label("invited_cur"),
            _count_if(during(joined, q)).label("invited_prev"),
            _count_if(and_(during(joined, p), activated())).label("activated_cur"),
            _count_if(and_(during(joined, q), activated())).label("activated_prev"),
            _count_if(and_(joined < p.until, activated(), User.is_active)).label("base_cur"),
            _count_if(and_(joined < q.until, activated(), User.is_active)).label("base_prev"),
        ).where(User.role == CUSTOMER)
    ).one()
    acts = activity(p, q)
    per_customer = (
        select(acts.c.user_id, func.max(acts.c.cur).label("cur"), func.max(acts.c.prev).label("prev"))
        .group_by(acts.c.user_id).subquery("per_customer")
    )
    active = db.session.execute(
        select(
            _count_if(per_customer.c.cur == 1).label("active_cur"),
            _count_if(per_customer.c.prev == 1).label("active_prev"),
        )
    ).one()
    result = {name: _both(row, name) for name in ("invited", "activated", "base")}
    result["active"] = _both(active, "active")
    result["activation_rate"] = ratio_pair(result["activated"], result["invited"])
    result["rate"] = ratio_pair(result["active"], result["base"])
    return result


# --- Level funnel -------------------------------------------------------------------------------

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


def funnel(p: Period) -> list[dict]:
    """Per level: customers who had reached it by the end of each period, how many reached it
    during the period, the conversion from the level before, and the median days to get there."""
    q = p.previous()
    rows = db.session.execute(
        select(
            Level.id, Level.position, Level.name_nl, Level.name_en,
            _distinct_if(LevelUnlock.unlocked_at < p.until, LevelUnlock.user_id).label("reached_cur"),
            _distinct_if(LevelUnlock.unlocked_at < q.until, LevelUnlock.user_id).label("reached_prev"),
            _distinct_if(during(LevelUnlock.unlocked_at, p), LevelUnlock.user_id).label("new_cur"),
            _distinct_if(during(LevelUnlock.unlocked_at, q), LevelUnlock.user_id).label("new_prev"),
        )
        .outerjoin(LevelUnlock, LevelUnlock.level_id == Level.id)
        .group_by(Level.id, Level.position, Level.name_nl, Level.name_en)
        .order_by(Level.position)
    ).all()
    medians = _median_days(p, q)
    levels, before = [], None
    for row in rows:  # one row per level (a handful), not per customer
        reached = _both(row, "reached")
        levels.append({
            "id": row.id, "position": row.position, "name_nl": row.name_nl, "name_en": row.name_en,
            "reached": reached, "new": _both(row, "new"),
            "conversion": ratio_pair(reached, before) if before is not None else None,
            "median_days": Pair(medians.get((row.id, "cur")), medians.get((row.id, "prev"))),
        })
        before = reached
    return levels


# --- Challenges ---------------------------------------------------------------------------------

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
            _count_if(pairs.c.v_cur > 0).label("viewers_cur"), _count_if(pairs.c.v_prev > 0).label("viewers_prev"),
            func.sum(pairs.c.d_cur).label("done_cur"), func.sum(pairs.c.d_prev).label("done_prev"),
            _count_if(and_(pairs.c.v_cur > 0, pairs.c.d_cur > 0)).label("converted_cur"),
            _count_if(and_(pairs.c.v_prev > 0, pairs.c.d_prev > 0)).label("converted_prev"),
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
        viewers, converted_ = _both(row, "viewers"), _both(row, "converted")
        table.append({
            "id": row.id, "title_nl": row.title_nl, "title_en": row.title_en, "type_key": row.type_key,
            "status": row.status, "level": row.level, "views": _both(row, "views"), "viewers": viewers,
            "completions": _both(row, "done"), "rate": ratio_pair(converted_, viewers),
            "points": _both(row, "points"),
        })
    return table


# --- Referrals ----------------------------------------------------------------------------------

def referrals(p: Period, active: Pair) -> dict:
    """Referral rate (customers who made a referral in the period / active customers), referrals
    made per stage they are in now, share links per channel (clicks → confirmed sign-ups → won),
    and referrals won in the period (the pipeline's `won` events)."""
    q = p.previous()
    window = and_(Referee.created_at >= q.since, Referee.created_at < p.until)
    totals = db.session.execute(
        select(
            _distinct_if(during(Referee.created_at, p), Referee.referrer_id).label("referrers_cur"),
            _distinct_if(during(Referee.created_at, q), Referee.referrer_id).label("referrers_prev"),
            _count_if(during(Referee.created_at, p)).label("made_cur"),
            _count_if(during(Referee.created_at, q)).label("made_prev"),
        ).where(window)
    ).one()
    stage_rows = {
        row.stage: row for row in db.session.execute(
            select(Referee.stage, _count_if(during(Referee.created_at, p)).label("n_cur"),
                   _count_if(during(Referee.created_at, q)).label("n_prev"))
            .where(window).group_by(Referee.stage)
        )
    }
    won = db.session.execute(
        select(
            _distinct_if(during(ReferralEvent.created_at, p), ReferralEvent.referee_id).label("won_cur"),
            _distinct_if(during(ReferralEvent.created_at, q), ReferralEvent.referee_id).label("won_prev"),
        ).where(ReferralEvent.stage == WON, ReferralEvent.created_at >= q.since, ReferralEvent.created_at < p.until)
    ).one()
    channel = func.coalesce(ShareClick.channel, "other")
    clicks = {
        row.channel: row for row in db.session.execute(
            select(channel.label("channel"), _count_if(during(ShareClick.created_at, p)).label("clicks_cur"),
                   _count_if(during(ShareClick.created_at, q)).label("clicks_prev"))
            .where(ShareClick.created_at >= q.since, ShareClick.created_at < p.until).group_by(channel)
        )
    }
    signup_channel = func.coalesce(Referee.channel, "other")
    signups = {
        row.channel: row for row in db.session.execute(
            select(signup_channel.label("channel"),
                   _count_if(during(Referee.created_at, p)).label("signups_cur"),
                   _count_if(during(Referee.created_at, q)).label("signups_prev"),
                   _count_if(and_(during(Referee.created_at, p), Referee.stage == WON)).label("won_cur"),
                   _count_if(and_(during(Referee.created_at, q), Referee.stage == WON)).label("won_prev"))
            .where(window, Referee.source == FROM_SHARE, Referee.confirmed_at.is_not(None))
            .group_by(signup_channel)
        )
    }
    zero = Pair(0, 0)
    channels = []
    for name in CHANNELS:  # the fixed list of share channels
        click = _both(clicks[name], "clicks") if name in clicks else zero
        signup = _both(signups[name], "signups") if name in signups else zero
        channels.append({
            "channel": name, "clicks": click, "signups": signup,
            "won": _both(signups[name], "won") if name in signups else zero,
            "conversion": ratio_pair(signup, click),
        })
    referrers = _both(totals, "referrers")
    return {
        "referrers": referrers, "made": _both(totals, "made"), "rate": ratio_pair(referrers, active),
        "stages": [{"stage": stage, "count": _both(stage_rows[stage], "n") if stage in stage_rows else zero}
                   for stage in STAGES],
        "channels": channels, "won": _both(won, "won"),
    }


# --- NPS ----------------------------------------------------------------------------------------

def _segment_sums(condition, suffix: str) -> list:
    return [_count_if(and_(condition, NpsResponse.category == name)).label(f"{name}_{suffix}")
            for name in (PROMOTER, PASSIVE, DETRACTOR)]


def trend_months(p: Period) -> list[date]:
    """First days of the months the trend shows: the period's months, and at least TREND_MONTHS."""
    last = date(p.end.year, p.end.month, 1)
    first = date(p.start.year, p.start.month, 1)
    back = date(last.year - (1 if last.month < TREND_MONTHS else 0), (last.month - TREND_MONTHS) % 12 + 1, 1)
    month, months = min(first, back), []
    while month <= last:
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


def nps(p: Period) -> dict:
    """NPS in each period, the trend per month, and the share of promoters (customers with a
    promoter answer in the period) who took an advocacy action within ADVOCACY_DAYS of it: an
    approved or pending answer to a challenge of level 2 or higher, or a referral they made."""
    q = p.previous()
    row = db.session.execute(
        select(*_segment_sums(during(NpsResponse.created_at, p), "cur"),
               *_segment_sums(during(NpsResponse.created_at, q), "prev"))
        .where(NpsResponse.created_at >= q.since, NpsResponse.created_at < p.until)
    ).one()
    counts = {suffix: {name: int(row._mapping[f"{name}_{suffix}"]) for name in (PROMOTER, PASSIVE, DETRACTOR)}
              for suffix in ("cur", "prev")}
    score = Pair(*(nps_score(c[PROMOTER], c[PASSIVE], c[DETRACTOR]) for c in (counts["cur"], counts["prev"])))

    months = trend_months(p)
    month = month_of(NpsResponse.created_at).label("month")
    by_month = {
        r.month: r for r in db.session.execute(
            select(month, *_segment_sums(literal(True), "n"))
            .where(NpsResponse.created_at >= datetime.combine(months[0], time.min),
                   NpsResponse.created_at < p.until)
            .group_by(month)
        )
    }
    trend = []
    for first_day in months:  # a month per row (at most 61)
        r = by_month.get(first_day.strftime("%Y-%m"))
        pr, pa, de = (int(r._mapping[f"{n}_n"]) for n in (PROMOTER, PASSIVE, DETRACTOR)) if r else (0, 0, 0)
        trend.append({"month": first_day, "answers": pr + pa + de, "promoters": pr, "passives": pa,
                      "detractors": de, "score": nps_score(pr, pa, de)})

    answer = NpsResponse
    advocacy_answer = (
        select(Submission.id)
        .join(Challenge, Challenge.id == Submission.challenge_id)
        .join(Level, Level.id == Challenge.level_id)
        .where(Submission.user_id == answer.user_id, Submission.status.in_((APPROVED, PENDING)),
               Level.position >= 2, Submission.created_at >= answer.created_at,
               days_between(Submission.created_at, answer.created_at) <= ADVOCACY_DAYS)
        .exists()
    )
    referral = (
        select(Referee.id)
        .where(Referee.referrer_id == answer.user_id, Referee.created_at >= answer.created_at,
               days_between(Referee.created_at, answer.created_at) <= ADVOCACY_DAYS)
        .exists()
    )
    acted = or_(advocacy_answer, referral)
    promoters = db.session.execute(
        select(
            _distinct_if(during(answer.created_at, p), answer.user_id).label("promoters_cur"),
            _distinct_if(during(answer.created_at, q), answer.user_id).label("promoters_prev"),
            _distinct_if(and_(during(answer.created_at, p), acted), answer.user_id).label("acted_cur"),
            _distinct_if(and_(during(answer.created_at, q), acted), answer.user_id).label("acted_prev"),
        ).where(answer.category == PROMOTER, answer.created_at >= q.since, answer.created_at < p.until)
    ).one()
    promoter_customers, acted_customers = _both(promoters, "promoters"), _both(promoters, "acted")
    return {
        "score": score, "counts": counts,
        "answers": Pair(sum(counts["cur"].values()), sum(counts["prev"].values())),
        "trend": trend, "promoters": promoter_customers, "acted": acted_customers,
        "advocacy_rate": ratio_pair(acted_customers, promoter_customers),
    }


# --- Accounts -----------------------------------------------------------------------------------

def accounts(p: Period) -> dict[str, Pair]:
    """Companies with customers in the programme at the end of each period, and the share of them
    with at least one ambassador who had reached level 2, and level 3 (or higher), by then."""
    q = p.previous()
    # Per company, once: when its first customer joined, and when one first reached level 2 and 3.
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
            _count_if(joined.c.first < p.until).label("companies_cur"),
            _count_if(joined.c.first < q.until).label("companies_prev"),
            _count_if(reached.c.level2 < p.until).label("level2_cur"),
            _count_if(reached.c.level2 < q.until).label("level2_prev"),
            _count_if(reached.c.level3 < p.until).label("level3_cur"),
            _count_if(reached.c.level3 < q.until).label("level3_prev"),
        ).select_from(joined).outerjoin(reached, reached.c.company_id == joined.c.company_id)
    ).one()
    result = {name: _both(row, name) for name in ("companies", "level2", "level3")}
    result["level2_share"] = ratio_pair(result["level2"], result["companies"])
    result["level3_share"] = ratio_pair(result["level3"], result["companies"])
    return result


# --- Rewards ------------------------------------------------------------------------------------

def rewards(p: Period) -> dict:
    """Reward claims made in each period (not cancelled), per kind, and intrinsic vs money-like."""
    q = p.previous()
    rows = {
        row.kind: row for row in db.session.execute(
            select(Reward.kind, _count_if(during(Redemption.created_at, p)).label("n_cur"),
                   _count_if(during(Redemption.created_at, q)).label("n_prev"))
            .join(Reward, Reward.id == Redemption.reward_id)
            .where(Redemption.status != CANCELLED, Redemption.created_at >= q.since,
                   Redemption.created_at < p.until)
            .group_by(Reward.kind)
        )
    }
    kinds = [{"kind": kind, "money_like": kind in MONEY_LIKE_KINDS,
              "count": _both(rows[kind], "n") if kind in rows else Pair(0, 0)} for kind in REWARD_KINDS]

    def total(money_like: bool) -> Pair:
        chosen = [k["count"] for k in kinds if k["money_like"] == money_like]
        return Pair(sum(c.current for c in chosen), sum(c.previous for c in chosen))

    intrinsic, money_like = total(False), total(True)
    claims = Pair(intrinsic.current + money_like.current, intrinsic.previous + money_like.previous)
    return {"kinds": kinds, "intrinsic": intrinsic, "money_like": money_like, "claims": claims,
            "money_like_share": ratio_pair(money_like, claims)}


# --- Everything ---------------------------------------------------------------------------------

def dashboard(p: Period, sort: str = "level", descending: bool = False, locale: str = "nl",
              only: set[str] | None = None) -> dict:
    """Every figure for the period (or `only` those named): a fixed number of queries, whatever
    the amount of data."""
    wanted = only or {"participation", "funnel", "challenges", "referrals", "nps", "accounts", "rewards"}
    figures: dict = {}
    if wanted & {"participation", "referrals"}:
        figures["participation"] = participation(p)
    if "funnel" in wanted:
        figures["funnel"] = funnel(p)
    if "challenges" in wanted:
        figures["challenges"] = challenge_table(p, sort, descending, locale)
    if "referrals" in wanted:
        figures["referrals"] = referrals(p, figures["participation"]["active"])
    if "nps" in wanted:
        figures["nps"] = nps(p)
    if "accounts" in wanted:
        figures["accounts"] = accounts(p)
    if "rewards" in wanted:
        figures["rewards"] = rewards(p)
    return figures
