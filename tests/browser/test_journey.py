"""The journey in a real browser: answer a question, reach level 2, earn a badge, claim a reward.

With htmx the answer is swapped in place (no page load) and the header counter follows out of
band; without JavaScript the same POST redirects (303) and flash messages tell the news.
Dutch strings are being translated, so on Dutch pages the assertions check structure, numbers
and content from the seed (level and badge names), and English UI text only on English pages.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, Response, expect

from tests.browser import journey_fixtures
from tests.browser.conftest import CUSTOMER, DESKTOP, KLANT, PHONE, SCREENSHOTS, Tab, failed_resource, path_of
from tests.browser.helpers import BLOCKING, OVERFLOW_JS, describe
from tests.browser.journey_fixtures import DemoJourney

pytestmark = pytest.mark.browser

# The fixtures that reset a demo customer's journey (see journey_fixtures.py), made visible here.
demo_journey = journey_fixtures.demo_journey
journey_reset = journey_fixtures.journey_reset

AMBASSADEUR = "ambassadeur@example.com"  # level 3, 200 points, Dutch
ANSWER = "We plannen onze projecten nu in de helft van de tijd."
SUBMIT = "#challenge-page form button[type=submit]"
POINTS_COUNTER = "#points-counter"
# Level 1 question "What does working with us bring you?": 15 points, 30 -> 45, level 2 (threshold 40).
START_POINTS, QUESTION_POINTS = 30, 15
LOYAL = "loyal"  # the badge for reaching level 2
DONATION = "A donation in your name"  # 50 points, no level, no stock
UNLOCKED, LOCKED = re.compile(r"\blevel-unlocked\b"), re.compile(r"\blevel-locked\b")


def _is_post(path: str) -> Callable[[Response], bool]:
    return lambda response: urlsplit(response.url).path == path and response.request.method == "POST"


def _counter(page: Page) -> int:
    return int(page.locator(POINTS_COUNTER).inner_text().strip())


def _settled(page: Page) -> None:
    """htmx settles 20 ms after a swap (app.js moves focus then); CSS animations (the pop-in) end."""
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')")
    page.wait_for_function("() => document.getAnimations().every((a) => a.playState !== 'running')")
    page.wait_for_timeout(50)


def _mark_page(page: Page) -> None:
    """A marker that a full page load would wipe out."""
    page.evaluate("window.__noReload = true")


def _still_same_page(page: Page) -> bool:
    return page.evaluate("window.__noReload === true")


def _open_question_from_home(page: Page, journey: DemoJourney) -> str:
    """From the journey home, follow the "next step" card to the open question; returns its path."""
    question = f"/challenges/{journey.challenge_id('value')}"
    next_card = page.locator(f".next-step a.next-card[href='{question}']")
    expect(next_card).to_be_visible()
    # The same question is in the level list, open (a link), on level 1.
    expect(page.locator(".levels > li.level").nth(0).locator(f"a.challenge-title[href='{question}']")).to_be_visible()
    next_card.click()  # a boosted link: htmx swaps the body and pushes the URL
    page.wait_for_url(lambda url: urlsplit(url).path == question)
    expect(page.locator("#challenge-page textarea[name=answer]")).to_be_visible()
    return question


def _answer_with_htmx(page: Page, question: str) -> None:
    """Type an answer and submit: htmx swaps #challenge-page; no page load."""
    url_before = page.url
    _mark_page(page)
    page.fill("#challenge-page textarea[name=answer]", ANSWER)
    with page.expect_response(_is_post(question)) as answer:
        page.locator(SUBMIT).click()
    assert answer.value.status == 200
    assert answer.value.request.headers.get("hx-request") == "true"
    expect(page.locator("#challenge-page .celebration")).to_be_visible()
    expect(page.locator(POINTS_COUNTER)).to_have_text(str(START_POINTS + QUESTION_POINTS))
    assert page.url == url_before, f"The answer navigated from {url_before} to {page.url}"
    assert _still_same_page(page), "The answer reloaded the page instead of swapping #challenge-page"


