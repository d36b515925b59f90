"""Recording a staff change as a structured audit event (flush only).

The event is what happened, not a sentence: the actor, the action, the object (type and id), the
values it changed (`before=`/`after=` dicts) and other named facts. The log renders it in the
language of whoever reads it (app.audit.wording). A free-text `summary` is still accepted and kept:
it is shown only for actions the log has no wording for.
"""
from __future__ import annotations

from collections.abc import Mapping

from flask import g, has_app_context
from flask_babel import force_locale, get_locale
from flask_babel.speaklater import LazyString

from app.audit.models import AuditEntry
from app.audit.objects import label_snapshot
from app.auth.models import LOCALES, User
from app.extensions import db

# The summary in every language, kept among the details when the change can be named in each.
SUMMARY_BY_LOCALE = "summary_by_locale"


def record(actor: User | None, action: str, target=None, summary="", **details) -> AuditEntry:
    """Note a change in the same transaction as the change itself (flush only).

    `action` is a short machine word like "challenge.publish"; `target` any model instance with an id.
    `summary` is plain text, or, so that every reader sees it in their own language, a lazy gettext
    string or a mapping of locale to text. Pass changed values as `before={field: old}` and
    `after={field: new}`; `changes={field: [old, new]}` is read the same way.
    """
    if has_app_context() and g.get("audit_via"):
        # A change made through the REST API names the token it came with ({"via_api_token": name}).
        details = {**g.audit_via, **details}
    by_locale = _summary_by_locale(summary)
    if by_locale is not None:
        details[SUMMARY_BY_LOCALE] = by_locale
    _split_changes(details)
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        target_type=type(target).__name__ if target is not None else None,
        target_id=getattr(target, "id", None),
        summary=_text(summary)[:255],
        details={key: _jsonable(value) for key, value in details.items()},
        object_label=label_snapshot(target),
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def _split_changes(details: dict) -> None:
    """{field: [before, after]} as the two dicts every entry uses."""
    changes = details.get("changes")
    if isinstance(changes, Mapping) and all(isinstance(v, (list, tuple)) and len(v) == 2 for v in changes.values()):
        del details["changes"]
        details["before"] = {**dict(details.get("before") or {}), **{k: v[0] for k, v in changes.items()}}
        details["after"] = {**dict(details.get("after") or {}), **{k: v[1] for k, v in changes.items()}}


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
