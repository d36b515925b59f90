"""The short survey by link: staff send it at a natural moment, the customer answers once, without
signing in, in their own language; promoter and detractor answers set the usual things in motion."""
from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.dates import utcnow
from app.mail import OutboxMessage
from app.notifications.models import Notification
from app.nps import survey as surveys
from app.nps.models import Alert, FollowUp, NpsResponse, Survey
from tests.conftest import HX, PG_URL
from tests.factories import make_company, make_user

GOOD = {"satisfaction": "more_than_satisfied", "reason": "Strak opgeleverd", "score": "10", "wants_more": "yes"}


@pytest.fixture
def setup(db):
    lead = make_user("sales", name="Sanne Lead", email="lead@example.com", locale="nl")
    manager = make_user("sales", name="Sam Manager", email="am@example.com", locale="en", manager=lead)
    company = make_company("Bouwbedrijf Van Dijk", account_manager=manager)
    kees = make_user("customer", name="Kees", email="kees@example.com", locale="nl", company=company)
    anna = make_user("customer", name="Anna", email="anna@example.com", locale="en", company=company)
    gone = make_user("customer", name="Gone", email="gone@example.com", company=company, is_active=False)
    other_am = make_user("sales", name="Other AM")
    other = make_company("Elsewhere BV", account_manager=other_am)
    outsider = make_user("customer", name="Outsider", email="out@example.com", company=other)
    db.session.commit()
    return dict(lead=lead, manager=manager, company=company, kees=kees, anna=anna, gone=gone, other=other,
                outsider=outsider)


@pytest.fixture
def mail_locales(monkeypatch):
    """The language each survey mail was rendered in, by address."""
    seen: dict[str, str] = {}
    real = surveys.queue_mail

    def spy(to, kind, locale, **ctx):
        seen[to] = locale
        return real(to, kind, locale, **ctx)

    monkeypatch.setattr(surveys, "queue_mail", spy)
    return seen


def _survey_mails(db) -> dict[str, OutboxMessage]:
    return {m.to_address: m for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "nps_survey"))}


def _path(mail: OutboxMessage) -> str:
    link = re.search(r"http://portal\.test/s/\S+", mail.body_text).group(0)
    return urlsplit(link).path


def _send(post_form, company, customer="", occasion="Project close", days="14", **kwargs):
    return post_form("/nps/surveys/new", {"company": str(company.id), "customer": str(customer),
                                           "occasion": occasion, "days": days}, **kwargs)


def _make_survey(user, days=14, **fields) -> tuple[Survey, str]:
    from app.extensions import db

    survey = Survey(user_id=user.id, occasion="Project close", expires_at=utcnow() + timedelta(days=days), **fields)
    db.session.add(survey)
    db.session.commit()
    return survey, f"/s/{surveys.make_survey_token(survey)}"


# --- sending -----------------------------------------------------------------------------------

def test_send_to_one_customer_queues_a_mail_in_their_language_with_a_working_link(client, db, login_as, post_form,
                                                                                   setup, mail_locales):
    login_as("marketer", locale="en")
    page = client.get(f"/nps/surveys/new?company={setup['company'].id}")
    assert page.status_code == 200 and "Kees &lt;kees@example.com&gt;" in page.text
    assert "Gone" not in page.text  # only active customers

    response = _send(post_form, setup["company"], setup["kees"].id)
    assert response.status_code == 303
    assert "sent to 1 customer" in client.get(response.headers["Location"]).text

    mails = _survey_mails(db)
    assert set(mails) == {"kees@example.com"} and mail_locales == {"kees@example.com": "nl"}
    survey = db.session.scalars(select(Survey)).one()
    assert survey.occasion == "Project close" and survey.user_id == setup["kees"].id
    assert timedelta(days=13, hours=23) < survey.expires_at - survey.created_at <= timedelta(days=14)
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "nps_survey.send")).one()

    client.delete_cookie("session")  # the link works without signing in, in the customer's language
    answer_page = client.get(_path(mails["kees@example.com"]))
    assert answer_page.status_code == 200 and 'lang="nl"' in answer_page.text
    assert "Project close" in answer_page.text


def test_send_to_a_company_reaches_every_active_customer_in_their_language(client, db, login_as, post_form, setup,
                                                                           mail_locales):
    login_as(setup["lead"])  # the account manager's manager (reads Dutch)
    assert _send(post_form, setup["company"], htmx=True).status_code == 204
    assert mail_locales == {"kees@example.com": "nl", "anna@example.com": "en"}
    mails = _survey_mails(db)
    assert db.session.scalar(select(func.count()).select_from(Survey)) == 2
    client.delete_cookie("session")
    en_page = client.get(_path(mails["anna@example.com"]))
    assert en_page.status_code == 200 and 'lang="en"' in en_page.text


