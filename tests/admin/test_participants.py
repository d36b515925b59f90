"""Participants: the list, inviting one customer, the CSV import and its report, and the row actions."""
from __future__ import annotations

import csv
import io
import itertools
import random
import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.auth.models import Company, User
from app.dates import utcnow
from app.extensions import db as _db
from app.journey.models import LevelUnlock, Submission
from app.mail import OutboxMessage
from app.points.models import PointsEntry
from tests.conftest import HX, count_queries
from tests.factories import make_challenge, make_company, make_level, make_user

LIST = "/admin/participants"
INVITE = "/admin/participants/invite"
IMPORT = "/admin/participants/import"
RESULTS = {**HX, "HX-Target": "participants-results"}


_sources = itertools.count(1)


def _award(user, points):
    _db.session.add(PointsEntry(user_id=user.id, points=points, source_type="test", source_id=next(_sources),
                                reason_nl="test", reason_en="test"))
    _db.session.flush()


def _unlock(user, level):
    _db.session.add(LevelUnlock(user_id=user.id, level_id=level.id))
    _db.session.flush()


def _submit(user, challenge, when):
    _db.session.add(Submission(user_id=user.id, challenge_id=challenge.id, created_at=when, data={}))
    _db.session.flush()


def _count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _outbox(db) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _audits(db, action) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def _row_html(page: str, user_id: int) -> str:
    match = re.search(rf'<tr id="participant-{user_id}".*?</tr>', page, re.S)
    assert match, f"row {user_id} not on the page"
    return match.group(0)


# --- The list ----------------------------------------------------------------------------------

def test_list_shows_company_level_points_last_activity_and_status(client, db, login_as):
    login_as("marketer", locale="en")
    level1, level2 = make_level(1, name="Engagement"), make_level(2, threshold=50, name="Loyalty")
    challenge = make_challenge(level1)
    acme = make_company("Acme Ltd")
    kees = make_user("customer", name="Kees Actief", company=acme)
    _award(kees, 40)
    _award(kees, 30)
    _award(kees, -25)  # spending does not lower what was earned
    _unlock(kees, level1)
    _unlock(kees, level2)
    kees.last_login_at = utcnow() - timedelta(days=10)
    submitted_at = utcnow() - timedelta(days=2, hours=1)
    _submit(kees, challenge, submitted_at)  # later than the sign-in: this counts
    nina = make_user("customer", name="Nina Nieuw", password=None, company=acme, invited_at=utcnow())
    olaf = make_user("customer", name="Olaf Oud", company=acme, is_active=False)
    make_user("sales", name="Sam Sales")  # staff are not participants
    db.session.commit()

    page = client.get(LIST)
    assert page.status_code == 200
    text = page.text
    assert "Sam Sales" not in text
    assert "3 participants in total." in text
    kees_row = _row_html(text, kees.id)
    assert "Acme Ltd" in kees_row and ">70<" in kees_row and ">2<" in kees_row and "Active" in kees_row
    assert f'<time datetime="{submitted_at.isoformat(timespec="minutes")}">' in kees_row
    nina_row = _row_html(text, nina.id)
    assert "Invited" in nina_row and "Not activated yet; invited on" in nina_row and ">1<" in nina_row and ">0<" in nina_row and "Not yet" in nina_row
    assert "Resend invitation" in nina_row and "Deactivate" in nina_row
    olaf_row = _row_html(text, olaf.id)
    assert "Deactivated" in olaf_row and "Reactivate" in olaf_row and "Resend" not in olaf_row
    # The admin navigation marks the section.
    assert re.search(r'href="/admin/participants" aria-current="page"', text)


def test_search_is_case_insensitive_on_name_and_email_and_takes_wildcards_literally(client, db, login_as):
    login_as("marketer", locale="en")
    anna = make_user("customer", name="Anna de Boer", email="anna@boer.nl")
    bert = make_user("customer", name="Bert Jansen", email="b.jansen@EXAMPLE.com".lower())
    percent = make_user("customer", name="Percy 100% Sure", email="percy@example.com")
    db.session.commit()

    def names(query):
        text = client.get(LIST, query_string={"q": query}).text
        return {u.name for u in (anna, bert, percent) if f'id="participant-{u.id}"' in text}

    assert names("DE BOER") == {"Anna de Boer"}
    assert names("Example.COM") == {"Bert Jansen", "Percy 100% Sure"}
    assert names("%") == {"Percy 100% Sure"}
    assert names("_") == set()
    assert names("nobody") == set()


def test_filters_company_level_points_and_status(client, db, login_as):
    login_as("marketer", locale="en")
    level1, level2 = make_level(1), make_level(2)
    acme, globex = make_company("Acme"), make_company("Globex")
    a = make_user("customer", name="A", company=acme)
    b = make_user("customer", name="B", company=globex)
    c = make_user("customer", name="C", company=globex, password=None)
    d = make_user("customer", name="D", company=acme, is_active=False)
    _award(a, 100)
    _award(b, 20)
    _unlock(a, level1)
    _unlock(a, level2)
    _unlock(b, level1)
    db.session.commit()

    def ids(**args):
        response = client.get(LIST, query_string=args)
        assert response.status_code == 200, response.text
        return {u.id for u in (a, b, c, d) if f'id="participant-{u.id}"' in response.text}

    assert ids() == {a.id, b.id, c.id, d.id}
    assert ids(company=acme.id) == {a.id, d.id}
    assert ids(level=2) == {a.id}
    assert ids(level=1) == {b.id, c.id, d.id}  # no unlock yet counts as level 1
    assert ids(min_points=20) == {a.id, b.id}
    assert ids(min_points=0) == {a.id, b.id, c.id, d.id}
    assert ids(status="active") == {a.id, b.id}
    assert ids(status="invited") == {c.id}
    assert ids(status="inactive") == {d.id}
    assert ids(company=globex.id, status="active", min_points=1) == {b.id}


