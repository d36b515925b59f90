"""NPS in a period beside the one before it (counted by app.nps.stats, as on the NPS pages), its
trend per month, and how many promoters went on to advocate within ADVOCACY_DAYS."""
from __future__ import annotations

from datetime import date

from sqlalchemy import and_, or_, select

from app.analytics.periods import Pair, Period, both, days_between, distinct_if, during, ratio_pair
from app.extensions import db
from app.journey.models import APPROVED, PENDING, Challenge, Level, Submission
from app.nps import stats
from app.nps.models import PROMOTER, NpsResponse
from app.referrals.models import Referee

ADVOCACY_DAYS = 90  # a promoter's advocacy action counts when it comes within this many days
TREND_MONTHS = 12  # the NPS trend shows at least this many months, ending with the period's last month


def trend_months(p: Period) -> list[date]:
    """First days of the months the trend shows: the period's months, and at least TREND_MONTHS."""
    return stats.months(p.end, TREND_MONTHS, first=p.start)


def nps(p: Period) -> dict:
    """NPS in each period, the trend per month, and the share of promoters (customers with a
    promoter answer in the period) who took an advocacy action within ADVOCACY_DAYS of it: an
    approved or pending answer to a challenge of level 2 or higher, or a referral they made."""
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
        "trend": stats.trend(trend_months(p), NpsResponse.created_at < p.until),
        "promoters": promoter_customers, "acted": acted_customers,
        "advocacy_rate": ratio_pair(acted_customers, promoter_customers),
    }
