"""Links in e-mails and pages come from BASE_URL, never from the request's Host header; in
production another Host gets a 400 (Flask's TRUSTED_HOSTS, from BASE_URL's host)."""
from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import select

from app.auth.models import User
from app.extensions import db as _db
from app.mail import OutboxMessage
from tests.conftest import csrf_token
from tests.factories import make_challenge, make_company, make_level, make_user
from tests.security.conftest import production_csrf

EVIL = "http://evil.example"
URL = re.compile(r"https?://[^\s\"'<>]+")


def links_in_outbox(db) -> list[str]:
    bodies = [m.body_text for m in db.session.scalars(select(OutboxMessage))]  # the HTML part is made from it
    return [link for body in bodies for link in URL.findall(body)]


def only_base_url(links: list[str], base: str = "http://portal.test/") -> None:
    assert links, "expected links"
    strays = [link for link in links if not link.startswith(base)]
    assert strays == []
    assert not any("evil.example" in link for link in links)


def post_as_evil(app, client, url, data, headers=None):
    """POST with `Host: evil.example` (the session cookie still goes along, as an attacker's own would)."""
    data = {**data, "csrf_token": csrf_token(app, client)}
    session = client.get_cookie("session", domain="portal.test")
    client.set_cookie("session", session.value, domain="evil.example")
    return client.post(url, data=data, headers={"Host": "evil.example", **(headers or {})})


def test_reset_mail_link_ignores_the_host_header(app, client, db):
    make_user("customer", email="kees@example.com")
    db.session.commit()
    response = post_as_evil(app, client, "/password/forgot", {"email": "kees@example.com"},
                            headers={"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    only_base_url(links_in_outbox(db))


def test_invitation_mail_link_ignores_the_host_header(app, client, db, login_as):
    login_as("admin")
    make_user("sales", email="am@example.com")
    db.session.commit()
    from app.auth import services

    with app.test_request_context("/", base_url=EVIL):
        services.invite(make_user("customer", email="new@example.com", password=None))
    only_base_url(links_in_outbox(db))


def test_referee_mails_and_preview_ignore_the_host_header(app, client, db, login_as):
    level = make_level(3)
    referral = make_challenge(level, "referral", points=100)
    share = make_challenge(level, "share", points=10)
    manager = make_user("sales", email="am@example.com")
    referrer = login_as("customer", email="anouk@zorggroep.example", name="Anouk Jansen", locale="en",
                        company=make_company("Zorggroep Oost", account_manager=manager))
    db.session.commit()
    intro = {"name": "Anna de Vries", "company": "Bouwbedrijf Noord", "role": "Director", "route": "contact",
             "may_mention": "y", "message_locale": "en",
             "benefit": "They plan their crews in spreadsheets, exactly as we did."}
    # The preview's objection link and the share kit's links are on pages, from BASE_URL too.
    preview = post_as_evil(app, client, f"/challenges/{referral.id}", intro)
    assert preview.status_code == 200
    only_base_url(URL.findall(re.search(r'<pre class="outreach-message">(.*?)</pre>', preview.text, re.S).group(1)))
    sealed = re.search(r'name="token" value="([^"]+)"', preview.text).group(1)
    stored = post_as_evil(app, client, f"/challenges/{referral.id}", {**intro, "token": sealed, "approved": "1"})
    assert stored.status_code == 303
    kit = client.get(f"/challenges/{share.id}", headers={"Host": "evil.example"}).text
    assert "evil.example" not in kit and f"http://portal.test/r/{referrer.referral_code}" in kit

    # The landing form of the customer's link: the confirmation mail's confirm and objection links.
    visitor = app.test_client()
    signed_up = post_as_evil(app, visitor, f"/r/{referrer.referral_code}?c=email",
                             {"name": "Bert Bos", "company": "Bos Bouw", "email": "bert@bosbouw.example",
                              "need": "We plan our crews in spreadsheets and lose hours every week.", "consent": "y"})
    assert signed_up.status_code == 200, signed_up.text
    links = links_in_outbox(db)
    assert any("/r/confirm/" in link for link in links) and any("/r/object/" in link for link in links)
    only_base_url(links)


def test_links_outside_a_request_come_from_base_url(app, db, monkeypatch):
    from app.urls import external_url

    monkeypatch.setitem(app.config, "BASE_URL", "https://ambassadors.example.com/portal")
    assert external_url("auth.login") == "https://ambassadors.example.com/portal/login"
    with app.test_request_context("/", base_url=EVIL):
        assert external_url("referrals.mine", _anchor="referee-3") == \
            "https://ambassadors.example.com/portal/referrals#referee-3"


@pytest.mark.parametrize("path", ["/password/forgot", "/login", "/r/abc"])
def test_production_answers_400_to_another_host(production_app, redis_db, caplog, path):
    app = production_app()
    client = app.test_client()
    with caplog.at_level(logging.WARNING, logger="app.security"):
        refused = client.post(path, data={"email": "kees@example.com"}, base_url=EVIL,
                              headers={"Accept-Language": "en"})
    assert refused.status_code == 400
    assert "Content-Security-Policy" in refused.headers  # the app's own error page
    assert "event=input_validation_fail:(host)" in caplog.text
    with app.app_context():
        assert _db.session.scalars(select(OutboxMessage)).all() == []
    assert client.get("/login", base_url="http://portal.test").status_code == 200
    assert client.get("/login", base_url=EVIL).status_code == 400


def test_production_trusts_listed_hosts_and_links_still_use_base_url(production_app, redis_db):
    app = production_app(TRUSTED_HOSTS="www.portal.test")
    with app.app_context():
        _db.session.add(User(email="kees@example.com", name="Kees", role="customer", password_hash="x"))
        _db.session.commit()
    client = app.test_client()
    response = client.post("/password/forgot", base_url="http://www.portal.test",
                           data={"email": "kees@example.com",
                                 "csrf_token": production_csrf(app, client, "www.portal.test")})
    assert response.status_code == 200
    with app.app_context():
        [message] = _db.session.scalars(select(OutboxMessage)).all()
        only_base_url(URL.findall(message.body_text), base="https://portal.test/password/reset/")
