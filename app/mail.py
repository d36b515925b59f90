"""E-mail outbox: mail is queued in the same transaction as the change and delivered after commit.

A message that cannot be delivered is retried with a growing, capped delay for MAIL_RETRY_FOR (three
days by default) from its first attempt; only then is it dead, listed for admins who can queue it again."""
from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from flask import current_app, g, has_request_context, render_template
from flask_babel import force_locale
from sqlalchemy import CheckConstraint, Index, Select, String, Text, delete, event, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.dates import utcnow
from app.extensions import db
from app.identity.services import Identity, identity
from app.jobs.kick import after_commit
from app.jobs.lease import current_worker

log = logging.getLogger(__name__)

PENDING, SENDING, SENT = "pending", "sending", "sent"
# Given up after MAIL_RETRY_FOR. Stored as "failed", the name it had before retries ran for days.
DEAD = "failed"
# A claim without a worker's name (`flask send-mail`, the web process) left in SENDING by a process
# that died is tried again after this; a worker's own claims are released as soon as it restarts or
# its heartbeat goes stale (release_claims).
STALE_CLAIM = timedelta(minutes=10)
# After the first failure: quick retries for a hiccup, then a steady pace for an outage.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))
RETRY_EVERY = timedelta(hours=3)


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint(f"status IN {(PENDING, SENDING, SENT, DEAD)!r}", name="status_known"),
        Index("ix_outbox_messages_due", "status", "next_attempt_at"),
        # The mail sent to one person (the participant page, the privacy export and erasure).
        Index("ix_outbox_messages_to_created", "to_address", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10), default=PENDING, server_default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The first failed attempt: the retry window runs from here, not from queueing (the worker may
    # have been down for a while).
    first_attempt_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    # The worker holding the claim (app.jobs.lease), None for a claim from another process.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} to={self.to_address} {self.status}>"


def queue_mail(to: str, kind: str, locale: str, **context) -> OutboxMessage:
    """Render `mail/<kind>.txt` in the recipient's language and add it to the outbox (flush only)."""
    with force_locale(locale):
        subject = render_template(f"mail/{kind}.subject.txt", **context).strip()
        body = render_template(f"mail/{kind}.txt", **context)
    message = OutboxMessage(to_address=to, subject=subject, body_text=body, kind=kind)
    db.session.add(message)
    db.session.flush()
    db.session.info.setdefault("outbox_queued", []).append(message.id)
    after_commit("mail")
    return message


@event.listens_for(Session, "after_commit")
def _remember_committed(session: Session) -> None:
    queued = session.info.pop("outbox_queued", None)
    if queued and has_request_context():
        g.setdefault("outbox_committed", []).extend(queued)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop("outbox_queued", None)


def deliver_committed_after_request(response):
    """On a laptop (log backend) mail shows up in the log right away; SMTP is left to the worker."""
    ids = g.pop("outbox_committed", None)
    if ids and current_app.config.get("MAIL_DELIVER_ON_COMMIT", current_app.config["MAIL_BACKEND"] == "log"):
        try:
            deliver_due(only_ids=ids)
        except Exception:  # the outbox keeps it; the worker tries again
            log.exception("Immediate delivery failed; left in the outbox")
            release_session()
    return response


def release_session() -> None:
    """End the session after a failure without risking a second one: roll back, and when even that
    fails (a dead or hanging connection) drop the connection instead of waiting on it."""
    try:
        db.session.rollback()
    except Exception:
        log.warning("Rollback failed; the connection is discarded", exc_info=True)
        db.session().invalidate()


def _claim(message_id: int) -> bool:
    """Take a message for delivery; a conditional UPDATE so two workers never send the same mail.
    Stamped with the time of the claim itself: a long batch must not make its own claims look stale."""
    now = utcnow()
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .where(
            (OutboxMessage.status == PENDING)
            | ((OutboxMessage.status == SENDING) & (OutboxMessage.claimed_at < now - STALE_CLAIM))
        )
        .values(status=SENDING, claimed_at=now, claimed_by=current_worker())
    )
    db.session.commit()
    return result.rowcount == 1


def _sender_address() -> str:
    """The address part of MAIL_DEFAULT_SENDER (an operator may still write "Name <address>")."""
    return parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1] or "no-reply@example.com"


def _build(message: OutboxMessage, sender: Identity | None = None) -> EmailMessage:
    """The e-mail as sent: from the organisation's sender name, replies to its reply-to address."""
    sender = sender or identity()
    address = _sender_address()
    email = EmailMessage()
    # No name set anywhere yet: the bare address (a neutral phrase would need a language here).
    email["From"] = Address(display_name=sender.sender_name or sender.organisation_name, addr_spec=address)
    if sender.reply_to:
        email["Reply-To"] = sender.reply_to
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain=address.rpartition("@")[2] or None)
    email.set_content(message.body_text)
    return email


class SmtpBackend:
    def __init__(self, config):
        self.config = config
        self.conn: smtplib.SMTP | None = None

    def __enter__(self):
        c = self.config
        if c["MAIL_USE_SSL"]:
            self.conn = smtplib.SMTP_SSL(
                c["MAIL_SERVER"], c["MAIL_PORT"], timeout=c["MAIL_TIMEOUT"], context=ssl.create_default_context()
            )
        else:
            self.conn = smtplib.SMTP(c["MAIL_SERVER"], c["MAIL_PORT"], timeout=c["MAIL_TIMEOUT"])
            if c["MAIL_USE_TLS"]:
                self.conn.starttls(context=ssl.create_default_context())
        if c["MAIL_USERNAME"]:
            self.conn.login(c["MAIL_USERNAME"], c["MAIL_PASSWORD"] or "")
        return self

    def send(self, email: EmailMessage) -> None:
        assert self.conn is not None
        self.conn.send_message(email)

    def __exit__(self, *exc):
        if self.conn is not None:
            try:
                self.conn.quit()
            except smtplib.SMTPException:
                pass


