"""No input produces a 500: every form endpoint gets hostile input, with and without htmx."""
from __future__ import annotations

import pytest

from app.auth import services
from tests.conftest import HX
from tests.factories import make_user

NASTY = [
    {},
    {"email": "", "password": "", "locale": "", "confirm": "", "next": ""},
    {"email": "a" * 100_000, "password": "b" * 100_000, "locale": "c" * 10_000, "confirm": "d"},
    {"email": "\x00", "password": "\x00", "locale": "\x00", "confirm": "\x00", "next": "\x00"},
    {"email": "<script>alert(1)</script>@x.nl", "password": "' OR 1=1 --", "locale": "en'--", "next": "//evil"},
    {"email": "ünïcødé@bücher.de", "password": "🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑", "confirm": "🔑", "locale": "nl\n"},
    {"email": ["a@b.nl", "c@d.nl"], "password": ["x", "y"], "locale": ["nl", "en"], "remember": ["y", "n"]},
]


def _post_endpoints(app, db):
    user = make_user("customer", password=None, email="fuzz@example.com")
    db.session.commit()
    with app.test_request_context():
        invite = services.make_token(user, services.INVITE_SALT)
        reset = services.make_token(user, services.RESET_SALT)
    return ["/login", "/language", "/password/forgot", f"/invitation/{invite}", f"/password/reset/{reset}", "/logout"]


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("payload", range(len(NASTY)))
def test_hostile_input_never_gives_a_server_error(app, client, db, post_form, login_as, payload, htmx):
    for url in _post_endpoints(app, db):
        response = post_form(url, NASTY[payload], htmx=htmx)
        assert response.status_code < 500, (url, response.status_code)
        if response.status_code == 422 and htmx:
            assert "<html" not in response.text
        if response.status_code == 422:
            # Rendered as text, never as markup.
            assert "<script>alert(1)</script>" not in response.text


def test_raw_undecodable_body_on_every_form(app, client, db, csrf):
    for url in _post_endpoints(app, db):
        body = f"email=%ff%00&password=%c3%28&locale=%fe&csrf_token={csrf()}".encode()
        response = client.post(url, data=body, content_type="application/x-www-form-urlencoded")
        assert response.status_code < 500, url


def test_invitation_form_in_english_keeps_the_page_and_says_why(client, db, post_form):
    user = make_user("customer", password=None, locale="en", email="nina@example.com")
    db.session.commit()
    from flask import current_app

    with current_app.test_request_context():
        link = f"/invitation/{services.make_token(user, services.INVITE_SALT)}"
    response = post_form(link, {"password": "x", "confirm": "y"}, headers=HX)
    assert response.status_code == 422
    assert "Use between 10 and 128 characters." in response.text
    assert "The two passwords are not the same." in response.text
