"""NPS in a period beside the one before it (counted with app.nps.stats' arithmetic, as on the NPS
pages), its trend per month, and how many promoters went on to advocate within ADVOCACY_DAYS.

The answers per day come from the daily NPS rollup for the rolled-up days and from the raw table
after them; the promoters and their advocacy from the promoters' rollup with the customers who did
something since corrected from the raw tables (app.analytics.promoters)."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, case, func, literal, select, true, union_all

from app.analytics import raw
from app.analytics.models import NpsDay, PromoterDay
from app.analytics.periods import Pair, Period, both, day_of, ratio_pair, start_of
from app.analytics.promoters import ADVOCACY_DAYS, correction, rolled, touched
from app.analytics.recent import mostly_open, splits
from app.analytics.rollups import levels_through
from app.extensions import db
from app.nps import stats
from app.nps.models import CATEGORIES, NpsResponse

__all__ = ["ADVOCACY_DAYS", "nps", "trend_months"]
_ONE_DAY = timedelta(days=1)
TREND_MONTHS = 12  # the NPS trend shows at least this many months, ending with the period's last month


def trend_months(p: Period) -> list[date]:
    """First days of the months the trend shows: the period's months, and at least TREND_MONTHS."""
    return stats.months(p.end, TREND_MONTHS, first=p.start)


def _answer_days(first: date, last: date, split):
    """(day, category, answers) for the days [first, last]: the NPS rollup, then the raw answers."""
    rolled_end = min(last, split.closed_end) if split.closed_end >= first else None
    parts = []
    if rolled_end is not None:
        parts.append(select(NpsDay.day.label("day"), NpsDay.category.label("category"), NpsDay.answers.label("n"))
                     .where(NpsDay.day >= first, NpsDay.day <= rolled_end))
    live_since = max(split.unrolled_since, start_of(first))
    parts.append(select(day_of(NpsResponse.created_at).label("day"), NpsResponse.category.label("category"),
                        literal(1).label("n"))
                 .where(NpsResponse.created_at >= live_since, NpsResponse.created_at < start_of(last) + _ONE_DAY))
    return (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("answer_days")


def _segments(rows, when, suffix: str) -> list:
    return [func.coalesce(func.sum(case((and_(when, rows.c.category == name), rows.c.n), else_=0)), 0)
            .label(f"{name}{suffix}") for name in CATEGORIES]


def _trend(p: Period, cur) -> list[dict]:
    month_list = trend_months(p)
    rows = _answer_days(month_list[0], p.end, cur)
    month = stats.month_of(rows.c.day).label("month")
    found = {row.month: row for row in db.session.execute(
        select(month, *_segments(rows, literal(True), "")).group_by(month))}
    entries = []
    for first_day in month_list:  # a row per month shown
        counts = stats.Segments.of(found.get(first_day.strftime("%Y-%m")))
        entries.append({"month": first_day, "answers": counts.answers, "promoters": counts.promoters,
                        "passives": counts.passives, "detractors": counts.detractors, "score": counts.score})
    return entries


def _promoters(p: Period, cur, prev):
    """The row with promoters_cur/_prev and acted_cur/_prev."""
    if mostly_open(cur, prev) or levels_through() is None or levels_through() != cur.through:
        return raw.promoters(p)
    q = p.previous()
    sums = [column.label(f"{name}_{slot}") for s, slot in ((cur, "cur"), (prev, "prev"))
            for name, column in rolled(s).items()]
    rolled_up = (select(*sums).where(PromoterDay.day >= q.start, PromoterDay.day <= cur.closed_end)
                 .subquery("rolled_promoters"))
    customers = touched(cur.unrolled_since)
    fixes = [column.label(f"{name}_{slot}") for s, slot in ((cur, "cur"), (prev, "prev"))
             for name, column in correction(s, cur.unrolled_since, customers).items()]
    fixed = select(*fixes).select_from(customers).subquery("corrections")
    return db.session.execute(select(
        *[(rolled_up.c[name] + fixed.c[name]).label(name)
          for name in ("promoters_cur", "acted_cur", "promoters_prev", "acted_prev")])
        .select_from(rolled_up.join(fixed, true()))).one()


def nps(p: Period) -> dict:
    """NPS in each period, the trend per month, and the share of promoters (customers with a
    promoter answer in the period) who took an advocacy action within ADVOCACY_DAYS of it: an
    approved or pending answer to a challenge of level 2 or higher, or a referral they made."""
    q = p.previous()
    cur, prev = splits(p)
    rows = _answer_days(q.start, p.end, cur)
    row = db.session.execute(
        select(*_segments(rows, rows.c.day >= p.start, "_cur"), *_segments(rows, rows.c.day < p.start, "_prev"))
    ).one()
    current, previous = stats.Segments.of(row, "_cur"), stats.Segments.of(row, "_prev")
    promoters = _promoters(p, cur, prev)
    promoter_customers, acted_customers = both(promoters, "promoters"), both(promoters, "acted")
    return {
        "score": Pair(current.score, previous.score),
        "counts": {"cur": current.counts(), "prev": previous.counts()},
        "answers": Pair(current.answers, previous.answers),
        "trend": _trend(p, cur),
        "promoters": promoter_customers, "acted": acted_customers,
        "advocacy_rate": ratio_pair(acted_customers, promoter_customers),
    }
