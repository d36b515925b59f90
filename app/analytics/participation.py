"""Who takes part: customers invited, activated and active in a period, and the companies with ambassadors."""
from __future__ import annotations

from sqlalchemy import and_, func, or_, select

from app.analytics import raw
from app.analytics.periods import Pair, Period, both, count_if, during, ratio_pair
from app.analytics.recent import active_pair, mostly_open, splits
from app.analytics.rollups import levels_through
from app.analytics.summaries import account_rows, joined_at
from app.auth.models import CUSTOMER, User
from app.extensions import db

__all__ = ["accounts", "activated", "joined_at", "participation"]


def activated():
    """A customer who chose a password or has signed in."""
    return or_(User.password_hash.is_not(None), User.last_login_at.is_not(None))


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
    active_cur, active_prev = active_pair(p)  # daily rollups for the closed days, raw tables for the rest
    result = {name: both(row, name) for name in ("invited", "activated", "base")}
    result["active"] = Pair(int(active_cur or 0), int(active_prev or 0))
    result["activation_rate"] = ratio_pair(result["activated"], result["invited"])
    result["rate"] = ratio_pair(result["active"], result["base"])
    return result


def accounts(p: Period) -> dict[str, Pair]:
    """Companies with customers in the programme at the end of each period, and the share of them
    with at least one ambassador who had reached level 2, and level 3 (or higher), by then. Per
    company: when its first customer joined and one first reached each level, from the rollup run's
    summary plus the customers who joined and the levels reached since (app.analytics.summaries)."""
    q = p.previous()
    cur, prev = splits(p)
    if mostly_open(cur, prev) or levels_through() is None or levels_through() != cur.through:
        return _shares(raw.accounts(p))
    rows = account_rows(cur.unrolled_since)
    firsts = (
        select(rows.c.company_id, func.min(rows.c.joined).label("first"), func.min(rows.c.level2).label("level2"),
               func.min(rows.c.level3).label("level3"))
        .group_by(rows.c.company_id).subquery("firsts")
    )
    with_customers = firsts.c.first.is_not(None)
    row = db.session.execute(
        select(
            count_if(firsts.c.first < p.until).label("companies_cur"),
            count_if(firsts.c.first < q.until).label("companies_prev"),
            count_if(and_(with_customers, firsts.c.level2 < p.until)).label("level2_cur"),
            count_if(and_(with_customers, firsts.c.level2 < q.until)).label("level2_prev"),
            count_if(and_(with_customers, firsts.c.level3 < p.until)).label("level3_cur"),
            count_if(and_(with_customers, firsts.c.level3 < q.until)).label("level3_prev"),
        )
    ).one()
    return _shares(row)


def _shares(row) -> dict[str, Pair]:
    result = {name: both(row, name) for name in ("companies", "level2", "level3")}
    result["level2_share"] = ratio_pair(result["level2"], result["companies"])
    result["level3_share"] = ratio_pair(result["level3"], result["companies"])
    return result
