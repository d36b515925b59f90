"""Marketing in a real browser: design a poll, publish it, reorder the journey, moderate a quote.

The marketer works in Dutch (marketing@example.com), so assertions on marketer pages check ids,
structure and content typed in the test, not translated UI strings. Everything a test changes in
the shared database is put back: the challenges it created (with their answers and points) are
deleted, the order of the others is restored, and the customers it used start from the seed again.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, Response, expect

from tests.browser import journey_fixtures
from tests.browser.conftest import KLANT, LOGOUT_SUBMIT, PHONE, SCREENSHOTS, Tab, path_of, wait_for_path
from tests.browser.helpers import BLOCKING, OVERFLOW_JS, describe
from tests.browser.journey_fixtures import DemoJourney

pytestmark = pytest.mark.browser

demo_journey = journey_fixtures.demo_journey
journey_reset = journey_fixtures.journey_reset

MARKETER = "marketing@example.com"  # Dutch
ADMIN = "admin@example.com"  # English; sees the audit log
OPS = "ops@example.com"  # English customer with a quote waiting for review
OPS_NAME = "Oliver Hughes"
MARKETING_HOME = "/admin"
EDIT_PATH = re.compile(r"^/admin/challenges/(\d+)/edit$")
SUBMIT = "#challenge-page form button[type=submit]"
PARTICIPANTS = "admin_participants.index"


def _is_post(path: str) -> Callable[[Response], bool]:
    return lambda response: urlsplit(response.url).path == path and response.request.method == "POST"


def _mark_page(page: Page) -> None:
    page.evaluate("window.__noReload = true")


def _still_same_page(page: Page) -> bool:
    return page.evaluate("window.__noReload === true")


def _log_out(page: Page) -> None:
    page.locator(LOGOUT_SUBMIT).click()
    wait_for_path(page, "/login")
    expect(page.locator("#email")).to_be_visible()


def _shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    assert path.stat().st_size > 0


# --- putting the database back ---------------------------------------------------------------------

@pytest.fixture
def designer_changes(live_app) -> Iterator[None]:
    """Challenges created during the test are deleted afterwards, with their answers and points, and
    every other challenge gets its position back (a move renumbers the whole level)."""
    from sqlalchemy import select

    from app.extensions import db
    from app.journey.models import Challenge

    with live_app.app_context():
        positions = dict(db.session.execute(select(Challenge.id, Challenge.position)).all())
        db.session.remove()
    yield
    from sqlalchemy import delete

    from app.journey.models import Submission
    from app.points.models import PointsEntry

    with live_app.app_context():
        new_ids = set(db.session.scalars(select(Challenge.id))) - set(positions)
        if new_ids:
            answers = list(db.session.scalars(select(Submission.id).where(Submission.challenge_id.in_(new_ids))))
            if answers:
                db.session.execute(delete(PointsEntry).where(PointsEntry.source_type == "submission",
                                                             PointsEntry.source_id.in_(answers)))
                db.session.execute(delete(Submission).where(Submission.id.in_(answers)))
            for challenge in db.session.scalars(select(Challenge).where(Challenge.id.in_(new_ids))):
                db.session.delete(challenge)
        db.session.flush()
        for challenge in db.session.scalars(select(Challenge)):
            if challenge.position != positions[challenge.id]:
                challenge.position = positions[challenge.id]
        db.session.commit()
        db.session.remove()


@pytest.fixture
def new_notifications(live_app) -> Iterator[None]:
    """Notifications sent during the test (a decision tells the customer) are deleted afterwards."""
    from sqlalchemy import delete, func, select

    from app.extensions import db
    from app.notifications.models import Notification

    with live_app.app_context():
        last = db.session.scalar(select(func.max(Notification.id))) or 0
        db.session.remove()
    yield
    with live_app.app_context():
        db.session.execute(delete(Notification).where(Notification.id > last))
        db.session.commit()
        db.session.remove()


def _seeded_level_1_titles_nl() -> list[str]:
    """The Dutch titles of level 1 in the seed's order (app.demo.journey): what customers see before
    these tests, and again after them."""
    from app.demo.journey import CHALLENGES

    return [title_nl for level, _key, _type, _pts, _rev, title_nl, *_rest in CHALLENGES if level == 1]


def _level_id(live_app, position: int) -> int:
    from sqlalchemy import select

    from app.extensions import db
    from app.journey.models import Level

    with live_app.app_context():
        level_id = db.session.scalar(select(Level.id).where(Level.position == position))
        db.session.remove()
    return level_id


def _has_participants(live_app) -> bool:
    return PARTICIPANTS in live_app.view_functions


# --- the designer ------------------------------------------------------------------------------------

POLL = {
    "title_nl": "Welk onderdeel gebruik je het vaakst?",
    "title_en": "Which part do you use most?",
    "body_nl": "Eén klik: zo weten we waar we als eerste aan moeten werken.",
    "body_en": "One click: so we know what to work on first.",
}
OPTIONS = [("Planning", "Planning"), ("Rapportages", "Reports"), ("Integraties", "Integrations")]
POLL_POINTS = 10  # the form's default


def _create_poll(page: Page, texts: dict[str, str], level_1_id: int, *, javascript: bool) -> int:
    """From the challenge list: New challenge → Poll → fill both languages → Save and publish.
    Returns the new challenge's id (read from the edit page it lands on)."""
    page.goto("/admin/challenges")
    new_link = page.locator(".designer-head a[href^='/admin/challenges/new']")
    if javascript:
        new_link.click()
        wait_for_path(page, "/admin/challenges/new")
    else:
        with page.expect_navigation():
            new_link.click()
    poll_card = page.locator("a.type-card[href*='type=poll']")
    expect(poll_card).to_have_count(1)
    if javascript:
        poll_card.click()
        page.wait_for_url(lambda url: "type=poll" in url)
    else:
        with page.expect_navigation():
            poll_card.click()
    form = page.locator("form.designer-form")
    expect(form.locator("input[name=type]")).to_have_value("poll")
    # Dutch and English side by side: one fieldset per language, each with its own lang.
    expect(form.locator(".lang-columns fieldset.lang-column")).to_have_count(2)
    for name, value in texts.items():
        field = form.locator(f"#{name}")
        expect(field).to_have_attribute("lang", name[-2:])
        field.fill(value)
    # A poll is a level-1 type: the level is preselected.
    expect(form.locator("#level_id")).to_have_value(str(level_1_id))
    expect(form.locator("#points")).to_have_value(str(POLL_POINTS))
    for n, (nl, en) in enumerate(OPTIONS, start=1):
        form.locator(f"#option_{n}_nl").fill(nl)
        form.locator(f"#option_{n}_en").fill(en)
    expect(form.locator("#multiple")).not_to_be_checked()

    publish = form.locator("button[name=action][value=publish]")
    with page.expect_response(_is_post("/admin/challenges/new")) as answer:
        publish.click()
    if javascript:
        # A boosted form: the server answers HX-Redirect and htmx loads the edit page in full.
        assert answer.value.status == 204, answer.value.status
        assert answer.value.request.headers.get("hx-request") == "true"
    else:
        assert answer.value.status == 303, answer.value.status
        assert answer.value.request.headers.get("hx-request") is None
    page.wait_for_url(lambda url: EDIT_PATH.match(urlsplit(url).path) is not None)
    challenge_id = int(EDIT_PATH.match(path_of(page)).group(1))

    # The edit page: published, with what was typed.
    expect(page.locator(".flash-success")).to_have_count(1)
    expect(page.locator(".designer-head .tag.tag-done")).to_have_count(1)
    for name, value in texts.items():
        expect(page.locator(f"form.designer-form #{name}")).to_have_value(value)
    for n, (nl, en) in enumerate(OPTIONS, start=1):
        expect(page.locator(f"#option_{n}_nl")).to_have_value(nl)
        expect(page.locator(f"#option_{n}_en")).to_have_value(en)
    expect(page.locator(f"#option_{len(OPTIONS) + 1}_nl")).to_have_value("")
    return challenge_id


