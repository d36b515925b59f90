"""The programme's economics and goals in a real browser: marketing enters a running cost and a
count of other wins (a bad amount first: kept, explained) and sees them in the analytics page's
economics section; marketing sets a goal and the marketing and sales overviews show it against
the pace; axe on the new pages; the forms work without JavaScript."""
from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, SCREENSHOTS, failed_resource
from tests.browser.helpers import BLOCKING, OVERFLOW_JS

pytestmark = pytest.mark.browser

JANUARY_2020 = "/admin/analytics?start=2020-01-01&end=2020-01-31"
NBSP = "\u00a0"


def _no_blocking_axe(page):
    violations = Axe().run(page).response["violations"]
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, [(v["id"], [n["target"] for n in v["nodes"]]) for v in blocking]


def test_marketing_enters_costs_and_reads_the_economics(new_tab, log_in):
    tab = new_tab(locale="nl-NL", viewport=DESKTOP)
    page = tab.page
    log_in(page, "marketing@example.com", lands_on="/admin")
    page.goto("/admin/economics")
    _no_blocking_axe(page)
    page.locator("#cost-month").fill("2020-01")
    page.fill("#amount", "-40")
    page.locator("form[action='/admin/economics/cost'] button[type=submit]").click()
    expect(page.locator("#amount-error")).to_contain_text("kan niet negatief zijn")
    expect(page.locator("#amount")).to_have_value("-40")
    expect(page.locator("#amount")).to_be_focused()
    page.fill("#amount", "3.100,00")
    page.locator("form[action='/admin/economics/cost'] button[type=submit]").click()
    saved = page.locator("p[role=status]")
    expect(saved).to_contain_text(f"januari 2020 opgeslagen: €{NBSP}3.100,00")
    expect(saved).to_be_focused()
    page.locator("#wins-month").fill("2020-01")
    page.fill("#won", "3")
    page.locator("form[action='/admin/economics/wins'] button[type=submit]").click()
    expect(page.locator("p[role=status]")).to_be_focused()
    page.goto(JANUARY_2020)
    section = page.locator("#an-economics")
    expect(section).to_contain_text(f"€{NBSP}3.100,00")
    expect(section.locator("tr", has_text="Kosten per gewonnen doorverwijzing")).to_contain_text("–")
    layout = page.evaluate(OVERFLOW_JS)
    assert layout["scrollWidth"] <= layout["innerWidth"], f"the page scrolls sideways: {layout}"
    SCREENSHOTS.mkdir(exist_ok=True)
    section.screenshot(path=str(SCREENSHOTS / "economics-nl.png"), animations="disabled")
    tab.assert_clean(allow=(failed_resource(page.url.split("/admin")[0] + "/admin/economics/cost",
                                            "422 (UNPROCESSABLE ENTITY)"),))


def test_a_goal_shows_on_both_overviews(new_tab, log_in):
    tab = new_tab(locale="en-GB", viewport=DESKTOP)
    page = tab.page
    log_in(page, "admin@example.com", lands_on="/admin")
    page.goto("/admin/goals")
    _no_blocking_axe(page)
    page.fill("#introductions", "999")
    page.locator("form[method=post][action='/admin/goals'] button[type=submit]").click()
    expect(page.locator("p[role=status]")).to_be_focused()
    page.goto("/admin")
    card = page.locator(".goals-card")
    expect(card.locator("tr", has_text="Introductions")).to_contain_text("behind")
    _no_blocking_axe(page)
    page.locator("form[action='/logout'] button[type=submit]").click()
    page.wait_for_url("**/login")
    log_in(page, "sales@example.com", lands_on="/sales")
    expect(page.locator(".goals-card tr", has_text="Introductions")).to_contain_text("999")
    tab.assert_clean()


def test_the_cost_form_works_without_javascript(new_tab):
    from tests.browser.conftest import DEMO_PASSWORD, LOGIN_SUBMIT

    tab = new_tab(locale="en-GB", viewport=DESKTOP, javascript=False)
    page = tab.page
    page.goto("/login")
    page.fill("#email", "admin@example.com")
    page.fill("#password", DEMO_PASSWORD)
    page.locator(LOGIN_SUBMIT).click()
    page.wait_for_url("**/admin")
    page.goto("/admin/economics")
    page.locator("#cost-month").fill("2020-02")
    page.fill("#amount", "lots")
    page.locator("form[action='/admin/economics/cost'] button[type=submit]").click()
    expect(page.locator("#amount-error")).to_contain_text("Enter an amount in euros")
    expect(page.locator("#amount")).to_have_value("lots")
    page.fill("#amount", "1,200.50")
    page.locator("form[action='/admin/economics/cost'] button[type=submit]").click()
    page.wait_for_url("**/admin/economics")
    expect(page.locator("table")).to_contain_text("€1,200.50")
    tab.assert_clean(allow=(failed_resource(page.url + "/cost", "422 (UNPROCESSABLE ENTITY)"),))
