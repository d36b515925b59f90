"""The programme's economics in a period beside the one before it: what won referrals brought in,
what the programme cost (rewards claimed and the running cost marketing enters per month), the
cost per won referral, the return, and the referral share of all deals won.

Definitions (said once, shown on the page):
- A referral is won on the day of its first `won` event in the pipeline, or, for one with no event,
  the day its stage last changed; only referrals that are still won count (one moved on to lost
  after being won is not).
- Reward cost: claims made in the period that were not cancelled, each at the unit cost it was
  claimed at.
- Monthly amounts (running cost, deals won without a referral) count for the share of the
  month's days that fall in the period, so a 30-day period across two months takes a part of each.

Three statements, whatever the amount of data.
"""
from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta

from sqlalchemy import and_, case, func, literal, select

from app.analytics.periods import Pair, Period, count_if, during, ratio
from app.analytics.programme_models import OtherWins, ProgrammeCost
from app.extensions import db
from app.referrals.models import WON, Referee, ReferralEvent
from app.rewards.models import CANCELLED, Redemption


def won_at_subquery():
    """Per referral now at stage won: when it was won (see the module's definition)."""
    first_won = (
        select(ReferralEvent.referee_id.label("referee_id"), func.min(ReferralEvent.created_at).label("won_at"))
        .where(ReferralEvent.stage == WON).group_by(ReferralEvent.referee_id).subquery("first_won")
    )
    return (
        select(Referee.id.label("referee_id"),
               func.coalesce(first_won.c.won_at, Referee.stage_changed_at).label("won_at"))
        .outerjoin(first_won, first_won.c.referee_id == Referee.id)
        .where(Referee.stage == WON).subquery("won")
    )


def month_weights(p: Period) -> list[tuple[date, float]]:
    """The months the period touches (their first days), each with the share of its days inside it."""
    weights, first = [], p.start.replace(day=1)
    while first <= p.end:
        length = monthrange(first.year, first.month)[1]
        last = first + timedelta(days=length - 1)
        inside = (min(last, p.end) - max(first, p.start)).days + 1
        weights.append((first, inside / length))
        first = last + timedelta(days=1)
    return weights


def _weighted(column, month_column, p: Period):
    """SUM(column × the period's share of its month), as SQL."""
    weights = month_weights(p)
    share = case(*[(month_column == month, literal(weight)) for month, weight in weights], else_=literal(0.0))
    return func.coalesce(func.sum(column * share), 0)


def _monthly(model, column, p: Period, q: Period):
    """The weighted sums for both periods, and how many of each period's months have a number at all."""
    first, last = q.start.replace(day=1), p.end
    months_of = lambda period: model.month.in_([month for month, _ in month_weights(period)])  # noqa: E731
    return (select(_weighted(column, model.month, p).label("cur"), _weighted(column, model.month, q).label("prev"),
                   count_if(months_of(p)).label("known_cur"), count_if(months_of(q)).label("known_prev"))
            .where(model.month >= first, model.month <= last).subquery())


def economics(p: Period) -> dict:
    """Every economics figure for the period and the one before it (a Pair each); ratios are None
    where there is nothing to divide by."""
    q = p.previous()
    won = won_at_subquery()
    value = func.coalesce(Referee.deal_value_cents, 0)
    row = db.session.execute(
        select(
            count_if(during(won.c.won_at, p)).label("won_cur"),
            count_if(during(won.c.won_at, q)).label("won_prev"),
            func.coalesce(func.sum(case((during(won.c.won_at, p), value), else_=0)), 0).label("value_cur"),
            func.coalesce(func.sum(case((during(won.c.won_at, q), value), else_=0)), 0).label("value_prev"),
            count_if(and_(during(won.c.won_at, p), Referee.deal_value_cents.is_(None))).label("unvalued_cur"),
            count_if(and_(during(won.c.won_at, q), Referee.deal_value_cents.is_(None))).label("unvalued_prev"),
        ).select_from(won).join(Referee, Referee.id == won.c.referee_id)
        .where(won.c.won_at >= q.since, won.c.won_at < p.until)
    ).one()
    rewards = db.session.execute(
        select(
            func.coalesce(func.sum(case((during(Redemption.created_at, p), Redemption.unit_cost_cents), else_=0)), 0),
            func.coalesce(func.sum(case((during(Redemption.created_at, q), Redemption.unit_cost_cents), else_=0)), 0),
        ).where(Redemption.status != CANCELLED, Redemption.created_at >= q.since, Redemption.created_at < p.until)
    ).one()
    costs = _monthly(ProgrammeCost, ProgrammeCost.amount_cents, p, q)
    others = _monthly(OtherWins, OtherWins.won, p, q)
    monthly = db.session.execute(
        select(costs.c.cur, costs.c.prev, others.c.cur, others.c.prev, others.c.known_cur, others.c.known_prev)
        .select_from(costs).join(others, literal(True))
    ).one()

    def pair(cur, prev, kind=int) -> Pair:
        return Pair(kind(cur or 0), kind(prev or 0))

    won_count = pair(row.won_cur, row.won_prev)
    value_cents = pair(row.value_cur, row.value_prev)
    reward_cost = pair(*rewards)
    running_cost = pair(round(float(monthly[0] or 0)), round(float(monthly[1] or 0)))
    other_wins = pair(monthly[2], monthly[3], lambda v: round(float(v), 1))
    total = Pair(reward_cost.current + running_cost.current, reward_cost.previous + running_cost.previous)

    def per(part: Pair, whole: Pair) -> Pair:
        return Pair(ratio(part.current, whole.current), ratio(part.previous, whole.previous))


    # Without a single month of other wins entered the share is unknown, not 100%.
    all_wins = Pair(won_count.current + other_wins.current if monthly[4] else None,
                    won_count.previous + other_wins.previous if monthly[5] else None)
    return {
        "won": won_count, "value": value_cents, "unvalued": pair(row.unvalued_cur, row.unvalued_prev),
        "reward_cost": reward_cost, "running_cost": running_cost, "total_cost": total,
        "cost_per_won": per(total, won_count), "return_ratio": per(value_cents, total),
        "other_wins": other_wins, "other_wins_known": Pair(int(monthly[4] or 0), int(monthly[5] or 0)),
        "referral_share": per(won_count, all_wins),
    }