def test_sort_by_name_points_and_last_activity(client, db, login_as):
    login_as("marketer", locale="en")
    now = utcnow()
    level = make_level(1)
    challenge = make_challenge(level)
    zed = make_user("customer", name="Zed", last_login_at=now - timedelta(days=1))
    amy = make_user("customer", name="amy", last_login_at=now - timedelta(days=5))
    bob = make_user("customer", name="Bob")  # never active
    _submit(amy, challenge, now - timedelta(hours=1))
    _award(bob, 50)
    _award(zed, 10)
    db.session.commit()

    def order(sort):
        text = client.get(LIST, query_string={"sort": sort} if sort else {}).text
        return [name for _pos, name in sorted((text.index(f'id="participant-{u.id}"'), u.name) for u in (zed, amy, bob))]

    assert order(None) == ["amy", "Bob", "Zed"]
    assert order("points") == ["Bob", "Zed", "amy"]
    assert order("activity") == ["amy", "Zed", "Bob"]  # never active comes last


def test_pages_of_25_and_the_pager_keeps_the_filters(client, db, login_as):
    login_as("marketer", locale="en")
    acme = make_company("Acme")
    for n in range(30):
        make_user("customer", name=f"Person {n:02d}", company=acme)
    make_user("customer", name="Elsewhere")
    db.session.commit()
    first = client.get(LIST, query_string={"company": acme.id}).text
    assert first.count('class="participant-row') == 25
    assert "Page 1 of 2" in first
    assert f'href="/admin/participants?page=2&amp;company={acme.id}"' in first
    second = client.get(LIST, query_string={"company": acme.id, "page": 2}).text
    assert second.count('class="participant-row') == 5 and "Elsewhere" not in second


def _fill(db, n):
    level1, level2 = make_level(1 + 10 * n, name=f"L{n}a"), make_level(2 + 10 * n, name=f"L{n}b")
    challenge = make_challenge(level1)
    for i in range(n):
        company = make_company()
        user = make_user("customer", company=company, last_login_at=utcnow())
        _award(user, 10 + i)
        _unlock(user, level1)
        _unlock(user, level2)
        _submit(user, challenge, utcnow())
    db.session.commit()


@pytest.mark.parametrize("query", [{}, {"sort": "points"}, {"sort": "activity", "min_points": "1", "status": "active"}])
def test_list_query_budget_does_not_grow_with_rows(app, client, db, login_as, query):
    login_as("marketer")
    _fill(db, 3)
    with count_queries(app) as few:
        assert client.get(LIST, query_string=query).status_code == 200
    _fill(db, 40)
    with count_queries(app) as many:
        assert client.get(LIST, query_string=query).status_code == 200
    assert len(few) == len(many) <= 7, many  # +1: the programme's identity (header, title, footer)


def test_filter_form_with_htmx_swaps_only_the_results_and_works_without_it(client, db, login_as):
    login_as("marketer", locale="en")
    make_user("customer", name="Findable Person")
    db.session.commit()
    plain = client.get(LIST, query_string={"q": "findable"})
    assert plain.status_code == 200 and "<html" in plain.text and 'role="search"' in plain.text
    assert 'hx-get="/admin/participants"' in plain.text and 'hx-target="#participants-results"' in plain.text
    assert 'hx-push-url="true"' in plain.text and 'method="get"' in plain.text
    fragment = client.get(LIST, query_string={"q": "findable"}, headers=RESULTS)
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and 'role="search"' not in fragment.text
    assert "Findable Person" in fragment.text and "1 participant matches these filters." in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]
    # The address bar gets the tidy URL, not every empty field of the form.
    tidy = client.get(LIST, query_string={"q": "findable", "company": "", "level": "", "min_points": "", "status": "",
                                          "sort": "name"}, headers=RESULTS)
    assert tidy.headers["HX-Push-Url"] == "/admin/participants?q=findable"
    boosted = client.get(LIST, headers={**HX, "HX-Boosted": "true"})
    assert "<html" in boosted.text


@pytest.mark.parametrize("headers", [{}, RESULTS], ids=["plain", "htmx"])
def test_invalid_filters_answer_422_keep_the_input_and_still_list(client, db, login_as, headers):
    login_as("marketer", locale="en")
    make_user("customer", name="Still Listed")
    db.session.commit()
    response = client.get(LIST, query_string={"min_points": "lots", "company": "999999", "q": "still"}, headers=headers)
    assert response.status_code == 422
    assert "These filters were not used:" in response.text and "Still Listed" in response.text
    if not headers:
        assert 'value="lots"' in response.text and 'value="still"' in response.text
    else:
        assert response.headers.get("HX-Push-Url") == "false"


@pytest.mark.parametrize("args", [
    {"q": "a" * 10_000}, {"q": "\x00"}, {"q": "'; DROP TABLE users; --"}, {"min_points": "9" * 5000},
    {"min_points": "-1"}, {"min_points": str(2**70)}, {"company": "1e9"}, {"level": "<script>"},
    {"status": "everything"}, {"sort": "password_hash"}, {"page": "-5"}, {"page": "9" * 50},
    {"q": ["a", "b"], "status": ["active", "inactive"]}, {"q": "ünïcødé 🔑"},
])
def test_hostile_list_queries_never_give_a_server_error(client, db, login_as, args):
    login_as("marketer", locale="en")
    make_user("customer")
    db.session.commit()
    for headers in ({}, RESULTS):
        response = client.get(LIST, query_string=args, headers=headers)
        assert response.status_code in (200, 422), (args, response.status_code)
        assert "<script>" not in response.text.split("</head>")[-1].replace("<script src", "")


