"""A customer's data rights in a real browser: the ZIP download opens and holds their data, the
erasure asks for the password and signs them out; axe on the new pages."""
from __future__ import annotations

import io
import itertools
import json
import zipfile
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from werkzeug.security import generate_password_hash

from tests.browser.conftest import DEMO_PASSWORD, path_of
from tests.browser.helpers import BLOCKING, describe

pytestmark = pytest.mark.browser

_numbers = itertools.count(1)


@pytest.fixture
def own_customer(live_app):
    """A customer of their own (the demo accounts stay as other tests expect them)."""
    from app.auth.models import Company, User
    from app.extensions import db
    from app.journey.models import Challenge, Submission
    from app.terms.services import accept, current_version

    n = next(_numbers)
    with live_app.app_context():
        company = db.session.scalars(db.select(Company).order_by(Company.id)).first()
        user = User(email=f"privacy{n}@example.com", name=f"Pia Privacy {n}", role="customer", locale="en",
                    company_id=company.id, job_title="Planner", password_hash=generate_password_hash(DEMO_PASSWORD))
        db.session.add(user)
        db.session.flush()
        accept(user, current_version(), "en")  # as activating the invitation would have
        question = db.session.scalars(db.select(Challenge).where(Challenge.type_key == "question")).first()
        db.session.add(Submission(user_id=user.id, challenge_id=question.id, data={"answer": "Pia's own answer"},
                                  status="approved"))
        db.session.commit()
        found = (user.id, user.email, user.name)
        db.session.remove()
    return found


def _axe(page, what):
    violations = Axe().run(page).response["violations"]
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"axe on {what}:\n{describe(blocking)}"


def test_the_customer_downloads_their_data_and_it_opens(new_tab, log_in, own_customer):
    _user_id, email, name = own_customer
    tab = new_tab(locale="en-GB")
    page = tab.page
    log_in(page, email)
    page.goto("/profile")
    _axe(page, "/profile")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download my data").click()
    download = info.value
    assert download.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(Path(download.path()).read_bytes())) as archive:
        names = set(archive.namelist())
        account = json.loads(archive.read("account.json"))
        answers = json.loads(archive.read("answers.json"))
        readme = archive.read("README.txt").decode()
    assert {"README.txt", "account.json", "answers.json", "points.json", "consents.json"} <= names
    assert account[0]["email"] == email and account[0]["name"] == name
    assert answers[0]["data"]["answer"] == "Pia's own answer"
    assert "answers.json" in readme and name in readme
    tab.assert_clean()


def test_the_customer_erases_their_data_after_the_password(new_tab, log_in, own_customer, live_app):
    user_id, email, _name = own_customer
    tab = new_tab(locale="en-GB")
    page = tab.page
    log_in(page, email)
    page.goto("/profile")
    page.get_by_role("link", name="Erase my data").click()
    expect(page.get_by_role("heading", name="What stays")).to_be_visible()
    _axe(page, "/profile/erase")
    page.fill("#password", "not my password")
    page.get_by_role("button", name="Erase my data and sign out").click()
    expect(page.locator(".field-error, .error, [role=alert]").first).to_contain_text("That is not your password")
    assert page.input_value("#password") == ""  # a password is never sent back
    _axe(page, "/profile/erase with an error")
    page.fill("#password", DEMO_PASSWORD)
    page.get_by_role("button", name="Erase my data and sign out").click()
    page.wait_for_url("**/login")
    expect(page.get_by_text("Your personal data has been erased")).to_be_visible()
    # The account is gone for signing in: the same form, the same answer as any unknown address.
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    assert path_of(page) == "/login"
    from app.auth.models import User
    from app.extensions import db

    with live_app.app_context():
        shell = db.session.get(User, user_id)
        assert shell.email == f"erased-{user_id}@invalid" and not shell.is_active
        db.session.remove()
    tab.assert_clean(allow=tuple(p for p in tab.problems if "422" in p or "401" in p))


def test_the_admin_erase_page_passes_axe(new_tab, log_in, own_customer):
    user_id, _email, name = own_customer
    tab = new_tab(locale="en-GB")
    page = tab.page
    log_in(page, "admin@example.com", lands_on="/admin")
    page.goto("/admin/participants")
    page.get_by_role("link", name=f"Erase ({name})").click()
    expect(page.get_by_role("heading", name="Erase a participant's data")).to_be_visible()
    _axe(page, "/admin/participants/<id>/erase")
    tab.assert_clean()
