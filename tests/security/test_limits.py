"""Limits behind a proxy, per address and per account, with the counters in Redis (as production
runs them): one client cannot lock everyone out, and one account cannot be guessed at from many
addresses. A lockout looks the same for an account that exists and one that does not."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from app.auth.models import User
from app.extensions import db
from app.mail import OutboxMessage
from app.referrals.models import ShareClick
from tests.factories import PASSWORD
from tests.security.conftest import production_csrf

LIMITS = {"LOGIN_RATE_LIMIT": "10 per minute", "LOGIN_ACCOUNT_RATE_LIMIT": "10 per 15 minutes",
          "PUBLIC_FORM_RATE_LIMIT": "10 per minute", "RESET_ACCOUNT_RATE_LIMIT": "3 per 15 minutes",
          "RESET_REQUEST_MIN_SECONDS": "0"}


@pytest.fixture
def stack(production_app, redis_db):
    """`start(proxies)`: a production app behind `proxies` reverse proxies, with two accounts."""

    def start(proxies: int = 1):
        app = production_app(PROXY_COUNT=str(proxies), **LIMITS)
        with app.app_context():
            for email in ("kees@example.com", "anna@example.com"):
                db.session.add(User(email=email, name=email, role="customer", password_hash=generate_password_hash(PASSWORD)))
            db.session.commit()
        return app

    return start


def attempt(app, client, email, password, forwarded_for=None, path="/login"):
    headers = {"Host": "portal.test", "Accept-Language": "en", "Referer": f"https://portal.test{path}"}
    if forwarded_for:
        headers["X-Forwarded-For"] = forwarded_for
    data = {"email": email, "password": password, "csrf_token": production_csrf(app, client)}
    return client.post(path, data=data, headers=headers)


def test_behind_the_proxy_one_clients_failures_do_not_block_another(stack, redis_db):
    app = stack(proxies=1)
    mallory, kees = app.test_client(), app.test_client()
    # Mallory guesses at many accounts from one address, until her address is refused.
    codes = [attempt(app, mallory, f"guess{n}@example.com", "wrong", "203.0.113.66").status_code for n in range(11)]
    assert codes == [422] * 10 + [429]
    # Kees, behind the same proxy (the same socket address) but another client address, signs in.
    assert attempt(app, kees, "kees@example.com", PASSWORD, "198.51.100.7").status_code == 303
    # A client cannot choose its address by prepending one: the proxy's own entry is the last.
    spoofed = attempt(app, mallory, "guess@example.com", "wrong", "198.51.100.99, 203.0.113.66")
    assert spoofed.status_code == 429
    assert any(key.startswith(b"LIMITS") or b"auth.login" in key for key in redis_db.keys("*"))


def test_control_without_proxy_settings_everyone_shares_the_proxys_address(stack):
    """Proves the test above depends on PROXY_COUNT: without it, every client is the proxy."""
    app = stack(proxies=0)
    mallory, kees = app.test_client(), app.test_client()
    for n in range(10):
        assert attempt(app, mallory, f"guess{n}@example.com", "wrong", "203.0.113.66").status_code == 422
    assert attempt(app, kees, "kees@example.com", PASSWORD, "198.51.100.7").status_code == 429


@pytest.mark.parametrize("email", ["kees@example.com", "nobody@example.com"])
def test_ten_failures_from_ten_addresses_lock_the_account(stack, email):
    app = stack(proxies=1)
    client = app.test_client()
    for n in range(10):
        assert attempt(app, client, email, f"wrong-{n}", f"192.0.2.{n + 1}").status_code == 422
    # The eleventh try, from yet another address and even with the right password: refused.
    locked = attempt(app, client, email.upper(), PASSWORD, "192.0.2.200")
    assert locked.status_code == 429
    assert "Too many attempts" in locked.text
    # Another account from those same addresses is not affected.
    assert attempt(app, app.test_client(), "anna@example.com", PASSWORD, "192.0.2.1").status_code == 303


def test_the_lockout_page_is_the_same_for_known_and_unknown_accounts(stack):
    app = stack(proxies=1)
    pages = {}
    for email in ("kees@example.com", "nobody@example.com"):
        client = app.test_client()
        for n in range(10):
            attempt(app, client, email, "wrong", f"192.0.2.{n + 1}")
        pages[email] = attempt(app, client, email, "wrong", "192.0.2.100")
    known, unknown = pages["kees@example.com"], pages["nobody@example.com"]
    assert known.status_code == unknown.status_code == 429
    # The same wait, give or take the second that passed between the two runs on a busy machine.
    assert abs(int(known.headers["Retry-After"]) - int(unknown.headers["Retry-After"])) <= 1
    token = re.compile(r'value="[^"]*"|"X-CSRFToken": "[^"]+"')
    assert token.sub("", known.text) == token.sub("", unknown.text)


def test_successful_sign_ins_do_not_count_towards_the_account_limit(stack):
    app = stack(proxies=1)
    for n in range(12):
        assert attempt(app, app.test_client(), "kees@example.com", PASSWORD, f"192.0.2.{n + 1}").status_code == 303


@pytest.mark.parametrize("email", ["kees@example.com", "nobody@example.com"])
def test_password_reset_requests_are_limited_per_account(stack, email):
    app = stack(proxies=1)
    client = app.test_client()
    codes = [attempt(app, client, email, "", f"192.0.2.{n + 1}", path="/password/forgot").status_code
             for n in range(4)]
    assert codes == [200, 200, 200, 429]
    with app.app_context():
        sent = db.session.scalars(select(OutboxMessage)).all()
    assert len(sent) == (3 if email.startswith("kees") else 0)
    # Another account is not affected.
    assert attempt(app, client, "anna@example.com", "", "192.0.2.1", path="/password/forgot").status_code == 200


def test_with_redis_counters_a_visitor_counts_once_a_day(production_app, redis_db):
    """Link opens (/r/<code>) de-duplicate in the limit storage: in Redis, shared by every worker."""
    app = production_app(LINK_OPEN_RATE_LIMIT="100 per minute", PROXY_COUNT="1")
    with app.app_context():
        db.session.add(User(email="anouk@example.com", name="Anouk", role="customer", referral_code="anouk-code-1",
                            password_hash=generate_password_hash("x")))
        db.session.commit()
    for worker in (app.test_client(), app.test_client()):
        for _ in range(2):
            response = worker.get("/r/anouk-code-1?c=email", headers={
                "Host": "portal.test", "User-Agent": "Firefox", "X-Forwarded-For": "198.51.100.1"})
            assert response.status_code == 200
    app.test_client().get("/r/anouk-code-1?c=email", headers={
        "Host": "portal.test", "User-Agent": "Firefox", "X-Forwarded-For": "198.51.100.2"})
    with app.app_context():
        assert db.session.scalar(select(func.count(ShareClick.id))) == 2
    assert len([key for key in redis_db.keys("*") if b"link-open/anouk-code-1/email/" in key]) == 2
