"""Signing in and out."""
from __future__ import annotations

import pytest

from app.auth.models import User
from tests.conftest import HX, csrf_token
from tests.factories import PASSWORD, make_user


def _login(post_form, email, password=PASSWORD, **extra):
    return post_form("/login", {"email": email, "password": password, **extra})


def test_login_lands_customer_on_home_in_their_language(client, db, post_form):
    make_user("customer", email="kees@example.com", locale="nl", name="Kees")
    db.session.commit()
    response = _login(post_form, "  Kees@Example.com ")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    page = client.get("/")
    assert '<html lang="nl">' in page.text
    assert "Welkom, Kees" in page.text


def test_english_customer_sees_english(client, db, post_form):
    make_user("customer", email="claire@example.com", locale="en", name="Claire")
    db.session.commit()
    _login(post_form, "claire@example.com")
    page = client.get("/")
    assert '<html lang="en">' in page.text
    assert "Welcome, Claire" in page.text


@pytest.mark.parametrize("role,target", [("marketer", "/admin"), ("sales", "/sales"), ("admin", "/admin")])
def test_staff_land_on_their_workspace(client, db, post_form, role, target):
    make_user(role, email=f"{role}@example.com")
    db.session.commit()
    _login(post_form, f"{role}@example.com")
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == target
    assert client.get(target).status_code == 200


def test_unknown_user_and_wrong_password_get_the_same_answer(client, db, post_form):
    make_user("customer", email="known@example.com")
    db.session.commit()
    unknown = _login(post_form, "nobody@example.com", "whatever-password")
    wrong = _login(post_form, "known@example.com", "whatever-password")
    assert unknown.status_code == wrong.status_code == 422
    strip = lambda r, email: r.text.replace(email, "EMAIL")  # noqa: E731
    body_unknown = strip(unknown, "nobody@example.com")
    body_wrong = strip(wrong, "known@example.com")
    # Same page apart from the per-request CSRF token.
    import re

    token = re.compile(r'(csrf_token" type="hidden" value="|value=")[^"]+"|"X-CSRFToken": "[^"]+"')
    assert token.sub("", body_unknown) == token.sub("", body_wrong)


def test_inactive_or_invited_user_cannot_sign_in(client, db, post_form):
    make_user("customer", email="gone@example.com", is_active=False)
    make_user("customer", email="invited@example.com", password=None)
    db.session.commit()
    assert _login(post_form, "gone@example.com").status_code == 422
    assert _login(post_form, "invited@example.com", "").status_code == 422
    assert client.get("/").status_code == 302


def test_bad_input_comes_back_with_message_and_typed_email(client, db, post_form):
    response = _login(post_form, "typed@example.com", "")
    assert response.status_code == 422
    assert 'value="typed@example.com"' in response.text
    assert "Vul je wachtwoord in." in response.text
    assert 'aria-invalid="true"' in response.text


