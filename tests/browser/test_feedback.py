"""The "tell us" channel in a real browser: the Dutch and the English demo customer each send a message
from the footer link of a page; marketing answers one in place (focus on the changed message) and closes
the other; each customer sees the answer, and the notification in their own language."""
from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.conftest import CUSTOMER, KLANT, PHONE, failed_resource
from tests.browser.helpers import BLOCKING, OVERFLOW_JS, describe

pytestmark = pytest.mark.browser

LOGOUT = "form[action='/logout'] button[type=submit]"
MARKETING = "marketing@example.com"


def _log_out(page):
    page.locator(LOGOUT).click()
    page.wait_for_url("**/login")


def _no_serious_axe_violations(page, where):
    violations = Axe().run(page).response["violations"]
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"axe on {where}:\n{describe(violations)}"


def _send(page, from_path, kind, message):
    page.goto(from_path)
    page.locator("footer a[href^='/feedback/new']").click()
    page.wait_for_url(re.compile(r"/feedback/new\?from="))
    expect(page.locator("input[name=page]")).to_have_value(from_path)
    page.locator(f"input[name=kind][value={kind}]").check()
    page.fill("textarea[name=message]", message)
    page.locator("form.feedback-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/feedback#feedback-\d+$"))


def test_customers_tell_us_and_marketing_answers_in_their_language(live_app, new_tab, log_in, base_url):
    from app.extensions import db
    from app.feedback.models import Feedback
    from app.mail import OutboxMessage
    from app.notifications.models import Notification

    tab = new_tab(locale="nl-NL")
    page = tab.page
    log_in(page, KLANT[0])
    # A message that is too short comes back with the text and a Dutch message.
    page.goto("/feedback/new")
    page.locator("input[name=kind][value=problem]").check()
    page.fill("textarea[name=message]", "Te kort")
    page.locator("form.feedback-form button[type=submit]").click()
    expect(page.locator(".field-error")).to_have_text("Schrijf tussen de 10 en 2000 tekens.")
    expect(page.locator("textarea[name=message]")).to_have_value("Te kort")
    _no_serious_axe_violations(page, "the form with an error")
    _send(page, "/points", "problem", "Ik zie op de puntenpagina niet welke beloning ik als volgende kan halen.")
    expect(page.locator(".flash")).to_contain_text("Bedankt dat je het ons vertelt.")
    _log_out(page)

    log_in(page, CUSTOMER[0])
    _send(page, "/badges", "idea", "It would help to see on each badge how close I am to earning it.")
    _log_out(page)

    log_in(page, MARKETING, lands_on="/admin")
    expect(page.locator("nav.admin-nav a[href='/admin/feedback'] .count-badge")).to_contain_text("2")
    page.locator("nav.admin-nav a[href='/admin/feedback']").click()
    page.wait_for_url("**/admin/feedback")
    dutch = page.locator("li.feedback-item", has_text="puntenpagina")
    english = page.locator("li.feedback-item", has_text="how close I am")
    expect(dutch.locator("blockquote")).to_have_attribute("lang", "nl")
    expect(dutch.locator(".feedback-meta").first).to_contain_text("Geschreven in het Nederlands")
    expect(english.locator("blockquote")).to_have_attribute("lang", "en")
    _no_serious_axe_violations(page, "the feedback queue")

    dutch.locator("textarea[name=reply]").fill("Goed punt, Kees! Dat komt erbij.")
    dutch.locator("button[value=answer]").click()
    answered = page.locator("li.feedback-item", has_text="puntenpagina")
    expect(answered.locator(".flash")).to_have_text("Antwoord verstuurd naar Kees de Klant.")
    expect(answered).to_be_focused()
    expect(page.locator("nav.admin-nav a[href='/admin/feedback'] .count-badge")).to_contain_text("1")
    english.locator("button[value=close]").click()
    expect(page.locator("li.feedback-item", has_text="how close I am").locator(".flash")).to_contain_text("afgerond")
    expect(page.locator("nav.admin-nav a[href='/admin/feedback'] .count-badge")).to_have_count(0)
    _log_out(page)

    log_in(page, KLANT[0])
    expect(page.locator(".notes-list")).to_contain_text("We hebben je bericht beantwoord: “Goed punt, Kees! Dat komt erbij.”")
    page.goto("/feedback")
    expect(page.locator("li.contribution", has_text="puntenpagina")).to_contain_text("Beantwoord")
    page.set_viewport_size(PHONE)
    layout = page.evaluate(OVERFLOW_JS)
    assert layout["scrollWidth"] <= layout["innerWidth"], layout
    _log_out(page)
    tab.assert_clean(allow=(failed_resource(base_url + "/feedback/new", "422 (UNPROCESSABLE ENTITY)"),))

    with live_app.app_context():  # the demo is shared with the other browser tests: leave it as it was
        db.session.query(Feedback).delete()
        db.session.query(Notification).filter(Notification.kind == "feedback").delete()
        db.session.query(OutboxMessage).filter(
            OutboxMessage.subject.in_(("Een antwoord op je bericht", "An answer to your message"))).delete()
        db.session.commit()
        db.session.remove()
