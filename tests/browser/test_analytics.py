"""The analytics dashboard in a real browser: Dutch and English, desktop and phone width, charts
beside (or, on a phone, above) their tables, axe, the period form with and without JavaScript,
and who may open it. Screenshots go to screenshots/ (gitignored) for people to look at."""
from __future__ import annotations

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, failed_resource, path_of
from tests.browser.helpers import BLOCKING, OVERFLOW_JS
from tests.helpers import programme_today

pytestmark = pytest.mark.browser

TODAY = programme_today()
YEAR = f"/admin/analytics?start={(TODAY - timedelta(days=364)).isoformat()}&end={TODAY.isoformat()}"
# (account, the language of that account, where it lands after signing in)
ACCOUNTS = {"nl": ("marketing@example.com", "/admin"), "en": ("admin@example.com", "/admin")}


def _open(new_tab, log_in, lang, viewport, javascript=True, path=YEAR):
    account, lands_on = ACCOUNTS[lang]
    tab = new_tab(locale="nl-NL" if lang == "nl" else "en-GB", viewport=viewport, javascript=javascript)
    if javascript:
        log_in(tab.page, account, lands_on=lands_on)
    else:
        _log_in_without_js(tab.page, account, lands_on)
    tab.page.goto(path)
    expect(tab.page.locator("html")).to_have_attribute("lang", lang)
    return tab


def _log_in_without_js(page, email, lands_on):
    from tests.browser.conftest import DEMO_PASSWORD, LOGIN_SUBMIT

    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.locator(LOGIN_SUBMIT).click()
    page.wait_for_url(f"**{lands_on}")


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_dashboard_reads_well_in_both_languages_and_widths(new_tab, log_in, lang, size):
    viewport = DESKTOP if size == "desktop" else PHONE
    tab = _open(new_tab, log_in, lang, viewport)
    page = tab.page
    heading = {"nl": "Analyse van het programma", "en": "Programme analytics"}[lang]
    expect(page.locator("h1")).to_have_text(heading)
    assert heading in page.title()
    charts = page.locator("svg.an-chart[role=img]")
    expect(charts).to_have_count(8)
    for index in range(8):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()
        expect(chart).to_be_visible()
        box = chart.bounding_box()
        assert box["width"] >= min(300, viewport["width"] - 60), f"chart {index} is too narrow to read: {box}"
        assert chart.locator("title").count() == 1
        # Its table is right beside it (desktop) or straight under it (phone).
        table = chart.locator("xpath=ancestor::div[contains(@class,'an-pair')][1]//table")
        table_box = table.bounding_box()
        if size == "desktop":
            assert table_box["x"] >= box["x"] + box["width"] - 1 and abs(table_box["y"] - box["y"]) < 120, (index, box, table_box)
        else:
            assert table_box["y"] >= box["y"] + box["height"] - 1, (index, box, table_box)
    assert page.locator("table.an-table caption").count() >= 9
    layout = page.evaluate(OVERFLOW_JS)
    assert layout["scrollWidth"] <= layout["innerWidth"], f"the page scrolls sideways: {layout}"
    violations = Axe().run(page).response["violations"]
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, [(v["id"], [n["target"] for n in v["nodes"]]) for v in blocking]
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"analytics-{lang}-{size}.png"), full_page=True, animations="disabled")
    # One picture per section too: a whole dashboard is too tall to look at in one go.
    sections = page.locator("section.an-section")
    for index in range(sections.count()):
        sections.nth(index).screenshot(path=str(SCREENSHOTS / f"analytics-{lang}-{size}-{index + 1}.png"),
                                       animations="disabled")
    tab.assert_clean()


def test_period_form_works_without_javascript(new_tab, log_in):
    tab = _open(new_tab, log_in, "en", DESKTOP, javascript=False, path="/admin/analytics")
    page = tab.page
    page.fill("#an-start", "2026-01-01")
    page.fill("#an-end", "2026-01-31")
    page.locator("form.an-period button[type=submit]").click()
    page.wait_for_url("**start=2026-01-01**")
    expect(page.locator(".an-periods")).to_contain_text("31")
    # A bad period: a clear message, the input kept.
    page.fill("#an-start", "2026-02-01")
    page.locator("form.an-period button[type=submit]").click()
    expect(page.locator("#an-errors")).to_contain_text("before the start date")
    expect(page.locator("#an-start")).to_have_value("2026-02-01")
    tab.assert_clean(allow=(failed_resource(page.url, "422 (UNPROCESSABLE ENTITY)"),))


def test_period_form_with_htmx_swaps_the_dashboard(new_tab, log_in):
    tab = _open(new_tab, log_in, "en", DESKTOP, path="/admin/analytics")
    page = tab.page
    page.evaluate("document.body.dataset.marker = 'same page'")  # gone if the whole page reloaded
    page.fill("#an-start", "2026-01-01")
    page.fill("#an-end", "2026-03-31")
    page.locator("form.an-period button[type=submit]").click()
    page.wait_for_url("**start=2026-01-01**")
    expect(page.locator(".an-periods")).to_contain_text("90")
    assert path_of(page) == "/admin/analytics"
    expect(page.locator("svg.an-chart[role=img]")).to_have_count(8)
    assert page.evaluate("document.body.dataset.marker") == "same page"
    # Sorting the challenge table by a column heading.
    page.locator("table.an-challenges thead a").nth(5).click()
    expect(page.locator("table.an-challenges th[aria-sort]")).to_have_count(1)
    tab.assert_clean()


def test_sales_manager_may_read_it_and_other_sales_users_may_not(new_tab, log_in):
    tab = new_tab(locale="nl-NL")
    page = tab.page
    log_in(page, "sales-lead@example.com", lands_on="/sales")
    response = page.goto("/admin/analytics")
    assert response.status == 200
    expect(page.locator("svg.an-chart[role=img]").first).to_be_visible()
    page.locator("form[action='/logout'] button[type=submit]").click()
    page.wait_for_url("**/login")
    log_in(page, "sales@example.com", lands_on="/sales")
    response = page.goto("/admin/analytics")
    assert response.status == 403
    tab.assert_clean(allow=(failed_resource(page.url, "403 (FORBIDDEN)"),))
