"""Staff pages: the list, inviting a colleague, role, manager, deactivation, links; every change audited."""
from __future__ import annotations

import itertools
import threading

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.auth.models import ADMIN, MARKETER, SALES, User
from app.auth.staff import change_role, deactivate
from app.extensions import db as _db
from app.mail import OutboxMessage
from tests.conftest import HX, count_queries
from tests.factories import make_company, make_user
from tests.helpers import run_at_once

LIST = "/admin/staff"
INVITE = "/admin/staff/invite"


def _audits(action: str) -> list[AuditEntry]:
    return list(_db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _mail_to(address: str) -> list[OutboxMessage]:
    return list(_db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == address)))


def test_the_list_shows_each_colleague_with_role_manager_status_and_last_sign_in(client, db, login_as):
    login_as("admin", locale="en", name="Ada Admin")
    lead = make_user(SALES, name="Lena Lead")
    make_user(SALES, name="Sam Seller", manager=lead)
    make_user(MARKETER, name="Pending Person", password=None)
    make_user("customer", name="Carl Customer")
    db.session.commit()
    page = client.get(LIST)
    assert page.status_code == 200
    text = page.text
    assert "Sam Seller" in text and "Lena Lead" in text and "Pending Person" in text
    assert "Invitation pending" in text and "Never" in text
    assert "Carl Customer" not in text  # customers are not staff
    only_sales = client.get(LIST, query_string={"role": "sales"}).text
    assert "Sam Seller" in only_sales and "Pending Person" not in only_sales
    assert client.get(LIST, query_string={"q": "pending"}).text.count("Pending Person") == 1
    fragment = client.get(LIST, headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text and "Sam Seller" in fragment.text
    assert client.get(LIST, query_string={"q": "x" * 300}).status_code == 422


@pytest.mark.parametrize("budget_role", ["", "sales"])
def test_staff_list_statement_budget_does_not_grow(app, client, db, login_as, budget_role):
    login_as("admin")
    counter = itertools.count()

    def fill(n):
        lead = make_user(SALES)
        for _ in range(n):
            person = make_user(SALES, manager=lead, name=f"Person {next(counter)}")
            make_company(account_manager=person)
        _db.session.commit()

    fill(2)
    with count_queries(app) as few:
        assert client.get(LIST, query_string={"role": budget_role}).status_code == 200
    fill(40)
    with count_queries(app) as many:
        assert client.get(LIST, query_string={"role": budget_role}).status_code == 200
    assert len(few) == len(many) <= 5, many


def test_inviting_a_sales_colleague_with_a_manager_sends_the_invitation(client, db, login_as, post_form):
    admin = login_as("admin", locale="en")
    lead = make_user(SALES, name="Lena Lead")
    db.session.commit()
    response = post_form(INVITE, {"name": "Nora New", "email": " Nora@Example.org ", "role": "sales",
                                  "manager": str(lead.id), "locale": "nl"})
    assert response.status_code == 303
    nora = User.by_email("nora@example.org")
    assert (nora.role, nora.manager_id, nora.locale, nora.password_hash) == (SALES, lead.id, "nl", None)
    assert response.headers["Location"] == f"/admin/staff/{nora.id}"
    mail = _mail_to("nora@example.org")
    assert len(mail) == 1 and mail[0].kind == "invitation" and "/invitation/" in mail[0].body_text
    entry = _audits("staff.invite")[0]
    assert (entry.actor_id, entry.target_id) == (admin.id, nora.id)


@pytest.mark.parametrize("data, message", [
    ({"name": "", "email": "a@example.org", "role": "sales"}, "Enter the colleague's name."),
    ({"name": "A" * 121, "email": "a@example.org", "role": "sales"}, "Use at most 120 characters."),
    ({"name": "Al", "email": "", "role": "sales"}, "Enter an e-mail address."),
    ({"name": "Al", "email": "not-an-address", "role": "sales"}, "The e-mail address is not valid."),
    ({"name": "Al", "email": "taken@example.org", "role": "sales"}, "There is already an account for taken@example.org."),
    ({"name": "Al", "email": "a@example.org", "role": "customer"}, "Choose marketing, sales or admin."),
    ({"name": "Al", "email": "a@example.org", "role": "sales", "manager": "999999"},
     "Choose an active sales colleague from the list."),
    ({"name": "Al", "email": "a@example.org", "role": "sales", "manager": "2147483648"},
     "Choose an active sales colleague from the list."),
])
def test_bad_invitations_come_back_with_the_input_kept(client, db, login_as, post_form, data, message):
    login_as("admin", locale="en")
    make_user(MARKETER, email="taken@example.org")
    db.session.commit()
    for htmx in (False, True):
        response = post_form(INVITE, {"locale": "en", **data}, htmx=htmx)
        assert response.status_code == 422
        assert message in response.text
        if data["name"] and len(data["name"]) < 100:
            assert f'value="{data["name"]}"' in response.text
        assert ("<html" in response.text) is not htmx
    assert not _audits("staff.invite")


def test_a_manager_for_a_marketer_is_refused_in_the_users_language(client, db, login_as, post_form):
    login_as("admin", locale="nl")
    lead = make_user(SALES)
    db.session.commit()
    response = post_form(INVITE, {"name": "Mia", "email": "mia@example.org", "role": "marketer",
                                  "manager": str(lead.id), "locale": "nl"})
    assert response.status_code == 422 and "Alleen een collega van sales heeft een manager" in response.text


def test_role_and_manager_changes_are_audited_with_before_and_after(client, db, login_as, post_form):
    login_as("admin", locale="en")
    lead = make_user(SALES, name="Lena Lead")
    sam = make_user(SALES, name="Sam Seller")
    db.session.commit()
    assert post_form(f"/admin/staff/{sam.id}/manager", {"manager": str(lead.id)}).status_code == 303
    assert sam.manager_id == lead.id
    entry = _audits("staff.manager")[0]
    assert entry.details["before"] == {"manager": None} and entry.details["after"] == {"manager": lead.name}
    # No cycles: the lead cannot report to her own team member; nor can anyone manage themselves.
    response = post_form(f"/admin/staff/{lead.id}/manager", {"manager": str(sam.id)})
    assert response.status_code == 422 and "cannot report to their own team member" in response.text
    assert post_form(f"/admin/staff/{sam.id}/manager", {"manager": str(sam.id)}).status_code == 422
    # A sales user with a team cannot stop being sales; one without can.
    response = post_form(f"/admin/staff/{lead.id}/role", {"role": "marketer"})
    assert response.status_code == 422 and "Give them another manager first" in response.text
    assert post_form(f"/admin/staff/{sam.id}/role", {"role": "marketer"}).status_code == 303
    assert (sam.role, sam.manager_id) == (MARKETER, None)
    assert _audits("staff.role")[0].details["before"] == {"role": "sales", "manager": lead.name}
    assert post_form(f"/admin/staff/{sam.id}/role", {"role": "boss"}).status_code == 422


def test_an_account_manager_keeps_the_sales_role_until_their_companies_move(client, db, login_as, post_form):
    login_as("admin", locale="en")
    sam = make_user(SALES)
    make_company(account_manager=sam)
    db.session.commit()
    response = post_form(f"/admin/staff/{sam.id}/role", {"role": "admin"})
    assert response.status_code == 422 and "looks after 1 companies" in response.text
    assert sam.role == SALES


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(client, db, login_as, post_form):
    me = login_as("admin", locale="en")
    response = post_form(f"/admin/staff/{me.id}/role", {"role": "marketer"})
    assert response.status_code == 422 and "is the last active admin" in response.text
    response = post_form(f"/admin/staff/{me.id}/deactivate")
    assert response.status_code == 422 and "cannot deactivate your own account" in response.text
    other = make_user(ADMIN)
    db.session.commit()
    assert post_form(f"/admin/staff/{other.id}/role", {"role": "marketer"}).status_code == 303
    assert other.role == MARKETER
    # An inactive admin does not count as the one left.
    inactive = make_user(ADMIN, is_active=False)
    db.session.commit()
    assert post_form(f"/admin/staff/{me.id}/role", {"role": "sales"}).status_code == 422
    assert post_form(f"/admin/staff/{inactive.id}/reactivate").status_code == 303
    assert post_form(f"/admin/staff/{me.id}/role", {"role": "sales"}).status_code == 303


def test_deactivation_ends_an_open_session_at_once_as_a_page_and_as_htmx(app, client, db, login_as, post_form):
    login_as("admin", locale="en")
    marketer = make_user(MARKETER, name="Mark Marketer")
    db.session.commit()
    theirs = app.test_client()
    with theirs.session_transaction() as session:
        session["_user_id"] = marketer.get_id()
        session["_fresh"] = True
    assert theirs.get("/admin").status_code == 200
    response = post_form(f"/admin/staff/{marketer.id}/deactivate")
    assert response.status_code == 303
    assert not marketer.is_active
    page = theirs.get("/admin")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")
    fragment = theirs.get("/admin", headers=HX)
    assert fragment.status_code == 401 and fragment.headers["HX-Redirect"].startswith("/login")
    entry = _audits("staff.deactivate")[0]
    assert entry.details["before"] == {"is_active": True} and entry.details["after"] == {"is_active": False}
    assert post_form(f"/admin/staff/{marketer.id}/reactivate", htmx=True).headers["HX-Redirect"] == \
        f"/admin/staff/{marketer.id}"
    assert marketer.is_active


def test_resend_invitation_and_password_reset_links(client, db, login_as, post_form):
    login_as("admin", locale="en")
    invited = make_user(SALES, password=None, email="invited@example.org")
    active = make_user(SALES, email="active@example.org")
    db.session.commit()
    assert post_form(f"/admin/staff/{invited.id}/resend").status_code == 303
    assert [m.kind for m in _mail_to("invited@example.org")] == ["invitation"]
    assert post_form(f"/admin/staff/{active.id}/reset").status_code == 303
    assert [m.kind for m in _mail_to("active@example.org")] == ["password_reset"]
    # The wrong link for the account's state is refused with the reason, not sent.
    response = post_form(f"/admin/staff/{active.id}/resend")
    assert response.status_code == 422 and "has already chosen a password" in response.text
    response = post_form(f"/admin/staff/{invited.id}/reset")
    assert response.status_code == 422 and "send a new invitation instead" in response.text
    assert {e.action for e in _db.session.scalars(select(AuditEntry))} >= {"staff.resend_invitation",
                                                                          "staff.password_reset"}


def test_a_customer_is_not_a_staff_page(client, db, login_as):
    login_as("admin")
    customer = make_user("customer")
    db.session.commit()
    assert client.get(f"/admin/staff/{customer.id}").status_code == 404


def test_the_person_page_as_a_page_and_as_a_fragment(client, db, login_as):
    login_as("admin", locale="en")
    sam = make_user(SALES, name="Sam Seller")
    db.session.commit()
    page = client.get(f"/admin/staff/{sam.id}")
    assert page.status_code == 200 and "<html" in page.text and "Save manager" in page.text
    fragment = client.get(f"/admin/staff/{sam.id}", headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text and "Sam Seller" in fragment.text


@pytest.mark.postgres
@pytest.mark.committed
def test_two_admins_demoting_each_other_at_once_leave_one_admin(app, db):
    first, second = make_user(ADMIN), make_user(ADMIN)
    db.session.commit()
    pairs = iter([(first.id, second.id), (second.id, first.id)])
    lock = threading.Lock()

    def demote() -> str:
        with lock:
            actor_id, target_id = next(pairs)
        with app.test_request_context():
            actor, target = _db.session.get(User, actor_id), _db.session.get(User, target_id)
            change_role(actor, target, MARKETER)
            _db.session.commit()
        return "demoted"

    results = run_at_once(app, 2, demote)
    assert results.count("demoted") == 1, results
    assert _db.session.scalar(select(func.count(User.id)).where(User.role == ADMIN, User.is_active)) == 1


@pytest.mark.postgres
@pytest.mark.committed
def test_two_admins_deactivating_each_other_at_once_leave_one_admin(app, db):
    first, second = make_user(ADMIN), make_user(ADMIN)
    db.session.commit()
    pairs = iter([(first.id, second.id), (second.id, first.id)])
    lock = threading.Lock()

    def switch_off() -> str:
        with lock:
            actor_id, target_id = next(pairs)
        with app.test_request_context():
            deactivate(_db.session.get(User, actor_id), _db.session.get(User, target_id))
            _db.session.commit()
        return "deactivated"

    results = run_at_once(app, 2, switch_off)
    assert results.count("deactivated") == 1, results
    assert _db.session.scalar(select(func.count(User.id)).where(User.role == ADMIN, User.is_active)) == 1
