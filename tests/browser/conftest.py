"""Browser tests: the app served in-process, driven by Debian's Chromium through Playwright.

Fixtures here are named so they cannot collide with tests/conftest.py (live_app, live_server,
base_url, browser_type_launch_args, new_tab, log_in). Nothing from tests/conftest.py is used.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEMO_PASSWORD = "demo-ambassador"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"

# (e-mail, name, locale) of the demo customers, as app.cli seeds them.
KLANT = ("klant@example.com", "Kees de Klant", "nl")
CUSTOMER = ("customer@example.com", "Claire Customer", "en")

LOGIN_SUBMIT = "form[action='/login'] button[type=submit]"
LOGOUT_SUBMIT = "form[action='/logout'] button[type=submit]"


def _require_chromium() -> None:
    if os.path.exists(CHROMIUM):
        return
    message = f"{CHROMIUM} is missing: apt-get install -y chromium"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session", autouse=True)
def _chromium_available() -> None:
    """Skip (or, with REQUIRE_BROWSER=1, fail) before anything is started."""
    _require_chromium()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    _require_chromium()
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    from app import create_app
    from app.demo.seed import seed_demo_data
    from app.extensions import db

    tmp_path = tmp_path_factory.mktemp("browser")
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/browser.db",
            "SECRET_KEY": "browser-tests",
            "RATELIMIT_ENABLED": False,
            "RATELIMIT_STORAGE_URI": "memory://",
            "MAIL_DELIVER_ON_COMMIT": False,
            "JOBS_KICK_ON_COMMIT": False,
            "MAIL_BACKEND": "log",
            # Plain http on 127.0.0.1, whatever the environment says.
            "SERVER_NAME": None,
            "HTTPS": False,
            "PREFERRED_URL_SCHEME": "http",
            "SESSION_COOKIE_SECURE": False,
            "REMEMBER_COOKIE_SECURE": False,
            "WTF_CSRF_SSL_STRICT": False,
        }
    )
    with app.app_context():
        db.create_all()
        seed_demo_data(DEMO_PASSWORD)
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def buffered(wsgi_app):
    """Read each response whole (and close its file) before the socket sees a byte.

    Chromium drops connections it no longer needs (a favicon, a prefetched page); werkzeug's dev
    server then leaves a static file's handle to the garbage collector, and the ResourceWarning it
    raises fails whichever test runs next. A closed file cannot leak.
    """

    def serve(environ, start_response):
        chunks = wsgi_app(environ, start_response)
        try:
            body = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        return [body]

    return serve


@pytest.fixture(scope="session")
def live_server(live_app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, buffered(live_app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="browser-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def base_url(live_server: str) -> str:
    return live_server


@pytest.fixture(autouse=True)
def _demo_locales(live_app) -> None:
    """Tests switch languages, which is saved on the account: start each test from the seed."""
    from app.auth.models import User
    from app.demo.seed import DEMO_CUSTOMERS, DEMO_STAFF
    from app.extensions import db

    seeded = {email: locale for email, _name, _role, locale, _mgr in DEMO_STAFF}
    seeded.update({email: locale for email, _name, locale, _company in DEMO_CUSTOMERS})
    with live_app.app_context():
        for email, locale in seeded.items():
            user = User.by_email(email)
            if user.locale != locale:
                user.locale = locale
        db.session.commit()
        db.session.remove()


@dataclass
class Tab:
    """A page plus what went wrong in it: console errors, uncaught exceptions, CSP violations."""

    page: Page
    base_url: str
    problems: list[str] = field(default_factory=list)

    def assert_clean(self, *, allow: tuple[str, ...] = ()) -> None:
        """No problems, except the exact messages in `allow` (an expected 4xx is logged as an error)."""
        unexpected = [problem for problem in self.problems if problem not in allow and not self._favicon(problem)]
        assert not unexpected, "Browser reported problems:\n" + "\n".join(unexpected)

    def _favicon(self, problem: str) -> bool:
        # Chromium asks for /favicon.ico on its own; the app has none, which logs exactly this.
        return problem == failed_resource(self.base_url + "/favicon.ico", "404 (NOT FOUND)")


def failed_resource(url: str, status: str) -> str:
    """How Chromium reports a 4xx/5xx response on the console."""
    return f"console error: Failed to load resource: the server responded with a status of {status} ({url})"


_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__reportCspViolation(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"} `
    + `in ${e.sourceFile || e.documentURI}:${e.lineNumber}`);
});
"""


@pytest.fixture
def new_tab(browser: Browser, browser_context_args: dict, base_url: str) -> Iterator[Callable[..., Tab]]:
    """Open a page in a fresh context: `new_tab(locale="en-GB", viewport=PHONE, javascript=False)`."""
    contexts = []

    def open_tab(*, locale: str = "nl-NL", viewport: dict | None = None, javascript: bool = True) -> Tab:
        context = browser.new_context(
            **{
                **browser_context_args,
                "locale": locale,
                "viewport": viewport or DESKTOP,
                "java_script_enabled": javascript,
            }
        )
        contexts.append(context)
        tab = Tab(context.new_page(), base_url)

        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                tab.problems.append(f"console error: {message.text} ({message.location.get('url', '')})")

        tab.page.on("console", on_console)
        tab.page.on("pageerror", lambda error: tab.problems.append(f"uncaught exception: {error}"))
        context.expose_binding("__reportCspViolation", lambda _source, text: tab.problems.append(f"CSP: {text}"))
        context.add_init_script(_CSP_LISTENER)
        return tab

    yield open_tab
    for context in contexts:
        context.close()


def path_of(page: Page) -> str:
    return urlsplit(page.url).path


def wait_for_path(page: Page, path: str) -> None:
    page.wait_for_url(lambda url: urlsplit(url).path == path)


@pytest.fixture
def log_in() -> Callable[..., None]:
    """Sign in through the real form and wait until the landing page has loaded."""

    def sign_in(page: Page, email: str, password: str = DEMO_PASSWORD, lands_on: str = "/") -> None:
        page.goto("/login")
        page.fill("#email", email)
        page.fill("#password", password)
        page.locator(LOGIN_SUBMIT).click()
        wait_for_path(page, lands_on)
        expect(page.locator(LOGOUT_SUBMIT)).to_be_visible()

    return sign_in
