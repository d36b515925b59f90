"""Reward claims in a period, per kind, and intrinsic rewards beside money-like ones."""
from __future__ import annotations

from sqlalchemy import select

from app.analytics.periods import Pair, Period, both, count_if, during, ratio_pair
from app.extensions import db
from app.rewards.models import CANCELLED, MONEY_LIKE_KINDS, REWARD_KINDS, Redemption, Reward


def rewards(p: Period) -> dict:
    """Reward claims made in each period (not cancelled), per kind, and intrinsic vs money-like."""
    q = p.previous()
    rows = {
        row.kind: row for row in db.session.execute(
            select(Reward.kind, count_if(during(Redemption.created_at, p)).label("n_cur"),
                   count_if(during(Redemption.created_at, q)).label("n_prev"))
            .join(Reward, Reward.id == Redemption.reward_id)
            .where(Redemption.status != CANCELLED, Redemption.created_at >= q.since,
                   Redemption.created_at < p.until)
            .group_by(Reward.kind)
        )
    }
    kinds = [{"kind": kind, "money_like": kind in MONEY_LIKE_KINDS,
              "count": both(rows[kind], "n") if kind in rows else Pair(0, 0)} for kind in REWARD_KINDS]

    def total(money_like: bool) -> Pair:
        chosen = [k["count"] for k in kinds if k["money_like"] == money_like]
        return Pair(sum(c.current for c in chosen), sum(c.previous for c in chosen))

    intrinsic, money_like = total(False), total(True)
    claims = Pair(intrinsic.current + money_like.current, intrinsic.previous + money_like.previous)
    return {"kinds": kinds, "intrinsic": intrinsic, "money_like": money_like, "claims": claims,
            "money_like_share": ratio_pair(money_like, claims)}