def _assert_level_2_and_badge(page: Page, journey: DemoJourney, lang: int) -> None:
    """lang: 0 for Dutch, 1 for English content (the seed's names, not translated UI strings)."""
    page.goto("/")
    levels = page.locator("ol.levels > li.level")
    expect(levels).to_have_count(3)
    expect(levels.nth(0)).to_have_class(UNLOCKED)
    expect(levels.nth(1)).to_have_class(UNLOCKED)
    expect(levels.nth(1)).not_to_have_class(LOCKED)
    expect(levels.nth(1).locator("h3")).to_have_text(journey.level_names[2][lang])
    expect(levels.nth(2)).to_have_class(LOCKED)
    expect(page.locator("li.level-locked")).to_have_count(1)
    # Level 2's challenges are open now: links, no locked items.
    expect(levels.nth(1).locator(".challenge-locked")).to_have_count(0)
    expect(levels.nth(1).locator("a.challenge-title").first).to_be_visible()
    expect(page.locator(".score-card .score-number")).to_have_text(str(START_POINTS + QUESTION_POINTS))

    page.goto("/badges")
    earned = page.locator(".badge-card.badge-earned .badge-name")
    expect(earned).to_have_count(3)  # first step, voice of the customer, and now loyal fan
    expect(earned.filter(has_text=journey.badge_names[LOYAL][lang])).to_have_count(1)
    to_earn = page.locator(".badge-card.badge-todo .badge-name")
    expect(to_earn.filter(has_text=journey.badge_names[LOYAL][lang])).to_have_count(0)


def test_dutch_customer_reaches_level_2_with_htmx(new_tab, log_in, journey_reset, demo_journey):
    email = KLANT[0]
    journey_reset(email)
    tab = new_tab(locale="nl-NL")
    page = tab.page
    log_in(page, email)
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    assert _counter(page) == START_POINTS
    expect(page.locator("ol.levels > li.level").nth(1)).to_have_class(LOCKED)

    question = _open_question_from_home(page, demo_journey)
    _answer_with_htmx(page, question)
    celebration = page.locator(".celebration")
    expect(celebration.locator(".celebration-level")).to_have_count(1)
    expect(celebration.locator(".celebration-level")).to_be_visible()
    expect(celebration.locator(".celebration-level")).to_contain_text(demo_journey.level_names[2][0])
    expect(celebration.locator(".celebration-badge")).to_have_count(1)
    expect(celebration.locator(".celebration-badge")).to_be_visible()
    expect(celebration.locator(".celebration-badge")).to_contain_text(demo_journey.badge_names[LOYAL][0])
    expect(celebration).to_contain_text(str(QUESTION_POINTS))
    # The score card beside the challenge follows too, and the form is gone.
    expect(page.locator("#challenge-page .score-number")).to_have_text(str(START_POINTS + QUESTION_POINTS))
    expect(page.locator("#challenge-page form textarea")).to_have_count(0)
    expect(page.locator("html")).to_have_attribute("lang", "nl")

    _assert_level_2_and_badge(page, demo_journey, lang=0)
    tab.assert_clean()


def test_english_customer_reaches_level_2_with_htmx(new_tab, log_in, journey_reset, demo_journey):
    email = CUSTOMER[0]
    journey_reset(email)
    tab = new_tab(locale="nl-NL")  # the account's language (English) wins over the browser's
    page = tab.page
    log_in(page, email)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert _counter(page) == START_POINTS

    question = _open_question_from_home(page, demo_journey)
    expect(page.locator("h1")).to_have_text("What does working with us bring you?")
    _answer_with_htmx(page, question)
    celebration = page.locator(".celebration")
    expect(celebration.locator(".celebration-title")).to_contain_text(f"You earned {QUESTION_POINTS} points")
    expect(celebration.locator(".celebration-level")).to_have_text("New level reached: Triggering loyalty!")
    expect(celebration.locator(".celebration-badge")).to_have_text("New badge: Loyal fan")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    _assert_level_2_and_badge(page, demo_journey, lang=1)
    tab.assert_clean()


