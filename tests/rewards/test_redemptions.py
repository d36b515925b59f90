"""Fulfilling and cancelling a claim (rewards.redemptions): settled once, points and stock returned, customer told."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.extensions import db
from app.mail import OutboxMessage
from app.notifications.models import Notification
from app.points.models import PointsEntry
from app.rewards.models import CANCELLED, FULFILLED, REQUESTED, Redemption, Reward
from app.rewards.redemptions import RewardError, cancel, claim_reward, fulfil
from tests.factories import make_level, make_user


@pytest.fixture(autouse=True)
def marketer_request(app, db):
    """Fulfilment happens in a marketer's request (the audit line is written in their language)."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


@pytest.fixture
def claimed(db):
    """Anna claimed a 30-point seat of which 4 were left: 3 are left now, and 20 of her 50 points."""
    make_level(1)
    anna = make_user("customer", name="Anna de Vries", locale="nl")
    db.session.add(PointsEntry(user_id=anna.id, points=50, source_type="test", source_id=1, reason_nl="x",
                               reason_en="x"))
    seat = Reward(name_nl="Plek op de klantdag", name_en="Seat at the customer day", kind="event_seat",
                  point_cost=30, stock=4)
    db.session.add(seat)
    db.session.flush()
    redemption = claim_reward(anna, seat)
    db.session.commit()
    return redemption


def select_all(model, *where) -> list:
    return list(db.session.scalars(select(model).where(*where)))


def balance(user) -> int:
    return db.session.scalar(select(func.coalesce(func.sum(PointsEntry.points), 0))
                             .where(PointsEntry.user_id == user.id))


def stock(reward) -> int | None:
    db.session.expire_all()
    return db.session.get(Reward, reward.id).stock


def test_a_claim_spends_points_and_stock(claimed):
    assert claimed.status == REQUESTED and claimed.points_spent == 30
    assert balance(claimed.user) == 20 and stock(claimed.reward) == 3


def test_fulfil_settles_the_claim_once_and_tells_the_customer(claimed):
    marketer = make_user("marketer")

    assert fulfil(claimed, marketer) is True
    assert fulfil(claimed, marketer) is False
    assert cancel(claimed, marketer) is False  # a fulfilled claim is not cancelled afterwards
    db.session.commit()

    assert claimed.status == FULFILLED
    assert balance(claimed.user) == 20 and stock(claimed.reward) == 3  # nothing comes back
    [note] = select_all(Notification, Notification.user_id == claimed.user_id)
    assert note.kind == "reward" and note.link == "http://portal.test/rewards"
    assert "“Seat at the customer day” is arranged" in note.text_en and "Plek op de klantdag" in note.text_nl
    assert select_all(OutboxMessage, OutboxMessage.to_address == claimed.user.email)
    [audit] = select_all(AuditEntry)
    assert (audit.action, audit.actor_id, audit.target_id) == ("redemption.fulfil", marketer.id, claimed.id)


def test_cancel_returns_points_through_the_ledger_and_the_unit_to_stock_once(claimed):
    marketer = make_user("marketer")

    assert cancel(claimed, marketer, note="The day is fully booked.") is True
    assert cancel(claimed, marketer, note="Again") is False
    assert fulfil(claimed, marketer) is False
    db.session.commit()

    assert claimed.status == CANCELLED
    [refund] = select_all(PointsEntry, PointsEntry.source_type == "redemption_refund")
    assert refund.points == 30 and refund.source_id == claimed.id and "Seat at the customer day" in refund.reason_en
    assert "Plek op de klantdag" in refund.reason_nl
    assert balance(claimed.user) == 50 and stock(claimed.reward) == 4
    [note] = select_all(Notification, Notification.user_id == claimed.user_id)
    assert "Your 30 points are back in your balance." in note.text_en
    assert "The day is fully booked." in note.text_en and "The day is fully booked." in note.text_nl
    [audit] = select_all(AuditEntry)
    assert audit.action == "redemption.cancel" and audit.details["points_returned"] == 30
    assert audit.details["note"] == "The day is fully booked."


def test_cancelling_a_free_unlimited_reward_leaves_ledger_and_stock_alone(db):
    make_level(1)
    anna = make_user("customer", locale="en")
    access = Reward(name_nl="Vroege toegang", name_en="Early access", kind="early_access")
    db.session.add(access)
    db.session.flush()
    redemption = claim_reward(anna, access)
    db.session.commit()

    assert cancel(redemption, make_user("marketer")) is True
    db.session.commit()

    assert stock(access) is None
    assert select_all(PointsEntry, PointsEntry.user_id == anna.id) == []
    [note] = select_all(Notification, Notification.user_id == anna.id)
    assert note.text_en == "We cancelled your claim for “Early access”."


def test_after_a_cancellation_the_customer_may_claim_again(claimed):
    cancel(claimed, make_user("marketer"))
    db.session.commit()

    again = claim_reward(claimed.user, claimed.reward)
    db.session.commit()
    assert again.id != claimed.id and balance(claimed.user) == 20
    with pytest.raises(RewardError) as refused:
        claim_reward(claimed.user, claimed.reward)
    assert refused.value.reason == "claimed"
    db.session.rollback()
    assert db.session.scalar(select(func.count(Redemption.id))) == 2
