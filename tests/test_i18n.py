"""Language: the user's choice, then the cookie, then the browser, then Dutch; catalogs complete."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.conftest import HX
from tests.factories import make_user

ROOT = Path(__file__).resolve().parent.parent
NL_PO = ROOT / "translations" / "nl" / "LC_MESSAGES" / "messages.po"


def test_default_is_dutch(client, db):
    assert '<html lang="nl">' in client.get("/login").text


def test_browser_language_is_used_for_visitors(client, db):
    page = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.8"})
    assert '<html lang="en">' in page.text and "Welcome back" in page.text
    assert '<html lang="nl">' in client.get("/login", headers={"Accept-Language": "fr"}).text


def test_cookie_beats_browser_and_user_setting_beats_cookie(client, db, login_as):
    client.set_cookie("locale", "en", domain="portal.test")
    assert '<html lang="en">' in client.get("/login", headers={"Accept-Language": "nl"}).text
    login_as("customer", locale="nl")
    assert '<html lang="nl">' in client.get("/").text


def test_language_switch_without_javascript(client, db, post_form):
    response = post_form("/language", {"locale": "en", "next": "/password/forgot"})
    assert response.status_code == 303 and response.headers["Location"] == "/password/forgot"
    assert client.get_cookie("locale", domain="portal.test").value == "en"
    assert '<html lang="en">' in client.get("/password/forgot").text


def test_language_switch_with_htmx_reloads_the_whole_page(client, db, post_form):
    response = post_form("/language", {"locale": "en", "next": "/login"}, htmx=True, boosted=True)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/login"


def test_language_switch_is_saved_on_the_account(client, db, login_as, post_form):
    user = login_as("customer", locale="nl")
    post_form("/language", {"locale": "en", "next": "/"})
    db.session.refresh(user)
    assert user.locale == "en"
    client.delete_cookie("locale", domain="portal.test")
    assert '<html lang="en">' in client.get("/").text


@pytest.mark.parametrize("data", [{"locale": "fr"}, {"locale": ""}, {"locale": "x" * 10000}, {}])
def test_unknown_language_gets_a_clear_message(client, db, post_form, data):
    response = post_form("/language", data)
    assert response.status_code == 422
    assert "Kies Nederlands of English." in response.text or "Kies een taal." in response.text
    htmx = post_form("/language", data, htmx=True)
    assert htmx.status_code == 422 and "<html" not in htmx.text


def test_unsafe_next_after_switch_goes_home(client, db, post_form):
    response = post_form("/language", {"locale": "en", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_every_page_has_the_switch(client, db, login_as):
    assert 'action="/language"' in client.get("/login").text
    login_as("sales")
    assert 'action="/language"' in client.get("/sales").text


def _catalog(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def test_dutch_catalog_is_complete_and_not_fuzzy():
    catalog = _catalog(NL_PO)
    untranslated = [m.id for m in catalog if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == [], f"untranslated Dutch entries: {untranslated}"
    assert fuzzy == [], f"fuzzy Dutch entries: {fuzzy}"


def test_catalog_matches_the_strings_in_code_and_templates(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
         "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(pot) if m.id}
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(NL_PO) if m.id}
    missing = sorted(extracted - known)
    assert missing == [], f"run `make translations` and translate: {missing}"
    obsolete = sorted(known - extracted)
    assert obsolete == [], f"no longer used anywhere; run `make translations` to drop them: {obsolete}"
    assert len(extracted) > 100  # the extractor really saw the templates


def test_mail_goes_out_in_the_recipients_language(app, db):
    from app.auth import services
    from app.mail import OutboxMessage

    nl = make_user("customer", locale="nl", password=None, name="Noor")
    en = make_user("customer", locale="en", password=None, name="Nina")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        services.invite(nl)
        services.invite(en)
    db.session.commit()
    by_to = {m.to_address: m for m in db.session.query(OutboxMessage)}
    assert by_to[nl.email].body_text.startswith("Hallo Noor,")
    assert by_to[en.email].body_text.startswith("Hello Nina,")


def test_error_pages_follow_the_language(client, db, login_as):
    login_as("customer", locale="en")
    assert "No access" in client.get("/admin").text
    assert "Page not found" in client.get("/nowhere").text
    client.set_cookie("locale", "nl", domain="portal.test")


def test_error_page_for_htmx_is_a_fragment(client, db, login_as):
    login_as("customer", locale="en")
    response = client.get("/admin", headers=HX)
    assert response.status_code == 403 and "<html" not in response.text and "No access" in response.text
    boosted = client.get("/admin", headers={**HX, "HX-Boosted": "true"})
    assert boosted.status_code == 403 and "<html" in boosted.text
