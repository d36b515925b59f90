"""Double clicks and parallel workers, against PostgreSQL with real threads."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db as _db
from app.journey.models import PENDING, Submission
from app.journey.progress import review_submission, settle
from app.notifications.models import Notification
from app.points.models import PointsEntry
from app.rewards.models import POINTS_AT_LEAST, Badge, Redemption, Reward, UserBadge
from app.rewards.redemptions import RewardError, claim_reward
from tests.conftest import csrf_token
from tests.factories import make_challenge, make_level, make_user
from tests.helpers import run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.committed]
WORKERS = 20


def test_twenty_concurrent_completions_store_one_answer_and_one_ledger_row(app, db):
    challenge = make_challenge(make_level(1), "question", points=15)
    user = make_user("customer")
    db.session.commit()
    url, user_key = f"/challenges/{challenge.id}", user.get_id()

    def submit():
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = user_key
        token = csrf_token(app, client)
        return client.post(url, data={"answer": "Hours saved every week.", "csrf_token": token}).status_code

    codes = run_at_once(app, WORKERS, submit)
    assert all(isinstance(code, int) and code < 500 for code in codes), codes
    assert codes.count(303) == 1 and set(codes) <= {303, 409}
    assert db.session.scalar(select(func.count(Submission.id))) == 1
    assert db.session.scalar(select(func.count(PointsEntry.id))) == 1
    assert db.session.scalar(select(func.sum(PointsEntry.points))) == 15


def test_a_badge_is_awarded_once_under_parallel_checks(app, db):
    make_level(1)
    user = make_user("customer")
    db.session.add(Badge(key="first", name_nl="Eerste", name_en="First", rule=POINTS_AT_LEAST, rule_value=10))
    db.session.add(PointsEntry(user_id=user.id, points=20, source_type="test", source_id=1, reason_nl="x", reason_en="x"))
    db.session.commit()
    user_id = user.id

    def check():
        from app.auth.models import User

        _, _, badges = settle(_db.session.get(User, user_id))
        _db.session.commit()
        return len(badges)

    results = run_at_once(app, WORKERS, check)
    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 1
    assert db.session.scalar(select(func.count(UserBadge.id))) == 1


def test_last_reward_in_stock_goes_to_exactly_one_of_twenty_customers(app, db):
    make_level(1)
    reward = Reward(name_nl="Lunch", name_en="Lunch", kind="exclusive_access", stock=1)
    db.session.add(reward)
    customers = [make_user("customer").id for _ in range(WORKERS)]
    db.session.commit()
    queue = list(customers)
    reward_id = reward.id

    def claim():
        from app.auth.models import User

        user = _db.session.get(User, queue.pop())
        try:
            claim_reward(user, _db.session.get(Reward, reward_id))
            _db.session.commit()
            return "won"
        except RewardError as exc:
            _db.session.rollback()
            return exc.reason

    results = run_at_once(app, WORKERS, claim)
    assert results.count("won") == 1, results
    assert set(results) <= {"won", "stock"}, results
    assert db.session.scalar(select(func.count(Redemption.id))) == 1
    _db.session.expire_all()
    assert _db.session.get(Reward, reward_id).stock == 0


def test_parallel_claims_never_spend_the_same_points_twice(app, db):
    make_level(1)
    user = make_user("customer")
    first = Reward(name_nl="A", name_en="A", kind="donation", point_cost=50)
    second = Reward(name_nl="B", name_en="B", kind="recognition", point_cost=50)
    db.session.add_all([first, second])
    db.session.add(PointsEntry(user_id=user.id, points=50, source_type="test", source_id=1, reason_nl="x", reason_en="x"))
    db.session.commit()
    user_id, reward_ids = user.id, [first.id, second.id] * (WORKERS // 2)

    def claim():
        from app.auth.models import User

        try:
            claim_reward(_db.session.get(User, user_id), _db.session.get(Reward, reward_ids.pop()))
            _db.session.commit()
            return "won"
        except RewardError as exc:
            _db.session.rollback()
            return exc.reason

    results = run_at_once(app, WORKERS, claim)
    assert results.count("won") == 1, results
    assert db.session.scalar(select(func.sum(PointsEntry.points))) == 0


def test_twenty_marketers_approving_at_once_award_once_and_tell_the_customer_once(app, db):
    challenge = make_challenge(make_level(1), "question", points=15, needs_review=True)
    customer = make_user("customer")
    submission = Submission(user_id=customer.id, challenge=challenge, attempt=1, data={"answer": "x"},
                            status=PENDING)
    db.session.add(submission)
    marketers = [make_user("marketer").id for _ in range(WORKERS)]
    db.session.commit()
    submission_id = submission.id

    def approve():
        from app.auth.models import User

        with app.test_request_context():
            decided = review_submission(_db.session.get(Submission, submission_id),
                                        _db.session.get(User, marketers.pop()), approve=True)
            _db.session.commit()
            return decided

    results = run_at_once(app, WORKERS, approve)
    assert results.count(True) == 1 and results.count(False) == WORKERS - 1, results
    assert db.session.scalar(select(func.count(PointsEntry.id))) == 1
    assert db.session.scalar(select(func.count(Notification.id))) == 1
