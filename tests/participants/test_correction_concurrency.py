"""Two negative corrections at the same moment on a balance that covers only one of them, against
PostgreSQL with real threads: exactly one is made and the balance never goes below zero."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.extensions import db as _db
from app.points.corrections import BELOW_ZERO, CorrectionError, correct_points
from app.points.models import PointsCorrection, PointsEntry
from tests.factories import make_points_entry, make_user
from tests.helpers import run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.committed]
WORKERS = 8


def test_concurrent_corrections_never_take_the_balance_below_zero(app, db):
    customer = make_user("customer")
    make_points_entry(customer, 30)
    marketers = [make_user("marketer").id for _ in range(WORKERS)]
    db.session.commit()
    customer_id = customer.id

    def correct():
        with app.test_request_context():
            marketer = _db.session.get(User, marketers.pop())
            try:
                correct_points(_db.session.get(User, customer_id), marketer, -30, "Counted twice",
                               f"key-{marketer.id:020d}")
                _db.session.commit()
                return "made"
            except CorrectionError as error:
                _db.session.rollback()
                return error.reason

    results = run_at_once(app, WORKERS, correct)
    assert sorted(results) == [BELOW_ZERO] * (WORKERS - 1) + ["made"], results
    _db.session.expire_all()
    assert db.session.scalar(select(func.sum(PointsEntry.points)).where(PointsEntry.user_id == customer_id)) == 0
    assert db.session.scalar(select(func.count(PointsCorrection.id))) == 1


def test_the_same_form_sent_at_once_corrects_once(app, db):
    customer = make_user("customer")
    marketer = make_user("marketer")
    db.session.commit()
    ids = (customer.id, marketer.id)

    def correct():
        with app.test_request_context():
            made = correct_points(_db.session.get(User, ids[0]), _db.session.get(User, ids[1]), 10, "Webinar",
                                  "same-key-0000000000000")
            _db.session.commit()
            return made.id

    results = run_at_once(app, WORKERS, correct)
    assert len(set(results)) == 1, results
    assert db.session.scalar(select(func.sum(PointsEntry.points)).where(PointsEntry.user_id == ids[0])) == 10
