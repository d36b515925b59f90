"""Webhook endpoints and the subscriber that queues a message per event and endpoint (flush only;
the caller's transaction commits the change and its messages together)."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Select, delete, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from app.dates import utcnow
from app.events import NAMES, Event, subscribe
from app.extensions import db
from app.webhooks import payloads, signing
from app.webhooks.delivery import queued
from app.webhooks.models import (
    CANCELLED,
    DELIVERED,
    FAILED,
    PENDING,
    SENDING,
    WebhookAttempt,
    WebhookEndpoint,
    WebhookMessage,
)

ROTATION_OVERLAP = timedelta(hours=24)
ERASED_PAYLOAD = '{"erased":true}'
_CACHE = "webhook_endpoints"  # session.info: the enabled endpoints' events, read once per transaction


# --- the subscriber ------------------------------------------------------------------------------

def _subscribed(name: str) -> list[int]:
    """Ids of the enabled endpoints that want `name`: one query per transaction, however many events."""
    info = db.session.info
    if _CACHE not in info:
        info[_CACHE] = [(row.id, tuple(row.events or ())) for row in db.session.execute(
            select(WebhookEndpoint.id, WebhookEndpoint.events).where(WebhookEndpoint.enabled.is_(True))
            .order_by(WebhookEndpoint.id))]
    return [endpoint_id for endpoint_id, events in info[_CACHE] if name in events]


def forget_endpoints() -> None:
    db.session.info.pop(_CACHE, None)


@sa_event.listens_for(Session, "after_commit")
def _forget(session: Session) -> None:
    if not session.in_nested_transaction():  # a released savepoint is no end of the transaction
        session.info.pop(_CACHE, None)


@sa_event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_CACHE, None)


@subscribe
def on_event(event: Event) -> None:
    """Queue `event` for every enabled endpoint subscribed to it, in the publisher's transaction."""
    if event.name == "referee.erased":
        forget_referee(event.data["referee_id"])  # before its own message, which names the id only
    endpoint_ids = _subscribed(event.name)
    if not endpoint_ids:
        return
    built = payloads.build(event)
    if built is None:
        return
    body = payloads.body(event.name, event.occurred_at, built.data)
    for endpoint_id in endpoint_ids:
        _queue(endpoint_id, event.name, body, built.user_id, built.referee_id)


def _queue(endpoint_id: int, name: str, body: str, user_id: int | None = None,
           referee_id: int | None = None) -> WebhookMessage:
    message = WebhookMessage(endpoint_id=endpoint_id, msg_id=signing.new_message_id(), event_type=name, payload=body,
                             user_id=user_id, referee_id=referee_id, next_attempt_at=utcnow())
    db.session.add(message)
    db.session.flush()
    queued(message.id)
    return message


# --- privacy -------------------------------------------------------------------------------------

def _scrub(where) -> None:
    """Cancel what is still waiting and empty every payload and logged answer of these messages."""
    ids = select(WebhookMessage.id).where(where)
    db.session.execute(update(WebhookMessage).where(where, WebhookMessage.status.in_((PENDING, SENDING)))
                       .values(status=CANCELLED).execution_options(synchronize_session=False))
    db.session.execute(update(WebhookMessage).where(where).values(payload=ERASED_PAYLOAD)
                       .execution_options(synchronize_session=False))
    db.session.execute(update(WebhookAttempt).where(WebhookAttempt.message_id.in_(ids))
                       .values(response_excerpt="").execution_options(synchronize_session=False))


def forget_referee(referee_id: int) -> None:
    """A referee objected or was purged: nothing queued about them leaves, nothing logged keeps them."""
    _scrub(WebhookMessage.referee_id == referee_id)


def forget_person(user_id: int) -> None:
    """A participant is erased: the same for every message about them or the people they introduced."""
    _scrub(WebhookMessage.user_id == user_id)


def messages_about(user_id: int) -> Select:
    return select(WebhookMessage).where(WebhookMessage.user_id == user_id).order_by(WebhookMessage.id)


def purge_old(now: datetime | None = None) -> int:
    """Remove finished messages (and their attempts) older than WEBHOOK_LOG_DAYS; the daily job calls it."""
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["WEBHOOK_LOG_DAYS"])
    where = (WebhookMessage.created_at < cutoff) & WebhookMessage.status.in_((DELIVERED, FAILED, CANCELLED))
    db.session.execute(delete(WebhookAttempt).where(WebhookAttempt.message_id.in_(select(WebhookMessage.id).where(where)))
                       .execution_options(synchronize_session=False))
    result = db.session.execute(delete(WebhookMessage).where(where).execution_options(synchronize_session=False))
    return result.rowcount