def test_bad_input_in_english_for_an_english_browser(client, db, post_form):
    response = post_form("/login", {"email": "", "password": ""}, headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert response.status_code == 422
    assert "Enter your e-mail address." in response.text


@pytest.mark.parametrize(
    "data",
    [
        {"email": "x" * 5000, "password": "y" * 5000},
        {"email": "\x00\x01", "password": "\ufffd"},
        {"email": ["a@b.c", "d@e.f"], "password": "p"},
        {"remember": "maybe", "next": "javascript:alert(1)"},
    ],
)
def test_odd_input_never_breaks_login(client, db, post_form, data):
    response = post_form("/login", data)
    assert response.status_code == 422


def test_undecodable_bytes_never_break_login(client, db, csrf):
    body = f"email=%ff%fe%00&password=%c3%28&csrf_token={csrf()}".encode()
    response = client.post("/login", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 422


def test_htmx_login_error_returns_fragment_with_422(client, db, post_form):
    response = post_form("/login", {"email": "a@b.com", "password": "nope"}, htmx=True)
    assert response.status_code == 422
    assert "<html" not in response.text
    assert 'id="login-card"' in response.text
    assert "HX-Request" in response.headers["Vary"]


def test_htmx_login_success_redirects_with_full_page_load(client, db, post_form):
    make_user("customer", email="kees@example.com")
    db.session.commit()
    response = post_form("/login", {"email": "kees@example.com", "password": PASSWORD}, htmx=True, boosted=True)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/"


@pytest.mark.parametrize(
    "next_url,expected",
    [
        ("/admin?page=2", "/admin?page=2"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
    ],
)
def test_next_redirect_only_to_this_site(client, db, post_form, next_url, expected):
    make_user("marketer", email="m@example.com")
    db.session.commit()
    response = _login(post_form, "m@example.com", next=next_url)
    assert response.headers["Location"] == expected


def test_login_page_carries_next_from_query(client, db):
    response = client.get("/login?next=/sales")
    assert 'name="next" type="hidden" value="/sales"' in response.text


def test_session_is_cleared_at_login(client, db, post_form):
    make_user("customer", email="kees@example.com")
    db.session.commit()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    _login(post_form, "kees@example.com")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"]


def test_logout_ends_the_session_and_a_replayed_cookie_does_not_work(client, db, post_form):
    make_user("customer", email="kees@example.com")
    db.session.commit()
    _login(post_form, "kees@example.com")
    assert client.get("/").status_code == 200
    stolen = client.get_cookie("session", domain="portal.test").value
    response = post_form("/logout")
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302
    client.set_cookie("session", stolen, domain="portal.test")
    replay = client.get("/")
    assert replay.status_code == 302 and replay.headers["Location"].startswith("/login")


def test_logout_needs_post_with_csrf(client, db, login_as):
    login_as("customer")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200


def test_htmx_logout_redirects_to_login(client, db, login_as, post_form):
    login_as("customer")
    response = post_form("/logout", htmx=True)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/login"


def test_remember_me_sets_a_cookie_that_survives_the_session(client, db, post_form):
    make_user("customer", email="kees@example.com")
    db.session.commit()
    _login(post_form, "kees@example.com", remember="y")
    remember = client.get_cookie("remember_token", domain="portal.test")
    assert remember is not None and remember.http_only
    client.delete_cookie("session", domain="portal.test")
    assert client.get("/").status_code == 200


def test_password_change_ends_remembered_sessions(client, db, post_form):
    user = make_user("customer", email="kees@example.com")
    db.session.commit()
    _login(post_form, "kees@example.com", remember="y")
    client.delete_cookie("session", domain="portal.test")
    user.set_password("a brand new passphrase")
    db.session.commit()
    assert client.get("/").status_code == 302


def test_login_is_rate_limited(app, client, db, monkeypatch):
    from app.extensions import limiter

    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per minute")
    limiter.reset()
    try:
        codes = []
        for _ in range(5):
            codes.append(client.post("/login", headers={"Accept-Language": "en"},
                                     data={"email": "a@b.com", "password": "x", "csrf_token": csrf_token(app, client)}).status_code)
        limited = client.post("/login", headers={**HX, "Accept-Language": "en"},
                              data={"email": "a@b.com", "password": "x", "csrf_token": csrf_token(app, client)})
        assert codes == [422, 422, 422, 429, 429]
        assert limited.status_code == 429
        assert "Too many attempts" in limited.text and "<html" not in limited.text
        assert limited.headers.get("Retry-After")
        assert client.get("/login").status_code == 200  # only POST counts
    finally:
        limiter.reset()


def test_user_email_is_unique_after_normalising(db):
    import sqlalchemy.exc

    make_user("customer", email="same@example.com")
    db.session.commit()
    db.session.add(User(email="same@example.com", name="Twin", role="customer"))
    with pytest.raises(sqlalchemy.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()