def test_nobody_is_asked_again_too_soon(client, db, login_as, post_form, setup):
    _make_survey(setup["kees"])
    login_as("marketer", locale="en")
    response = _send(post_form, setup["company"])
    page = client.get(response.headers["Location"]).text
    assert "sent to 1 customer" in page and "asked too recently: Kees" in page
    assert set(_survey_mails(db)) == {"anna@example.com"}
    # Sending again right away reaches nobody.
    page = client.get(_send(post_form, setup["company"]).headers["Location"]).text
    assert "No survey was sent" in page and "asked too recently" in page
    assert db.session.scalar(select(func.count()).select_from(Survey)) == 2


def test_an_answered_or_expired_survey_does_not_block_a_new_one(client, db, login_as, post_form, setup):
    _make_survey(setup["kees"], used_at=utcnow())
    _make_survey(setup["kees"], days=-1)
    login_as("marketer")
    _send(post_form, setup["company"], setup["kees"].id)
    assert set(_survey_mails(db)) == {"kees@example.com"}


def test_sales_cannot_send_to_companies_outside_their_team(client, db, login_as, post_form, setup):
    login_as(setup["lead"])  # manages the account manager: may send to that company
    page = client.get("/nps/surveys/new").text
    assert "Bouwbedrijf Van Dijk" in page and "Elsewhere BV" not in page
    refused = _send(post_form, setup["other"])
    assert refused.status_code == 422 and "form-errors" in refused.text
    sneaky = _send(post_form, setup["company"], setup["outsider"].id)  # a customer of another company
    assert sneaky.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Survey)) == 0
    assert _send(post_form, setup["company"]).status_code == 303


def test_customers_get_403_on_the_send_page(client, login_as, post_form, setup):
    login_as(setup["kees"])
    assert client.get("/nps/surveys/new").status_code == 403
    assert _send(post_form, setup["company"]).status_code == 403


@pytest.mark.parametrize("data", [
    {"occasion": "", "days": "14"},
    {"occasion": "   ", "days": "14"},
    {"occasion": "x" * 121, "days": "14"},
    {"occasion": "Project close", "days": "0"},
    {"occasion": "Project close", "days": "61"},
    {"occasion": "Project close", "days": "abc"},
    {"occasion": "Project close", "days": "9" * 5000},
    {"occasion": "Project close", "days": "14", "company": "abc"},
    {"occasion": "Project close", "days": "14", "company": "99999999999999999999"},
    {"occasion": "Project close", "days": "14", "customer": "abc"},
    {"occasion": "Project close\x00", "days": "\x00"},
])
def test_bad_send_input_is_422_and_sends_nothing(client, db, login_as, post_form, setup, data):
    login_as("marketer")
    payload = {"company": str(setup["company"].id), "customer": "", **data}
    response = post_form("/nps/surveys/new", payload)
    assert response.status_code == 422
    assert 'class="form-errors"' in response.text
    assert db.session.scalar(select(func.count()).select_from(Survey)) == 0


def test_the_company_choice_loads_its_customers_as_a_fragment(client, login_as, setup):
    login_as("marketer")
    fragment = client.get(f"/nps/surveys/new?company={setup['company'].id}", headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text and "Anna" in fragment.text


# --- answering ---------------------------------------------------------------------------------

def test_a_promoter_answer_raises_the_promoter_alert_and_the_onward_invitation(client, db, post_form, setup):
    survey, path = _make_survey(setup["kees"])
    page = client.get(path)
    assert page.status_code == 200 and 'lang="nl"' in page.text and "<html" in page.text
    response = post_form(path, GOOD)
    assert response.status_code == 200 and "Bedankt voor je antwoord" in response.text  # Kees reads Dutch

    answer = db.session.scalars(select(NpsResponse)).one()
    assert (answer.score, answer.category, answer.source, answer.survey_id) == (10, "promoter", "survey", survey.id)
    assert (answer.satisfaction, answer.wants_more, answer.reason) == ("more_than_satisfied", True, "Strak opgeleverd")
    assert {a.recipient_id for a in db.session.scalars(select(Alert))} == {setup["manager"].id, setup["lead"].id}
    alert_mails = {m.to_address for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "nps_alert"))}
    assert alert_mails == {"am@example.com", "lead@example.com"}
    tasks = {task.kind: task for task in db.session.scalars(select(FollowUp))}  # GOOD wants more services
    assert set(tasks) == {"alert", "upsell"} and tasks["alert"].trigger == "promoter"
    assert tasks["alert"].assignee_id == tasks["upsell"].assignee_id == setup["manager"].id
    onward = db.session.scalars(select(Notification).where(Notification.user_id == setup["kees"].id)).one()
    assert onward.kind == "nps_onward"
    db.session.expire_all()
    assert db.session.get(Survey, survey.id).used_at is not None


