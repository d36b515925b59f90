"""Locale choice: the user's own setting, then the cookie, then the browser, then Dutch."""
from __future__ import annotations

from flask import current_app, request
from flask_login import current_user

LOCALE_COOKIE = "locale"


def supported() -> tuple[str, ...]:
    return current_app.config["LANGUAGES"]


def select_locale() -> str:
    if current_user and current_user.is_authenticated and current_user.locale in supported():
        return current_user.locale
    cookie = request.cookies.get(LOCALE_COOKIE)
    if cookie in supported():
        return cookie
    return request.accept_languages.best_match(supported()) or current_app.config["BABEL_DEFAULT_LOCALE"]
