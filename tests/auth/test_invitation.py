"""Invitations: a signed, expiring, single-use link to choose a password."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.auth import services
from app.auth.models import User
from app.mail import OutboxMessage
from tests.factories import make_company, make_programme_identity, make_user


def _invite_link(db) -> str:
    message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "invitation")).one()
    return re.search(r"http://portal\.test(/invitation/\S+)", message.body_text).group(1)


def test_create_user_cli_queues_invitation_in_recipients_language(runner, db):
    make_programme_identity(organisation_name="Van Houten Installatietechniek")
    make_company("Acme")
    db.session.commit()
    result = runner.invoke(args=["create-user", "--email", "New@Example.com", "--name", "Nina", "--company", "Acme", "--locale", "en"])
    assert result.exit_code == 0, result.output
    user = User.by_email("new@example.com")
    assert user.password_hash is None and user.invited_at is not None
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.to_address == "new@example.com"
    assert message.subject == "Your invitation to the customer programme of Van Houten Installatietechniek"
    assert message.status == "pending"
    assert "Hello Nina," in message.body_text


def test_dutch_invitation_is_in_dutch(runner, db):
    make_programme_identity(organisation_name="Van Houten Installatietechniek")
    make_company("Acme")
    db.session.commit()
    runner.invoke(args=["create-user", "--email", "nl@example.com", "--name", "Noor", "--company", "Acme"])
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.subject == "Je uitnodiging voor het klantenprogramma van Van Houten Installatietechniek"
    assert "Hallo Noor," in message.body_text


def test_accepting_an_invitation_sets_the_password_and_signs_in(client, db, post_form):
    user = make_user("customer", email="nina@example.com", password=None, name="Nina", locale="en")
    services.invite(user)
    db.session.commit()
    link = _invite_link(db)
    page = client.get(link)
    assert page.status_code == 200 and "Welcome, Nina" in page.text
    response = post_form(link, {"password": "a long walk on the beach", "confirm": "a long walk on the beach"})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    db.session.refresh(user)
    assert user.check_password("a long walk on the beach")
    # The link works once.
    assert client.get(link).status_code == 404


def test_invitation_with_bad_input_explains_and_stays(client, db, post_form):
    user = make_user("customer", email="nina@example.com", password=None, locale="en")
    services.invite(user)
    db.session.commit()
    link = _invite_link(db)
    short = post_form(link, {"password": "short", "confirm": "short"})
    assert short.status_code == 422 and "Use between 10 and 128 characters." in short.text
    mismatch = post_form(link, {"password": "a long walk on the beach", "confirm": "a long walk on the sand"})
    assert mismatch.status_code == 422 and "The two passwords are not the same." in mismatch.text
    own_email = post_form(link, {"password": "nina@example.com", "confirm": "nina@example.com"})
    assert own_email.status_code == 422 and "Do not use your e-mail address" in own_email.text
    htmx = post_form(link, {"password": "", "confirm": ""}, htmx=True)
    assert htmx.status_code == 422 and "<html" not in htmx.text and "Choose a password." in htmx.text
    db.session.refresh(user)
    assert user.password_hash is None


def test_expired_invitation_says_so(app, client, db, monkeypatch):
    user = make_user("customer", email="late@example.com", password=None, locale="en")
    services.invite(user)
    db.session.commit()
    link = _invite_link(db)
    monkeypatch.setitem(app.config, "INVITATION_MAX_AGE", -1)
    response = client.get(link, headers={"Accept-Language": "en"})
    assert response.status_code == 410
    assert "The link has expired" in response.text


@pytest.mark.parametrize("token", ["nonsense", "a" * 3000, "eyJ1aWQiOiIxIn0.x.y", "%00"])
def test_tampered_invitation_is_refused(client, db, token):
    assert client.get(f"/invitation/{token}").status_code == 404


def test_invitation_for_someone_else_cannot_be_forged(app, client, db):
    from itsdangerous import URLSafeTimedSerializer

    user = make_user("admin", email="root@example.com", password=None)
    db.session.commit()
    forged = URLSafeTimedSerializer("wrong-key", salt=services.INVITE_SALT).dumps({"uid": user.id, "sv": 1})
    assert client.get(f"/invitation/{forged}").status_code == 404
    # A reset token is not an invitation token.
    with app.test_request_context():
        reset = services.make_token(user, services.RESET_SALT)
    assert client.get(f"/invitation/{reset}").status_code == 404


@pytest.mark.parametrize(
    "args,message",
    [
        (["--email", "x@example.com", "--name", "X"], "A customer belongs to a company"),
        (["--email", "x@example.com", "--name", "X", "--company", "New BV"], "--account-manager"),
        (["--email", "not-an-email", "--name", "X", "--role", "marketer"], "valid e-mail"),
        (["--email", "dup@example.com", "--name", "X", "--role", "marketer"], "already an account"),
        (["--email", "y@example.com", "--name", "Y", "--role", "sales", "--manager", "nobody@example.com"], "--manager"),
    ],
)
def test_create_user_cli_rejects_bad_input(runner, db, args, message):
    make_user("marketer", email="dup@example.com")
    db.session.commit()
    result = runner.invoke(args=["create-user", *args])
    assert result.exit_code == 2
    assert message in result.output


def test_create_user_cli_with_new_company_and_password(runner, db):
    make_user("sales", email="am@example.com")
    db.session.commit()
    result = runner.invoke(args=["create-user", "--email", "c@example.com", "--name", "C", "--company", "New BV",
                                 "--account-manager", "am@example.com", "--password", "a fine long password"])
    assert result.exit_code == 0, result.output
    user = User.by_email("c@example.com")
    assert user.company.name == "New BV" and user.company.account_manager.email == "am@example.com"
    assert user.check_password("a fine long password")
    assert db.session.scalars(select(OutboxMessage)).all() == []