def _level_1_titles(page: Page) -> list[str]:
    """The challenge titles in level 1 of the journey home, top to bottom."""
    level_1 = page.locator("ol.levels > li.level").nth(0)
    expect(level_1.locator(".challenge-title").first).to_be_visible()
    return [title.strip() for title in level_1.locator(".challenge-title").all_inner_texts()]


def _row_ids_of_level(page: Page, level_1_name: str) -> list[int]:
    """Challenge ids of one level's rows in the designer list, in their order (from the up buttons)."""
    ids = page.evaluate(
        """(name) => {
          const group = [...document.querySelectorAll('#challenge-list tbody')]
            .find((tbody) => tbody.querySelector('tr.level-group th').textContent.includes(name));
          return group ? [...group.querySelectorAll('button[value=up]')].map((b) => b.id) : [];
        }""",
        level_1_name,
    )
    return [int(i.rsplit("-", 1)[1]) for i in ids]


def test_marketer_publishes_a_poll_the_customer_completes_and_reorders_it(
    new_tab, log_in, live_app, designer_changes, journey_reset, demo_journey: DemoJourney
):
    email = KLANT[0]
    journey_reset(email)
    level_1_name_nl = demo_journey.level_names[1][0]
    tab = new_tab(locale="nl-NL")
    page = tab.page

    # The customer's level 1 before anything changes.
    log_in(page, email)
    seeded = _level_1_titles(page)
    assert seeded == _seeded_level_1_titles_nl()
    _log_out(page)

    # The marketer creates the poll and publishes it.
    log_in(page, MARKETER, lands_on=MARKETING_HOME)
    poll_id = _create_poll(page, POLL, _level_id(live_app, 1), javascript=True)
    _shoot(page, "designer-edit-desktop")

    # Previews in both languages, reached from the edit page.
    for lang, title_key, options in (("nl", "title_nl", [nl for nl, _ in OPTIONS]),
                                     ("en", "title_en", [en for _, en in OPTIONS])):
        page.locator(f".preview-links a[href$='/preview?lang={lang}']").click()
        page.wait_for_url(lambda url, lang=lang: urlsplit(url).query == f"lang={lang}")
        frame = page.locator(f".preview-frame[lang={lang}]")
        expect(frame.locator("h1")).to_have_text(POLL[title_key])
        expect(frame.locator("input[type=radio]")).to_have_count(len(OPTIONS))
        for option in options:
            expect(frame.get_by_label(option, exact=True)).to_be_visible()
        expect(frame.locator("button[type=submit]")).to_be_disabled()
        _shoot(page, f"designer-preview-{lang}-desktop")
        page.goto(f"/admin/challenges/{poll_id}/edit")

    # In the list it is the last of level 1, published.
    page.goto("/admin/challenges")
    rows = _row_ids_of_level(page, level_1_name_nl)
    assert rows[-1] == poll_id, rows
    _log_out(page)

    # The customer sees it at the end of level 1, in Dutch, and completes it.
    log_in(page, email)
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    before = _level_1_titles(page)
    assert before == [*seeded, POLL["title_nl"]], before
    level_1 = page.locator("ol.levels > li.level").nth(0)
    link = level_1.locator(f"a.challenge-title[href='/challenges/{poll_id}']")
    expect(link).to_have_text(POLL["title_nl"])
    link.click()
    wait_for_path(page, f"/challenges/{poll_id}")
    expect(page.locator("#challenge-page h1")).to_have_text(POLL["title_nl"])
    expect(page.locator("#challenge-page")).to_contain_text(POLL["body_nl"])
    expect(page.locator("#challenge-page input[type=radio][name=choice]")).to_have_count(len(OPTIONS))
    points_before = int(page.locator("#points-counter").inner_text())
    page.locator("#challenge-page").get_by_label(OPTIONS[1][0], exact=True).check()
    _mark_page(page)
    with page.expect_response(_is_post(f"/challenges/{poll_id}")) as answer:
        page.locator(SUBMIT).click()
    assert answer.value.status == 200
    celebration = page.locator("#challenge-page .celebration")
    expect(celebration).to_be_visible()
    expect(celebration.locator(".celebration-title")).to_contain_text(str(POLL_POINTS))
    expect(page.locator("#points-counter")).to_have_text(str(points_before + POLL_POINTS))
    assert _still_same_page(page), "Answering the poll reloaded the page instead of swapping #challenge-page"
    _log_out(page)

    # The marketer moves it to the top of level 1 with the ↑ buttons (htmx swaps only the list).
    log_in(page, MARKETER, lands_on=MARKETING_HOME)
    page.goto("/admin/challenges")
    _mark_page(page)
    index = _row_ids_of_level(page, level_1_name_nl).index(poll_id)
    assert index == len(before) - 1, index
    level_1_rows = page.locator("#challenge-list tbody").nth(0).locator("tr.challenge-row")
    up = page.locator(f"#challenge-up-{poll_id}")
    while index > 0:
        with page.expect_response(_is_post(f"/admin/challenges/{poll_id}/move")) as answer:
            up.click()
        assert answer.value.status == 200
        assert answer.value.request.headers.get("hx-request") == "true"
        index -= 1
        expect(level_1_rows.nth(index).locator(f"#challenge-up-{poll_id}")).to_have_count(1)
        expect(page.locator("#challenge-list .designer-notice[role=status]")).to_contain_text(POLL["title_nl"])
        page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')")
        if index > 0:
            # The button keeps the keyboard focus after the swap (same id), so ↑ can be pressed again.
            focused = page.evaluate("document.activeElement && document.activeElement.id")
            assert focused == f"challenge-up-{poll_id}", f"After a move the focus is on {focused!r}"
    assert _still_same_page(page), "Moving reloaded the page instead of swapping #challenge-list"
    expect(up).to_be_disabled()
    assert _row_ids_of_level(page, level_1_name_nl)[0] == poll_id
    _log_out(page)

    # The customer sees it first now; the others keep their order.
    log_in(page, email)
    after = _level_1_titles(page)
    assert after == [POLL["title_nl"], *seeded], f"before: {before}\nafter: {after}"
    expect(page.locator("ol.levels > li.level").nth(0).locator("li.challenge-item").first).to_have_class(
        re.compile(r"\bchallenge-done\b")
    )
    tab.assert_clean()


