"""Two marketers settling the same claim at the same moment, against PostgreSQL with real threads."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.extensions import db as _db
from app.points.models import PointsEntry
from app.rewards.models import Redemption, Reward
from app.rewards.redemptions import cancel, claim_reward, fulfil
from tests.factories import make_level, make_user
from tests.helpers import run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.committed]
WORKERS = 20


def test_a_claim_cancelled_and_fulfilled_at_once_is_settled_once_and_refunded_at_most_once(app, db):
    make_level(1)
    anna = make_user("customer")
    db.session.add(PointsEntry(user_id=anna.id, points=30, source_type="test", source_id=1, reason_nl="x",
                               reason_en="x"))
    seat = Reward(name_nl="Plek", name_en="Seat", kind="event_seat", point_cost=30, stock=1)
    db.session.add(seat)
    db.session.flush()
    redemption = claim_reward(anna, seat)
    marketers = [make_user("marketer").id for _ in range(WORKERS)]
    db.session.commit()
    redemption_id, actions = redemption.id, [cancel, fulfil] * (WORKERS // 2)

    def settle():
        with app.test_request_context():
            action = actions.pop()
            done = action(_db.session.get(Redemption, redemption_id), _db.session.get(User, marketers.pop()))
            _db.session.commit()
            return action.__name__ if done else None

    results = run_at_once(app, WORKERS, settle)
    winners = [r for r in results if r is not None]
    assert len(winners) == 1 and set(results) <= {"cancel", "fulfil", None}, results
    refunds = db.session.scalar(
        select(func.count(PointsEntry.id)).where(PointsEntry.source_type == "redemption_refund"))
    _db.session.expire_all()
    assert refunds == (1 if winners == ["cancel"] else 0)
    assert _db.session.get(Reward, seat.id).stock == (1 if winners == ["cancel"] else 0)
