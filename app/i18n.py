"""Locale choice: the user's own setting, then the cookie, then the browser, then Dutch.

A page opened from a personal e-mail link (invitation, reset) counts as that person's own setting
when the visitor has not picked a language here yet."""
from __future__ import annotations

from flask import current_app, g, request
from flask_babel import refresh
from flask_login import current_user

LOCALE_COOKIE = "locale"


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
