"""People in a real browser, as admin@example.com (English): invite a sales colleague, set their
manager, make them account manager of a company with an open detractor follow-up (the follow-up
and its alerts move to them, the old account manager's list no longer shows it), and deactivate a
marketer whose session is open in another browser (refused on the next request, page and htmx).

The company, its unhappy customer and the marketer are made for this test and removed afterwards
with the colleague it invites, so the shared demo data is as before for the other tests.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DEMO_PASSWORD, PHONE, SCREENSHOTS, Tab, wait_for_path
from tests.browser.helpers import OVERFLOW_JS

pytestmark = pytest.mark.browser

ADMIN = "admin@example.com"  # English
OLD_AM = "sales@example.com"  # Sam Jansen, managed by sales-lead@example.com
COMPANY = "Browsertest Detractor BV"
UNHAPPY = "Dirk Detractor"
NEW_COLLEAGUE = ("Nina Nieuw", "nina.nieuw@example.com")
MARKETER = ("Mees Marketing", "mees.marketing@example.com")
SHOTS = Path("/work/briefs/shots")


@dataclass
class Seeded:
    company_id: int
    response_id: int


@pytest.fixture
def people_world(live_app) -> Iterator[Seeded]:
    from sqlalchemy import delete, select

    from app.auth.models import CUSTOMER, Company, User
    from app.auth.models import MARKETER as MARKETER_ROLE
    from app.auth.services import create_user
    from app.extensions import db
    from app.nps.services import record_answer

    with live_app.test_request_context():
        company = Company(name=COMPANY, account_manager=User.by_email(OLD_AM))
        db.session.add(company)
        customer = create_user("dirk@detractor.example", UNHAPPY, CUSTOMER, locale="en", company=company,
                               password=DEMO_PASSWORD)
        create_user(MARKETER[1], MARKETER[0], MARKETER_ROLE, locale="en", password=DEMO_PASSWORD)
        response = record_answer(customer, 2, "Deliveries were late twice")
        seeded = Seeded(company.id, response.id)
        db.session.commit()
        db.session.remove()
    yield seeded
    with live_app.app_context():
        db.session.execute(delete(Company).where(Company.id == seeded.company_id))
        emails = ("dirk@detractor.example", MARKETER[1], NEW_COLLEAGUE[1])
        db.session.execute(delete(User).where(User.email.in_(emails)))
        db.session.commit()
        assert db.session.scalar(select(User.id).where(User.email.in_(emails))) is None
        db.session.remove()


def _sign_in(page: Page, email: str, lands_on: str) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    wait_for_path(page, lands_on)


def _shoot(page: Page, name: str) -> None:
    for folder in (SCREENSHOTS, SHOTS):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True, animations="disabled")


def _no_sideways_scroll(page: Page) -> None:
    probe = page.evaluate(OVERFLOW_JS)
    assert probe["scrollWidth"] <= probe["innerWidth"] + 1, probe


def _follow_up(live_app, response_id: int) -> tuple[int, set[int]]:
    from sqlalchemy import select

    from app.extensions import db
    from app.nps.models import Alert, FollowUp

    with live_app.app_context():
        assignee = db.session.scalar(select(FollowUp.assignee_id).where(FollowUp.response_id == response_id))
        recipients = set(db.session.scalars(select(Alert.recipient_id).where(Alert.response_id == response_id)))
        db.session.remove()
    return assignee, recipients


def _user_id(live_app, email: str) -> int:
    from app.auth.models import User
    from app.extensions import db

    with live_app.app_context():
        user_id = User.by_email(email).id
        db.session.remove()
    return user_id


def test_admin_hands_an_account_with_an_open_detractor_follow_up_to_a_new_colleague(
        live_app, new_tab: Callable[..., Tab], people_world: Seeded):
    old_am_tab = new_tab(locale="en-GB")
    _sign_in(old_am_tab.page, OLD_AM, "/sales")
    old_am_tab.page.goto("/nps/follow-ups")
    expect(old_am_tab.page.locator("main")).to_contain_text(UNHAPPY)

    admin = new_tab(locale="en-GB")
    page = admin.page
    _sign_in(page, ADMIN, "/admin")
    page.get_by_role("link", name="Staff", exact=True).click()
    wait_for_path(page, "/admin/staff")
    page.get_by_role("button", name="Invite a colleague").click()
    wait_for_path(page, "/admin/staff/invite")
    page.fill("#name", NEW_COLLEAGUE[0])
    page.fill("#email", NEW_COLLEAGUE[1])
    page.get_by_label("Sales", exact=True).check()
    page.get_by_label("English", exact=True).check()
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator("h1")).to_have_text(NEW_COLLEAGUE[0])
    expect(page.locator(".flash-success")).to_contain_text("Invitation sent")

    page.select_option("#manager", label="Sanne de Vries (sales-lead@example.com)")
    page.get_by_role("button", name="Save manager").click()
    expect(page.locator(".flash-success")).to_contain_text("Sanne de Vries is now the manager of Nina Nieuw")

    page.get_by_role("link", name="Companies", exact=True).click()
    wait_for_path(page, "/admin/companies")
    page.fill("#q", "Browsertest")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=COMPANY).click()
    wait_for_path(page, f"/admin/companies/{people_world.company_id}")
    page.select_option("#account_manager", label=f"{NEW_COLLEAGUE[0]} ({NEW_COLLEAGUE[1]})")
    page.get_by_role("button", name="Change account manager").click()
    expect(page.locator(".flash-success")).to_contain_text("Nina Nieuw is now the account manager")
    expect(page.locator(".flash-success")).to_contain_text("1 open NPS follow-up(s)")
    admin.assert_clean()

    nina, lead, sam = (_user_id(live_app, email) for email in (NEW_COLLEAGUE[1], "sales-lead@example.com", OLD_AM))
    assignee, recipients = _follow_up(live_app, people_world.response_id)
    assert assignee == nina and recipients == {nina, lead} and sam not in recipients

    old_am_tab.page.goto("/nps/follow-ups")
    expect(old_am_tab.page.locator("main")).not_to_contain_text(UNHAPPY)
    old_am_tab.page.goto("/nps/alerts")
    expect(old_am_tab.page.locator("main")).not_to_contain_text(UNHAPPY)
    old_am_tab.assert_clean()


def test_deactivating_a_marketer_refuses_their_open_session_at_once(
        live_app, new_tab: Callable[..., Tab], people_world: Seeded):
    marketer = new_tab(locale="en-GB")
    _sign_in(marketer.page, MARKETER[1], "/admin")
    expect(marketer.page.locator("h1")).to_be_visible()

    admin = new_tab(locale="en-GB")
    _sign_in(admin.page, ADMIN, "/admin")
    admin.page.goto(f"/admin/staff/{_user_id(live_app, MARKETER[1])}")
    admin.page.get_by_role("button", name="Deactivate").click()
    expect(admin.page.locator(".flash-success")).to_contain_text("is deactivated and signed out everywhere")
    admin.assert_clean()

    # The next click (a boosted htmx request) is answered with a redirect to the sign-in page.
    marketer.page.get_by_role("link", name="Participants", exact=True).click()
    wait_for_path(marketer.page, "/login")
    # And a plain page load too.
    marketer.page.goto("/admin")
    wait_for_path(marketer.page, "/login")
    expect(marketer.page.locator("#email")).to_be_visible()


@pytest.mark.parametrize("viewport, suffix", [(None, "desktop"), (PHONE, "phone")])
def test_staff_and_company_pages_look_right(live_app, new_tab: Callable[..., Tab], people_world: Seeded,
                                            viewport, suffix):
    tab = new_tab(locale="en-GB", viewport=viewport)
    _sign_in(tab.page, ADMIN, "/admin")
    for name, path in (("staff", "/admin/staff"), ("companies", "/admin/companies"),
                       ("company", f"/admin/companies/{people_world.company_id}"),
                       ("staff-person", f"/admin/staff/{_user_id(live_app, OLD_AM)}")):
        tab.page.goto(path)
        expect(tab.page.locator("h1")).to_be_visible()
        _no_sideways_scroll(tab.page)
        _shoot(tab.page, f"people-{name}-{suffix}")
    tab.assert_clean()
