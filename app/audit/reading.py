"""Reading the log back: filtered, newest first, a page at a time along an index, each entry
rendered in the viewer's language with its object named and linked."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from flask_babel import get_timezone
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import selectinload

from app.audit.models import AuditEntry
from app.audit.objects import ObjectRef, describe, load_objects
from app.audit.services import SUMMARY_BY_LOCALE
from app.audit.wording import ACTIONS, action_detail, action_label, changed_fields, named_facts
from app.auth.models import CUSTOMER, User
from app.extensions import db

PER_PAGE = 50
EXPORT_BATCH = 500
EXPORT_MAX = 50_000


@dataclass
class Filters:
    actor_id: int | None = None
    action: str | None = None
    object_type: str | None = None
    since: date | None = None
    until: date | None = None


def _utc(day: date) -> datetime:
    """Midnight at the start of `day` in the programme's time zone, as stored (naive UTC)."""
    zone = get_timezone()
    naive = datetime.combine(day, time.min)
    local = zone.localize(naive) if hasattr(zone, "localize") else naive.replace(tzinfo=zone)
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def filtered(filters: Filters) -> Select:
    query = select(AuditEntry)
    if filters.actor_id is not None:
        query = query.where(AuditEntry.actor_id == filters.actor_id)
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.object_type:
        query = query.where(AuditEntry.target_type == filters.object_type)
    if filters.since:
        query = query.where(AuditEntry.created_at >= _utc(filters.since))
    if filters.until:
        query = query.where(AuditEntry.created_at < _utc(filters.until + timedelta(days=1)))
    return query


@dataclass
class Page:
    items: list[AuditEntry]
    newer: int | None  # cursor for the newer page (the first entry's id) or None on the first page
    older: int | None  # cursor for the older page (the last entry's id) or None on the last page


def page(filters: Filters, before: int | None = None, after: int | None = None, per_page: int = PER_PAGE) -> Page:
    """One page, newest first, from a cursor: entries older than `before` or newer than `after`
    (keyset pagination: the database walks an index, whatever the page number)."""
    newest_first = (AuditEntry.created_at.desc(), AuditEntry.id.desc())
    query = filtered(filters).options(selectinload(AuditEntry.actor))
    cursor = after if after is not None else before
    if cursor is not None:
        at = select(AuditEntry.created_at).where(AuditEntry.id == cursor).scalar_subquery()
        if after is not None:
            query = query.where(or_(AuditEntry.created_at > at, and_(AuditEntry.created_at == at, AuditEntry.id > cursor)))
        else:
            query = query.where(or_(AuditEntry.created_at < at, and_(AuditEntry.created_at == at, AuditEntry.id < cursor)))
    if after is not None:
        rows = list(db.session.scalars(query.order_by(AuditEntry.created_at, AuditEntry.id).limit(per_page + 1)))
        more_newer = len(rows) > per_page
        items = list(reversed(rows[:per_page]))
        return Page(items, items[0].id if more_newer and items else None, items[-1].id if items else None)
    rows = list(db.session.scalars(query.order_by(*newest_first).limit(per_page + 1)))
    items = rows[:per_page]
    return Page(items, items[0].id if cursor is not None and items else None,
                items[-1].id if len(rows) > per_page else None)


@dataclass
class Line:
    """An entry as the log shows it."""
    entry: AuditEntry
    actor: str | None
    what: str
    detail: str | None
    obj: ObjectRef | None
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)
    summary: str | None = None  # the entry's own words, for actions the log has no wording for


def lines(entries: list[AuditEntry], locale: str) -> list[Line]:
    found = load_objects((e.target_type, e.target_id) for e in entries)
    return [_line(entry, found, locale) for entry in entries]


def _line(entry: AuditEntry, found, locale: str) -> Line:
    details = entry.details if isinstance(entry.details, dict) else {}
    summary = None
    if entry.action not in ACTIONS:
        by_locale = details.get(SUMMARY_BY_LOCALE)
        summary = (by_locale.get(locale) if isinstance(by_locale, dict) else None) or entry.summary or None
    return Line(
        entry=entry, actor=entry.actor.name if entry.actor else None, what=action_label(entry.action),
        detail=action_detail(entry.action, details), obj=describe(entry, found, locale),
        changes=changed_fields(details), facts=named_facts(entry.action, details), summary=summary,
    )


def actor_choices() -> list[tuple[int, str]]:
    """Staff who may make changes (customers act on their own data only: erasure is recorded without
    an actor)."""
    return [(row.id, row.name) for row in db.session.execute(
        select(User.id, User.name).where(User.role != CUSTOMER).order_by(User.name, User.id))]


def export_lines(filters: Filters, locale: str) -> Iterator[Line]:
    """Every matching entry, newest first, rendered in batches (one query per object type a batch)."""
    query = (filtered(filters).options(selectinload(AuditEntry.actor))
             .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(EXPORT_MAX))
    batch: list[AuditEntry] = []
    for entry in db.session.scalars(query.execution_options(yield_per=EXPORT_BATCH)):
        batch.append(entry)
        if len(batch) == EXPORT_BATCH:
            yield from lines(batch, locale)
            batch = []
    if batch:
        yield from lines(batch, locale)
