"""Referrals in a real browser: the Level-3 demo ambassador introduces someone without their phone
or e-mail and approves the message; the account manager moves it to meeting and won; the points
rise once per milestone and the ambassador is thanked and asked how it went. A referee signs up
through the share link, reaches sales only after the double opt-in, and objects."""
from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.browser import journey_fixtures
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS
from tests.browser.helpers import BLOCKING, OVERFLOW_JS, describe

pytestmark = pytest.mark.browser

demo_journey = journey_fixtures.demo_journey

AMBASSADOR = "ambassadeur@example.com"  # level 3, Zorggroep Oost
ACCOUNT_MANAGER = "sales@example.com"  # the sales demo user: Zorggroep Oost's account manager
LOGOUT = "form[action='/logout'] button[type=submit]"
SUBMIT = "#challenge-page form button[type=submit]"


def _log_out(page):
    page.locator(LOGOUT).click()
    page.wait_for_url("**/login")


def _points(app, email, like="%"):
    from app.auth.models import User
    from app.extensions import db
    from app.points.models import PointsEntry

    with app.app_context():
        user = User.by_email(email)
        total = db.session.scalar(select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
            PointsEntry.user_id == user.id, PointsEntry.source_type.like(like)))
        db.session.remove()
    return int(total)


def _referee(app, name):
    from app.extensions import db
    from app.referrals.models import Referee

    with app.app_context():
        referee = db.session.scalar(select(Referee).where(Referee.name == name))
        result = None if referee is None else {"id": referee.id, "stage": referee.stage, "token": referee.token,
                                               "confirmed": referee.confirmed_at is not None}
        db.session.remove()
    return result


def _no_blocking_axe(page, name):
    violations = Axe().run(page).response["violations"]
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"axe on {name}:\n{describe(blocking)}"


def _shot(page, name):
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True, animations="disabled")


def _introduce(page, challenge_id, name, company):
    page.goto(f"/challenges/{challenge_id}")
    form = page.locator("#challenge-page form")
    # Nothing asks for the other person's phone number or (required) e-mail.
    assert form.locator("input[type=tel]").count() == 0
    assert form.locator("input[name=email][required]").count() == 0
    page.fill("#name", name)
    page.fill("#company", company)
    page.fill("#role", "Directeur")
    page.fill("#benefit", "Ze plannen hun monteurs nog in Excel, precies zoals wij twee jaar geleden.")
    page.locator("input[name=route][value=contact]").check()
    page.locator("#may_mention").check()
    page.locator(SUBMIT).click()
    message = page.locator("pre.outreach-message")
    expect(message).to_be_visible()
    expect(message).to_contain_text(f"Hallo {name.split()[0]},")
    expect(message).to_contain_text("Anouk Jansen")
    expect(message).to_contain_text("/r/object/")