# --- endpoints -----------------------------------------------------------------------------------

def known_events(events) -> list[str]:
    return [name for name in NAMES if name in set(events or ())]


def create_endpoint(url: str, description: str, events, enabled: bool, allow_private: bool) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(url=url, description=description, events=known_events(events), enabled=enabled,
                               allow_private=allow_private, secret=signing.new_secret())
    db.session.add(endpoint)
    db.session.flush()
    forget_endpoints()
    return endpoint


def update_endpoint(endpoint: WebhookEndpoint, url: str, description: str, events, enabled: bool,
                    allow_private: bool) -> dict:
    """Apply the form; returns {field: [before, after]} of what changed (for the audit entry)."""
    new = {"url": url, "description": description, "events": known_events(events), "enabled": enabled,
           "allow_private": allow_private}
    changes = {key: [getattr(endpoint, key), value] for key, value in new.items() if getattr(endpoint, key) != value}
    for key, (_before, value) in changes.items():
        setattr(endpoint, key, value)
    if changes.get("enabled") == [False, True]:
        # Enabled again: the five-day count starts afresh.
        endpoint.failing_since, endpoint.disabled_at, endpoint.auto_disabled = None, None, False
    elif changes.get("enabled") == [True, False]:
        endpoint.disabled_at = utcnow()
    db.session.flush()
    forget_endpoints()
    return changes


def rotate_secret(endpoint: WebhookEndpoint) -> str:
    """A new secret; the old one keeps signing alongside it for ROTATION_OVERLAP. Returns the new one."""
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = utcnow() + ROTATION_OVERLAP
    endpoint.secret = signing.new_secret()
    db.session.flush()
    return endpoint.secret


def delete_endpoint(endpoint: WebhookEndpoint) -> None:
    ids = select(WebhookMessage.id).where(WebhookMessage.endpoint_id == endpoint.id)
    db.session.execute(delete(WebhookAttempt).where(WebhookAttempt.message_id.in_(ids))
                       .execution_options(synchronize_session=False))
    db.session.execute(delete(WebhookMessage).where(WebhookMessage.endpoint_id == endpoint.id)
                       .execution_options(synchronize_session=False))
    db.session.delete(endpoint)
    db.session.flush()
    forget_endpoints()


def queue_test(endpoint: WebhookEndpoint) -> WebhookMessage:
    """A `webhook.test` message for this endpoint, whatever it subscribes to."""
    body = payloads.body(payloads.TEST_EVENT, utcnow(), {"endpoint_id": endpoint.id})
    return _queue(endpoint.id, payloads.TEST_EVENT, body)


def replay(message: WebhookMessage) -> bool:
    """Queue a message again with the same webhook-id (a fresh retry schedule). A conditional UPDATE:
    False when it is waiting or being sent already, or its payload was erased."""
    result = db.session.execute(
        update(WebhookMessage)
        .where(WebhookMessage.id == message.id, WebhookMessage.status.in_((DELIVERED, FAILED)),
               WebhookMessage.payload != ERASED_PAYLOAD)
        .values(status=PENDING, retries=0, next_attempt_at=utcnow(), claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(message)
    if result.rowcount == 1:
        queued(message.id)
    return result.rowcount == 1


def endpoints() -> list[WebhookEndpoint]:
    return list(db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def message_log(endpoint_id: int) -> Select:
    """An endpoint's messages, newest first (the log page pages through it)."""
    return (select(WebhookMessage).where(WebhookMessage.endpoint_id == endpoint_id)
            .order_by(WebhookMessage.created_at.desc(), WebhookMessage.id.desc()))


def attempts_of(message_ids: list[int]) -> dict[int, list[WebhookAttempt]]:
    """The attempts of a page of messages, in order: one query."""
    found: dict[int, list[WebhookAttempt]] = {}
    if message_ids:
        for row in db.session.scalars(select(WebhookAttempt).where(WebhookAttempt.message_id.in_(message_ids))
                                      .order_by(WebhookAttempt.message_id, WebhookAttempt.number)):
            found.setdefault(row.message_id, []).append(row)
    return found