NOJS_POLL = {
    "title_nl": "Hoe vaak log je in?",
    "title_en": "How often do you sign in?",
    "body_nl": "Dagelijks, wekelijks of af en toe: alles is goed.",
    "body_en": "Daily, weekly or now and then: all fine.",
}


def test_marketer_publishes_and_reorders_a_poll_without_javascript(
    new_tab, log_in, live_app, designer_changes, demo_journey: DemoJourney
):
    seeded = _seeded_level_1_titles_nl()
    tab = new_tab(locale="nl-NL", javascript=False)
    page = tab.page
    log_in(page, MARKETER, lands_on=MARKETING_HOME)
    poll_id = _create_poll(page, NOJS_POLL, _level_id(live_app, 1), javascript=False)

    page.goto("/admin/challenges")
    with page.expect_response(_is_post(f"/admin/challenges/{poll_id}/move")) as answer, page.expect_navigation():
        page.locator(f"#challenge-up-{poll_id}").click()
    assert answer.value.status == 303
    assert path_of(page) == "/admin/challenges"
    expect(page.locator(".flashes .flash-success")).to_have_count(1)
    rows = _row_ids_of_level(page, demo_journey.level_names[1][0])
    assert rows[-2] == poll_id, rows
    _log_out(page)

    log_in(page, KLANT[0])
    titles = _level_1_titles(page)
    assert titles == [*seeded[:-1], NOJS_POLL["title_nl"], seeded[-1]], titles
    tab.assert_clean()


