"""Marketer-written content has a Dutch and an English field; show the one for the active locale."""
from __future__ import annotations

from collections.abc import Callable

from flask_babel import force_locale, get_locale


def localized(obj, field: str) -> str:
    """`obj.<field>_nl` or `obj.<field>_en` for the active locale, falling back to the other one."""
    return localized_in(obj, field, str(get_locale() or "nl"))


def localized_in(obj, field: str, locale: str) -> str:
    """`localized` for a locale the caller already knows."""
    first, second = (locale, "en" if locale == "nl" else "nl")
    return getattr(obj, f"{field}_{first}", None) or getattr(obj, f"{field}_{second}", None) or ""


def localized_value(value, locale: str | None = None) -> str:
    """For config dicts like {"nl": "…", "en": "…"} stored in JSON."""
    if isinstance(value, str):
        return value
    if not isinstance(value, dict):
        return ""
    locale = locale or str(get_locale() or "nl")
    other = "en" if locale == "nl" else "nl"
    return value.get(locale) or value.get(other) or ""


def in_both_languages(make: Callable[[], str]) -> tuple[str, str]:
    """(Dutch, English) of a message made with gettext: notifications and ledger reasons are stored in
    both languages, so each reader later sees their own."""
    texts = []
    for locale in ("nl", "en"):
        with force_locale(locale):
            texts.append(make())
    return texts[0], texts[1]
