"""Reviewing a submission (journey.progress.review_submission): points once, the customer told, audited."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.extensions import db
from app.journey.models import APPROVED, PENDING, REJECTED, Submission
from app.journey.progress import review_submission
from app.mail import OutboxMessage
from app.notifications.models import Notification
from app.points.models import PointsEntry
from tests.factories import make_challenge, make_level, make_user


@pytest.fixture(autouse=True)
def marketer_request(app, db):
    """Reviews happen in a marketer's request (the audit line is written in their language)."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


@pytest.fixture
def pending(db):
    """A customer's answer to a reviewed 25-point question, waiting for marketing."""
    level = make_level(1)
    challenge = make_challenge(level, "question", points=25, needs_review=True,
                               title_nl="Wat bespaart het je?", title_en="What does it save you?")
    customer = make_user("customer", name="Anna de Vries", locale="nl")
    submission = Submission(user_id=customer.id, challenge=challenge, attempt=1, data={"answer": "Hours"},
                            status=PENDING)
    db.session.add(submission)
    db.session.commit()
    return submission


def select_all(model, *where) -> list:
    return list(db.session.scalars(select(model).where(*where)))


def _ledger(submission) -> list[PointsEntry]:
    return select_all(PointsEntry, PointsEntry.source_type == "submission", PointsEntry.source_id == submission.id)


def test_approval_awards_the_points_once(pending):
    marketer, other = make_user("marketer"), make_user("marketer")

    assert review_submission(pending, marketer, approve=True) is True
    assert review_submission(pending, other, approve=True) is False  # a second click decides nothing
    assert review_submission(pending, other, approve=False, note="No") is False
    db.session.commit()

    assert pending.status == APPROVED and pending.reviewer_id == marketer.id and pending.reviewed_at is not None
    [entry] = _ledger(pending)
    assert entry.points == 25 and entry.user_id == pending.user_id
    assert db.session.scalar(select(func.count(Notification.id))) == 1
    assert [a.action for a in select_all(AuditEntry)] == ["submission.approve"]


def test_approval_tells_the_customer_in_the_app_and_by_email(pending):
    marketer = make_user("marketer")

    review_submission(pending, marketer, approve=True, note="Lovely words!")
    db.session.commit()

    [note] = select_all(Notification, Notification.user_id == pending.user_id)
    assert note.kind == "review"
    assert "“What does it save you?” is approved. You earned 25 points." in note.text_en
    assert "Lovely words!" in note.text_en and "Wat bespaart het je?" in note.text_nl
    assert note.link == f"http://portal.test/challenges/{pending.challenge_id}"  # a question is no contribution
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == pending.user.email))
    assert mail is not None and "Wat bespaart het je?" in mail.body_text  # in the customer's language
    [audit] = select_all(AuditEntry)
    assert (audit.action, audit.actor_id, audit.target_id) == ("submission.approve", marketer.id, pending.id)
    assert audit.details["points"] == 25


def test_rejection_with_a_note_awards_nothing_and_passes_the_note_on(pending):
    marketer = make_user("marketer")

    assert review_submission(pending, marketer, approve=False, note="Please be more specific.") is True
    db.session.commit()

    assert pending.status == REJECTED and pending.review_note == "Please be more specific."
    assert _ledger(pending) == []
    [note] = select_all(Notification, Notification.user_id == pending.user_id)
    assert "“What does it save you?” was not accepted." in note.text_en
    assert "Note from our team: Please be more specific." in note.text_en
    assert "Please be more specific." in note.text_nl
    [audit] = select_all(AuditEntry)
    assert audit.action == "submission.reject" and audit.details["note"] == "Please be more specific."
    assert audit.details["points"] == 0
