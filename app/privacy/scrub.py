"""Taking a person's name, address and links out of free text that other rows hold about them
(ledger reasons, notifications, mail, audit summaries and details, notes)."""
from __future__ import annotations

import json
import re
from collections.abc import Iterable

from sqlalchemy import JSON, Text, cast, delete, func, or_, select

from app.audit.models import AuditEntry
from app.extensions import db
from app.journey.models import Submission
from app.mail import OutboxMessage
from app.notifications.models import Notification
from app.nps.models import FollowUp, NpsResponse, Survey
from app.points.models import PointsEntry
from app.referrals.models import Ask, Referee, ReferralEvent

# What stands where a name was. Language-neutral, so it reads in Dutch and English alike.
PLACEHOLDER = "[…]"
# Shorter strings (initials, "Jan") would also match ordinary words in other people's text.
MIN_NEEDLE = 4


def needles(*values: str | None) -> list[str]:
    """The strings that identify a person, longest first (so "Kees van Dijk" goes before "Kees")."""
    found = {str(v).strip() for v in values if v and len(str(v).strip()) >= MIN_NEEDLE}
    return sorted(found, key=len, reverse=True)


def redact_text(text: str | None, words: Iterable[str]) -> str | None:
    if not text:
        return text
    for word in words:
        text = re.sub(re.escape(word), PLACEHOLDER, text, flags=re.IGNORECASE)
    return text


def redact_json(value, words: Iterable[str]):
    words = list(words)
    if isinstance(value, str):
        return redact_text(value, words)
    if isinstance(value, list):
        return [redact_json(v, words) for v in value]
    if isinstance(value, dict):
        return {k: redact_json(v, words) for k, v in value.items()}
    return value


def _matches(column, words: list[str]):
    """A WHERE clause: the column mentions any of the words (case-insensitive; JSON as its text,
    where a non-ASCII name may be stored \\u-escaped; SQLite's lower() folds ASCII only, so the
    words as written are looked for too)."""
    is_json = isinstance(column.type, JSON)
    text = cast(column, Text) if is_json else column
    forms = set()
    for word in words:
        forms.add(word)
        if is_json:
            forms.add(json.dumps(word)[1:-1])
    return or_(*(clause for form in forms for clause in (
        func.lower(text).contains(form.lower(), autoescape=True), text.contains(form, autoescape=True))))


def redact_mentions(model, columns: Iterable[str], words: list[str], companions: Iterable[str] = (),
                    where=None) -> int:
    """Replace the words in these columns of every row that mentions them (flush only).

    `companions` (a company name, say) are only taken out of rows that mention one of the words:
    on their own they may well be about someone else."""
    if not words:
        return 0
    columns = list(columns)
    statement = select(model).where(or_(*(_matches(getattr(model, c), words) for c in columns)))
    if where is not None:
        statement = statement.where(where)
    every = words + needles(*companions)
    rows = list(db.session.scalars(statement))
    for row in rows:
        for name in columns:
            value = getattr(row, name)
            if isinstance(getattr(model, name).type, JSON):
                value = redact_json(value, every)
            else:
                value = redact_text(value, every)
            setattr(row, name, value)
    db.session.flush()
    return len(rows)


# Free text anywhere that may name a person: (model, its text and JSON columns). Every erasure
# (a customer's, a referee's objection) takes the person's identifying strings out of all of them.
def mention_columns():
    return (
        (PointsEntry, ("reason_nl", "reason_en")),
        (Notification, ("text_nl", "text_en", "link")),
        (OutboxMessage, ("subject", "body_text", "last_error")),
        (AuditEntry, ("summary", "details", "object_label")),
        (ReferralEvent, ("note",)),
        (Ask, ("note",)),
        (FollowUp, ("note",)),
        (NpsResponse, ("reason",)),
        (Survey, ("occasion",)),
        (Submission, ("data", "review_note")),
    )


def redact_everywhere(words: list[str], companions: Iterable[str] = ()) -> None:
    for model, columns in mention_columns():
        redact_mentions(model, columns, words, companions)


# People per pass: each table is scanned once per batch, not once per person (the retention purge
# may forget hundreds at a time), while the OR of LIKEs stays a sensible size.
FORGET_BATCH = 50


def forget_referee_mentions(referees: Iterable[Referee]) -> None:
    """What other rows say about these referees goes: the referrers' ledger reasons and notifications
    ("Introduction of <name>"), mail to account managers, audit summaries; mail to them is dropped.
    A company is taken out only of rows that also name one of the people."""
    referees = list(referees)
    for start in range(0, len(referees), FORGET_BATCH):
        batch = referees[start:start + FORGET_BATCH]
        words = needles(*(value for r in batch for value in (r.name, r.email, r.linkedin_url)))
        redact_everywhere(words, companions=[r.company for r in batch if r.company])
        addresses = [r.email.lower() for r in batch if r.email]
        if addresses:
            db.session.execute(delete(OutboxMessage).where(func.lower(OutboxMessage.to_address).in_(addresses))
                               .execution_options(synchronize_session=False))
