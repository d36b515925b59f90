"""The participant page (marketing and sales for their accounts), editing a participant, and points
corrections: a ledger row with a reason, never below zero, moving the level, audited."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.auth.models import MARKETER, SALES, User
from app.journey.models import PENDING, LevelUnlock
from app.points.models import CORRECTION, PointsCorrection, PointsEntry
from app.points.services import totals
from tests import factories
from tests.conftest import HX, count_queries, form_value


def _customer(company_name="Klantbedrijf BV", **fields):
    manager = factories.make_user(SALES, name="Sam Sales")
    company = factories.make_company(company_name, account_manager=manager)
    return factories.make_user(company=company, name=fields.pop("name", "Karin Klant"), **fields), manager


def _everything(customer, marketer):
    level = factories.make_level(1)
    quote = factories.make_challenge(level, type_key="quote")
    factories.make_submission(customer, quote, status=PENDING, data={"quote": "Great"})
    factories.make_points_entry(customer, 40, reason_en="Answered the welcome question")
    factories.make_user_badge(customer)
    factories.make_redemption(customer, factories.make_reward("Roadmap session"))
    factories.make_nps_response(customer, score=9, reason="Always quick to help")
    factories.make_referee(customer, "Rita Referee", company="Prospect BV")
    factories.make_ask(customer, asked_by=marketer, outcome="later", note="Ask again after the summer")
    factories.make_outbox_message(customer.email, subject="Welcome to the programme")
    factories.make_terms_acceptance(customer, factories.make_terms_version(), locale="en")
    factories.make_points_correction(customer, 5, reason="Webinar attended", author=marketer)
    factories.make_submission(customer, factories.make_challenge(level, type_key="profile"),
                              data={"job_title": "Planner", "linkedin_url": "", "topics": [], "contact_preference": "phone"})
    offer = factories.make_reference_offer(customer, 3, topics="Our move to the cloud")
    factories.make_reference_call(customer, submission_id=offer.id, calls_limit=3, prospect="Bouw BV")


def test_the_page_shows_everything_about_the_participant(client, db, login_as):
    marketer = login_as(MARKETER, locale="en", name="Mia Marketing")
    customer, _manager = _customer()
    _everything(customer, marketer)
    db.session.commit()
    page = client.get(f"/participants/{customer.id}")
    assert page.status_code == 200
    for text in ("Karin Klant", "Klantbedrijf BV", "Sam Sales", "Answered the welcome question", "Roadmap session",
                 "Always quick to help", "Rita Referee", "Ask again after the summer", "Welcome to the programme",
                 "Version 1", "Correction: Webinar attended", "Mia Marketing", "Waiting for review", "Given"):
        assert text in page.text, text
    assert 'action="/admin/participants/%d/points"' % customer.id in page.text


def test_the_list_links_to_the_page(client, db, login_as):
    login_as(MARKETER, locale="en")
    customer, _ = _customer()
    db.session.commit()
    assert f'href="/participants/{customer.id}"' in client.get("/admin/participants").text


def test_sales_see_their_own_accounts_only_and_cannot_edit(client, db, login_as):
    customer, manager = _customer()
    other, _ = _customer("Ander BV", name="Otto Other")
    login_as(manager)
    page = client.get(f"/participants/{customer.id}")
    assert page.status_code == 200 and "Karin Klant" in page.text
    assert "/points" not in page.text.split('id="points"')[1].split("</section>")[0]  # no correction form
    assert client.get(f"/participants/{other.id}").status_code == 404
    lead = factories.make_user(SALES)
    manager.manager = lead
    db.session.commit()
    login_as(lead)  # the manager sees the team's accounts
    assert client.get(f"/participants/{customer.id}").status_code == 200


def test_the_ledger_pages_with_and_without_htmx(client, db, login_as):
    login_as(MARKETER, locale="en")
    customer, _ = _customer()
    for i in range(45):
        factories.make_points_entry(customer, 1, reason_en=f"Entry {i:02d}")
    db.session.commit()
    full = client.get(f"/participants/{customer.id}?page=2")
    assert "<html" in full.text and "Page 2 of 3" in full.text
    fragment = client.get(f"/participants/{customer.id}?page=2", headers={**HX, "HX-Target": "participant-ledger"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'id="participant-ledger"' in fragment.text and "Page 2 of 3" in fragment.text
    assert "Programme terms accepted" not in fragment.text


def _queries(app, client, url) -> int:
    from app.extensions import db

    db.session.expunge_all()
    with count_queries(app) as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_page_query_budget_does_not_grow_with_rows(app, client, db, login_as):
    marketer = login_as(MARKETER)
    customer, _ = _customer()
    _everything(customer, marketer)
    db.session.commit()
    url, ids = f"/participants/{customer.id}", (marketer.id, customer.id)
    few = _queries(app, client, url)
    marketer, customer = db.session.get(User, ids[0]), db.session.get(User, ids[1])
    for _ in range(60):
        factories.make_points_entry(customer, 1)
        factories.make_points_correction(customer, 1, author=marketer)
        factories.make_nps_response(customer, score=8)
        factories.make_outbox_message(customer.email)
        factories.make_user_badge(customer)
        factories.make_submission(customer, data={"answer": "Another answer in my own words."})
    for seq in (2, 3):
        factories.make_reference_call(customer, seq=seq, calls_limit=3)
    db.session.commit()
    many = _queries(app, client, url)
    assert few == many <= 32, (few, many)
    print(f"participant page statements: {few} (few rows), {many} (many rows)")


# --- editing ----------------------------------------------------------------------------------------

def test_edit_saves_and_audits_before_and_after(client, db, login_as, post_form):
    marketer = login_as(MARKETER, locale="en")
    customer, _ = _customer()
    factories.make_company("Nieuw Bedrijf BV")
    db.session.commit()
    form = client.get(f"/admin/participants/{customer.id}/edit")
    assert form.status_code == 200 and form_value(form.text, "name") == "Karin Klant"
    response = post_form(f"/admin/participants/{customer.id}/edit",
                         {"name": "Karin de Klant", "company": "nieuw bedrijf bv", "locale": "en"})
    assert response.status_code == 303
    assert (customer.name, customer.company.name, customer.locale) == ("Karin de Klant", "Nieuw Bedrijf BV", "en")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "participant.update"))
    assert entry.actor_id == marketer.id and entry.target_id == customer.id
    assert entry.details["before"] == {"name": "Karin Klant", "company": "Klantbedrijf BV", "locale": "nl"}
    assert entry.details["after"] == {"name": "Karin de Klant", "company": "Nieuw Bedrijf BV", "locale": "en"}


@pytest.mark.parametrize("data, message", [
    ({"name": "", "company": "Klantbedrijf BV", "locale": "nl"}, "Enter the person"),
    ({"name": "x" * 500, "company": "Klantbedrijf BV", "locale": "nl"}, "Use at most"),
    ({"name": "Karin", "company": "Bestaat Niet BV", "locale": "nl"}, "There is no company called"),
    ({"name": "Karin", "company": "Klantbedrijf BV", "locale": "de"}, "Choose Nederlands or English."),
])
@pytest.mark.parametrize("htmx", [False, True])
def test_edit_with_bad_input_is_422_with_the_input_kept(client, db, login_as, post_form, data, message, htmx):
    login_as(MARKETER, locale="en")
    customer, _ = _customer()
    db.session.commit()
    response = post_form(f"/admin/participants/{customer.id}/edit", data, htmx=htmx)
    assert response.status_code == 422 and message in response.text
    assert ("<html" in response.text) != htmx
    assert customer.name == "Karin Klant"
    if data["name"] and len(data["name"]) < 100:
        assert form_value(response.text, "name") == data["name"]


# --- corrections ------------------------------------------------------------------------------------

def _correct(client, post_form, customer, points, reason="Webinar attended", key=None, **kwargs):
    page = client.get(f"/participants/{customer.id}")
    return post_form(f"/admin/participants/{customer.id}/points", {
        "points": str(points), "reason": reason, "request_key": key or form_value(page.text, "request_key")}, **kwargs)


def test_a_correction_is_in_the_history_moves_the_level_and_is_audited(client, db, login_as, post_form):
    marketer = login_as(MARKETER, locale="en")
    customer, _ = _customer(locale="en")
    factories.make_level(1, threshold=0)
    second = factories.make_level(2, threshold=50, name="Loyalty")
    factories.make_points_entry(customer, 40)
    db.session.commit()
    response = _correct(client, post_form, customer, 15, "Points for the user day we forgot")
    assert response.status_code == 303
    entry = db.session.scalar(select(PointsEntry).where(PointsEntry.source_type == CORRECTION))
    correction = db.session.get(PointsCorrection, entry.source_id)
    assert (entry.points, correction.reason, correction.author_id) == (15, "Points for the user day we forgot", marketer.id)
    assert db.session.scalar(select(LevelUnlock).where(LevelUnlock.user_id == customer.id,
                                                        LevelUnlock.level_id == second.id)) is not None
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "points.correct"))
    assert audit.target_id == customer.id and audit.details["before"] == {"balance": 40}
    assert audit.details["after"] == {"balance": 55} and audit.details["points"] == 15
    login_as(customer)
    history = client.get("/points").text
    assert "Correction: Points for the user day we forgot" in history and "+15" in history


def test_a_negative_correction_lowers_the_level_it_took(client, db, login_as, post_form):
    login_as(MARKETER, locale="en")
    customer, _ = _customer()
    factories.make_level(1, threshold=0)
    factories.make_level(2, threshold=50)
    factories.make_points_entry(customer, 60)
    db.session.commit()
    assert _correct(client, post_form, customer, -20, "Counted twice by mistake").status_code == 303
    assert totals(customer.id) == (40, 40)


def test_a_correction_below_zero_is_refused_with_a_clear_message(client, db, login_as, post_form):
    login_as(MARKETER, locale="en")
    customer, _ = _customer()
    factories.make_points_entry(customer, 30)
    db.session.commit()
    response = _correct(client, post_form, customer, -31, "Too many")
    assert response.status_code == 422
    assert "Karin Klant has 30 points to spend, so at most 30 can be taken away" in response.text
    assert form_value(response.text, "points") == "-31" and "Too many" in response.text
    assert db.session.scalar(select(func.count(PointsCorrection.id))) == 0
    assert _correct(client, post_form, customer, "−30", "All of them").status_code == 303  # a typographic minus
    assert totals(customer.id)[1] == 0


def test_the_same_form_sent_twice_corrects_once(client, db, login_as, post_form):
    login_as(MARKETER, locale="en")
    customer, _ = _customer()
    db.session.commit()
    key = "k" * 32
    assert _correct(client, post_form, customer, 10, key=key).status_code == 303
    assert _correct(client, post_form, customer, 10, key=key).status_code == 303
    assert totals(customer.id) == (10, 10)


@pytest.mark.parametrize("points, reason, message", [
    ("", "Why", "Enter the number of points"),
    ("0", "Why", "A correction of 0 points changes nothing"),
    ("abc", "Why", "Enter a whole number"),
    ("99999999999", "Why", "Enter a whole number from -100000 to 100000"),
    ("5", "", "Say why"),
    ("5", "x" * 201, "Use at most 200 characters"),
])
@pytest.mark.parametrize("htmx", [False, True])
def test_a_correction_with_bad_input_is_422_with_the_input_kept(client, db, login_as, post_form, points, reason,
                                                                 message, htmx):
    login_as(MARKETER, locale="en")
    customer, _ = _customer()
    db.session.commit()
    response = _correct(client, post_form, customer, points, reason, htmx=htmx)
    assert response.status_code == 422 and message in response.text
    assert form_value(response.text, "points") == points or points == ""
    assert db.session.scalar(select(func.count(PointsEntry.id))) == 0


def test_a_dutch_marketer_gets_dutch_messages(client, db, login_as, post_form):
    login_as(MARKETER, locale="nl")
    customer, _ = _customer()
    db.session.commit()
    response = _correct(client, post_form, customer, -5, "Te veel")
    assert response.status_code == 422 and "Niet gecorrigeerd" in response.text