@pytest.mark.parametrize("javascript", [True, False])
def test_an_introduction_becomes_a_won_deal_with_milestone_points_once(
        live_app, new_tab, log_in, demo_journey, javascript):
    name = "Eva Mulder" if javascript else "Joost Mulder"
    company = "Mulder Bouw" if javascript else "Mulder Installatie"
    tab = new_tab(locale="nl-NL", javascript=javascript)
    page = tab.page
    log_in(page, AMBASSADOR)
    before = _points(live_app, AMBASSADOR)

    _introduce(page, demo_journey.challenge_id("referral"), name, company)
    if javascript:
        _no_blocking_axe(page, "referral preview")
        _shot(page, "referral-preview-desktop")
    assert _referee(live_app, name) is None  # nothing is stored before approval
    page.locator("button[name=approved]").click()
    if javascript:
        expect(page.locator(".celebration")).to_be_visible()
    else:
        expect(page.locator(".flash-success")).to_be_visible()
    assert _referee(live_app, name)["stage"] == "new"
    assert _points(live_app, AMBASSADOR) == before  # no points for naming someone

    page.goto("/referrals")
    expect(page.locator(".referral-item", has_text=name)).to_be_visible()
    if javascript:
        _no_blocking_axe(page, "my referrals")
        _shot(page, "my-referrals-desktop")
    _log_out(page)

    # The account manager sees it and moves it: to meeting on the board, then to won.
    log_in(page, ACCOUNT_MANAGER, lands_on="/sales")
    page.goto("/sales/pipeline")
    card = page.locator(".board-card", has_text=name)
    expect(card).to_be_visible()
    if javascript:
        _no_blocking_axe(page, "pipeline board")
        _shot(page, "pipeline-board-desktop")
    card.locator("select[name=to_stage]").select_option("meeting")
    card.locator("button[type=submit]").click()
    expect(page.locator(".board-column.stage-col-meeting .board-card", has_text=name)).to_be_visible()
    assert _referee(live_app, name)["stage"] == "meeting"
    page.goto(f"/sales/referrals/{_referee(live_app, name)['id']}")
    page.locator("select[name=to_stage]").select_option("won")
    page.locator("input[name=deal_value]").fill("12.500")
    page.locator("aside form[action$='/stage'] button[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()
    assert _referee(live_app, name)["stage"] == "won"
    # A stale second move (another tab still showing "meeting") awards nothing more.
    _log_out(page)

    settings_points = 50 + 100 + 250  # the seeded milestone points: meeting, opportunity, won
    assert _points(live_app, AMBASSADOR) == before + settings_points

    # The ambassador is thanked and asked how it went.
    log_in(page, AMBASSADOR)
    expect(page.locator(".notes")).to_contain_text(name)
    page.goto("/referrals")
    item = page.locator(".referral-item", has_text=name)
    expect(item.locator(".milestone-points")).to_be_visible()
    expect(item.locator("textarea[name=feedback]")).to_be_visible()
    item.locator("textarea[name=feedback]").fill("Ze waren enthousiast na het gesprek.")
    item.locator("button[type=submit]").click()
    expect(page.locator(".referral-item", has_text=name)).to_contain_text("Ze waren enthousiast")
    tab.assert_clean()


def test_a_referee_signs_up_confirms_and_objects(live_app, new_tab, log_in):
    from app.auth.models import User
    from app.extensions import db
    from app.mail import OutboxMessage

    with live_app.app_context():
        code = User.by_email(AMBASSADOR).referral_code
        db.session.remove()
    tab = new_tab(locale="nl-NL")
    page = tab.page
    page.goto(f"/r/{code}?c=whatsapp")
    expect(page.locator("h1")).to_be_visible()
    _no_blocking_axe(page, "landing page")
    _shot(page, "landing-desktop")
    page.fill("#name", "Noor Hendriks")
    page.fill("#company", "Hendriks Transport")
    page.fill("#email", "noor@hendriks-transport.example")
    page.fill("#need", "Een betere planning voor onze chauffeurs.")
    page.locator("#consent").check()
    page.locator("form[action^='/r/'] button[type=submit]").click()
    expect(page.locator("[role=status]")).to_contain_text("noor@hendriks-transport.example")
    referee = _referee(live_app, "Noor Hendriks")
    assert referee and not referee["confirmed"]

    # Nothing reaches sales before the double opt-in.
    sales = new_tab(locale="nl-NL")
    log_in(sales.page, ACCOUNT_MANAGER, lands_on="/sales")
    sales.page.goto("/sales/pipeline?view=table")
    expect(sales.page.locator("table")).not_to_contain_text("Noor Hendriks")

    with live_app.app_context():
        body = db.session.scalar(select(OutboxMessage.body_text).where(
            OutboxMessage.to_address == "noor@hendriks-transport.example").order_by(OutboxMessage.id.desc()))
        db.session.remove()
    confirm = re.search(r"https?://[^/\s]+(/r/confirm/\S+)", body).group(1)
    page.goto(confirm)
    page.locator("form[action^='/r/confirm/'] button[type=submit]").click()
    expect(page.locator("[role=status]")).to_be_visible()
    assert _referee(live_app, "Noor Hendriks")["confirmed"]
    sales.page.goto("/sales/pipeline?view=table")
    expect(sales.page.locator("table")).to_contain_text("Noor Hendriks")

    # The objection link erases the record and blocks adding the person again.
    page.goto(f"/r/object/{referee['token']}")
    page.locator("form[action^='/r/object/'] button[type=submit]").click()
    expect(page.locator("[role=status]")).to_be_visible()
    assert _referee(live_app, "Noor Hendriks") is None
    page.goto(f"/r/{code}")
    page.fill("#name", "Noor Hendriks")
    page.fill("#company", "Hendriks Transport")
    page.fill("#email", "noor@hendriks-transport.example")
    page.fill("#need", "Nog een keer.")
    page.locator("#consent").check()
    page.locator("form[action^='/r/'] button[type=submit]").click()
    expect(page.locator("[role=status]")).to_be_visible()
    assert _referee(live_app, "Noor Hendriks") is None
    sales.page.goto("/sales/pipeline?view=table")
    expect(sales.page.locator("table")).not_to_contain_text("Noor Hendriks")
    tab.assert_clean()
    sales.assert_clean()


@pytest.mark.parametrize("viewport, suffix", [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_referral_pages_are_accessible_and_fit(live_app, new_tab, log_in, demo_journey, viewport, suffix):
    tab = new_tab(locale="nl-NL", viewport=viewport)
    page = tab.page
    log_in(page, AMBASSADOR)
    pages = [("ambassador-home", "/"), ("referral-form", f"/challenges/{demo_journey.challenge_id('referral')}"),
             ("share", f"/challenges/{demo_journey.challenge_id('share')}"), ("my-referrals", "/referrals")]
    for name, path in pages:
        page.goto(path)
        _no_blocking_axe(page, name)
        layout = page.evaluate(OVERFLOW_JS)
        assert layout["scrollWidth"] <= layout["innerWidth"], f"{name}: {layout}"
        _shot(page, f"{name}-{suffix}")
    _log_out(page)
    log_in(page, ACCOUNT_MANAGER, lands_on="/sales")
    for name, path in [("sales", "/sales"), ("pipeline-board", "/sales/pipeline"), ("pipeline-table", "/sales/pipeline?view=table"),
                       ("ask-queue", "/sales/ask"), ("referrals-to-check", "/sales/review")]:
        page.goto(path)
        _no_blocking_axe(page, name)
        _shot(page, f"{name}-{suffix}")
    tab.assert_clean()