class LogBackend:
    def __enter__(self):
        return self

    def send(self, email: EmailMessage) -> None:
        current_app.logger.info(
            "E-mail to %s: %s\n\n%s", email["To"], email["Subject"], email.get_content()
        )

    def __exit__(self, *exc):
        return None


def _backend():
    return SmtpBackend(current_app.config) if current_app.config["MAIL_BACKEND"] == "smtp" else LogBackend()


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt."""
    return RETRY_DELAYS[attempts - 1] if attempts <= len(RETRY_DELAYS) else RETRY_EVERY


def deliver_due(limit: int = 100, only_ids: list[int] | None = None) -> dict[str, int]:
    """Deliver what is due. Returns counts of sent and failed messages."""
    now = utcnow()
    query = (
        select(OutboxMessage.id)
        .where(
            ((OutboxMessage.status == PENDING) & (OutboxMessage.next_attempt_at <= now))
            | ((OutboxMessage.status == SENDING) & (OutboxMessage.claimed_at < now - STALE_CLAIM))
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if only_ids is not None:
        query = query.where(OutboxMessage.id.in_(only_ids))
    ids = list(db.session.scalars(query))
    counts = {"sent": 0, "failed": 0}
    if not ids:
        return counts
    retry_for = timedelta(seconds=current_app.config["MAIL_RETRY_FOR"])
    try:
        backend = _backend().__enter__()
    except (OSError, smtplib.SMTPException) as exc:
        # The server is unreachable: count an attempt on each due message, keep them all.
        for message_id in ids:
            if _claim(message_id):
                _failed(db.session.get(OutboxMessage, message_id), exc, retry_for)
                counts["failed"] += 1
        db.session.commit()
        return counts
    sender = identity(fresh=True)  # one read per batch: marketing may have changed it meanwhile
    try:
        for message_id in ids:
            if not _claim(message_id):
                continue
            message = db.session.get(OutboxMessage, message_id)
            try:
                backend.send(_build(message, sender))
            except (OSError, smtplib.SMTPException) as exc:
                _failed(message, exc, retry_for)
                counts["failed"] += 1
            else:
                message.status, message.sent_at, message.attempts = SENT, utcnow(), message.attempts + 1
                message.last_error = None
                counts["sent"] += 1
            db.session.commit()
    finally:
        backend.__exit__(None, None, None)
    return counts


def _failed(message: OutboxMessage, exc: Exception, retry_for: timedelta) -> None:
    now = utcnow()
    message.attempts += 1
    message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    message.first_attempt_at = message.first_attempt_at or now
    if now - message.first_attempt_at >= retry_for:
        message.status = DEAD
        log.error("Mail %s is dead after %s attempts since %s: %s", message.id, message.attempts,
                  message.first_attempt_at.isoformat(timespec="minutes"), exc)
        return
    message.status = PENDING
    message.next_attempt_at = now + retry_delay(message.attempts)
    log.warning("Mail %s failed (attempt %s), next attempt at %s: %s", message.id, message.attempts,
                message.next_attempt_at.isoformat(timespec="minutes"), exc)


def next_attempt_at() -> datetime | None:
    """When the earliest message still waiting falls due (a retry's moment), None when none waits."""
    return db.session.scalar(select(func.min(OutboxMessage.next_attempt_at)).where(OutboxMessage.status == PENDING))


def release_claims(alive: list[str]) -> int:
    """Give back the claims of workers not in `alive` (dead, or restarted and so no longer sending
    them): those messages are due again at once. Commits; returns how many were released."""
    query = (
        update(OutboxMessage)
        .where(OutboxMessage.status == SENDING, OutboxMessage.claimed_by.is_not(None))
        .values(status=PENDING, claimed_by=None, next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if alive:
        query = query.where(OutboxMessage.claimed_by.not_in(alive))
    released = db.session.execute(query).rowcount
    db.session.commit()
    if released:
        log.warning("Released %s e-mail claims of workers that stopped; they are delivered again", released)
    return released


def backlog() -> Select:
    """Messages waiting or being sent, and when the oldest was queued: a statement for the health check."""
    return select(func.count(), func.min(OutboxMessage.created_at)).where(OutboxMessage.status.in_((PENDING, SENDING)))


def purge_sent(older_than: timedelta) -> int:
    """Remove delivered mail sent longer ago than `older_than` (flush only); returns how many."""
    result = db.session.execute(
        delete(OutboxMessage).where(OutboxMessage.status == SENT, OutboxMessage.sent_at < utcnow() - older_than)
    )
    return result.rowcount


def dead_mail() -> Select:
    """Dead messages, the most recently tried first (for the admin list)."""
    return select(OutboxMessage).where(OutboxMessage.status == DEAD).order_by(
        OutboxMessage.claimed_at.desc(), OutboxMessage.id.desc())


def dead_count() -> Select:
    """How many messages are dead: a statement, so the health check can run it on its own connection."""
    return select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == DEAD)


def requeue(message_id: int) -> bool:
    """Queue a dead message again, with a fresh retry window (flush only). A conditional UPDATE, so
    two admins clicking at once queue it once; False when it was not dead (any more)."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == DEAD)
        .values(status=PENDING, attempts=0, first_attempt_at=None, next_attempt_at=utcnow(), claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1