def test_dutch_customer_reaches_level_2_without_javascript(new_tab, log_in, journey_reset, demo_journey):
    email = KLANT[0]
    journey_reset(email)
    tab = new_tab(locale="nl-NL", javascript=False)
    page = tab.page
    log_in(page, email)
    assert _counter(page) == START_POINTS

    question = f"/challenges/{demo_journey.challenge_id('value')}"
    with page.expect_navigation():
        page.locator(f".next-step a.next-card[href='{question}']").click()
    assert path_of(page) == question
    page.fill("textarea[name=answer]", ANSWER)
    with page.expect_response(_is_post(question)) as answer, page.expect_navigation():
        page.locator(SUBMIT).click()
    assert answer.value.status == 303
    assert urlsplit(answer.value.headers["location"]).path == question
    assert answer.value.request.headers.get("hx-request") is None
    assert path_of(page) == question

    flashes = page.locator(".flashes .flash")
    expect(flashes).to_have_count(3)  # points, the new level, the new badge
    expect(flashes.nth(0)).to_contain_text(str(QUESTION_POINTS))
    expect(flashes.filter(has_text=demo_journey.level_names[2][0])).to_have_count(1)
    expect(flashes.filter(has_text=demo_journey.badge_names[LOYAL][0])).to_have_count(1)
    expect(page.locator(".flash-success")).to_have_count(3)
    expect(page.locator(POINTS_COUNTER)).to_have_text(str(START_POINTS + QUESTION_POINTS))
    # The challenge now shows as done; there is no form to send it twice.
    expect(page.locator("#challenge-page .status-done")).to_be_visible()
    expect(page.locator("#challenge-page textarea")).to_have_count(0)

    # A reload does not repeat the news (flashes are shown once).
    page.reload()
    expect(page.locator(".flash")).to_have_count(0)
    _assert_level_2_and_badge(page, demo_journey, lang=0)
    tab.assert_clean()


def test_too_short_answer_comes_back_in_place_with_the_error(new_tab, log_in, journey_reset, demo_journey):
    email = KLANT[0]
    journey_reset(email)
    tab = new_tab(locale="nl-NL")
    page = tab.page
    log_in(page, email)
    question = f"/challenges/{demo_journey.challenge_id('value')}"
    page.goto(question)
    url_before = page.url
    _mark_page(page)

    page.fill("#challenge-page textarea[name=answer]", "abc")
    with page.expect_response(_is_post(question)) as answer:
        page.locator(SUBMIT).click()
    assert answer.value.status == 422
    error = page.locator("#challenge-page .field-error")
    expect(error).to_be_visible()
    expect(error).not_to_be_empty()
    expect(page.locator("#challenge-page .form-errors[role=alert]")).to_be_visible()
    textarea = page.locator("#challenge-page textarea[name=answer]")
    expect(textarea).to_have_value("abc")
    expect(textarea).to_have_attribute("aria-invalid", "true")
    _settled(page)
    focused = page.evaluate("document.activeElement.name || document.activeElement.tagName")
    assert focused == "answer", f"After the 422 focus is on {focused!r}, expected the textarea"
    expect(page.locator(".celebration")).to_have_count(0)
    assert page.url == url_before
    assert _still_same_page(page), "The 422 reloaded the page instead of swapping #challenge-page"
    assert _counter(page) == START_POINTS

    # Correcting it in place then works.
    page.fill("#challenge-page textarea[name=answer]", ANSWER)
    page.locator(SUBMIT).click()
    expect(page.locator("#challenge-page .celebration")).to_be_visible()
    expect(page.locator(POINTS_COUNTER)).to_have_text(str(START_POINTS + QUESTION_POINTS))
    tab.assert_clean(allow=(failed_resource(f"{tab.base_url}{question}", "422 (UNPROCESSABLE ENTITY)"),))


