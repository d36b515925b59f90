"""An NPS answer reaches the account manager at once and steers the journey."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from app.mail import OutboxMessage
from app.notifications.models import Notification
from app.nps.models import CLOSED, Alert, FollowUp, NpsResponse
from app.nps.services import add_working_days
from tests.factories import make_challenge, make_company, make_level, make_user


@pytest.fixture
def setup(db):
    lead = make_user("sales", name="Sanne Lead", email="lead@example.com", locale="nl")
    manager = make_user("sales", name="Sam Manager", email="am@example.com", locale="en", manager=lead)
    company = make_company("Bouwbedrijf Van Dijk", account_manager=manager)
    one = make_level(1)
    nps = make_challenge(one, "nps", points=20)
    two = make_level(2, threshold=0)
    quote_level2 = make_challenge(two, "question", points=30, title_en="Level two ask")
    db.session.commit()
    return dict(lead=lead, manager=manager, company=company, nps=nps, ask=quote_level2)


def _answer(post_form, setup, score, reason="Het kan beter"):
    return post_form(f"/challenges/{setup['nps'].id}", {"score": str(score), "reason": reason})


def test_detractor_alerts_both_managers_and_pauses_advocacy_until_closed(client, db, login_as, post_form, setup):
    customer = login_as("customer", company=setup["company"], locale="en", name="Kees")
    assert _answer(post_form, setup, 3).status_code == 303

    response = db.session.scalars(select(NpsResponse)).one()
    assert (response.score, response.category, response.company_id) == (3, "detractor", setup["company"].id)
    recipients = {a.recipient_id for a in db.session.scalars(select(Alert))}
    assert recipients == {setup["manager"].id, setup["lead"].id}
    mails = {m.to_address: m for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "nps_alert"))}
    assert set(mails) == {"am@example.com", "lead@example.com"}
    assert "Kees" in mails["am@example.com"].subject and "Kees" in mails["lead@example.com"].subject
    assert mails["lead@example.com"].subject.startswith("Detractor-alert: Kees is ontevreden")  # the manager reads Dutch
    task = db.session.scalars(select(FollowUp)).one()
    assert task.assignee_id == setup["manager"].id
    assert task.due_at == add_working_days(response.created_at, 2)

    # Level-2 asks wait, and the journey says so kindly.
    home = client.get("/").text
    assert "Thank you for your honest feedback" in home and "On hold" in home
    refused = post_form(f"/challenges/{setup['ask'].id}", {"answer": "A fine answer"})
    assert refused.status_code == 409 and "on hold" in refused.text

    # The account manager closes the follow-up; the asks come back.
    login_as(setup["manager"])
    page = client.get(f"/nps/answers/{response.id}")
    assert page.status_code == 200 and "Het kan beter" in page.text
    missing_note = post_form(f"/nps/answers/{response.id}", {"status": "closed", "note": ""})
    assert missing_note.status_code == 422 and "before closing" in missing_note.text
    closed = post_form(f"/nps/answers/{response.id}", {"status": "closed", "note": "Called, fixed the invoice issue."})
    assert closed.status_code == 303
    db.session.refresh(task)
    assert task.status == CLOSED and task.closed_by_id == setup["manager"].id
    login_as(customer)
    assert "Thank you for your honest feedback" not in client.get("/").text
    assert post_form(f"/challenges/{setup['ask'].id}", {"answer": "A fine answer"}).status_code == 303


def test_promoter_gets_the_onward_invitation_and_a_five_day_follow_up(client, db, login_as, post_form, setup):
    customer = login_as("customer", company=setup["company"], locale="en")
    _answer(post_form, setup, 10, "Great support")
    response = db.session.scalars(select(NpsResponse)).one()
    assert response.category == "promoter"
    assert db.session.scalars(select(FollowUp)).one().due_at == add_working_days(response.created_at, 5)
    note = db.session.scalars(select(Notification).where(Notification.user_id == customer.id)).one()
    assert note.kind == "nps_onward" and "next step" in note.text_en
    assert "next step is waiting" in client.get("/").text


@pytest.mark.parametrize("score", [7, 8])
def test_passive_answers_raise_nothing(client, db, login_as, post_form, setup, score):
    login_as("customer", company=setup["company"])
    _answer(post_form, setup, score)
    assert db.session.scalars(select(NpsResponse)).one().category == "passive"
    assert db.session.scalars(select(Alert)).all() == [] and db.session.scalars(select(FollowUp)).all() == []


@pytest.mark.parametrize("score", ["11", "-1", "abc", "", "9.5", "1" * 500])
def test_bad_scores_get_a_clear_message_and_nothing_is_recorded(client, db, login_as, post_form, setup, score):
    login_as("customer", company=setup["company"], locale="nl")
    response = _answer(post_form, setup, score, reason="Mijn uitleg blijft staan")
    assert response.status_code == 422
    assert "Kies een score van 0 tot en met 10." in response.text
    assert "Mijn uitleg blijft staan" in response.text
    assert db.session.scalars(select(NpsResponse)).all() == []


def test_only_the_account_manager_their_manager_marketing_and_admins_see_an_answer(client, db, login_as, post_form, setup):
    login_as("customer", company=setup["company"])
    _answer(post_form, setup, 2)
    response_id = db.session.scalars(select(NpsResponse.id)).one()
    url = f"/nps/answers/{response_id}"
    for viewer, expected in [(setup["manager"], 200), (setup["lead"], 200), (make_user("sales"), 404),
                             (make_user("marketer"), 200), (make_user("admin"), 200)]:
        db.session.commit()
        login_as(viewer)
        assert client.get(url).status_code == expected, viewer.role
    login_as("customer")
    assert client.get(url).status_code == 403


def test_working_days_skip_the_weekend():
    friday = datetime(2026, 11, 20, 10, 0)
    assert add_working_days(friday, 2) == datetime(2026, 11, 24, 10, 0)  # Tuesday
    assert add_working_days(friday, 5) == datetime(2026, 11, 27, 10, 0)  # next Friday
