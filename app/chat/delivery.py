"""Delivering queued chat messages: after the commit, by the worker, never inside a request.

A message that fails is retried on a growing schedule (CHAT_RETRY_DELAYS seconds, the last one
repeating) until CHAT_RETRY_FOR seconds after its first attempt; then it is given up and shown on the
channel's settings page with the receiver's answer. A receiver that refuses the message itself
(a 4xx other than 408 and 429: a removed webhook, a body it does not take) is given up at once.
The address is checked against the outgoing-request guard again before every attempt."""
from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from app.chat.models import FAILED, PENDING, SENDING, SENT, ChatMessage
from app.dates import utcnow
from app.extensions import db
from app.integrations.outbound import Answer, post
from app.jobs.claims import STALE_CLAIM, claim, due

log = logging.getLogger(__name__)
RETRYABLE_4XX = (408, 429)


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt."""
    delays = current_app.config["CHAT_RETRY_DELAYS"]
    return timedelta(seconds=delays[min(attempts, len(delays)) - 1])


def next_attempt_at() -> datetime | None:
    """When the next message is due (for the runner's schedule), or None when nothing waits."""
    pending = db.session.scalar(select(func.min(ChatMessage.next_attempt_at)).where(ChatMessage.status == PENDING))
    claimed = db.session.scalar(select(func.min(ChatMessage.claimed_at)).where(ChatMessage.status == SENDING))
    candidates = [t for t in (pending, claimed + STALE_CLAIM if claimed else None) if t is not None]
    return min(candidates) if candidates else None


def _send(message: ChatMessage) -> Answer:
    """Post it; an error (the guard's refusal, the channel turned off) reads in the owner's language,
    who sees it on the settings page."""
    channel = message.channel
    with force_locale(channel.owner.locale):
        if not channel.enabled:
            return Answer(None, 0, "", _("The channel was turned off before the message was sent."))
        return post(channel.url, json.dumps(message.body).encode(), {"Content-Type": "application/json"})


def _permanent(answer: Answer) -> bool:
    return answer.status is not None and 400 <= answer.status < 500 and answer.status not in RETRYABLE_4XX


def _record(message: ChatMessage, answer: Answer) -> bool:
    now = utcnow()
    message.attempts += 1
    message.response_code = answer.status
    if answer.ok:
        message.status, message.sent_at, message.last_error = SENT, now, None
        return True
    message.first_attempt_at = message.first_attempt_at or now
    error = answer.error or f"HTTP {answer.status}: {answer.body[:300]}".strip()
    message.last_error = error[:1000]
    retry_for = timedelta(seconds=current_app.config["CHAT_RETRY_FOR"])
    gone = not message.channel.enabled or _permanent(answer)
    if gone or now - message.first_attempt_at >= retry_for:
        message.status = FAILED
        log.warning("Chat message %s given up after %s attempts: %s", message.id, message.attempts, error)
    else:
        message.status, message.next_attempt_at = PENDING, now + retry_delay(message.attempts)
    return False


def deliver_due(limit: int = 100) -> dict[str, int]:
    """Post what is due, oldest first. Returns counts of sent and failed (this round's) attempts."""
    ids = list(db.session.scalars(select(ChatMessage.id).where(due(ChatMessage, utcnow())).order_by(ChatMessage.id).limit(limit)))
    counts = {"sent": 0, "failed": 0}
    for message_id in ids:
        if not claim(ChatMessage, message_id):
            continue
        message = db.session.get(ChatMessage, message_id)
        counts["sent" if _record(message, _send(message)) else "failed"] += 1
        db.session.commit()
    return counts


def purge_old(now: datetime | None = None) -> int:
    """Delivered messages go after CHAT_KEEP_DAYS days, given-up ones that long after they were
    queued (flush only; the daily job commits). Returns how many went."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["CHAT_KEEP_DAYS"])
    result = db.session.execute(
        delete(ChatMessage).where(((ChatMessage.status == SENT) & (ChatMessage.sent_at < cutoff))
                                  | ((ChatMessage.status == FAILED) & (ChatMessage.created_at < cutoff)))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