# --- Invite one ----------------------------------------------------------------------------------

@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_invite_an_existing_company_contact(client, db, login_as, post_form, htmx):
    marketer = login_as("marketer", locale="en")
    acme = make_company("Acme")
    db.session.commit()
    form = client.get(INVITE)
    assert form.status_code == 200 and '<option value="Acme">' in form.text
    response = post_form(INVITE, {"email": " Nina@Example.COM ", "name": "Nina  Nieuw", "company": "acme", "locale": "en"},
                         htmx=htmx)
    assert response.status_code in (204, 303)
    location = response.headers["HX-Redirect"] if htmx else response.headers["Location"]
    assert location == "/admin/participants?q=nina@example.com"
    nina = User.by_email("nina@example.com")
    assert nina.role == "customer" and nina.company_id == acme.id and nina.locale == "en" and nina.name == "Nina Nieuw"
    assert nina.password_hash is None and nina.invited_at is not None
    [message] = _outbox(db)
    assert message.to_address == "nina@example.com" and message.kind == "invitation" and "Hello Nina Nieuw," in message.body_text
    [entry] = _audits(db, "participant.invite")
    assert entry.actor_id == marketer.id and entry.target_id == nina.id and entry.details["new_company"] is False
    listed = client.get(location)
    assert "Invitation sent to Nina Nieuw (nina@example.com)." in listed.text and "Nina Nieuw" in listed.text


def test_invite_with_a_new_company_needs_an_account_manager(client, db, login_as, post_form):
    login_as("marketer", locale="en")
    sam = make_user("sales", name="Sam Sales")
    make_user("marketer", name="Not A Salesperson")
    db.session.commit()
    form = client.get(INVITE).text
    assert "Sam Sales" in form and "Not A Salesperson" not in form
    data = {"email": "jane@newco.com", "name": "Jane", "company": "NewCo", "locale": "nl"}
    missing = post_form(INVITE, data)
    assert missing.status_code == 422
    assert "“NewCo” is a new company: choose its account manager" in missing.text
    assert 'value="jane@newco.com"' in missing.text and 'value="NewCo"' in missing.text
    assert _count(db, User, User.email == "jane@newco.com") == 0 and _count(db, Company) == 0
    ok = post_form(INVITE, {**data, "account_manager": str(sam.id)})
    assert ok.status_code == 303
    company = db.session.scalar(select(Company).where(Company.name == "NewCo"))
    assert company.account_manager_id == sam.id
    assert User.by_email("jane@newco.com").company_id == company.id
    [entry] = _audits(db, "participant.invite")
    assert entry.details["new_company"] is True and entry.details["company"] == "NewCo"


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_inviting_an_existing_email_is_a_clear_error_and_keeps_the_input(client, db, login_as, post_form, htmx):
    login_as("marketer", locale="en")
    acme = make_company("Acme")
    make_user("customer", email="taken@example.com", company=acme)
    db.session.commit()
    response = post_form(INVITE, {"email": "TAKEN@example.com", "name": "Second Try", "company": "Acme", "locale": "en"},
                         htmx=htmx)
    assert response.status_code == 422
    assert "There is already an account for taken@example.com." in response.text
    assert 'value="TAKEN@example.com"' in response.text and 'value="Second Try"' in response.text
    assert ("<html" in response.text) is not htmx
    assert _count(db, User, User.email == "taken@example.com") == 1 and _outbox(db) == []
    assert _audits(db, "participant.invite") == []


def test_invite_reports_an_address_taken_at_the_same_moment(client, db, login_as, post_form, monkeypatch):
    from app.auth.services import AccountError
    from app.participants import accounts

    login_as("marketer", locale="en")
    make_company("Acme")
    db.session.commit()

    def taken(*args, **kwargs):
        raise AccountError("There is already an account for race@example.com.")

    monkeypatch.setattr(accounts, "create_user", taken)
    response = post_form(INVITE, {"email": "race@example.com", "name": "Race", "company": "Acme", "locale": "nl"})
    assert response.status_code == 422 and "There is already an account for race@example.com." in response.text
    assert _outbox(db) == [] and _audits(db, "participant.invite") == []


def test_invite_says_everything_that_is_wrong_at_once(client, db, login_as, post_form):
    login_as("marketer", locale="en")
    make_user("customer", email="taken@example.com")
    db.session.commit()
    response = post_form(INVITE, {"email": "taken@example.com", "name": "Kees", "company": "Brand New BV", "locale": "nl"})
    assert response.status_code == 422
    assert "There is already an account for taken@example.com." in response.text
    assert "is a new company: choose its account manager" in response.text


def test_invite_validates_every_field(client, db, login_as, post_form):
    login_as("marketer", locale="en")
    make_company("Acme")
    db.session.commit()
    response = post_form(INVITE, {"email": "not-an-address", "name": "", "company": "", "locale": "fr"})
    assert response.status_code == 422
    text = response.text
    for message in ("The e-mail address is not valid.", "Enter the person",
                    "Choose a company or type the name of a new one.", "Choose Nederlands or English."):
        assert message in text, message
    long = post_form(INVITE, {"email": "a@example.com", "name": "x" * 121, "company": "Acme", "locale": "nl"})
    assert long.status_code == 422 and "Use at most 120 characters." in long.text


