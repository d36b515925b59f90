"""Telling a customer something: in the app, and by e-mail through the outbox."""
from __future__ import annotations

from sqlalchemy import bindparam, select, update

from app.auth.models import User
from app.dates import utcnow
from app.extensions import db
from app.mail import queue_mail
from app.notifications.models import Notification

MAX_SHOWN = 5
SUBJECT_MAX = 90  # characters: what a mail client shows of a subject


def headline(text: str, limit: int = SUBJECT_MAX) -> str:
    """A subject from the message itself when the caller gave none: its first sentence, cut at a word."""
    first = " ".join(text.split())
    for end in (". ", "! ", "? "):
        if end in first:
            first = first.split(end, 1)[0] + end.strip()
            break
    if len(first) <= limit:
        return first
    return first[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def notify(user: User, kind: str, text_nl: str, text_en: str, link: str | None = None, email: bool = True,
           subject: tuple[str, str] | None = None) -> Notification:
    """An in-app message and (by default) the same words by e-mail, in the person's language. Flush only.

    `subject` is the e-mail's subject as (Dutch, English): what happened, in a few words. Without it the
    message's first sentence is the subject."""
    note = Notification(user_id=user.id, kind=kind, text_nl=text_nl, text_en=text_en, link=link)
    db.session.add(note)
    db.session.flush()
    if email:
        dutch = user.locale == "nl"
        text = text_nl if dutch else text_en
        title = (subject[0] if dutch else subject[1]) if subject else headline(text)
        queue_mail(user.email, "notification", user.locale, user=user, text=text, link=link, subject=title)
    return note


# Prepared once: the journey home asks it on every visit.
_UNREAD = (
    select(Notification).where(Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None))
    .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(MAX_SHOWN)
)


def unread(user_id: int) -> list[Notification]:
    return list(db.session.scalars(_UNREAD, {"user_id": user_id}))


def mark_read(user_id: int) -> int:
    result = db.session.execute(
        update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False)
    )
    return result.rowcount
