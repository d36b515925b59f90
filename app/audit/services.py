"""Recording a staff change as an audit event, and reading the log back in the viewer's language."""
from __future__ import annotations

from collections.abc import Mapping

from flask_babel import force_locale, get_locale
from flask_babel.speaklater import LazyString
from sqlalchemy import Select, select
from sqlalchemy.orm import defer, selectinload

from app.audit.models import AuditEntry
from app.auth.models import LOCALES, User
from app.extensions import db

# The summary in every language, kept among the details when the change can be named in each.
SUMMARY_BY_LOCALE = "summary_by_locale"


def record(actor: User | None, action: str, target=None, summary="", **details) -> AuditEntry:
    """Note a change in the same transaction as the change itself (flush only).

    `action` is a short machine word like "challenge.publish"; `target` any model instance with an id.
    `summary` is plain text, or, so that every reader sees it in their own language, a lazy gettext
    string or a mapping of locale to text.
    """
    by_locale = _summary_by_locale(summary)
    if by_locale is not None:
        details[SUMMARY_BY_LOCALE] = by_locale
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        target_type=type(target).__name__ if target is not None else None,
        target_id=getattr(target, "id", None),
        summary=_text(summary)[:255],
        details={key: _jsonable(value) for key, value in details.items()},
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def _summary_by_locale(summary) -> dict[str, str] | None:
    if isinstance(summary, Mapping):
        return {locale: str(summary[locale])[:255] for locale in LOCALES if summary.get(locale)}
    if isinstance(summary, LazyString):
        rendered = {}
        for locale in LOCALES:
            with force_locale(locale):
                rendered[locale] = str(summary)[:255]
        return rendered
    return None


def _text(summary) -> str:
    """The summary as stored beside the event: in the language of the person who made the change."""
    if isinstance(summary, Mapping):
        return str(summary.get(str(get_locale())) or next((value for value in summary.values() if value), ""))
    return str(summary)


def _jsonable(value):
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def log(locale: str) -> Select:
    """The log, newest first: (entry, its summary in `locale` or None), without the bulky details
    (an import report can hold thousands of rows)."""
    in_locale = AuditEntry.details[(SUMMARY_BY_LOCALE, locale)].as_string().label("localized")
    return (
        select(AuditEntry, in_locale)
        .options(selectinload(AuditEntry.actor), defer(AuditEntry.details))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    )