# --- moderation ----------------------------------------------------------------------------------------

def _pending_quote_of(live_app, email: str) -> tuple[int, str]:
    from sqlalchemy import select

    from app.auth.models import User
    from app.extensions import db
    from app.journey.models import PENDING, Challenge, Submission

    with live_app.app_context():
        submission = db.session.scalar(
            select(Submission).join(Submission.challenge)
            .where(Submission.user_id == User.by_email(email).id, Submission.status == PENDING,
                   Challenge.type_key == "quote")
        )
        assert submission is not None, f"{email} has no quote waiting for review"
        found = submission.id, submission.data["quote"]
        db.session.remove()
    return found


def _library_csv(page: Page) -> str:
    """The library's CSV export, fetched with the page's session."""
    export = page.request.get("/admin/library/export")
    assert export.status == 200
    assert export.headers["content-type"].startswith("text/csv")
    return export.text()


def test_marketer_approves_a_quote_and_a_withdrawn_consent_leaves_the_library(
    new_tab, log_in, live_app, journey_reset, new_notifications
):
    journey_reset(OPS)
    submission_id, quote = _pending_quote_of(live_app, OPS)
    tab = new_tab(locale="nl-NL")
    page = tab.page
    log_in(page, MARKETER, lands_on=MARKETING_HOME)

    page.goto("/admin/moderation")
    card = page.locator(f"#submission-{submission_id}")
    expect(card).to_have_class(re.compile(r"\bmoderation-item\b"))
    expect(card.locator(".moderation-who")).to_contain_text(OPS_NAME)
    expect(card.locator(".answer-text")).to_contain_text(quote)
    page.goto("/admin/library")
    expect(page.locator(f"#library-{submission_id}")).to_have_count(0)
    expect(page.locator(".library-who").filter(has_text=OPS_NAME)).to_have_count(0)
    assert OPS_NAME not in _library_csv(page)
    page.goto("/admin/moderation")

    url_before = page.url
    _mark_page(page)
    review = f"/admin/moderation/{submission_id}/review"
    with page.expect_response(_is_post(review)) as answer:
        card.locator("button[name=decision][value=approve]").click()
    assert answer.value.status == 200
    assert answer.value.request.headers.get("hx-request") == "true"
    result = page.locator(f"#submission-{submission_id}")
    expect(result).to_have_class(re.compile(r"\bmoderation-result\b"))
    expect(result).to_have_attribute("role", "status")
    expect(result.locator(".flash-success")).to_contain_text(OPS_NAME)
    expect(result.locator("form")).to_have_count(0)
    assert page.url == url_before
    assert _still_same_page(page), "Approving reloaded the page instead of swapping the card"

    page.goto("/admin/library")
    item = page.locator(f"#library-{submission_id}")
    expect(item).to_be_visible()
    expect(item).to_contain_text(quote)
    expect(item.locator(".library-who")).to_contain_text(OPS_NAME)
    assert OPS_NAME in _library_csv(page)
    _log_out(page)

    # The customer takes the consent back, in place.
    log_in(page, OPS)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto("/contributions")
    row = page.locator(f"#contribution-{submission_id}")
    expect(row).to_have_class(re.compile(r"\bcontribution-approved\b"))
    _mark_page(page)
    with page.expect_response(_is_post(f"/contributions/{submission_id}/withdraw")) as answer:
        row.locator("form.withdraw-form button[type=submit]").click()
    assert answer.value.status == 200
    expect(row).to_have_class(re.compile(r"\bcontribution-withdrawn\b"))
    expect(row.locator("form.withdraw-form")).to_have_count(0)
    assert _still_same_page(page)
    _log_out(page)

    log_in(page, MARKETER, lands_on=MARKETING_HOME)
    page.goto("/admin/library")
    expect(page.locator(".library-list, .empty-state").first).to_be_visible()
    expect(page.locator(f"#library-{submission_id}")).to_have_count(0)
    # (The seeded ambassador's approved quote has the same words: look for the customer, not the text.)
    expect(page.locator(".library-who").filter(has_text=OPS_NAME)).to_have_count(0)
    assert OPS_NAME not in _library_csv(page)
    tab.assert_clean()