NASTY = [
    {},
    {"email": "", "name": "", "company": "", "locale": "", "account_manager": ""},
    {"email": "a" * 100_000, "name": "b" * 100_000, "company": "c" * 10_000, "locale": "d", "account_manager": "9" * 500},
    {"email": "\x00", "name": "\x00", "company": "\x00", "locale": "\x00", "account_manager": "\x00"},
    {"email": "<script>alert(1)</script>@x.nl", "name": "' OR 1=1 --", "company": "<script>alert(1)</script>",
     "locale": "en'--", "account_manager": "-1"},
    {"email": "ünïcødé@bücher.de", "name": "🔑", "company": "Zürich AG", "locale": "nl\n", "account_manager": "1.5"},
    {"email": ["a@b.nl", "c@d.nl"], "name": ["x", "y"], "company": ["a", "b"], "locale": ["nl", "en"]},
    {"email": "ok@example.com", "name": "Tab\tName", "company": "New\x07Co", "locale": "nl", "account_manager": "99999999999"},
]


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("payload", range(len(NASTY)))
def test_hostile_invite_input_never_gives_a_server_error(client, db, login_as, post_form, payload, htmx):
    login_as("marketer", locale="en")
    make_company("Acme")
    db.session.commit()
    response = post_form(INVITE, NASTY[payload], htmx=htmx)
    assert response.status_code == 422, response.status_code
    assert "<script>alert(1)</script>" not in response.text
    if htmx:
        assert "<html" not in response.text
    assert _count(db, User, User.role == "customer") == 0


# --- Row actions ---------------------------------------------------------------------------------

def _action(post_form, user, what, htmx=False, back="/admin/participants?status=invited"):
    return post_form(f"/admin/participants/{user.id}/{what}", {"next": back}, htmx=htmx)


def test_resend_invitation_without_javascript(client, db, login_as, post_form):
    marketer = login_as("marketer", locale="en")
    nina = make_user("customer", name="Nina", email="nina@example.com", password=None, locale="en")
    db.session.commit()
    response = _action(post_form, nina, "resend")
    assert response.status_code == 303 and response.headers["Location"] == "/admin/participants?status=invited"
    [message] = _outbox(db)
    assert message.to_address == "nina@example.com" and message.kind == "invitation"
    [entry] = _audits(db, "participant.resend_invitation")
    assert entry.actor_id == marketer.id and entry.target_id == nina.id
    assert "A new invitation is on its way to nina@example.com." in client.get(response.headers["Location"]).text


def test_resend_invitation_with_htmx_updates_the_row(client, db, login_as, post_form):
    login_as("marketer", locale="en")
    nina = make_user("customer", name="Nina", password=None)
    db.session.commit()
    response = _action(post_form, nina, "resend", htmx=True)
    assert response.status_code == 200
    text = response.text.strip()
    assert text.startswith(f'<tr id="participant-{nina.id}"') and text.endswith("</tr>")
    assert "A new invitation is on its way" in text and "invited on" in text
    assert 'name="next" value="/admin/participants?status=invited"' in text
    assert len(_outbox(db)) == 1


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_no_invitation_for_someone_who_already_has_a_password_or_is_deactivated(client, db, login_as, post_form, htmx):
    login_as("marketer", locale="en")
    kees = make_user("customer", name="Kees")
    olaf = make_user("customer", name="Olaf", password=None, is_active=False)
    db.session.commit()
    for user, words in ((kees, "Kees has already chosen a password and can sign in"),
                        (olaf, "Olaf is deactivated. Reactivate the account first.")):
        response = _action(post_form, user, "resend", htmx=htmx)
        if htmx:
            assert response.status_code == 200 and words in response.text
        else:
            assert response.status_code == 303
            assert words in client.get(response.headers["Location"]).text
    assert _outbox(db) == [] and _audits(db, "participant.resend_invitation") == []


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_deactivate_ends_sessions_and_reactivate_restores(app, client, db, login_as, post_form, htmx):
    login_as("marketer", locale="en")
    kees = make_user("customer", name="Kees", email="kees@example.com")
    db.session.commit()
    # Kees is signed in on another device.
    other = app.test_client()
    with other.session_transaction() as session:
        session["_user_id"] = kees.get_id()
    assert other.get("/points").status_code == 200
    version = kees.session_version

    response = _action(post_form, kees, "deactivate", htmx=htmx)
    assert response.status_code == (200 if htmx else 303)
    db.session.refresh(kees)
    assert kees.is_active is False and kees.session_version == version + 1
    if htmx:
        assert "Kees is deactivated and can no longer sign in." in response.text and "Reactivate" in response.text
    assert other.get("/points").status_code == 302  # sent to the login page
    [entry] = _audits(db, "participant.deactivate")
    assert entry.target_id == kees.id

    again = _action(post_form, kees, "deactivate", htmx=htmx)
    assert again.status_code == (200 if htmx else 303)
    assert len(_audits(db, "participant.deactivate")) == 1  # nothing changed, nothing logged

    response = _action(post_form, kees, "reactivate", htmx=htmx)
    assert response.status_code == (200 if htmx else 303)
    db.session.refresh(kees)
    assert kees.is_active is True
    assert len(_audits(db, "participant.reactivate")) == 1
    if not htmx:
        assert "Kees is active again." in client.get(response.headers["Location"]).text


def test_actions_are_for_customers_only_and_go_back_only_to_the_list(client, db, login_as, post_form):
    login_as("marketer", locale="en")
    sam = make_user("sales")
    kees = make_user("customer")
    db.session.commit()
    for what in ("resend", "deactivate", "reactivate"):
        assert _action(post_form, sam, what).status_code == 404
        assert post_form(f"/admin/participants/{2**40}/{what}").status_code == 404
        assert post_form(f"/admin/participants/{10**30}/{what}").status_code == 404
    db.session.refresh(sam)
    assert sam.is_active
    for back in ("//evil.example/admin/participants", "https://evil.example/", "/admin", "\x00", ""):
        response = _action(post_form, kees, "deactivate", back=back)
        assert response.headers["Location"] == "/admin/participants", back
        _action(post_form, kees, "reactivate")


