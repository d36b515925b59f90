"""Who takes part: customers invited, activated and active in a period, and the companies with ambassadors."""
from __future__ import annotations

from sqlalchemy import and_, case, func, or_, select

from app.analytics.periods import Pair, Period, both, count_if, during, ratio_pair
from app.analytics.recent import active_pair
from app.auth.models import CUSTOMER, User
from app.extensions import db
from app.journey.models import Level, LevelUnlock


def joined_at():
    """When a customer joined the programme: the invitation, or the account for those never invited."""
    return func.coalesce(User.invited_at, User.created_at)


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


