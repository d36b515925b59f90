"""The first steps of the journey in a real browser: sign in, switch language, sign out."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    CUSTOMER,
    KLANT,
    LOGIN_SUBMIT,
    LOGOUT_SUBMIT,
    failed_resource,
    path_of,
    wait_for_path,
)

pytestmark = pytest.mark.browser

EN_BUTTON = "form.language-switch button[name=locale][value=en]"
NL_BUTTON = "form.language-switch button[name=locale][value=nl]"


def test_dutch_customer_signs_in_switches_to_english_and_signs_out(new_tab, log_in):
    tab = new_tab()
    page = tab.page
    email, name, _locale = KLANT

    log_in(page, email)
    assert path_of(page) == "/"
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.locator("h1")).to_contain_text(name)
    expect(page.locator(NL_BUTTON)).to_have_attribute("aria-pressed", "true")

    # htmx answers the switch with HX-Redirect: a full page load, so <html lang> follows.
    with page.expect_navigation():
        page.locator(EN_BUTTON).click()
    assert path_of(page) == "/"
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_contain_text(name)
    expect(page.locator(EN_BUTTON)).to_have_attribute("aria-pressed", "true")

    page.locator(LOGOUT_SUBMIT).click()
    wait_for_path(page, "/login")
    expect(page.locator("#email")).to_be_visible()
    expect(page.locator(LOGOUT_SUBMIT)).to_have_count(0)

    # The back button asks the server again (no-store) and the session is gone.
    page.go_back()
    wait_for_path(page, "/login")
    expect(page.locator("#email")).to_be_visible()
    expect(page.get_by_text(name)).to_have_count(0)

    page.goto("/")
    assert path_of(page) == "/login"
    expect(page.locator(LOGOUT_SUBMIT)).to_have_count(0)
    tab.assert_clean()


def test_english_customer_gets_english_right_after_sign_in(new_tab, log_in):
    # The browser prefers Dutch; the account's own language wins.
    tab = new_tab(locale="nl-NL")
    page = tab.page
    email, name, _locale = CUSTOMER

    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    log_in(page, email)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_contain_text(name)
    tab.assert_clean()


def test_language_switch_and_sign_in_work_without_javascript(new_tab, log_in):
    tab = new_tab(locale="nl-NL", javascript=False)
    page = tab.page
    email, name, _locale = KLANT

    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    with page.expect_navigation():
        page.locator(EN_BUTTON).click()
    assert path_of(page) == "/login"
    expect(page.locator("html")).to_have_attribute("lang", "en")
    with page.expect_navigation():
        page.locator(NL_BUTTON).click()
    expect(page.locator("html")).to_have_attribute("lang", "nl")

    # A plain POST and a 303 redirect; the account's language (Dutch) applies after sign-in.
    log_in(page, email)
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.locator("h1")).to_contain_text(name)

    with page.expect_navigation():
        page.locator(EN_BUTTON).click()
    assert path_of(page) == "/"
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_contain_text(name)

    page.locator(LOGOUT_SUBMIT).click()
    wait_for_path(page, "/login")
    page.goto("/")
    assert path_of(page) == "/login"
    tab.assert_clean()


def test_wrong_password_keeps_the_form_and_the_email(new_tab):
    tab = new_tab()
    page = tab.page
    email = KLANT[0]

    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", "not-the-password")
    with page.expect_response(lambda r: urlsplit(r.url).path == "/login" and r.request.method == "POST") as answer:
        page.locator(LOGIN_SUBMIT).click()
    assert answer.value.status == 422

    error = page.locator("#password-error")
    expect(error).to_be_visible()
    expect(error).not_to_be_empty()
    expect(page.locator(".form-errors[role=alert]")).to_be_visible()
    expect(page.locator("#password")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#password")).to_have_value("")
    expect(page.locator("#email")).to_have_value(email)
    assert path_of(page) == "/login"
    expect(page.locator(LOGOUT_SUBMIT)).to_have_count(0)
    # Chromium logs every 4xx answer on the console; this one is the point of the test.
    tab.assert_clean(allow=(failed_resource(f"{tab.base_url}/login", "422 (UNPROCESSABLE ENTITY)"),))


def test_wrong_password_puts_focus_on_the_invalid_field(new_tab):
    """app.js promises it: after a form comes back with errors, focus the first invalid field.

    Keyboard and screen-reader users then land where they must act, not at the top of <main>.
    """
    tab = new_tab()
    page = tab.page
    page.goto("/login")
    page.fill("#email", KLANT[0])
    page.fill("#password", "not-the-password")
    page.locator(LOGIN_SUBMIT).click()
    expect(page.locator("#password-error")).to_be_visible()
    # htmx settles 20 ms after the swap; give the focus handlers time to run.
    page.wait_for_function("() => !document.querySelector('.htmx-settling, .htmx-swapping')")
    page.wait_for_timeout(200)
    focused = page.evaluate("document.activeElement.id || document.activeElement.tagName.toLowerCase()")
    assert focused == "password", f"After a failed sign-in focus is on {focused!r}, expected the invalid #password"
