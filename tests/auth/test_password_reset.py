"""Password reset by e-mail."""
from __future__ import annotations

import re

from sqlalchemy import select

from app.mail import OutboxMessage
from tests.factories import PASSWORD, make_programme_identity, make_user


def _reset_link(db) -> str:
    message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "password_reset")).one()
    return re.search(r"http://portal\.test(/password/reset/\S+)", message.body_text).group(1)


def test_reset_request_queues_mail_and_answers_the_same_for_unknown(client, db, post_form):
    make_user("customer", email="kees@example.com", locale="nl")
    make_programme_identity(organisation_name="Van Houten Installatietechniek")
    db.session.commit()
    known = post_form("/password/forgot", {"email": "KEES@example.com"}, headers={"Accept-Language": "en"})
    unknown = post_form("/password/forgot", {"email": "ghost@example.com"}, headers={"Accept-Language": "en"})
    assert known.status_code == unknown.status_code == 200
    assert "If there is an account for KEES@example.com" in known.text
    assert "If there is an account for ghost@example.com" in unknown.text
    messages = db.session.scalars(select(OutboxMessage)).all()
    assert [m.to_address for m in messages] == ["kees@example.com"]
    assert messages[0].subject == "Kies een nieuw wachtwoord voor je account bij Van Houten Installatietechniek"


def test_reset_request_bad_input_keeps_what_was_typed(client, db, post_form):
    response = post_form("/password/forgot", {"email": "not an address"}, headers={"Accept-Language": "nl"})
    assert response.status_code == 422
    assert 'value="not an address"' in response.text
    assert "Vul een geldig e-mailadres in" in response.text
    htmx = post_form("/password/forgot", {"email": ""}, htmx=True)
    assert htmx.status_code == 422 and "<html" not in htmx.text


def test_reset_link_sets_new_password_and_ends_other_sessions(app, client, db, post_form):
    user = make_user("customer", email="kees@example.com", locale="en")
    db.session.commit()
    other_device = app.test_client()
    with other_device.session_transaction() as session:
        session["_user_id"] = user.get_id()
    assert other_device.get("/").status_code == 200
    post_form("/password/forgot", {"email": "kees@example.com"})
    link = _reset_link(db)
    assert client.get(link).status_code == 200
    response = post_form(link, {"password": "a new and long password", "confirm": "a new and long password"})
    assert response.status_code == 303
    assert client.get("/").status_code == 200
    assert other_device.get("/").status_code == 302
    db.session.refresh(user)
    assert user.check_password("a new and long password") and not user.check_password(PASSWORD)
    assert client.get(link).status_code == 404  # used once


def test_reset_with_bad_input_keeps_the_old_password(client, db, post_form):
    user = make_user("customer", email="kees@example.com", locale="en")
    db.session.commit()
    post_form("/password/forgot", {"email": "kees@example.com"})
    link = _reset_link(db)
    response = post_form(link, {"password": "abcabcabcabc", "confirm": "abcabcabcabc"})
    assert response.status_code == 422 and "too easy to guess" in response.text
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


def test_inactive_user_gets_no_reset_mail(client, db, post_form):
    make_user("customer", email="gone@example.com", is_active=False)
    db.session.commit()
    assert post_form("/password/forgot", {"email": "gone@example.com"}).status_code == 200
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_reset_request_is_rate_limited(app, client, db, monkeypatch):
    from app.extensions import limiter
    from tests.conftest import csrf_token

    monkeypatch.setitem(app.config, "PUBLIC_FORM_RATE_LIMIT", "2 per minute")
    limiter.reset()
    try:
        codes = [
            client.post("/password/forgot", headers={"Accept-Language": "en"},
                        data={"email": "a@example.com", "csrf_token": csrf_token(app, client)}).status_code
            for _ in range(3)
        ]
        assert codes == [200, 200, 429]
    finally:
        limiter.reset()