# --- axe, phone width and screenshots ------------------------------------------------------------

def _axe(tab: Tab, view: str) -> tuple[str, bool]:
    """(report, blocking) for the page as it is now."""
    response = Axe().run(tab.page).response
    assert response["passes"], f"axe checked nothing on {view}"
    violations = response["violations"]
    blocking = any(v["impact"] in BLOCKING for v in violations)
    report = f"axe on {view} ({len(violations)} violation(s)):\n{describe(violations)}" if violations else ""
    return report, blocking


def _marketer_views(live_app, demo_journey: DemoJourney) -> dict[str, str]:
    """view name -> path; the edit form and previews are of a seeded poll."""
    poll = demo_journey.challenge_id("channel")
    views = {
        "challenges": "/admin/challenges",
        "challenge-edit": f"/admin/challenges/{poll}/edit",
        "preview-nl": f"/admin/challenges/{poll}/preview?lang=nl",
        "preview-en": f"/admin/challenges/{poll}/preview?lang=en",
        "levels": "/admin/levels",
        "badges": "/admin/badges",
        "rewards": "/admin/rewards",
        "moderation": "/admin/moderation",
        "library": "/admin/library",
        "fulfilment": "/admin/fulfilment",
    }
    if _has_participants(live_app):
        views["participants"] = "/admin/participants"
    return views


