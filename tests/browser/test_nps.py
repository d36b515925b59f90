"""NPS in a real browser: the Dutch demo customer answers 3; the account manager and their
manager each get the alert (and the e-mail in the outbox); the customer's level-2/3 asks pause
until the account manager closes the follow-up."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser import journey_fixtures
from tests.browser.conftest import KLANT

pytestmark = pytest.mark.browser

demo_journey = journey_fixtures.demo_journey
journey_reset = journey_fixtures.journey_reset

ACCOUNT_MANAGER = "sales@example.com"  # Bouwbedrijf Van Dijk's account manager
MANAGER = "sales-lead@example.com"  # their manager
LOGOUT = "form[action='/logout'] button[type=submit]"


def _log_out(page):
    page.locator(LOGOUT).click()
    page.wait_for_url("**/login")


def _level_two_items(page):
    return page.locator("ol.levels > li").nth(1).locator(".challenge-item")


def test_detractor_answer_alerts_both_managers_and_pauses_asks_until_closed(
    live_app, new_tab, log_in, demo_journey, journey_reset
):
    from app.extensions import db
    from app.mail import OutboxMessage
    from app.nps.models import NpsResponse

    journey_reset(KLANT[0])
    tab = new_tab(locale="nl-NL")
    page = tab.page
    log_in(page, KLANT[0])
    # The NPS question is asked again after its pause (the demo answer is 60 days old).
    page.goto(f"/challenges/{demo_journey.challenge_id('nps')}")
    page.locator("#score-3").check()
    page.fill("#reason", "De laatste levering liep flink uit.")
    page.locator("#challenge-page form button[type=submit]").click()
    expect(page.locator(".celebration")).to_be_visible()

    page.goto("/")
    expect(page.locator("#paused-title")).to_be_visible()
    assert all("challenge-paused" in (item.get_attribute("class") or "")
               for item in _level_two_items(page).all() if "challenge-done" not in (item.get_attribute("class") or ""))
    _log_out(page)

    with live_app.app_context():
        response = db.session.scalars(
            select(NpsResponse).where(NpsResponse.score == 3).order_by(NpsResponse.id.desc())
        ).first()
        response_id = response.id
        mails = {m.to_address for m in db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "nps_alert", OutboxMessage.body_text.contains("Kees"))
        )}
        db.session.remove()
    assert {ACCOUNT_MANAGER, MANAGER} <= mails

    # Each of them sees the alert.
    for person in (MANAGER, ACCOUNT_MANAGER):
        log_in(page, person, lands_on="/sales")
        page.goto("/nps/alerts")
        expect(page.locator(f"a[href$='/nps/answers/{response_id}']").first).to_be_visible()
        if person == MANAGER:
            _log_out(page)

    # The account manager closes the follow-up.
    page.goto(f"/nps/answers/{response_id}")
    page.locator("input[name=status][value=closed]").check()
    page.fill("textarea[name=note]", "Gebeld, levering is rechtgezet.")
    page.locator("form[action$='/nps/answers/%d'] button[type=submit]" % response_id).click()
    expect(page.locator(".flash-success")).to_be_visible()
    _log_out(page)

    # The customer's asks are back.
    log_in(page, KLANT[0])
    expect(page.locator("#paused-title")).to_have_count(0)
    assert not any("challenge-paused" in (item.get_attribute("class") or "") for item in _level_two_items(page).all())
    tab.assert_clean(allow=())
    journey_reset(KLANT[0])
