"""Delivering queued webhook messages: claimed with a conditional UPDATE (two workers never send one
message at once), signed, posted through the outbound guard, every attempt logged; a failure is
retried after the next delay of WEBHOOK_RETRY_DELAYS, and an endpoint that has failed for
WEBHOOK_DISABLE_AFTER_DAYS without one success is disabled and every admin told.

The job runner calls `deliver_due()` after every commit that queued a message (`queued()` asks it
to, through app.jobs.kick), at `next_attempt_at()` for a retry, and every minute as a sweep."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from app.auth.models import ADMIN, User
from app.dates import utcnow
from app.extensions import db
from app.integrations import outbound
from app.jobs.claims import claim, due
from app.jobs.kick import after_commit
from app.notifications.services import notify
from app.urls import external_url
from app.webhooks import signing
from app.webhooks.models import DELIVERED, FAILED, PENDING, WebhookAttempt, WebhookEndpoint, WebhookMessage

log = logging.getLogger(__name__)

EXCERPT = 500  # characters of the receiver's answer kept in the log


def queued(message_id: int) -> None:
    """Note a message added in the current transaction (flush only): once it commits, the job runner
    is asked to deliver."""
    after_commit("webhooks")


def next_attempt_at() -> datetime | None:
    """When the next message of an enabled endpoint is due (now or earlier when one is due already)."""
    return db.session.scalar(
        select(func.min(WebhookMessage.next_attempt_at)).join(WebhookEndpoint)
        .where(WebhookMessage.status == PENDING, WebhookEndpoint.enabled.is_(True))
    )


def secrets_in_use(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The secret, and during the overlap after a rotation the previous one too."""
    if endpoint.previous_secret and endpoint.previous_secret_until and endpoint.previous_secret_until > now:
        return [endpoint.secret, endpoint.previous_secret]
    return [endpoint.secret]


def retry_delays() -> list[int]:
    return [int(seconds) for seconds in current_app.config["WEBHOOK_RETRY_DELAYS"]]


def deliver_due(limit: int = 100, only_ids: list[int] | None = None) -> dict[str, int]:
    """One round: deliver what is due to enabled endpoints. Returns counts of sent and failed attempts."""
    now = utcnow()
    query = (select(WebhookMessage.id).join(WebhookEndpoint)
             .where(due(WebhookMessage, now), WebhookEndpoint.enabled.is_(True)).order_by(WebhookMessage.id).limit(limit))
    if only_ids is not None:
        query = query.where(WebhookMessage.id.in_(only_ids))
    counts = {"sent": 0, "failed": 0}
    for message_id in list(db.session.scalars(query)):
        if not claim(WebhookMessage, message_id):
            continue
        message = db.session.get(WebhookMessage, message_id)
        counts["sent" if attempt(message) else "failed"] += 1
        db.session.commit()
    return counts


def attempt(message: WebhookMessage) -> bool:
    """Post one claimed message and log it (flush only). True on a 2xx answer."""
    endpoint = message.endpoint
    now = utcnow()
    body = message.payload.encode()
    answer = outbound.post(endpoint.url, body, signing.headers(secrets_in_use(endpoint, now), message.msg_id, now, body),
                           allow_private=endpoint.allow_private, timeout=current_app.config["WEBHOOK_TIMEOUT"])
    message.attempts += 1
    db.session.add(WebhookAttempt(
        message_id=message.id, number=message.attempts, attempted_at=now, status_code=answer.status,
        duration_ms=answer.duration_ms, ok=answer.ok, response_excerpt=(answer.body or "")[:EXCERPT],
        error=(answer.error or "")[:500],
    ))
    if answer.ok:
        message.status, message.delivered_at, message.claimed_at = DELIVERED, now, None
        endpoint.failing_since = None
        db.session.flush()
        return True
    message.retries += 1
    delays = retry_delays()
    if message.retries <= len(delays):
        message.status, message.next_attempt_at = PENDING, now + timedelta(seconds=delays[message.retries - 1])
    else:
        message.status = FAILED
    message.claimed_at = None
    log.warning("Webhook %s to endpoint %s failed (attempt %s): %s %s", message.msg_id, endpoint.id,
                message.attempts, answer.status, answer.error or "")
    endpoint.failing_since = endpoint.failing_since or now
    if endpoint.enabled and now - endpoint.failing_since >= timedelta(days=current_app.config["WEBHOOK_DISABLE_AFTER_DAYS"]):
        disable_failing(endpoint, now)
    db.session.flush()
    return False


def disable_failing(endpoint: WebhookEndpoint, now: datetime) -> None:
    """Switch off an endpoint that kept failing and tell every active admin (flush only)."""
    endpoint.enabled, endpoint.auto_disabled, endpoint.disabled_at = False, True, now
    days = current_app.config["WEBHOOK_DISABLE_AFTER_DAYS"]
    link = external_url("admin_webhooks.edit", endpoint_id=endpoint.id)
    for admin in db.session.scalars(select(User).where(User.role == ADMIN, User.is_active.is_(True)).order_by(User.id)):
        notify(
            admin, "webhook_disabled",
            f"Het webhook-adres {endpoint.url} gaf {days} dagen lang alleen fouten en is uitgeschakeld. "
            "Los de oorzaak op en zet het weer aan; de berichten die nog wachten worden dan verstuurd.",
            f"The webhook endpoint {endpoint.url} failed for {days} days without a single success and was "
            "disabled. Solve the cause and enable it again; the messages still waiting are then sent.",
            link=link,
            subject=("Webhook uitgeschakeld", "Webhook disabled"),
        )
    log.error("Webhook endpoint %s disabled after failing since %s", endpoint.id, endpoint.failing_since)