def test_row_actions_need_the_csrf_token(client, db, login_as):
    login_as("marketer")
    kees = make_user("customer")
    db.session.commit()
    assert client.post(f"/admin/participants/{kees.id}/deactivate").status_code == 400
    db.session.refresh(kees)
    assert kees.is_active


# --- CSV import ------------------------------------------------------------------------------------

def _upload(post_form, content: bytes | str, filename="people.csv", send=True, htmx=False):
    if isinstance(content, str):
        content = content.encode("utf-8")
    data = {"file": (io.BytesIO(content), filename)}
    if send:
        data["send_invitations"] = "y"
    return post_form(IMPORT, data, htmx=htmx, content_type="multipart/form-data")


def _report(db) -> AuditEntry:
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == "participants.import")
                              .order_by(AuditEntry.id.desc())).first()


def _csv(rows, delimiter=",", header=("email", "name", "company", "language", "account_manager")) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _thousand_customers(sales_email):
    """1,000 rows: 980 good ones (over four existing companies and one new one) and 20 bad ones."""
    rows = []
    for n in range(980):
        if n < 10:
            rows.append((f"new{n}@newco.example.com", f"New Person {n}", "NewCo", "en", sales_email))
        else:
            rows.append((f"person{n}@example.com", f"Person {n}", ["Acme", "Globex", "initech", "UMBRELLA"][n % 4],
                         ["nl", "en", "NL", "English"][n % 4], ""))
    bad = [
        (("", "No Mail", "Acme", "nl", ""), "The e-mail address is missing."),
        (("   ", "Blank Mail", "Acme", "nl", ""), "The e-mail address is missing."),
        (("not-an-email", "Bad Mail", "Acme", "nl", ""), "The e-mail address is not valid."),
        (("two@@example.com", "Bad Mail 2", "Acme", "nl", ""), "The e-mail address is not valid."),
        (("space in@example.com", "Bad Mail 3", "Acme", "nl", ""), "The e-mail address is not valid."),
        (("x" * 250 + "@example.com", "Long Mail", "Acme", "nl", ""), "The e-mail address is longer than 254 characters."),
        (("noname1@example.com", "", "Acme", "nl", ""), "The name is missing."),
        (("noname2@example.com", "  ", "Acme", "nl", ""), "The name is missing."),
        (("longname@example.com", "N" * 121, "Acme", "nl", ""), "The name is longer than 120 characters."),
        (("french@example.com", "Fran Cois", "Acme", "fr", ""), "The language is unknown: use nl or en."),
        (("klingon@example.com", "Kling On", "Acme", "tlh", ""), "The language is unknown: use nl or en."),
        (("nolang@example.com", "No Lang", "Acme", "", ""), "The language is missing (nl or en)."),
        (("stranger1@example.com", "Stranger One", "Unknown BV", "nl", ""), "The company is unknown and no account manager is given for it."),
        (("stranger2@example.com", "Stranger Two", "Other BV", "en", ""), "The company is unknown and no account manager is given for it."),
        (("stranger3@example.com", "Stranger Three", "Third BV", "nl", "marketing-person@example.com"),
         "The company is unknown and the account manager is not the e-mail address of a sales user."),
        (("nocompany@example.com", "No Company", "", "nl", ""), "The company is missing."),
        (("PERSON10@example.com", "Person Ten Again", "Acme", "nl", ""), "The same e-mail address is already on line"),
        (("person11@example.com", "Person Eleven Again", "Globex", "en", ""), "The same e-mail address is already on line"),
        (("new0@newco.example.com", "New Zero Again", "NewCo", "en", ""), "The same e-mail address is already on line"),
        (("toolongco@example.com", "Long Company", "C" * 201, "nl", ""), "The company name is longer than 200 characters."),
    ]
    assert len(bad) == 20
    # Spread the bad rows through the file; the duplicates come after the rows they repeat.
    positions = sorted(random.Random(7).sample(range(60, 1000), 20))
    expected = {}
    for position, (row, _reason) in zip(positions, bad, strict=True):
        rows.insert(position, row)
    for index, row in enumerate(rows):
        for bad_row, reason in bad:
            if row is bad_row:
                expected[index + 2] = reason  # line 1 is the header
    assert len(rows) == 1000 and len(expected) == 20
    return _csv(rows), expected


def test_thousand_customers_with_twenty_bad_rows_and_a_second_import_adds_nobody(app, client, db, login_as, post_form):
    login_as("marketer", locale="en")
    sam = make_user("sales", email="sam@example.com")
    make_user("marketer", email="marketing-person@example.com")
    for name in ("Acme", "Globex", "Initech", "Umbrella"):
        make_company(name, account_manager=sam)
    db.session.commit()
    content, expected = _thousand_customers("sam@example.com")

    started = time.perf_counter()
    response = _upload(post_form, content)
    elapsed = time.perf_counter() - started
    assert response.status_code == 303, response.text[:2000]
    assert elapsed < 15, f"import took {elapsed:.1f}s"
    entry = _report(db)
    assert response.headers["Location"] == f"/admin/participants/imports/{entry.id}"
    assert entry.details["counts"] == {"rows": 1000, "imported": 980, "existing": 0, "bad": 20, "empty_lines": 0}
    assert _count(db, User, User.role == "customer") == 980
    assert _count(db, OutboxMessage, OutboxMessage.kind == "invitation") == 980
    assert _count(db, Company) == 5
    newco = db.session.scalar(select(Company).where(Company.name == "NewCo"))
    assert newco.account_manager_id == sam.id
    assert User.by_email("person12@example.com").locale == "nl" and User.by_email("person13@example.com").locale == "en"
    assert User.by_email("person15@example.com").locale == "en"  # "English"
    assert User.by_email("person14@example.com").company.name == "Initech"  # matched ignoring case

    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    text = page.text
    assert "The file is imported." in text
    bad_rows = re.findall(r'<tr>\s*<td class="num" data-label="Line">(\d+)</td>.*?</tr>', text, re.S)
    assert sorted(int(line) for line in bad_rows) == sorted(expected)
    for line, reason in expected.items():
        row = re.search(rf'<tr>\s*<td class="num" data-label="Line">{line}</td>(.*?)</tr>', text, re.S).group(1)
        assert reason in row, (line, reason, row)

    # The same file again: nobody new, nothing sent, every row accounted for.
    again = _upload(post_form, content)
    assert again.status_code == 303
    assert _report(db).details["counts"] == {"rows": 1000, "imported": 0, "existing": 980, "bad": 20, "empty_lines": 0}
    assert _count(db, User, User.role == "customer") == 980
    assert _count(db, OutboxMessage) == 980 and _count(db, Company) == 5
    second = client.get(again.headers["Location"]).text
    assert "980 rows belong to people who were already participants" in second


