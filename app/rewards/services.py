"""Badges earned by rules, rewards claimed by customers. Flush only; the route commits."""
from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.auth.models import User
from app.extensions import db
from app.journey.models import APPROVED, Challenge, Submission
from app.points.services import award_points
from app.rewards.models import (
    CANCELLED, CHALLENGE_COMPLETED, LEVEL_REACHED, POINTS_AT_LEAST, TYPE_COUNT, Badge, Redemption, Reward, UserBadge,
)


class RewardError(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def approved_counts_by_type(user_id: int) -> dict[str, int]:
    """How many approved submissions a customer has per challenge type."""
    rows = db.session.execute(
        select(Challenge.type_key, func.count(Submission.id))
        .join(Submission, Submission.challenge_id == Challenge.id)
        .where(Submission.user_id == user_id, Submission.status == APPROVED)
        .group_by(Challenge.type_key)
    )
    return {key: count for key, count in rows}


def badge_earned(badge: Badge, state, type_counts: dict[str, int]) -> bool:
    if badge.rule == LEVEL_REACHED:
        return badge.rule_level_id in state.unlocked_level_ids()
    if badge.rule == POINTS_AT_LEAST:
        return state.earned >= (badge.rule_value or 0)
    if badge.rule == CHALLENGE_COMPLETED:
        return badge.rule_challenge_id in state.completed_ids
    if badge.rule == TYPE_COUNT:
        return type_counts.get(badge.rule_type_key or "", 0) >= (badge.rule_value or 1)
    return False


def evaluate_badges(user: User, state) -> list[Badge]:
    """Award every badge whose rule the customer now meets. Returns the newly awarded ones."""
    owned = select(UserBadge.badge_id).where(UserBadge.user_id == user.id)
    candidates = list(db.session.scalars(select(Badge).where(Badge.active.is_(True), Badge.id.not_in(owned))))
    if not candidates:
        return []
    counts = approved_counts_by_type(user.id) if any(b.rule == TYPE_COUNT for b in candidates) else {}
    awarded = []
    for badge in candidates:
        if not badge_earned(badge, state, counts):
            continue
        try:
            with db.session.begin_nested():
                db.session.add(UserBadge(user_id=user.id, badge_id=badge.id))
        except IntegrityError:
            continue  # a parallel request awarded it first
        awarded.append(badge)
    return awarded


def reward_blocker(reward: Reward, state, claimed: bool) -> str | None:
    """Why a customer cannot claim this reward now, or None when they can."""
    if claimed:
        return "claimed"
    if not reward.active:
        return "inactive"
    if reward.level_id is not None and reward.level_id not in state.unlocked_level_ids():
        return "level"
    if reward.stock is not None and reward.stock <= 0:
        return "stock"
    if reward.point_cost and state.balance < reward.point_cost:
        return "points"
    return None


def claim_reward(user: User, reward: Reward) -> Redemption:
    """Claim a reward: one per customer, stock never below zero, points spent through the ledger."""
    from app.journey.services import journey_state

    # Serialise this customer's spending so two claims cannot both use the same points: a no-op
    # UPDATE takes the row lock on PostgreSQL and the write lock on SQLite before the balance is read.
    db.session.execute(
        update(User).where(User.id == user.id).values(id=User.id).execution_options(synchronize_session=False)
    )
    state = journey_state(user)
    claimed = db.session.scalar(
        select(Redemption.id).where(
            Redemption.user_id == user.id, Redemption.reward_id == reward.id, Redemption.status != CANCELLED
        )
    ) is not None
    blocker = reward_blocker(reward, state, claimed)
    if blocker:
        raise RewardError(blocker)
    redemption = Redemption(user_id=user.id, reward_id=reward.id, points_spent=reward.point_cost or 0)
    try:
        with db.session.begin_nested():
            db.session.add(redemption)
    except IntegrityError:
        raise RewardError("claimed") from None
    if reward.stock is not None:
        taken = db.session.execute(
            update(Reward).where(Reward.id == reward.id, Reward.stock > 0).values(stock=Reward.stock - 1)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:
            raise RewardError("stock")  # the route rolls back, so the redemption goes too
    if reward.point_cost:
        award_points(user.id, -reward.point_cost, "redemption", redemption.id,
                     reason_nl=reward.name_nl, reason_en=reward.name_en)
    return redemption
