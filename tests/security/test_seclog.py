"""Security events go to the "app.security" log in OWASP's vocabulary, one line each: input cannot
forge a line, and passwords and tokens never appear."""
from __future__ import annotations

import logging

import pytest

from app import seclog
from tests.factories import PASSWORD, make_user


@pytest.fixture
def security_log(caplog):
    caplog.set_level(logging.INFO, logger="app.security")
    return lambda: [r.getMessage() for r in caplog.records if r.name == "app.security"]


def test_escape_keeps_an_event_on_one_line():
    assert seclog.escape("a\nb\rc\td\\e\x00f\x1b\u2028") == "a\\nb\\rc\\td\\\\e\\x00f\\x1b\\x2028"
    assert len(seclog.escape("x" * 1000)) == seclog.MAX_VALUE


def test_failed_sign_ins_are_logged_with_newlines_escaped(client, db, post_form, security_log):
    make_user("customer", email="kees@example.com", is_active=False)
    db.session.commit()
    forged = "nobody@example.com\nevent=authn_login_success:admin@example.com"
    post_form("/login", {"email": forged, "password": "secret-typed-password"})
    post_form("/login", {"email": "kees@example.com", "password": PASSWORD})
    lines = security_log()
    assert len(lines) == 2 and all("\n" not in line and "\r" not in line for line in lines)
    assert lines[0].startswith("event=authn_login_fail:nobody@example.com\\nevent=authn_login_success")
    assert "reason=unknown" in lines[0] and "ip=127.0.0.1" in lines[0] and "endpoint=auth.login" in lines[0]
    assert lines[1].startswith("event=authn_login_fail:kees@example.com ") and "reason=inactive" in lines[1]
    assert not any("secret-typed-password" in line or PASSWORD in line for line in lines)


def test_access_denied_is_logged(client, db, login_as, security_log):
    user = login_as("customer")
    assert client.get("/admin").status_code == 403
    [line] = security_log()
    assert line.startswith(f"event=authz_fail:{user.id},workspaces.") and f"user={user.id}" in line


def test_csrf_failure_is_logged(client, db, security_log):
    assert client.post("/login", data={"email": "a@b.com", "password": "x"}).status_code == 400
    [line] = security_log()
    assert line.startswith("event=input_validation_fail:(csrf_token),anonymous") and "endpoint=auth.login" in line


def test_bad_reset_and_invitation_links_are_logged_without_the_token(client, db, security_log):
    token = "eyJ1aWQiOjF9.forged-token-value"
    assert client.get(f"/password/reset/{token}").status_code == 404
    assert client.get(f"/invitation/{token}").status_code == 404
    assert client.get("/r/object/abcdefghijklmnopqrstuvwx").status_code == 200  # "nothing of yours here"
    lines = security_log()
    assert [line.split(" ")[0] for line in lines] == [
        "event=authn_token_invalid:reset,invalid", "event=authn_token_invalid:invitation,invalid",
        "event=authn_token_invalid:referee,invalid"]
    assert not any("forged-token-value" in line or "abcdefghijklmnop" in line for line in lines)


def test_a_used_reset_link_is_logged(app, client, db, post_form, security_log):
    from app.auth import services

    user = make_user("customer", email="kees@example.com")
    db.session.commit()
    token = services.make_token(user, services.RESET_SALT)
    user.set_password("a brand new password")
    db.session.commit()
    assert client.get(f"/password/reset/{token}").status_code == 404
    assert security_log()[-1].startswith("event=authn_token_invalid:reset,invalid")


def test_a_rate_limit_hit_is_logged(app, client, db, post_form, monkeypatch, security_log):
    from app.extensions import limiter

    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_RATE_LIMIT", "2 per minute")
    limiter.reset()
    try:
        codes = [post_form("/login", {"email": "locked@example.com", "password": "wrong"}).status_code
                 for _ in range(3)]
    finally:
        limiter.reset()
    assert codes == [422, 422, 429]
    lines = security_log()
    assert any(line.startswith("event=authn_login_lock:locked@example.com ") for line in lines)
    [hit] = [line for line in lines if line.startswith("event=excess_rate_limit_exceeded:")]
    assert "2 per 1 minute" in hit and "locked@example.com" not in hit  # the counter key is hashed
