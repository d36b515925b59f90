"""axe-core on the main pages, phone-width layout, and screenshots for people to look at."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.conftest import CUSTOMER, DESKTOP, KLANT, PHONE, SCREENSHOTS, Tab, path_of
from tests.browser.helpers import BLOCKING, OVERFLOW_JS, describe

pytestmark = pytest.mark.browser

# view name -> (browser language, account to sign in with or None, landing path, expected <html lang>)
VIEWS = {
    "login-nl": ("nl-NL", None, "/login", "nl"),
    "login-en": ("en-GB", None, "/login", "en"),
    "home-nl": ("nl-NL", KLANT[0], "/", "nl"),
    "home-en": ("nl-NL", CUSTOMER[0], "/", "en"),
    "admin": ("nl-NL", "marketing@example.com", "/admin", "nl"),
    "sales": ("nl-NL", "sales@example.com", "/sales", "en"),
}


@pytest.fixture
def open_view(new_tab, log_in) -> Callable[..., Tab]:
    def open_(name: str, viewport: dict = DESKTOP) -> Tab:
        browser_locale, account, path, lang = VIEWS[name]
        tab = new_tab(locale=browser_locale, viewport=viewport)
        if account:
            log_in(tab.page, account, lands_on=path)
        else:
            tab.page.goto(path)
        assert path_of(tab.page) == path
        expect(tab.page.locator("html")).to_have_attribute("lang", lang)
        tab.page.wait_for_load_state("load")
        return tab

    return open_


@pytest.mark.parametrize("view", list(VIEWS))
def test_axe_finds_no_serious_violations(open_view, view):
    tab = open_view(view)
    violations = Axe().run(tab.page).response["violations"]
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    if violations:
        print(f"axe on {view}:\n{describe(violations)}")
    assert not blocking, (
        f"axe found {len(blocking)} serious/critical violation(s) on {view} "
        f"(all {len(violations)} listed):\n{describe(violations)}"
    )
    tab.assert_clean()


@pytest.mark.parametrize("view", ["login-nl", "login-en", "home-nl", "home-en"])
def test_phone_width_has_no_horizontal_overflow(open_view, view):
    tab = open_view(view, viewport=PHONE)
    layout = tab.page.evaluate(OVERFLOW_JS)
    assert layout["scrollWidth"] <= layout["innerWidth"], (
        f"{view} scrolls sideways at {PHONE['width']}px: scrollWidth {layout['scrollWidth']} > "
        f"innerWidth {layout['innerWidth']}; too wide: {layout['wide']}"
    )
    tab.assert_clean()


@pytest.mark.parametrize("view", ["login-nl", "login-en", "home-nl", "home-en", "admin", "sales"])
def test_screenshots(open_view, view):
    """Full-page PNGs in screenshots/ (gitignored): for people reviewing the layout, not compared."""
    SCREENSHOTS.mkdir(exist_ok=True)
    tab = open_view(view, viewport=DESKTOP)
    name = view.split("-")[0] if view in ("admin", "sales") else view
    path = SCREENSHOTS / f"{name}-desktop.png"
    tab.page.screenshot(path=str(path), full_page=True, animations="disabled")
    assert path.stat().st_size > 0
    if view not in ("admin", "sales"):
        tab.page.set_viewport_size(PHONE)
        path = SCREENSHOTS / f"{view}-phone.png"
        tab.page.screenshot(path=str(path), full_page=True, animations="disabled")
        assert path.stat().st_size > 0
    tab.assert_clean()