def test_import_reads_a_fixed_number_of_times_whatever_the_size(app, client, db, login_as, post_form):
    login_as("marketer")
    sam = make_user("sales", email="sam@example.com")
    make_company("Acme", account_manager=sam)
    make_user("customer", email="already@example.com")
    db.session.commit()

    def reads(n):
        rows = [(f"p{n}-{i}@example.com", f"P {i}", "Acme" if i % 2 else f"New {n}", "nl", "sam@example.com") for i in range(n)]
        rows.append(("already@example.com", "Already", "Acme", "nl", ""))
        with count_queries(app) as statements:
            assert _upload(post_form, _csv(rows)).status_code == 303
        return [s for s in statements if not s.lstrip().upper().startswith(("INSERT", "SAVEPOINT", "RELEASE"))]

    few, many = reads(5), reads(200)
    assert len(few) == len(many), many


def test_semicolons_a_bom_and_crlf_are_understood(client, db, login_as, post_form):
    login_as("marketer", locale="en")
    make_company("Bouwbedrijf Van Dijk")
    db.session.commit()
    content = "\ufeffE-mail;Naam;Bedrijf;Taal\r\nkees@vandijk.nl;Kees de Klant;Bouwbedrijf Van Dijk;nl\r\n" \
              "\"jan@vandijk.nl\";\"Dijk; Jan van\";Bouwbedrijf Van Dijk;NL-be\r\n"
    response = _upload(post_form, content.encode("utf-8"))
    assert response.status_code == 303
    assert _report(db).details["counts"]["imported"] == 2
    assert User.by_email("jan@vandijk.nl").name == "Dijk; Jan van" and User.by_email("jan@vandijk.nl").locale == "nl"
    assert _report(db).details["delimiter"] == ";"


def test_existing_participants_are_left_as_they_are(client, db, login_as, post_form):
    login_as("marketer", locale="en")
    acme = make_company("Acme")
    make_company("Globex")
    kees = make_user("customer", email="kees@example.com", name="Kees Original", company=acme, locale="nl")
    db.session.commit()
    response = _upload(post_form, _csv([("KEES@example.com", "Kees Overwritten", "Globex", "en", "")]))
    assert response.status_code == 303
    db.session.refresh(kees)
    assert (kees.name, kees.company_id, kees.locale) == ("Kees Original", acme.id, "nl")
    assert _report(db).details["counts"]["existing"] == 1 and _outbox(db) == []


def test_repeated_email_first_valid_row_wins(client, db, login_as, post_form):
    login_as("marketer", locale="en")
    make_company("Acme")
    db.session.commit()
    rows = [
        ("twice@example.com", "", "Acme", "nl", ""),  # line 2: bad, so it does not claim the address
        ("twice@example.com", "First Good", "Acme", "nl", ""),  # line 3: wins
        ("Twice@Example.com", "Second Good", "Acme", "en", ""),  # line 4: reported
    ]
    assert _upload(post_form, _csv(rows)).status_code == 303
    assert User.by_email("twice@example.com").name == "First Good"
    report = client.get(f"/admin/participants/imports/{_report(db).id}").text
    assert "The same e-mail address is already on line 3; the first one counts." in report
    assert "The name is missing." in report


def test_new_company_with_an_account_manager_is_made_once_and_used_by_later_rows(client, db, login_as, post_form):
    login_as("marketer", locale="en")
    sam = make_user("sales", email="sam@example.com")
    make_user("sales", email="gone@example.com", is_active=False)
    db.session.commit()
    rows = [
        ("a@newco.com", "A", "NewCo", "nl", ""),  # line 2: not yet known, no manager
        ("b@newco.com", "B", "NewCo", "nl", "SAM@example.com"),  # line 3: creates it
        ("c@newco.com", "C", "newco", "en", ""),  # line 4: uses it
        ("d@other.com", "D", "OtherCo", "en", "gone@example.com"),  # a deactivated sales user
    ]
    assert _upload(post_form, _csv(rows)).status_code == 303
    assert _count(db, Company) == 1
    company = db.session.scalar(select(Company))
    assert company.name == "NewCo" and company.account_manager_id == sam.id
    assert User.by_email("c@newco.com").company_id == company.id
    assert User.by_email("a@newco.com") is None and User.by_email("d@other.com") is None
    details = _report(db).details
    assert details["counts"] == {"rows": 4, "imported": 2, "existing": 0, "bad": 2, "empty_lines": 0}
    assert details["new_companies"] == ["NewCo"]


def test_staff_email_is_a_bad_row(client, db, login_as, post_form):
    login_as("marketer", locale="en")
    make_company("Acme")
    make_user("sales", email="sam@example.com")
    db.session.commit()
    assert _upload(post_form, _csv([("sam@example.com", "Sam", "Acme", "nl", "")])).status_code == 303
    assert User.by_email("sam@example.com").role == "sales"
    report = client.get(f"/admin/participants/imports/{_report(db).id}").text
    assert "This e-mail address belongs to a staff account, not a customer." in report


