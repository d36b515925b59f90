"""The survey's closed loop: satisfaction drives the alert whatever the score, "interested in more
services" opens an upsell follow-up for the account manager (seen by their manager), tracked to
closed with an outcome; the thank-you page promises only what will happen."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.audit.models import AuditEntry
from app.mail import OutboxMessage
from app.notifications.models import Notification
from app.nps.models import Alert, FollowUp, NpsResponse
from app.nps.services import add_working_days, advocacy_paused, open_upsell, paused_customer_ids, record_answer
from app.sales.ask_services import pause_reason
from tests.conftest import PG_URL
from tests.factories import make_company, make_user
from tests.nps.test_survey import _make_survey


@pytest.fixture
def loop(db):
    boss = make_user("sales", name="Bea Baas", email="boss@example.com", locale="nl")
    manager = make_user("sales", name="Sam Manager", email="am@example.com", locale="nl", manager=boss)
    company = make_company("Bouwbedrijf Van Dijk", account_manager=manager)
    kees = make_user("customer", name="Kees", email="kees@example.com", locale="nl", company=company)
    anna = make_user("customer", name="Anna", email="anna@example.com", locale="en", company=company)
    other_am = make_user("sales", name="Other AM", email="other@example.com")
    make_company("Elsewhere BV", account_manager=other_am)
    loner = make_user("customer", name="Lone Wolf", email="loner@example.com", locale="en", company_id=None)  # no company
    db.session.commit()
    return dict(boss=boss, manager=manager, company=company, kees=kees, anna=anna, other_am=other_am, loner=loner)


def _answer(post_form, user, score, satisfaction="satisfied", wants_more="no", reason="Prima"):
    _, path = _make_survey(user)
    return post_form(path, {"satisfaction": satisfaction, "reason": reason, "score": str(score),
                            "wants_more": wants_more})


def _tasks(db) -> dict[str, FollowUp]:
    db.session.expire_all()
    return {task.kind: task for task in db.session.scalars(select(FollowUp))}


# --- satisfaction drives the alert ---------------------------------------------------------------

@pytest.mark.parametrize("score,satisfaction,trigger,days,paused", [
    (10, "dissatisfied", "dissatisfied", 2, True),        # the unhappy signal wins over a 10
    (2, "dissatisfied", "detractor", 2, True),            # one detractor alert, not two
    (3, "more_than_satisfied", "detractor", 2, True),     # the score is unhappy: it wins
    (7, "more_than_satisfied", "more_than_satisfied", 5, False),
    (9, "satisfied", "promoter", 5, False),
    (7, "dissatisfied", "dissatisfied", 2, True),
])
def test_satisfaction_or_score_raises_one_alert_of_the_right_style(db, post_form, loop, score, satisfaction, trigger,
                                                                  days, paused):
    assert _answer(post_form, loop["anna"], score, satisfaction).status_code == 200
    answer = db.session.scalars(select(NpsResponse)).one()
    task = _tasks(db)["alert"]
    assert task.trigger == trigger and task.assignee_id == loop["manager"].id
    assert task.due_at == add_working_days(answer.created_at, days)
    assert db.session.scalar(select(func.count()).select_from(FollowUp)) == 1
    assert {a.recipient_id for a in db.session.scalars(select(Alert))} == {loop["manager"].id, loop["boss"].id}
    assert db.session.scalar(select(func.count()).where(OutboxMessage.kind == "nps_alert")) == 2
    assert advocacy_paused(loop["anna"].id) is paused
    assert (loop["anna"].id in set(db.session.scalars(paused_customer_ids()))) is paused
    assert (pause_reason(loop["anna"]) is not None) is paused
    onward = db.session.scalar(select(func.count()).where(Notification.kind == "nps_onward"))
    assert onward == (1 if trigger == "promoter" else 0)  # nobody dissatisfied is thanked for recommending us


def test_a_passive_satisfied_answer_raises_nothing(db, post_form, loop):
    assert _answer(post_form, loop["anna"], 8, "satisfied").status_code == 200
    assert db.session.scalar(select(func.count()).select_from(FollowUp)) == 0
    assert db.session.scalar(select(func.count()).select_from(Alert)) == 0
    assert not advocacy_paused(loop["anna"].id)


def test_the_alert_says_which_answer_raised_it_in_mail_page_and_list(client, db, login_as, post_form, loop):
    assert _answer(post_form, loop["anna"], 10, "dissatisfied", reason="Slecht bereikbaar").status_code == 200
    mails = {m.to_address: m for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "nps_alert"))}
    assert mails["am@example.com"].subject == "Detractor-alert: Anna is ontevreden (Enquête: ontevreden)"
    assert "Aanleiding voor deze melding: Enquête: ontevreden." in mails["am@example.com"].body_text
    answer = db.session.scalars(select(NpsResponse)).one()
    login_as(loop["manager"])  # reads Dutch
    page = client.get(f"/nps/answers/{answer.id}").text
    assert "Enquête: ontevreden" in page and '<dd lang="en">Slecht bereikbaar</dd>' in page  # Anna wrote in English
    login_as("marketer", locale="en")
    assert "Survey: dissatisfied" in client.get("/nps/follow-ups").text
    assert "Survey: dissatisfied" in client.get("/nps/alerts?show=all").text


def test_a_score_alert_names_the_score_and_its_segment(client, db, login_as, post_form, loop):
    assert _answer(post_form, loop["anna"], 2, "dissatisfied").status_code == 200
    login_as("marketer", locale="en")
    assert "Score 2 — detractor, survey: dissatisfied" in client.get("/nps/follow-ups").text
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == "am@example.com")).first()
    assert mail.subject == "Detractor-alert: Anna is ontevreden (Score 2 — criticaster, enquête: ontevreden)"


# --- the upsell follow-up ------------------------------------------------------------------------

def test_interest_in_more_services_opens_an_upsell_for_the_account_manager(client, db, login_as, post_form, loop):
    response = _answer(post_form, loop["kees"], 7, "satisfied", wants_more="yes")
    assert response.status_code == 200
    assert "je accountmanager Sam Manager neemt daarover contact met je op" in response.text  # Kees reads Dutch
    assert "heeft je antwoord ontvangen" not in response.text  # a passive, satisfied answer raises no alert
    tasks = _tasks(db)
    assert set(tasks) == {"upsell"}
    task = tasks["upsell"]
    assert (task.trigger, task.status, task.assignee_id) == ("wants_more", "open", loop["manager"].id)
    assert task.due_at == add_working_days(task.response.created_at, 3)
    note = db.session.scalars(select(Notification).where(Notification.user_id == loop["manager"].id)).one()
    assert note.kind == "nps_upsell" and "Kees" in note.text_nl and note.link.endswith(f"/nps/answers/{task.response_id}/upsell")
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == "am@example.com")).one()
    assert mail.subject == "Interesse in meer diensten: Kees"  # in the manager's language
    assert "geïnteresseerd in meer van onze diensten" in mail.body_text
    assert not advocacy_paused(loop["kees"].id)

    url = f"/nps/answers/{task.response_id}/upsell"
    for viewer in (loop["manager"], loop["boss"]):
        login_as(viewer)
        assert client.get(url).status_code == 200
        assert url in client.get("/sales/follow-ups").text
        assert url in client.get("/nps/follow-ups?kind=upsell").text
    login_as(loop["other_am"])
    assert client.get(url).status_code == 404
    assert url not in client.get("/sales/follow-ups").text
    assert url not in client.get("/nps/follow-ups?kind=upsell").text
    login_as("customer")
    assert client.get(url).status_code == 403


def test_closing_an_upsell_needs_an_outcome_and_is_audited(client, db, login_as, post_form, loop):
    _answer(post_form, loop["kees"], 7, wants_more="yes")
    task = _tasks(db)["upsell"]
    url = f"/nps/answers/{task.response_id}/upsell"
    login_as(loop["manager"])
    missing = post_form(url, {"status": "closed", "outcome": "", "note": "Belde op dinsdag"})
    assert missing.status_code == 422
    assert "Kies de uitkomst voordat je afsluit." in missing.text and "Belde op dinsdag" in missing.text
    bogus = post_form(url, {"status": "closed", "outcome": "sold_everything", "note": ""})
    assert bogus.status_code == 422
    assert _tasks(db)["upsell"].status == "open"

    contacted = post_form(url, {"status": "contacted", "outcome": "", "note": "Voicemail"}, htmx=True)
    assert contacted.status_code == 204 and contacted.headers["HX-Redirect"] == url
    assert _tasks(db)["upsell"].status == "contacted"
    done = post_form(url, {"status": "closed", "outcome": "meeting_planned", "note": "Afspraak op 12 januari"})
    assert done.status_code == 303
    task = _tasks(db)["upsell"]
    assert (task.status, task.outcome, task.note, task.closed_by_id) == (
        "closed", "meeting_planned", "Afspraak op 12 januari", loop["manager"].id)
    actions = [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions[-2:] == ["nps_upsell.contacted", "nps_upsell.closed"]
    assert "Afspraak gepland" in client.get(url).text
    assert url not in client.get("/sales/follow-ups").text  # closed: off the to-do list
    assert url in client.get("/nps/follow-ups?status=closed&kind=upsell").text


def test_the_upsell_page_comes_as_a_fragment_for_htmx(client, db, login_as, post_form, loop):
    _answer(post_form, loop["kees"], 7, wants_more="yes")
    url = f"/nps/answers/{_tasks(db)['upsell'].response_id}/upsell"
    login_as(loop["manager"])
    assert "<html" in client.get(url).text
    fragment = client.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and "<form" in fragment.text
    invalid = post_form(url, {"status": "closed"}, htmx=True)
    assert invalid.status_code == 422 and "<html" not in invalid.text


def test_without_an_account_manager_the_upsell_is_unassigned_and_marketing_sees_it(client, db, login_as, post_form,
                                                                                    loop):
    response = _answer(post_form, loop["loner"], 9, "more_than_satisfied", wants_more="yes")
    assert response.status_code == 200
    assert "we have passed that on to our team" in response.text
    assert "account manager" not in response.text.split("<main", 1)[-1]  # no name promised that nobody keeps
    tasks = _tasks(db)
    assert tasks["upsell"].assignee_id is None and tasks["alert"].assignee_id is None
    assert db.session.scalar(select(func.count()).where(Notification.kind == "nps_upsell")) == 0
    url = f"/nps/answers/{tasks['upsell'].response_id}/upsell"
    for role in ("marketer", "admin"):
        login_as(role, locale="en")
        listing = client.get("/nps/follow-ups?kind=upsell").text
        assert url in listing and "Unassigned" in listing
        assert "no active account manager" in client.get(url).text
    login_as(loop["manager"])
    assert client.get(url).status_code == 404


def test_an_inactive_account_manager_leaves_the_upsell_unassigned(db, post_form, loop):
    loop["manager"].is_active = False
    db.session.commit()
    response = _answer(post_form, loop["kees"], 3, wants_more="yes")
    assert "aan ons team doorgegeven" in response.text
    assert "Sam Manager" not in response.text  # nobody is promised who will not come
    assert _tasks(db)["upsell"].assignee_id is None


def test_no_interest_opens_no_upsell(db, post_form, loop):
    response = _answer(post_form, loop["kees"], 8, wants_more="no")
    assert "meer van onze diensten" not in response.text
    assert db.session.scalar(select(func.count()).select_from(FollowUp)) == 0


def test_the_database_allows_one_upsell_per_answer(app, db, loop):
    with app.test_request_context():
        answer = record_answer(loop["kees"], 7, "", source="survey", satisfaction="satisfied", wants_more=True)
        db.session.commit()
        with pytest.raises(IntegrityError):
            open_upsell(loop["kees"], answer)
        db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(FollowUp)) == 1


@pytest.mark.postgres
@pytest.mark.committed
def test_two_simultaneous_upsells_for_one_answer_make_one(app, db, loop):
    from app.extensions import db as _db
    from tests.helpers import run_at_once

    assert PG_URL
    answer = NpsResponse(user_id=loop["kees"].id, company_id=loop["company"].id, score=7, category="passive",
                         source="survey", satisfaction="satisfied", wants_more=True)
    db.session.add(answer)
    db.session.commit()
    answer_id, kees_id = answer.id, loop["kees"].id

    def open_one():
        with app.test_request_context():
            try:
                open_upsell(_db.session.get(type(loop["kees"]), kees_id), _db.session.get(NpsResponse, answer_id))
                _db.session.commit()
                return "created"
            except IntegrityError:
                _db.session.rollback()
                return "refused"

    results = run_at_once(app, 6, open_one)
    assert sorted(results) == ["created"] + ["refused"] * 5, results
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(FollowUp).where(FollowUp.response_id == answer_id)) == 1
    assert db.session.scalar(select(func.count()).where(Notification.kind == "nps_upsell")) == 1