def test_a_detractor_answer_raises_the_detractor_follow_up(client, db, post_form, setup):
    _, path = _make_survey(setup["anna"])
    response = post_form(path, {"satisfaction": "dissatisfied", "reason": "Te laat", "score": "3", "wants_more": "no"},
                         htmx=True)
    assert response.status_code == 200 and "<html" not in response.text
    answer = db.session.scalars(select(NpsResponse)).one()
    assert (answer.category, answer.wants_more) == ("detractor", False)
    task = db.session.scalars(select(FollowUp)).one()
    assert task.response_id == answer.id and task.status == "open"
    assert {a.recipient_id for a in db.session.scalars(select(Alert))} == {setup["manager"].id, setup["lead"].id}
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0  # no onward ask


def test_the_second_use_of_a_link_gets_a_clear_message_and_changes_nothing(client, db, post_form, setup):
    _, path = _make_survey(setup["kees"])
    assert post_form(path, GOOD).status_code == 200
    again = post_form(path, {**GOOD, "score": "2"})
    assert again.status_code == 410 and "al ingevuld" in again.text
    assert client.get(path).status_code == 410
    answer = db.session.scalars(select(NpsResponse)).one()
    assert answer.score == 10
    assert db.session.scalar(select(func.count()).select_from(FollowUp)) == 2  # the alert's and the upsell's


def test_an_answer_that_loses_the_race_gets_the_clear_message(client, db, post_form, setup, monkeypatch):
    """The page was checked, then someone else used the link: the conditional UPDATE says no."""
    survey, path = _make_survey(setup["kees"])
    real = surveys.survey_from_token

    def stale(token):
        found, problem = real(token)
        from app.extensions import db as _db

        _db.session.execute(Survey.__table__.update().where(Survey.id == survey.id).values(used_at=utcnow()))
        _db.session.commit()  # another visitor's answer, committed in between
        return found, problem

    monkeypatch.setattr(surveys, "survey_from_token", stale)
    response = post_form(path, GOOD)
    assert response.status_code == 410 and "al ingevuld" in response.text
    assert db.session.scalar(select(func.count()).select_from(NpsResponse)) == 0


def test_an_expired_link_gets_a_clear_message_in_the_customers_language(client, db, post_form, setup):
    _, path = _make_survey(setup["kees"], days=-1)
    page = client.get(path)
    assert page.status_code == 410 and "verlopen" in page.text and 'lang="nl"' in page.text
    assert post_form(path, GOOD).status_code == 410
    assert db.session.scalar(select(func.count()).select_from(NpsResponse)) == 0


def test_a_link_that_expires_while_the_page_is_open(client, db, post_form, setup, monkeypatch):
    _, path = _make_survey(setup["kees"], days=1)
    assert client.get(path).status_code == 200
    later = utcnow() + timedelta(days=2)
    monkeypatch.setattr(surveys, "utcnow", lambda: later)
    response = post_form(path, GOOD)
    assert response.status_code == 410 and "verlopen" in response.text
    assert db.session.scalar(select(func.count()).select_from(NpsResponse)) == 0


def test_a_visitor_who_chose_a_language_keeps_it(client, setup):
    _, path = _make_survey(setup["kees"])
    client.set_cookie("locale", "en")
    assert 'lang="en"' in client.get(path).text


@pytest.mark.parametrize("token", [
    "not-a-real-token", "abc.def.ghi", "x" * 3000, "%00", "eyJ1aWQiOjF9.ZZZ.abc",
])
def test_invalid_tokens_are_404(client, db, setup, token):
    assert client.get(f"/s/{token}").status_code == 404
    assert client.get(f"/s/{token}", headers=HX).status_code == 404