def test_invitations_can_be_left_for_later(client, db, login_as, post_form):
    marketer = login_as("marketer", locale="en")
    make_company("Acme")
    db.session.commit()
    assert re.search(r'<input checked id="send_invitations" name="send_invitations" type="checkbox"', client.get(IMPORT).text)
    rows = [(f"later{n}@example.com", f"Later {n}", "Acme", "nl", "") for n in range(3)]
    assert _upload(post_form, _csv(rows), send=False).status_code == 303
    assert _count(db, User, User.role == "customer") == 3 and _outbox(db) == []
    assert User.by_email("later0@example.com").invited_at is None
    entry = _report(db)
    assert entry.actor_id == marketer.id and entry.details["invitations"] is False
    listed = client.get(LIST, query_string={"status": "invited"}).text
    assert "No invitation sent yet" in listed


def test_empty_lines_extra_columns_and_multiline_values_are_accounted_for(client, db, login_as, post_form):
    login_as("marketer", locale="en")
    make_company("Acme")
    db.session.commit()
    content = ("email,name,company,language,notes\n"
               "a@example.com,A,Acme,nl,likes coffee\n"
               "\n"
               ",,,,\n"
               'b@example.com,"Bea\nBakker",Acme,en,\n'
               "c@example.com,C,Acme,nl,,surplus\n"
               "d@example.com,D,Acme,nl,,\n")
    assert _upload(post_form, content).status_code == 303
    details = _report(db).details
    assert details["counts"] == {"rows": 4, "imported": 3, "existing": 0, "bad": 1, "empty_lines": 2}
    assert details["ignored_columns"] == ["notes"]
    assert User.by_email("b@example.com").name == "Bea Bakker"
    report = client.get(f"/admin/participants/imports/{_report(db).id}").text
    assert re.search(r'<td class="num" data-label="Line">7</td>.*The row has more fields than the header row', report, re.S)
    assert "2 empty lines were skipped." in report and "These columns are not used and were ignored: notes." in report


HOSTILE_FILES = {
    "empty": (b"", "The file is empty."),
    "whitespace": (b"  \r\n\r\n", "The file is empty."),
    "only header": (b"email,name,company,language\r\n", "The file has a header row but no people in it."),
    "header and empty lines": (b"email,name,company,language\r\n\r\n,,,\r\n", "The file has a header row but no people in it."),
    "binary garbage": (bytes(random.Random(1).randrange(256) for _ in range(5000)), None),
    "png": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, None),
    "excel workbook": (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 200, "(an Excel workbook, perhaps?)"),
    "latin-1": ("email,name,company,language\nrene@example.com,René Müller,Acme,nl\n".encode("latin-1"),
                "The file is not UTF-8 text."),
    "utf-16": ("email,name,company,language\n".encode("utf-16"), "The file is saved as UTF-16."),
    "nul bytes": (b"email,name,company,language\na@example.com,A\x00,Acme,nl\n", "The file contains NUL bytes"),
    "missing columns": (b"email,name\na@example.com,A\n", "The header row lacks the columns: company, language."),
    "no header": (b"a@example.com,A,Acme,nl\n", "The header row lacks the columns"),
    "twice the same column": (b"email,name,company,language,e-mail\n", "The column “email” appears twice"),
    "a field over the csv limit": (b"email,name,company,language\na@example.com," + b"x" * 200_000 + b",Acme,nl\n",
                                   "Line 2 cannot be read"),
    "5,001 rows": (("email,name,company,language\n" + "".join(f"p{n}@example.com,P,Acme,nl\n" for n in range(5001))).encode(),
                   "The file has more than 5,000 rows."),
    "unbalanced quote": (b'email,name,company,language\n"a@example.com,A,Acme,nl\n', None),
}


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("case", list(HOSTILE_FILES))
def test_hostile_files_are_refused_with_a_reason_and_import_nothing(client, db, login_as, post_form, case, htmx):
    login_as("marketer", locale="en")
    make_company("Acme")
    db.session.commit()
    content, message = HOSTILE_FILES[case]
    response = _upload(post_form, content, htmx=htmx)
    if case == "unbalanced quote":  # one long field: read as a row with missing values
        assert response.status_code == (204 if htmx else 303)
        assert _report(db).details["counts"]["bad"] == 1
        return
    assert response.status_code == 422, (case, response.status_code)
    assert 'class="form-errors"' in response.text
    if message:
        assert message.replace("5,000", "5.000") in response.text or message in response.text, response.text[-3000:]
    assert ("<html" in response.text) is not htmx
    assert _count(db, User, User.role == "customer") == 0 and _report(db) is None and _outbox(db) == []


def test_exactly_five_thousand_rows_are_fine(client, db, login_as, post_form):
    login_as("marketer")
    make_company("Acme")
    db.session.commit()
    content = "email,name,company,language\n" + "".join(f"p{n}@example.com,P {n},Acme,nl\n" for n in range(5000))
    assert _upload(post_form, content, send=False).status_code == 303
    assert _report(db).details["counts"]["imported"] == 5000