# Desktop screenshots taken while axe walks the pages.
DESKTOP_SHOTS = {
    "challenges": "designer-challenges-desktop",
    "moderation": "moderation-queue-desktop",
    "library": "library-desktop",
    "participants": "participants-desktop",
}


def test_axe_finds_no_serious_violations_on_marketing_pages(new_tab, log_in, live_app, demo_journey):
    """One sign-in, every page: all violations are listed, serious and critical ones fail."""
    tab = new_tab(locale="nl-NL")
    page = tab.page
    log_in(page, MARKETER, lands_on=MARKETING_HOME)
    reports, failing = [], []
    for view, path in _marketer_views(live_app, demo_journey).items():
        response = page.goto(path)
        assert response is not None and response.status == 200, f"{path} answered {response and response.status}"
        expect(page.locator("html")).to_have_attribute("lang", "nl")
        page.wait_for_load_state("load")
        if view in DESKTOP_SHOTS:
            _shoot(page, DESKTOP_SHOTS[view])
        report, blocking = _axe(tab, view)
        if report:
            reports.append(report)
        if blocking:
            failing.append(view)
    if reports:
        print("\n\n".join(reports))
    assert not failing, f"serious/critical axe violations on {failing}:\n\n" + "\n\n".join(reports)
    tab.assert_clean()


def test_axe_finds_no_serious_violations_on_the_audit_log(new_tab, log_in):
    tab = new_tab(locale="en-GB")
    page = tab.page
    log_in(page, ADMIN, lands_on=MARKETING_HOME)
    page.goto("/admin/audit")
    assert path_of(page) == "/admin/audit"
    expect(page.locator("html")).to_have_attribute("lang", "en")
    report, blocking = _axe(tab, "audit")
    if report:
        print(report)
    assert not blocking, report
    tab.assert_clean()


def test_marketing_pages_fit_a_phone(new_tab, log_in, live_app):
    """No sideways scrolling at 390 px; the phone screenshots are taken on the way."""
    views = {"/admin/challenges": "designer-challenges-phone", "/admin/moderation": "moderation-queue-phone"}
    if _has_participants(live_app):
        views["/admin/participants"] = "participants-phone"
    tab = new_tab(locale="nl-NL", viewport=PHONE)
    page = tab.page
    log_in(page, MARKETER, lands_on=MARKETING_HOME)
    too_wide = []
    for path, shot in views.items():
        page.goto(path)
        page.wait_for_load_state("load")
        layout = page.evaluate(OVERFLOW_JS)
        if layout["scrollWidth"] > layout["innerWidth"]:
            too_wide.append(f"{path}: scrollWidth {layout['scrollWidth']} > innerWidth {layout['innerWidth']}; "
                            f"too wide: {layout['wide']}")
        _shoot(page, shot)
    assert not too_wide, f"Pages scroll sideways at {PHONE['width']}px:\n" + "\n".join(too_wide)
    tab.assert_clean()