def test_tokens_signed_for_something_else_or_for_a_missing_survey_are_404(app, client, db, post_form, setup):
    from itsdangerous import URLSafeTimedSerializer

    other_salt = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="password-reset").dumps(1)
    assert client.get(f"/s/{other_salt}").status_code == 404
    for payload in (999999, "1", True, [1], {"id": 1}, None):
        token = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=surveys.SURVEY_SALT).dumps(payload)
        assert client.get(f"/s/{token}").status_code == 404
        assert post_form(f"/s/{token}", GOOD).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(NpsResponse)) == 0


def test_a_deactivated_customers_link_is_404(client, setup):
    _, path = _make_survey(setup["gone"])
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("change", [
    {"score": "11"}, {"score": "-1"}, {"score": "abc"}, {"score": ""}, {"score": "1e1"}, {"score": "10\x00"},
    {"score": None}, {"satisfaction": None}, {"wants_more": None},
    {"satisfaction": "ecstatic"}, {"wants_more": "maybe"}, {"reason": "x" * 1001},
    {"satisfaction": "\x00"}, {"score": ["11", "3"]},
])
def test_bad_answers_are_422_keep_the_input_and_change_nothing(client, db, post_form, setup, change):
    survey, path = _make_survey(setup["kees"])
    data = {**GOOD, "reason": "Mijn reden blijft staan"}
    for key, value in change.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    response = post_form(path, data)
    assert response.status_code == 422, change
    assert 'class="form-errors"' in response.text
    if "reason" not in change:
        assert "Mijn reden blijft staan" in response.text
    assert db.session.scalar(select(func.count()).select_from(NpsResponse)) == 0
    db.session.expire_all()
    assert db.session.get(Survey, survey.id).used_at is None
    assert post_form(path, GOOD).status_code == 200  # the link still works afterwards


def test_a_list_of_scores_takes_the_first_and_nul_bytes_in_the_reason_are_dropped(client, db, post_form, setup):
    _, path = _make_survey(setup["kees"])
    response = post_form(path, {**GOOD, "score": ["9", "2"], "reason": "Goed\x00 werk"})
    assert response.status_code == 200
    answer = db.session.scalars(select(NpsResponse)).one()
    assert (answer.score, answer.reason) == (9, "Goed werk")


def test_the_answer_page_works_without_login_and_with_htmx(client, db, post_form, setup):
    _, path = _make_survey(setup["kees"])
    full = client.get(path)
    fragment = client.get(path, headers=HX)
    assert full.status_code == fragment.status_code == 200
    assert "<html" in full.text and "<html" not in fragment.text
    assert "Hoe waarschijnlijk is het dat je ons aanbeveelt" in fragment.text


def test_answer_posts_are_rate_limited(app, client, db, post_form, setup, monkeypatch):
    from app.extensions import limiter

    _, path = _make_survey(setup["kees"])
    monkeypatch.setitem(app.config, "PUBLIC_FORM_RATE_LIMIT", "2 per minute")
    limiter.reset()
    try:
        statuses = [post_form(path, {"score": "abc"}).status_code for _ in range(3)]
    finally:
        limiter.reset()
    assert statuses == [422, 422, 429]


# --- at the same time, on a real database --------------------------------------------------------

@pytest.mark.postgres
@pytest.mark.committed
def test_ten_simultaneous_answers_through_one_link_make_one_response(app, client, db, setup):
    from tests.conftest import csrf_token
    from tests.helpers import run_at_once

    assert PG_URL
    _, path = _make_survey(setup["kees"])

    def answer():
        visitor = app.test_client()
        token = csrf_token(app, visitor)
        return visitor.post(path, data={**GOOD, "csrf_token": token}).status_code

    statuses = run_at_once(app, 10, answer)
    assert sorted(statuses) == [200] + [410] * 9, statuses
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(NpsResponse)) == 1
    assert db.session.scalar(select(func.count()).select_from(FollowUp)) == 2  # the alert's and the upsell's


def test_the_answer_form_groups_its_radios_and_keeps_the_choices_on_a_422(client, db, post_form, setup):
    _, path = _make_survey(setup["anna"])
    page = client.get(path).text
    assert page.count("<fieldset") == 3 and "<legend>How satisfied are you?</legend>" in page
    response = post_form(path, {**GOOD, "score": "11"})
    assert response.status_code == 422 and "Choose a number from 0 to 10." in response.text
    assert re.search(r'checked[^>]*value="more_than_satisfied"|value="more_than_satisfied"[^>]*checked', response.text)
    assert re.search(r'checked[^>]*value="yes"|value="yes"[^>]*checked', response.text)