def test_ambassador_claims_a_reward_in_place(new_tab, log_in, journey_reset, demo_journey):
    journey_reset(AMBASSADEUR)
    tab = new_tab(locale="nl-NL")
    page = tab.page
    log_in(page, AMBASSADEUR)
    page.goto("/rewards")
    before = _counter(page)
    assert before == 200
    expect(page.locator("#rewards-balance")).to_have_text("200")

    reward_id = demo_journey.reward_ids[DONATION]
    card = page.locator(f"#reward-{reward_id}")
    expect(card).to_have_class(re.compile(r"\breward-claimable\b"))
    url_before = page.url
    _mark_page(page)
    with page.expect_response(_is_post(f"/rewards/{reward_id}/claim")) as answer:
        card.locator("form.reward-claim button[type=submit]").click()
    assert answer.value.status == 200
    assert answer.value.request.headers.get("hx-request") == "true"

    expect(page.locator(POINTS_COUNTER)).to_have_text(str(before - 50))
    expect(page.locator("#rewards-balance")).to_have_text(str(before - 50))
    card = page.locator(f"#reward-{reward_id}")
    expect(card).to_have_count(1)
    expect(card).to_have_class(re.compile(r"\breward-blocked\b"))
    expect(card.locator(".flash-success[role=status]")).to_be_visible()
    expect(card.locator(".reward-state .tag-done")).to_be_visible()
    expect(card.locator("form.reward-claim")).to_have_count(0)
    # Only that card changed: the others are still there, in order.
    expect(page.locator(".reward-grid > li")).to_have_count(len(demo_journey.reward_ids))
    assert page.url == url_before
    assert _still_same_page(page), "Claiming reloaded the page instead of swapping the card"

    page.goto("/points")
    expect(page.locator(POINTS_COUNTER)).to_have_text(str(before - 50))
    tab.assert_clean()


# --- axe, phone width and screenshots ------------------------------------------------------------

# view -> (account, path or a challenge key, expected <html lang>)
VIEWS = {
    "journey-home-nl": (KLANT[0], "/", "nl"),
    "journey-home-en": (CUSTOMER[0], "/", "en"),
    "challenge-nl": (KLANT[0], "challenge:value", "nl"),
    "challenge-en": (CUSTOMER[0], "challenge:value", "en"),
    "points": (AMBASSADEUR, "/points", "nl"),
    "badges": (AMBASSADEUR, "/badges", "nl"),
    "rewards": (AMBASSADEUR, "/rewards", "nl"),
    "contributions": (AMBASSADEUR, "/contributions", "nl"),
    "profile": (AMBASSADEUR, "/profile", "nl"),
    "leaderboard": (AMBASSADEUR, "/leaderboard", "nl"),
    "share": (AMBASSADEUR, "challenge:share", "nl"),
}


@pytest.fixture
def open_journey_view(new_tab, log_in, demo_journey) -> Callable[..., Tab]:
    """Sign in as the view's account and open its page (these views change nothing)."""

    def open_(name: str, viewport: dict = DESKTOP) -> Tab:
        account, where, lang = VIEWS[name]
        if where.startswith("challenge:"):
            path = f"/challenges/{demo_journey.challenge_id(where.removeprefix('challenge:'))}"
        else:
            path = where
        tab = new_tab(locale="nl-NL", viewport=viewport)
        log_in(tab.page, account)
        if path != "/":
            tab.page.goto(path)
        assert path_of(tab.page) == path
        expect(tab.page.locator("html")).to_have_attribute("lang", lang)
        tab.page.wait_for_load_state("load")
        return tab

    return open_


def _assert_no_serious_violations(tab: Tab, view: str) -> None:
    violations = Axe().run(tab.page).response["violations"]
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    if violations:
        print(f"axe on {view}:\n{describe(violations)}")
    assert not blocking, (
        f"axe found {len(blocking)} serious/critical violation(s) on {view} "
        f"(all {len(violations)} listed):\n{describe(violations)}"
    )


