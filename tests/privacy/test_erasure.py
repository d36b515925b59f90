"""Erasing a customer: no trace of them in any column of any table, the figures unchanged."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.auth.models import User
from app.journey.models import Submission
from app.points.models import PointsEntry
from app.privacy.erasure import NotErasable, erase_customer
from app.privacy.models import ConsentRecord
from app.referrals.intake import person_key
from app.referrals.models import Referee, RefereeObjection
from app.rewards.models import CANCELLED, Redemption, Reward
from tests.factories import make_referee, make_user
from tests.privacy.conftest import MARKER, marker_hits


def _figures(db):
    return dict(
        points=db.session.scalar(select(func.coalesce(func.sum(PointsEntry.points), 0))),
        ledger_rows=db.session.scalar(select(func.count(PointsEntry.id))),
        submissions=db.session.scalar(select(func.count(Submission.id))),
        referees=dict(db.session.execute(select(Referee.stage, func.count()).group_by(Referee.stage)).all()),
    )


def test_the_marker_is_everywhere_before_and_nowhere_after_the_customer_erases(client, db, world, login_as,
                                                                              post_form):
    before = {(table, column) for table, column, _value in marker_hits()}
    # The seeding reached the places that matter (otherwise the test proves nothing).
    for place in [("users", "name"), ("users", "email"), ("submissions", "data"), ("submissions", "review_note"),
                  ("points_entries", "reason_en"), ("notifications", "text_en"), ("outbox_messages", "body_text"),
                  ("outbox_messages", "to_address"), ("audit_entries", "summary"), ("audit_entries", "details"),
                  ("nps_responses", "reason"), ("nps_surveys", "occasion"), ("asks", "note"), ("referees", "name"),
                  ("referees", "benefit"), ("referees", "message"), ("referral_events", "note"), ("reference_calls", "note"),
                  ("chat_messages", "body")]:
        assert place in before, place
    customer = login_as(world["customer"])
    response = post_form("/profile/erase", {"password": "wrong password"})
    assert response.status_code == 422 and "That is not your password" in response.text
    assert marker_hits()
    response = post_form("/profile/erase", {"password": "correct horse battery"})
    assert response.status_code == 303 and response.headers["Location"].startswith("/login")
    db.session.expire_all()
    assert marker_hits() == []
    # The session ended: the next page sends them to sign in.
    assert client.get("/profile").status_code == 302
    shell = db.session.get(User, customer.id)
    assert shell.email == f"erased-{customer.id}@invalid" and not shell.is_active and shell.role == "customer"
    assert shell.password_hash is None and shell.referral_code is None


def test_erasure_keeps_the_figures_cancels_open_claims_and_withdraws_consents(db, world):
    customer, reward = world["customer"], world["reward"]
    stock = reward.stock
    figures = _figures(db)
    erase_customer(customer, world["admin"])
    db.session.expire_all()
    after = _figures(db)
    # The claim was cancelled: its points came back through one new ledger row, its unit back into stock.
    assert after["ledger_rows"] == figures["ledger_rows"] + 1 and after["points"] == figures["points"] + 5
    assert after["submissions"] == figures["submissions"] and after["referees"] == figures["referees"]
    assert db.session.scalar(select(Redemption.status).where(Redemption.user_id == customer.id)) == CANCELLED
    assert db.session.get(Reward, reward.id).stock == stock + 1
    quote = db.session.scalar(select(Submission).where(Submission.challenge_id == world["quote"].id))
    assert quote.consent_withdrawn_at is not None and not quote.is_published
    consents = db.session.execute(select(ConsentRecord.kind, ConsentRecord.granted, ConsentRecord.source)
                                  .where(ConsentRecord.user_id == customer.id).order_by(ConsentRecord.id)).all()
    assert consents == [("quote_publication", True, "challenge"), ("case_story", True, "challenge"),
                        ("quote_publication", False, "erasure"), ("case_story", False, "erasure")]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "privacy.erase")).one()
    assert entry.target_id == customer.id and entry.actor_id == world["admin"].id
    assert MARKER.lower() not in (entry.summary + str(entry.details)).lower()


def test_the_bystanders_data_stays(db, world):
    erase_customer(world["customer"], world["admin"])
    db.session.expire_all()
    bystander = db.session.get(User, world["bystander"].id)
    assert bystander.name == "Bea Bystander" and bystander.email == "bea@elders.example"
    imported = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "participants.import")).one()
    assert imported.details["rows"][1] == {"name": "Bea Bystander", "email": "bea@elders.example", "status": "ok"}
    assert imported.details["rows"][0]["name"] == "[…]"


@pytest.mark.parametrize("role", ["marketer", "sales", "admin"])
def test_staff_accounts_are_not_erased_here(db, role):
    with pytest.raises(NotErasable):
        erase_customer(make_user(role), make_user("admin"))


def test_the_admin_erases_a_participant_after_typing_the_word(client, db, world, login_as, post_form):
    login_as(world["admin"])
    customer = world["customer"]
    page = client.get(f"/admin/participants/{customer.id}/erase")
    assert page.status_code == 200 and "Type ERASE to confirm" in page.text
    response = post_form(f"/admin/participants/{customer.id}/erase", {"word": "later"})
    assert response.status_code == 422 and 'value="later"' in response.text
    response = post_form(f"/admin/participants/{customer.id}/erase", {"word": "erase"}, htmx=True)
    assert response.status_code == 204 and response.headers["HX-Redirect"] == "/admin/participants"
    db.session.expire_all()
    assert marker_hits() == []
    assert post_form(f"/admin/participants/{world['manager'].id}/erase", {"word": "ERASE"}).status_code == 404


def test_the_confirmation_page_says_what_goes_and_what_stays(client, db, login_as):
    login_as("customer", locale="nl")
    page = client.get("/profile/erase", headers={"Accept-Language": "nl"})
    assert page.status_code == 200
    assert "Wat blijft" in page.text and "Wat verdwijnt" in page.text
    fragment = client.get("/profile/erase", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text


def test_the_introduction_that_brought_the_customer_in_goes_with_them(app, db):
    introducer, admin = make_user("customer"), make_user("admin")
    customer = make_user("customer", email="cleo@newco.example", name="Cleo Nieuw")
    make_referee(introducer, "Cleo Nieuw", email="cleo@newco.example", email_key="cleo@newco.example",
                 person_key=person_key("Cleo Nieuw", "NewCo"), company="NewCo")
    unrelated = make_referee(introducer, "Dirk Ander", email="dirk@elders.example", email_key="dirk@elders.example")
    with app.test_request_context():  # the audit line is written in the acting admin's language
        erase_customer(customer, admin)
    db.session.expire_all()
    assert [r.id for r in db.session.scalars(select(Referee))] == [unrelated.id]
    assert db.session.scalar(select(func.count(RefereeObjection.key_hash))) == 2  # e-mail and name + company
