"""A cancelled claim does not block the customer from claiming the reward again."""
from __future__ import annotations

import pytest
import sqlalchemy.exc
from sqlalchemy import func, select

from app.points.models import PointsEntry
from app.rewards.models import CANCELLED, Redemption, Reward
from app.rewards.redemptions import RewardError, claim_reward
from tests.factories import make_level, make_user


def test_claim_again_after_cancellation_but_never_two_open_claims(db):
    make_level(1)
    user = make_user("customer")
    reward = Reward(name_nl="Lunch", name_en="Lunch", kind="exclusive_access", point_cost=10)
    db.session.add(reward)
    db.session.add(PointsEntry(user_id=user.id, points=30, source_type="test", source_id=1, reason_nl="x", reason_en="x"))
    db.session.commit()
    first = claim_reward(user, reward)
    db.session.commit()
    with pytest.raises(RewardError) as refused:
        claim_reward(user, reward)
    assert refused.value.reason == "claimed"
    db.session.rollback()
    first.status = CANCELLED
    db.session.commit()
    second = claim_reward(user, reward)
    db.session.commit()
    assert second.id != first.id
    # The database itself refuses a second open claim.
    db.session.add(Redemption(user_id=user.id, reward_id=reward.id))
    with pytest.raises(sqlalchemy.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(select(func.count(Redemption.id))) == 2
