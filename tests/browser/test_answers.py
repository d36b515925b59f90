"""Answers per challenge in a real browser: a Dutch and an English customer answer an open question and
a poll; marketing finds both answers (text and language), the poll's chart with its table, filters the
list in place, and downloads a CSV with the same rows. Screenshots of the pages in Dutch and English."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import journey_fixtures
from tests.browser.conftest import CUSTOMER, KLANT, LOGOUT_SUBMIT, SCREENSHOTS

pytestmark = pytest.mark.browser

demo_journey = journey_fixtures.demo_journey
journey_reset = journey_fixtures.journey_reset

MARKETING = "marketing@example.com"
ANSWERS = {
    KLANT[0]: ("We leveren projecten nu twee weken sneller op, dankzij de planning.", 1),  # "Only when needed"
    CUSTOMER[0]: ("Our onboarding of new sites went from a month to a week.", 0),  # "Regular check-ins"
}


def _answer(page, demo_journey, email):
    text, option = ANSWERS[email]
    page.goto(f"/challenges/{demo_journey.challenge_id('proud')}")
    page.fill("#answer", text)
    page.locator("#challenge-page form button[type=submit]").click()
    expect(page.locator(".celebration")).to_be_visible()
    page.goto(f"/challenges/{demo_journey.challenge_id('channel')}")
    page.locator(f"#choice-{option}").check()
    page.locator("#challenge-page form button[type=submit]").click()
    expect(page.locator(".celebration")).to_be_visible()
    page.locator(LOGOUT_SUBMIT).click()
    page.wait_for_url("**/login")


def _rows(path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(Path(path).read_text(encoding="utf-8-sig"))))


def _shot(page, name):
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"A-{name}.png"), full_page=True, animations="disabled")


def test_marketing_reads_both_customers_answers_and_the_poll_results(new_tab, log_in, demo_journey, journey_reset):
    journey_reset(KLANT[0])
    journey_reset(CUSTOMER[0])
    for email, _name, locale in (KLANT, CUSTOMER):
        tab = new_tab(locale="nl-NL" if locale == "nl" else "en-GB")
        log_in(tab.page, email)
        _answer(tab.page, demo_journey, email)

    for locale in ("nl-NL", "en-GB"):
        tab = new_tab(locale=locale)
        page = tab.page
        log_in(page, MARKETING, lands_on="/admin")
        page.goto("/admin")
        short = locale[:2]
        page.locator(f"form.language-switch button[name=locale][value={short}]").click()
        expect(page.locator("html")).to_have_attribute("lang", short)
        page.locator("nav.admin-nav a[href='/answers']").click()
        page.wait_for_url("**/answers")
        question = demo_journey.challenge_id("proud")
        page.locator(f"a[href='/answers/{question}']").click()
        page.wait_for_url(f"**/answers/{question}")
        dutch = page.locator("blockquote.answer-text[lang=nl]", has_text=ANSWERS[KLANT[0]][0])
        english = page.locator("blockquote.answer-text[lang=en]", has_text=ANSWERS[CUSTOMER[0]][0])
        expect(dutch).to_be_visible()
        expect(english).to_be_visible()
        _shot(page, f"answers-{short}")

        # Search in place (htmx): only the English answer stays, the address bar follows.
        page.fill("#q", "onboarding")
        page.locator("form.answer-filters button[type=submit]").click()
        expect(dutch).to_have_count(0)
        expect(english).to_be_visible()
        assert "q=onboarding" in page.url

        # The CSV holds the rows of the filtered list.
        with page.expect_download() as download:
            page.locator("a[download]", has_text="CSV").click()
        rows = _rows(download.value.path())
        assert len(rows) == 2 and rows[1][0] == CUSTOMER[1] and rows[1][6] == "en"
        assert ANSWERS[CUSTOMER[0]][0] in rows[1][-1]

        poll = demo_journey.challenge_id("channel")
        page.goto(f"/answers/{poll}")
        expect(page.locator("svg.an-chart")).to_be_visible()
        expect(page.locator(".poll-results table")).to_be_visible()
        page.select_option("#segment", "manager")
        expect(page.locator(".poll-segment").first).to_be_visible()
        _shot(page, f"poll-{short}")
        with page.expect_download() as download:
            page.locator("a[download]", has_text="CSV").click()
        rows = _rows(download.value.path())
        names = {row[0] for row in rows[1:]}
        assert {KLANT[1], CUSTOMER[1]} <= names
        tab.assert_clean()
        page.locator("form.language-switch button[name=locale][value=nl]").click()  # marketing's own language again
        expect(page.locator("html")).to_have_attribute("lang", "nl")