@pytest.mark.parametrize("view", list(VIEWS))
def test_axe_finds_no_serious_violations_on_journey_pages(open_journey_view, view):
    tab = open_journey_view(view)
    if view.startswith("challenge-"):
        expect(tab.page.locator("#challenge-page textarea[name=answer]")).to_be_visible()
    if view == "share":
        expect(tab.page.locator(".share-kit")).to_be_visible()
    _assert_no_serious_violations(tab, view)
    tab.assert_clean()


def test_axe_on_the_celebration_and_the_form_errors(new_tab, log_in, journey_reset, demo_journey):
    """The states htmx swaps in: the 422 form with errors, then the celebration."""
    email = CUSTOMER[0]
    journey_reset(email)
    tab = new_tab(locale="en-GB")
    page = tab.page
    log_in(page, email)
    question = f"/challenges/{demo_journey.challenge_id('value')}"
    page.goto(question)
    page.fill("#challenge-page textarea[name=answer]", "abc")
    page.locator(SUBMIT).click()
    expect(page.locator("#challenge-page .field-error")).to_be_visible()
    _settled(page)
    _assert_no_serious_violations(tab, "challenge with a form error (en)")
    page.fill("#challenge-page textarea[name=answer]", ANSWER)
    page.locator(SUBMIT).click()
    expect(page.locator("#challenge-page .celebration")).to_be_visible()
    _settled(page)
    _assert_no_serious_violations(tab, "celebration after a level-up (en)")
    tab.assert_clean(allow=(failed_resource(f"{tab.base_url}{question}", "422 (UNPROCESSABLE ENTITY)"),))


PHONE_VIEWS = ["journey-home-nl", "journey-home-en", "challenge-nl", "challenge-en", "rewards", "badges", "share"]


@pytest.mark.parametrize("view", PHONE_VIEWS)
def test_journey_pages_fit_a_phone(open_journey_view, view):
    tab = open_journey_view(view, viewport=PHONE)
    layout = tab.page.evaluate(OVERFLOW_JS)
    assert layout["scrollWidth"] <= layout["innerWidth"], (
        f"{view} scrolls sideways at {PHONE['width']}px: scrollWidth {layout['scrollWidth']} > "
        f"innerWidth {layout['innerWidth']}; too wide: {layout['wide']}"
    )
    tab.assert_clean()


def _shoot(page: Page, name: str) -> None:
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    assert path.stat().st_size > 0


def _shoot_both(page: Page, name: str) -> None:
    """`name-desktop.png` and `name-phone.png` of the page as it is now (no reload in between)."""
    page.set_viewport_size(DESKTOP)
    _shoot(page, f"{name}-desktop")
    page.set_viewport_size(PHONE)
    _shoot(page, f"{name}-phone")
    page.set_viewport_size(DESKTOP)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_journey_screenshots(new_tab, log_in, journey_reset, demo_journey, lang):
    """Full-page PNGs in screenshots/ (gitignored): for people reviewing the layout, not compared."""
    SCREENSHOTS.mkdir(exist_ok=True)
    email = KLANT[0] if lang == "nl" else CUSTOMER[0]
    journey_reset(email)
    tab = new_tab(locale="nl-NL" if lang == "nl" else "en-GB")
    page = tab.page
    log_in(page, email)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    _shoot_both(page, f"journey-home-{lang}")

    question = _open_question_from_home(page, demo_journey)
    _shoot_both(page, f"challenge-{lang}")

    _answer_with_htmx(page, question)
    expect(page.locator(".celebration-level")).to_be_visible()
    _settled(page)
    _shoot_both(page, f"levelup-{lang}")

    page.goto("/badges")
    _shoot_both(page, f"badges-{lang}")
    tab.assert_clean()


@pytest.mark.parametrize("view", ["rewards", "share", "contributions"])
def test_ambassador_screenshots(open_journey_view, view):
    SCREENSHOTS.mkdir(exist_ok=True)
    tab = open_journey_view(view)
    _shoot(tab.page, f"{view}-desktop")
    tab.assert_clean()
