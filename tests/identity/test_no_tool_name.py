"""With the identity set to a fictional supplier, the tool's own name reaches nobody: not on any page
a role can reach (crawled as the demo's customers, staff and an anonymous visitor), not in any e-mail
template in either language, not in a mail's headers."""
from __future__ import annotations

from email import message_from_bytes
from email.policy import default as email_policy
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import render_template
from flask_babel import force_locale

from app import mail
from app.auth.models import User
from app.dates import utcnow
from app.demo.identity import DEMO_IDENTITY
from app.mail import OutboxMessage, queue_mail
from tests import factories
from tests.security.crawl import _links
from tests.security.test_fuzz_forms import ROLES, _sign_in, _world

TOOL = "ambassador journey"
SUPPLIER = DEMO_IDENTITY["organisation_name"]
MAIL_TEMPLATES = sorted(p.name.removesuffix(".subject.txt")
                        for p in (Path(__file__).parents[2] / "app/templates/mail").glob("*.subject.txt"))
MAX_PAGES = 250


def _crawl_texts(client, start: list[str]) -> dict[str, str]:
    """Every HTML page reachable from `start` by links, and its text."""
    seen: dict[str, str] = {}
    todo = list(start)
    while todo and len(seen) < MAX_PAGES:
        url = todo.pop(0)
        if url in seen or url.startswith(("/static/", "/logout")) or "page=" in url:
            continue
        response = client.get(url, follow_redirects=True)
        seen[url] = response.text if "text/html" in response.content_type else ""
        if response.status_code == 200 and seen[url]:
            todo.extend(link for link in _links(seen[url]) if link not in seen)
    return seen


def test_no_page_any_role_reaches_names_the_tool(app, client, db):
    starts = _world(app, client, db)
    assert db.session.get(type(factories.make_programme_identity()), 1).organisation_name == SUPPLIER
    crawled = 0
    for role, emails in ROLES.items():
        for email in emails or [None]:
            user = User.by_email(email) if email else None
            _sign_in(client, user.get_id() if user else None)
            start = starts["anonymous"] if user is None else starts["customer" if user.role == "customer" else "staff"]
            # A signed-in person reads their account's language (the demo has Dutch and English
            # users in every role); an anonymous visitor is crawled in both.
            for language in ("nl", "en") if user is None else (None,):
                if language:
                    client.set_cookie("locale", language, domain="portal.test")
                pages = _crawl_texts(client, start + ["/", "/language", "/nope"])
                crawled += len(pages)
                named = [url for url, text in pages.items() if TOOL in text.lower()]
                assert named == [], f"{role} {email} ({language}): {named}"
                assert any(SUPPLIER in text for text in pages.values()), role
    assert crawled > 100  # the crawl really went round


def _context(kind: str, user: User) -> dict:
    customer = factories.make_user("customer", name="Anouk Jansen")
    referee = factories.make_referee(customer, email="referee@example.org")
    response = factories.make_nps_response(customer, score=3, reason="Te traag")
    return {
        "user": user, "person": user, "customer": customer, "response": response, "referee": referee,
        "task": factories.make_follow_up(response), "style": "detractor",
        "link": "http://portal.test/x", "days": 14, "hours": 2, "due": utcnow(), "expires_at": utcnow(),
        "occasion": "Oplevering", "text": "Er is iets gebeurd.", "subject": "Er is iets gebeurd",
        "confirm_link": "http://portal.test/c", "feedback_link": "http://portal.test/f",
        "objection_link": "http://portal.test/o", "invited_by": None,
    }


@pytest.mark.parametrize("kind", MAIL_TEMPLATES)
@pytest.mark.parametrize("locale", ["nl", "en"])
def test_no_mail_template_names_the_tool(app, db, kind, locale):
    factories.make_programme_identity(**DEMO_IDENTITY)
    user = factories.make_user("sales", locale=locale)
    context = _context(kind, user)
    with app.test_request_context(), force_locale(locale):
        subject = render_template(f"mail/{kind}.subject.txt", **context)
        body = render_template(f"mail/{kind}.txt", **context)
    assert TOOL not in (subject + body).lower()
    assert "Team Klantsucces Kroonveld" in body  # the signature
    assert subject.strip() and "\n" not in subject.strip()


def test_mail_headers_name_the_supplier_not_the_tool(app, db, monkeypatch):
    factories.make_programme_identity(**DEMO_IDENTITY)
    user = factories.make_user("customer", locale="nl")
    sent = []
    monkeypatch.setattr(mail.LogBackend, "send", lambda self, email: sent.append(email))
    with app.test_request_context():
        queue_mail(user.email, "invitation", "nl", user=user, link="http://portal.test/i", days=14, invited_by=None)
    db.session.commit()
    assert mail.deliver_due() == {"sent": 1, "failed": 0}
    raw = message_from_bytes(sent[0].as_bytes(), policy=email_policy)
    headers = "\n".join(f"{name}: {value}" for name, value in raw.items())
    assert TOOL.replace(" ", "") not in headers.lower().replace(" ", "").replace("-", "")
    assert raw["From"] == "Team Klantsucces Kroonveld <no-reply@example.com>"
    assert raw["Reply-To"] == "klantsucces@kroonveld.example"
    assert "Kroonveld" in raw["Subject"]
    assert db.session.query(OutboxMessage).count() == 1


def test_without_any_identity_pages_use_a_neutral_name(client, db, login_as):
    login_as("customer", locale="nl")
    page = client.get("/").text
    assert TOOL not in page.lower() and "Ons klantenprogramma" in page


def test_the_organisation_name_setting_is_the_default(app, client, db, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "ORGANISATION_NAME", "Bakker Techniek")
    login_as("customer", locale="en")
    assert "<title>" in client.get("/").text and "Bakker Techniek" in client.get("/").text
    factories.make_programme_identity(organisation_name="Kroonveld Installatietechniek")
    db.session.commit()
    assert "Kroonveld Installatietechniek" in client.get("/").text


def test_the_static_last_resort_page_names_no_tool(app):
    from app.errors import PLAIN_PAGE, _organisation

    assert TOOL not in PLAIN_PAGE.lower()
    assert _organisation(SimpleNamespace(config={"ORGANISATION_NAME": "A & B"})) == " · A &amp; B"
    assert _organisation(SimpleNamespace(config={})) == ""
