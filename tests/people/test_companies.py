"""Company pages: list and search, create, rename, merge with a preview, and a new account manager
who takes over the open work (and both are told)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.auth.models import MARKETER, SALES, Company, User
from app.dates import today
from app.extensions import db as _db
from app.mail import OutboxMessage
from app.notifications.models import Notification
from app.nps.models import CLOSED, Alert, FollowUp, NpsResponse
from app.participants.companies import belongings
from app.referrals.models import Ask, AskStatus, Referee
from tests.conftest import HX, count_queries
from tests.factories import (
    make_alert,
    make_ask,
    make_ask_status,
    make_company,
    make_follow_up,
    make_nps_response,
    make_referee,
    make_user,
)

LIST = "/admin/companies"


def _audits(action: str) -> list[AuditEntry]:
    return list(_db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_the_list_searches_and_pages(client, db, login_as):
    login_as(MARKETER, locale="en")
    am = make_user(SALES, name="Sam Seller")
    for n in range(30):
        make_company(f"Bakkerij {n:02d}", account_manager=am)
    acme = make_company("Acme 50% BV", account_manager=am)
    make_user(company=acme)
    db.session.commit()
    first = client.get(LIST)
    assert first.status_code == 200 and "31 companies." in first.text and "Page 1 of 2" in first.text
    assert "Acme 50% BV" in first.text and "Sam Seller" in first.text
    assert "Bakkerij 29" in client.get(LIST, query_string={"page": 2}).text
    found = client.get(LIST, query_string={"q": "50%"})
    assert "1 company." in found.text and "Acme 50% BV" in found.text and "Bakkerij" not in found.text
    fragment = client.get(LIST, headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert client.get(LIST, query_string={"q": "x" * 201}).status_code == 422


@pytest.mark.parametrize("q", ["", "company"])
def test_companies_list_statement_budget_does_not_grow(app, client, db, login_as, q):
    login_as(MARKETER)

    def fill(n):
        for _ in range(n):
            company = make_company(account_manager=make_user(SALES))
            make_user(company=company)
        _db.session.commit()

    fill(2)
    with count_queries(app) as few:
        assert client.get(LIST, query_string={"q": q}).status_code == 200
    fill(40)
    with count_queries(app) as many:
        assert client.get(LIST, query_string={"q": q}).status_code == 200
    assert len(few) == len(many) <= 5, many


def test_create_and_rename_with_a_unique_name(client, db, login_as, post_form):
    login_as(MARKETER, locale="en")
    am = make_user(SALES)
    make_company("Taken BV", account_manager=am)
    db.session.commit()
    response = post_form("/admin/companies/new", {"name": "  Nieuw   BV ", "account_manager": str(am.id)})
    assert response.status_code == 303
    company = _db.session.scalar(select(Company).where(Company.name == "Nieuw BV"))
    assert company.account_manager_id == am.id
    assert _audits("company.create")[0].target_id == company.id
    for name, message in [("taken bv", "There is already a company called “Taken BV”."), ("", "Enter the company"),
                          ("x" * 201, "Use at most 200 characters."), ("a\x07b", "Remove the invisible control")]:
        for htmx in (False, True):
            response = post_form(f"/admin/companies/{company.id}/rename", {"name": name}, htmx=htmx)
            assert response.status_code == 422, name
            assert message in response.text.replace("&#39;", "'")
            assert ("<html" in response.text) is not htmx
    assert company.name == "Nieuw BV"
    assert post_form(f"/admin/companies/{company.id}/rename", {"name": "Nieuw B.V."}).status_code == 303
    entry = _audits("company.rename")[0]
    assert entry.details["before"] == {"name": "Nieuw BV"} and entry.details["after"] == {"name": "Nieuw B.V."}
    response = post_form("/admin/companies/new", {"name": "Another", "account_manager": "999999"})
    assert response.status_code == 422 and "Choose an active sales colleague from the list." in response.text
    assert 'value="Another"' in response.text


def _world():
    """Two duplicates of one customer company, each with contacts, referrals, NPS answers and asks."""
    old_am, new_am = make_user(SALES, name="Olga Old"), make_user(SALES, name="Nick New")
    keep = make_company("Van Dijk Bouw", account_manager=new_am)
    dupe = make_company("Bouwbedrijf van Dijk", account_manager=old_am)
    kees, jan = make_user(company=dupe, name="Kees"), make_user(company=dupe, name="Jan")
    anna = make_user(company=keep, name="Anna")
    for person in (kees, jan, anna):
        make_referee(person)
        make_nps_response(person, score=9)
    detractor = make_nps_response(kees, score=2)
    make_follow_up(detractor, assignee=old_am)
    make_alert(detractor, recipient=old_am)
    make_ask(jan, asked_by=old_am, outcome="later", follow_up_on=today() + timedelta(days=3))
    _db.session.commit()
    return keep, dupe, old_am, new_am, detractor


def _totals():
    return (
        _db.session.scalar(select(func.count(User.id)).where(User.role == "customer")),
        _db.session.scalar(select(func.count(Referee.id))),
        _db.session.scalar(select(func.count(NpsResponse.id))),
        _db.session.scalar(select(func.count(Ask.id))),
    )


def test_a_marketer_merges_two_duplicates_from_the_preview_and_nothing_is_lost(client, db, login_as, post_form):
    login_as(MARKETER, locale="en")
    keep, dupe, old_am, new_am, detractor = _world()
    dupe_id = dupe.id
    before_keep, before_dupe, before_totals = belongings(keep.id), belongings(dupe.id), _totals()
    assert (before_dupe.contacts, before_dupe.referrals, before_dupe.nps_answers) == (2, 2, 3)
    preview = client.get(f"/admin/companies/{dupe.id}/merge", query_string={"into": keep.id})
    assert preview.status_code == 200
    assert "Merge Bouwbedrijf van Dijk into Van Dijk Bouw" in preview.text
    assert "has 3 contacts and 4 NPS answers" in preview.text
    assert _db.session.get(Company, dupe.id) is not None  # the preview changes nothing
    response = post_form(f"/admin/companies/{dupe.id}/merge", {"into": str(keep.id)})
    assert response.status_code == 303 and response.headers["Location"] == f"/admin/companies/{keep.id}"
    _db.session.expire_all()
    assert _db.session.get(Company, dupe_id) is None
    after = belongings(keep.id)
    assert after.contacts == before_keep.contacts + before_dupe.contacts
    assert after.referrals == before_keep.referrals + before_dupe.referrals
    assert after.nps_answers == before_keep.nps_answers + before_dupe.nps_answers
    assert after.asks == before_keep.asks + before_dupe.asks
    assert _totals() == before_totals
    assert _db.session.get(NpsResponse, detractor.id).company_id == keep.id
    assert _db.session.scalar(select(FollowUp.assignee_id).where(FollowUp.response_id == detractor.id)) == new_am.id
    entry = _audits("company.merge")[0]
    assert entry.target_id == keep.id and entry.details["moved"]["contacts"] == 2


@pytest.mark.parametrize("into, message", [
    ("self", "A company cannot be merged into itself"), ("", "Choose the company to keep."),
    ("999999", "That company no longer exists"), ("2147483648", "Choose one of the options shown."),
    ("abc", "Choose one of the options shown."),
])
def test_a_bad_merge_choice_is_a_clear_error(client, db, login_as, post_form, into, message):
    login_as(MARKETER, locale="en")
    company = make_company()
    db.session.commit()
    into = str(company.id) if into == "self" else into
    for response in (client.get(f"/admin/companies/{company.id}/merge", query_string={"into": into}),
                     post_form(f"/admin/companies/{company.id}/merge", {"into": into}),
                     post_form(f"/admin/companies/{company.id}/merge", {"into": into}, htmx=True)):
        assert response.status_code == 422 and message in response.text
    assert _db.session.get(Company, company.id) is not None


def test_a_new_account_manager_takes_over_the_open_work_and_both_are_told(client, db, login_as, post_form):
    login_as(MARKETER, locale="en")
    lead = make_user(SALES, name="Lea Lead")
    old_am = make_user(SALES, name="Olga Old")
    new_am = make_user(SALES, name="Nick New", manager=lead)
    company = make_company("Van Dijk Bouw", account_manager=old_am)
    kees = make_user(company=company)
    open_answer, closed_answer = make_nps_response(kees, score=2), make_nps_response(kees, score=1)
    make_follow_up(open_answer, assignee=old_am)
    make_follow_up(closed_answer, assignee=old_am, status=CLOSED)
    make_alert(open_answer, recipient=old_am)
    open_ask = make_ask(kees, asked_by=old_am, outcome="later", follow_up_on=today())
    done_ask = make_ask(kees, asked_by=old_am, outcome="yes")
    make_ask_status(kees, claimed_by=old_am)
    make_referee(kees)
    db.session.commit()

    response = post_form(f"/admin/companies/{company.id}/account-manager", {"account_manager": str(new_am.id)})
    assert response.status_code == 303
    _db.session.expire_all()
    assert _db.session.get(Company, company.id).account_manager_id == new_am.id
    follow_ups = dict(_db.session.execute(select(FollowUp.response_id, FollowUp.assignee_id)).all())
    assert follow_ups == {open_answer.id: new_am.id, closed_answer.id: old_am.id}  # closed work stays history
    alerts = set(_db.session.execute(select(Alert.response_id, Alert.recipient_id)).all())
    assert alerts == {(open_answer.id, new_am.id), (open_answer.id, lead.id)}
    assert _db.session.get(Ask, open_ask.id).asked_by_id == new_am.id
    assert _db.session.get(Ask, done_ask.id).asked_by_id == old_am.id
    assert _db.session.scalar(select(AskStatus.claimed_by_id)) == new_am.id
    told = {n.user_id for n in _db.session.scalars(select(Notification).where(Notification.kind == "account_manager"))}
    assert told == {old_am.id, new_am.id}
    mails = {m.to_address for m in _db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "notification"))}
    assert mails == {old_am.email, new_am.email}
    entry = _audits("company.account_manager")[0]
    assert entry.details["before"] == {"account_manager": old_am.name}
    assert entry.details["after"] == {"account_manager": new_am.name}
    assert entry.details["moved"]["follow_ups"] == 1 and entry.details["moved"]["referrals"] == 1


def test_the_old_account_manager_no_longer_sees_the_follow_up(client, db, login_as, post_form):
    marketer = login_as(MARKETER, locale="en")
    old_am, new_am = make_user(SALES), make_user(SALES)
    company = make_company(account_manager=old_am)
    answer = make_nps_response(make_user(company=company, name="Detractor Dirk"), score=2)
    make_follow_up(answer, assignee=old_am)
    make_alert(answer, recipient=old_am)
    db.session.commit()
    login_as(old_am)
    assert "Detractor Dirk" in client.get("/nps/follow-ups").text
    login_as(marketer)
    assert post_form(f"/admin/companies/{company.id}/account-manager",
                     {"account_manager": str(new_am.id)}).status_code == 303
    login_as(old_am)
    assert "Detractor Dirk" not in client.get("/nps/follow-ups").text
    assert "Detractor Dirk" not in client.get("/nps/alerts").text
    login_as(new_am)
    assert "Detractor Dirk" in client.get("/nps/follow-ups").text
    assert "Detractor Dirk" in client.get("/nps/alerts").text


@pytest.mark.parametrize("value, message", [("", "Choose an account manager."),
                                            ("999999", "Choose an active sales colleague from the list."),
                                            ("-1", "Choose an active sales colleague from the list.")])
def test_a_bad_account_manager_is_a_clear_error(client, db, login_as, post_form, value, message):
    login_as(MARKETER, locale="en")
    company = make_company()
    inactive = make_user(SALES, is_active=False)
    db.session.commit()
    for data in ({"account_manager": value}, {"account_manager": str(inactive.id)}):
        response = post_form(f"/admin/companies/{company.id}/account-manager", data)
        assert response.status_code == 422
    assert message in response.text or "Choose an active sales colleague" in response.text


def test_sales_and_customers_get_403_on_company_pages(client, db, login_as):
    company = make_company()
    db.session.commit()
    for role in ("sales", "customer"):
        login_as(role)
        assert client.get(f"/admin/companies/{company.id}").status_code == 403


def test_both_account_managers_read_the_handover_on_their_workspace_once(client, db, login_as, post_form):
    marketer = login_as(MARKETER, locale="en")
    old_am, new_am = make_user(SALES, locale="en"), make_user(SALES, locale="nl")
    company = make_company("Overdracht BV", account_manager=old_am)
    db.session.commit()
    assert post_form(f"/admin/companies/{company.id}/account-manager",
                     {"account_manager": str(new_am.id)}).status_code == 303
    login_as(new_am)
    first = client.get("/sales")
    assert "Je bent nu accountmanager van Overdracht BV" in first.text
    assert "Overdracht BV" not in client.get("/sales", headers=HX).text.split("stat-cards")[0]
    login_as(old_am)
    assert f"{new_am.name} is now the account manager of Overdracht BV" in client.get("/sales").text
    assert marketer.id not in {n.user_id for n in _db.session.scalars(select(Notification))}
