"""Locale choice: the user's own setting, then the cookie, then the browser, then Dutch.

A page opened from a personal e-mail link (invitation, reset) counts as that person's own setting
when the visitor has not picked a language here yet."""
from __future__ import annotations

from flask import Flask, current_app, g, request
from flask_babel import get_locale, get_translations, refresh
from flask_login import current_user

LOCALE_COOKIE = "locale"
# Templates' translated strings per (locale, message): the catalogs are loaded once and do not change
# while the process runs, and templates only translate literal strings, so this stays small.
_TEMPLATE_TEXTS: dict = {}


def _template_gettext(string: str) -> str:
    key = (get_locale(), string)
    text = _TEMPLATE_TEXTS.get(key)
    if text is None:
        text = _TEMPLATE_TEXTS[key] = get_translations().ugettext(string)
    return text


def install_template_gettext(app: Flask) -> None:
    """`_()` in templates without Flask-Babel's look-ups of context, domain and catalog on every call
    (a page has dozens); ngettext stays as Flask-Babel installs it."""
    app.jinja_env.install_gettext_callables(
        gettext=_template_gettext,
        ngettext=lambda s, p, n: get_translations().ungettext(s, p, n),
        newstyle=True,
    )


def supported() -> tuple[str, ...]:
    return current_app.config["LANGUAGES"]


def speak_to(locale: str) -> None:
    """For a page opened from a personal e-mail link: the person it is for has a language."""
    g.link_locale = locale
    refresh()


def select_locale() -> str:
    if current_user and current_user.is_authenticated and current_user.locale in supported():
        return current_user.locale
    if request.cookies.get(LOCALE_COOKIE) not in supported() and g.get("link_locale") in supported():
        return g.link_locale
    cookie = request.cookies.get(LOCALE_COOKIE)
    if cookie in supported():
        return cookie
    return request.accept_languages.best_match(supported()) or current_app.config["BABEL_DEFAULT_LOCALE"]


def remember_locale(response, locale: str):
    """Keep the chosen language for a year, also for the next visit before signing in."""
    response.set_cookie(LOCALE_COOKIE, locale, max_age=365 * 86400, samesite="Lax",
                        secure=current_app.config["HTTPS"], httponly=True)
    return response


def written_locale(user=None) -> str:
    """The language a customer is writing in now: the page's language during a request, else their
    own setting. Stored beside their words so staff read them marked with the right `lang`."""
    from flask import has_request_context

    if has_request_context():
        locale = str(get_locale() or "")
        if locale in supported():
            return locale
    locale = getattr(user, "locale", None)
    return locale if locale in supported() else current_app.config["BABEL_DEFAULT_LOCALE"]