def test_long_and_formula_fields_become_bad_rows_or_safe_cells(client, db, login_as, post_form):
    login_as("marketer", locale="en")
    make_company("Acme")
    db.session.commit()
    rows = [
        ("=cmd@example.com", "=HYPERLINK(\"http://evil\")", "Acme", "nl", ""),
        ("ok@example.com", "@SUM(1+1)", "Acme", "nl", ""),
        ("plus@example.com", "+31 Name", "Acme", "xx", ""),
        ("long@example.com", "n" * 5000, "Acme", "nl", ""),
        ("tab@example.com", "\tTabbed", "Acme", "nl", ""),
        ("ctl@example.com", "Bell\x07Name", "Acme", "nl", ""),
    ]
    response = _upload(post_form, _csv(rows))
    assert response.status_code == 303
    report_url = response.headers["Location"]
    page = client.get(report_url).text
    assert "The name is longer than 120 characters." in page and "n" * 200 not in page  # clipped in the report
    assert "The name contains invisible control characters." in page
    assert User.by_email("ok@example.com").name == "@SUM(1+1)"  # a name is a name; the download is made safe
    assert User.by_email("tab@example.com").name == "Tabbed"

    download = client.get(report_url + "/report.csv")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["Cache-Control"] == "no-store"
    body = download.data.decode("utf-8")
    assert body.startswith("\ufeff")
    cells = [cell for row in csv.reader(io.StringIO(body.lstrip("\ufeff"))) for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")], cells
    assert "'=cmd@example.com" in cells and "'+31 Name" in cells


def test_a_long_report_shows_the_first_thousand_problems_and_says_so(client, db, login_as, post_form):
    login_as("marketer", locale="en")
    make_company("Acme")
    db.session.commit()
    content = "email,name,company,language\n" + "".join(f"p{n}@example.com,,Acme,nl\n" for n in range(1200))
    response = _upload(post_form, content)
    page = client.get(response.headers["Location"]).text
    assert "The first 1,000 of 1,200 rows with a problem are shown here; the downloaded report has all of them." in page
    assert page.count('data-label="Reason"') == 1000
    download = client.get(response.headers["Location"] + "/report.csv").data.decode("utf-8-sig")
    assert len(download.strip().splitlines()) == 1201


def test_the_report_csv_accounts_for_every_row(client, db, login_as, post_form):
    login_as("marketer", locale="en")
    make_company("Acme")
    make_user("customer", email="old@example.com")
    db.session.commit()
    content = "email;name;company;language\nnew@example.com;New;Acme;en\nold@example.com;Old;Acme;nl\n;Nobody;Acme;nl\n"
    response = _upload(post_form, content)
    download = client.get(response.headers["Location"] + "/report.csv")
    rows = list(csv.reader(io.StringIO(download.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Line", "E-mail address", "Name", "Result", "Reason"]
    assert [(r[0], r[1], r[3]) for r in rows[1:]] == [
        ("2", "new@example.com", "Imported"), ("3", "old@example.com", "Already a participant"), ("4", "", "Not imported"),
    ]
    assert rows[3][4] == "The e-mail address is missing."


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_import_without_a_file_says_so(client, db, login_as, post_form, htmx):
    login_as("marketer", locale="en")
    response = post_form(IMPORT, {"send_invitations": "y"}, htmx=htmx)
    assert response.status_code == 422 and "Choose a CSV file to upload." in response.text
    assert 'checked' in response.text  # the choice is kept
    kept_off = post_form(IMPORT, {}, htmx=htmx)
    assert kept_off.status_code == 422 and "checked" not in kept_off.text.split('name="send_invitations"')[1][:40]


def test_a_file_over_the_size_limit_gets_the_413_page(app, client, db, login_as, csrf):
    login_as("marketer", locale="en")
    # The multipart body is built here: werkzeug's test client would spool one this large to a
    # temporary file that it never closes.
    boundary = "----participants"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{csrf()}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n"
            "Content-Type: text/csv\r\n\r\n").encode() + b"email,name,company,language\n" + b"x" * (2 * 1024 * 1024) \
        + f"\r\n--{boundary}--\r\n".encode()
    response = client.post(IMPORT, data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413 and "That is too large" in response.text
    assert _count(db, User) == 1


def test_reports_are_only_import_reports(client, db, login_as):
    marketer = login_as("marketer")
    from app.audit import services as audit

    other = audit.record(marketer, "challenge.publish", None, "something else")
    db.session.commit()
    assert client.get(f"/admin/participants/imports/{other.id}").status_code == 404
    assert client.get(f"/admin/participants/imports/{other.id}/report.csv").status_code == 404
    assert client.get(f"/admin/participants/imports/{10**30}").status_code == 404


def test_recent_imports_are_listed_on_the_import_page(client, db, login_as, post_form):
    login_as("marketer", locale="en", name="Mila Marketing")
    make_company("Acme")
    db.session.commit()
    _upload(post_form, _csv([("a@example.com", "A", "Acme", "nl", "")]), filename="spring-event.csv")
    page = client.get(IMPORT).text
    assert "spring-event.csv" in page and "Mila Marketing" in page
    assert f'href="/admin/participants/imports/{_report(db).id}"' in page


def test_import_in_dutch_reports_in_dutch_where_translated(client, db, login_as, post_form):
    # The catalog is filled in later; what matters here is that the page renders in nl without errors.
    login_as("marketer", locale="nl")
    make_company("Acme")
    db.session.commit()
    response = _upload(post_form, _csv([("", "A", "Acme", "nl", "")]))
    assert client.get(response.headers["Location"]).status_code == 200
    assert client.get(LIST).status_code == 200 and client.get(INVITE).status_code == 200


@pytest.mark.postgres
def test_thousand_row_import_on_postgresql_is_one_transaction(app, client, db, login_as, post_form):
    """On PostgreSQL the batch lookups (IN lists) and the per-row inserts behave the same."""
    login_as("marketer")
    make_company("Acme")
    db.session.commit()
    rows = [(f"pg{n}@example.com", f"PG {n}", "Acme", "nl", "") for n in range(1000)]
    assert _upload(post_form, _csv(rows)).status_code == 303
    assert _count(db, User, User.role == "customer") == 1000
    assert _count(db, OutboxMessage) == 1000
