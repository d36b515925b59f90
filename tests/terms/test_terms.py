"""Programme terms: the public page, the editor with its preview, accepting at activation, and
accepting again after a material change (a minor one does not ask)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.auth import services as auth_services
from app.auth.models import MARKETER
from app.terms.markdown import to_html
from app.terms.models import MATERIAL, MINOR, TermsAcceptance, TermsVersion
from tests import factories
from tests.conftest import HX, form_value
from tests.factories import PASSWORD

PASSWORD_NEW = "a long and lovely password"


def test_the_public_page_shows_the_current_version_in_the_visitors_language(client, db):
    assert "not published yet" in client.get("/terms", headers={"Accept-Language": "en"}).text
    factories.make_terms_version(body_nl="# Oude tekst", body_en="# Old text")
    factories.make_terms_version(body_nl="# Zo werkt het\n\nGeen **geld** voor introducties.",
                                 body_en="# How it works\n\nNo **money** for introductions.")
    db.session.commit()
    page = client.get("/terms", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "<h1>How it works</h1>" in page.text
    assert "No <strong>money</strong> for introductions." in page.text and "Old text" not in page.text
    assert "Version 2" in page.text


@pytest.mark.parametrize("markdown, present, absent", [
    ("<script>alert(1)</script>Hallo", ["Hallo"], ["<script"]),
    ("[klik](javascript:alert(1))", ["klik"], ["href="]),
    ('<img src=x onerror="alert(1)">', [], ["onerror", "<img"]),
    ('<a href="https://example.org" onclick="x()">site</a>', ['href="https://example.org"', "noopener"], ["onclick"]),
    ("<style>body{display:none}</style>\n\n**vet**", ["<strong>vet</strong>"], ["<style", "display:none"]),
    ("* unclosed **bold\n\n> quote", ["<blockquote>"], []),
])
def test_markdown_is_cleaned_not_refused(markdown, present, absent):
    html = str(to_html(markdown))
    for text in present:
        assert text in html
    for text in absent:
        assert text not in html


def test_the_editor_previews_and_publishes_a_version(client, db, login_as, post_form):
    marketer = login_as(MARKETER, locale="en")
    page = client.get("/admin/terms")
    assert page.status_code == 200 and "Nothing is published yet" in page.text
    data = {"body_nl": "# Voorwaarden\n\n<script>x()</script>Tekst", "body_en": "# Terms\n\nText", "kind": MATERIAL}
    preview = post_form("/admin/terms", {**data, "action": "preview"})
    assert preview.status_code == 200 and "<h1>Voorwaarden</h1>" in preview.text and "<script>x()" not in preview.text
    assert "&lt;script&gt;x()&lt;/script&gt;" in preview.text  # the text itself is kept in the textarea
    fragment = post_form("/admin/terms", {**data, "action": "preview"}, htmx=True, headers={"HX-Target": "terms-preview"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and 'id="terms-preview"' in fragment.text
    assert db.session.scalar(select(func.count(TermsVersion.id))) == 0  # a preview stores nothing
    assert post_form("/admin/terms", {**data, "action": "publish"}).status_code == 303
    version = db.session.scalar(select(TermsVersion))
    assert (version.number, version.kind, version.published_by_id) == (1, MATERIAL, marketer.id)
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "terms.publish"))
    assert audit.details["after"] == {"version": 1} and audit.details["kind"] == MATERIAL
    assert post_form("/admin/terms", {**data, "kind": MINOR, "action": "publish"}).status_code == 303
    assert db.session.scalar(select(TermsVersion.kind).where(TermsVersion.number == 2)) == MINOR
    assert "Version 2 is live" in client.get("/admin/terms").text


@pytest.mark.parametrize("data, message", [
    ({"body_nl": "", "body_en": "Text", "kind": MATERIAL}, "Write the Dutch text."),
    ({"body_nl": "Tekst", "body_en": "  ", "kind": MATERIAL}, "Write the English text."),
    ({"body_nl": "Tekst", "body_en": "Text"}, "Choose minor or material."),
    ({"body_nl": "Tekst", "body_en": "Text", "kind": "huge"}, "Choose minor or material."),
    ({"body_nl": "x" * 20_001, "body_en": "Text", "kind": MATERIAL}, "Use at most 20000 characters."),
])
@pytest.mark.parametrize("htmx", [False, True])
def test_publishing_bad_input_is_422_with_the_input_kept(client, db, login_as, post_form, data, message, htmx):
    login_as(MARKETER, locale="en")
    response = post_form("/admin/terms", {**data, "action": "publish"}, htmx=htmx)
    assert response.status_code == 422 and message in response.text
    assert ("<html" in response.text) != htmx
    if data["body_nl"] == "Tekst":
        assert "Tekst</textarea>" in response.text
    assert db.session.scalar(select(func.count(TermsVersion.id))) == 0


# --- accepting -------------------------------------------------------------------------------------

def _invited(db):
    customer = factories.make_user(password=None, locale="en", email="new.customer@example.org")
    db.session.commit()
    return customer


def test_activating_an_invitation_needs_the_terms_accepted(app, client, db):
    version = factories.make_terms_version()
    customer = _invited(db)
    with app.test_request_context():
        token = auth_services.make_token(customer, auth_services.INVITE_SALT)
    url = f"/invitation/{token}"
    page = client.get(url)
    assert 'name="accept_terms"' in page.text and 'href="/terms"' in page.text
    from tests.conftest import csrf_token
    refused = client.post(url, data={"csrf_token": csrf_token(app, client), "password": PASSWORD_NEW,
                                     "confirm": PASSWORD_NEW})
    assert refused.status_code == 422 and "Tick the box to accept the programme terms." in refused.text
    assert not customer.has_password
    done = client.post(url, data={"csrf_token": csrf_token(app, client), "password": PASSWORD_NEW,
                                  "confirm": PASSWORD_NEW, "accept_terms": "y"})
    assert done.status_code == 303
    acceptance = db.session.scalar(select(TermsAcceptance))
    assert (acceptance.user_id, acceptance.version_id, acceptance.locale) == (customer.id, version.id, "en")
    assert client.get("/").status_code == 200  # straight on to the journey: nothing more to accept


def test_without_terms_an_invitation_activates_as_before(app, client, db):
    customer = _invited(db)
    with app.test_request_context():
        token = auth_services.make_token(customer, auth_services.INVITE_SALT)
    assert "accept_terms" not in client.get(f"/invitation/{token}").text


def test_the_invitation_mail_links_to_the_terms(app, db):
    from app.mail import OutboxMessage

    customer = _invited(db)
    with app.test_request_context():
        auth_services.invite(customer)
    body = db.session.scalar(select(OutboxMessage.body_text))
    assert "/terms" in body


def _sign_in(client, post_form, user):
    return post_form("/login", {"email": user.email, "password": PASSWORD})


@pytest.mark.parametrize("kind, asked", [(MATERIAL, True), (MINOR, False)])
def test_a_material_change_asks_again_at_the_next_sign_in_and_a_minor_one_does_not(client, db, post_form, kind, asked):
    first = factories.make_terms_version()
    customer = factories.make_user(locale="en")
    factories.make_terms_acceptance(customer, first)
    db.session.commit()
    assert _sign_in(client, post_form, customer).headers["Location"] == "/"
    assert client.get("/").status_code == 200
    factories.make_terms_version(kind=kind, body_en="# Terms, changed\n\nNew rules.")
    db.session.commit()
    with client.session_transaction() as session:  # the browser is closed: the next visit signs in again
        session.clear()
    _sign_in(client, post_form, customer)
    home = client.get("/")
    if not asked:
        assert home.status_code == 200
        return
    assert home.status_code == 303 and home.headers["Location"].startswith("/terms/accept")
    htmx = client.get("/points", headers=HX)
    assert htmx.headers.get("HX-Redirect", "").startswith("/terms/accept")
    page = client.get(home.headers["Location"])
    assert page.status_code == 200 and "The programme terms changed" in page.text and "New rules." in page.text
    refused = post_form("/terms/accept", {"version": form_value(page.text, "version")})
    assert refused.status_code == 422 and "Tick the box to accept the terms" in refused.text
    assert client.get("/points").status_code == 303  # still blocked
    accepted = post_form("/terms/accept", {"version": form_value(page.text, "version"), "accept": "y",
                                           "next": "/points"})
    assert accepted.status_code == 303 and accepted.headers["Location"] == "/points"
    assert client.get("/").status_code == 200
    assert db.session.scalar(select(func.count(TermsAcceptance.id)).where(TermsAcceptance.user_id == customer.id)) == 2


def test_a_version_published_while_reading_is_not_accepted_unseen(client, db, login_as, post_form):
    factories.make_terms_version()
    customer = login_as("customer", locale="en")
    page = client.get("/terms/accept")
    factories.make_terms_version(body_en="Newer")
    db.session.commit()
    response = post_form("/terms/accept", {"version": form_value(page.text, "version"), "accept": "y"})
    assert response.status_code == 422 and "changed while you were reading" in response.text
    assert db.session.scalar(select(func.count(TermsAcceptance.id)).where(TermsAcceptance.user_id == customer.id)) == 0


def test_staff_are_never_asked(client, db, post_form):
    factories.make_terms_version()
    marketer = factories.make_user(MARKETER)
    db.session.commit()
    _sign_in(client, post_form, marketer)
    assert client.get("/admin").status_code == 200


def test_the_acceptance_is_on_the_participant_page_and_in_the_export(client, db, login_as):
    customer = factories.make_user(locale="en")
    factories.make_terms_acceptance(customer, factories.make_terms_version(), locale="en")
    login_as(MARKETER, locale="en")
    assert "Version 1" in client.get(f"/participants/{customer.id}").text
