"""Sending, answering and closing feedback. Flush only; the route commits.

Answering and closing are conditional UPDATEs on the status the marketer saw: when two marketers
answer the same message at once, one wins and the other is told, and nothing is overwritten.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import contains_eager, joinedload

from app.audit.services import record
from app.auth.models import User
from app.dates import utcnow
from app.extensions import db
from app.feedback.models import ANSWERED, CLOSED, KINDS, NEW, PAGE_MAX, STATUSES, Feedback
from app.i18n import written_locale
from app.i18n_content import in_both_languages
from app.notifications.services import notify
from app.security import is_safe_redirect
from app.urls import external_url


def page_from_link(value: str | None) -> str:
    """The portal page a customer came from, as the link to "tell us" carried it: a path on this
    site only (no host, no query), else nothing."""
    if not isinstance(value, str) or not is_safe_redirect(value):
        return ""
    path = value.split("?", 1)[0].split("#", 1)[0]
    return path if len(path) <= PAGE_MAX else ""


def send_feedback(user: User, kind: str, message: str, page: str = "") -> Feedback:
    feedback = Feedback(user_id=user.id, kind=kind, message=message, page=page_from_link(page),
                        locale=written_locale(user))
    db.session.add(feedback)
    db.session.flush()
    return feedback


# --- the customer's own messages ----------------------------------------------------------------

def messages_of(user_id: int) -> Select:
    return (select(Feedback).where(Feedback.user_id == user_id)
            .order_by(Feedback.created_at.desc(), Feedback.id.desc()))


# --- the queue ----------------------------------------------------------------------------------

def queue_statement(status: str | None = None, kind: str | None = None) -> Select:
    """Newest first, with the customer, their company and the staff who answered or closed, in one query."""
    statement = (
        select(Feedback)
        .join(Feedback.user)
        .outerjoin(User.company)
        .options(contains_eager(Feedback.user).contains_eager(User.company),
                 joinedload(Feedback.answered_by), joinedload(Feedback.closed_by))
    )
    if status in STATUSES:
        statement = statement.where(Feedback.status == status)
    if kind in KINDS:
        statement = statement.where(Feedback.kind == kind)
    return statement.order_by(Feedback.created_at.desc(), Feedback.id.desc())


def queue_item(feedback_id: int) -> Feedback | None:
    return db.session.scalar(queue_statement().where(Feedback.id == feedback_id))


def new_count_subquery():
    """How many messages wait for an answer (the marketing navigation shows it)."""
    return select(func.count(Feedback.id)).where(Feedback.status == NEW).scalar_subquery()


# --- answering and closing ------------------------------------------------------------------------

@dataclass
class Outcome:
    done: bool
    feedback: Feedback


def _reload(feedback: Feedback) -> Feedback:
    db.session.refresh(feedback)
    return feedback


def answer(feedback: Feedback, by: User, reply: str, close: bool = False) -> Outcome:
    """Send the customer marketing's reply (and close the message if asked). Only a new message can be
    answered: when someone else answered or closed it first, nothing changes and `done` is False."""
    now = utcnow()
    values = {"status": CLOSED if close else ANSWERED, "reply": reply, "answered_at": now, "answered_by_id": by.id}
    if close:
        values.update(closed_at=now, closed_by_id=by.id)
    changed = db.session.execute(
        update(Feedback).where(Feedback.id == feedback.id, Feedback.status == NEW).values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    feedback = _reload(feedback)
    if not changed:
        return Outcome(False, feedback)
    _tell_the_customer(feedback)
    record(by, "feedback.close" if close else "feedback.answer", feedback, summary=feedback.user.name,
           kind=feedback.kind, answered=True)
    return Outcome(True, feedback)


def close(feedback: Feedback, by: User) -> Outcome:
    """Close without (another) answer: a new message nobody needs to answer, or one already answered."""
    changed = db.session.execute(
        update(Feedback).where(Feedback.id == feedback.id, Feedback.status.in_((NEW, ANSWERED)))
        .values(status=CLOSED, closed_at=utcnow(), closed_by_id=by.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    feedback = _reload(feedback)
    if changed:
        record(by, "feedback.close", feedback, summary=feedback.user.name, kind=feedback.kind,
               answered=feedback.answered_at is not None)
    return Outcome(bool(changed), feedback)


def _tell_the_customer(feedback: Feedback) -> None:
    """In-app and by e-mail, in the customer's language; the words around the reply are ours, the reply
    is marketing's own."""
    def message() -> str:
        return _("We answered your message: “%(reply)s”", reply=feedback.reply)

    def subject() -> str:
        return _("An answer to your message")

    text_nl, text_en = in_both_languages(message)
    notify(feedback.user, "feedback", text_nl, text_en,
           link=external_url("feedback.mine", _anchor=f"feedback-{feedback.id}"),
           subject=in_both_languages(subject))


