"""Webhook endpoints, the messages queued for them (one per event and endpoint) and every attempt
to deliver one (the delivery log)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.dates import utcnow
from app.extensions import db

URL_MAX, DESCRIPTION_MAX = 500, 200
# pending: waits for (another) attempt; sending: claimed by a worker; delivered: a 2xx answer;
# failed: every retry used up; cancelled: never to be sent (the person it was about was erased).
PENDING, SENDING, DELIVERED, FAILED, CANCELLED = "pending", "sending", "delivered", "failed", "cancelled"
STATUSES = (PENDING, SENDING, DELIVERED, FAILED, CANCELLED)


class WebhookEndpoint(db.Model):
    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(URL_MAX))
    description: Mapped[str] = mapped_column(String(DESCRIPTION_MAX), default="")
    events: Mapped[list] = mapped_column(JSON, default=list)  # names from app.events.NAMES
    enabled: Mapped[bool] = mapped_column(default=True)
    # An integration inside the company network: the admin allows private addresses for this one.
    allow_private: Mapped[bool] = mapped_column(default=False)
    # "whsec_" + base64 of the key: the receiver needs it to verify, so it is kept as is.
    secret: Mapped[str] = mapped_column(String(100))
    # After a rotation the old secret signs alongside the new one until this moment.
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_until: Mapped[datetime | None]
    # The first failed attempt since the last success: five days of that and the endpoint is disabled.
    failing_since: Mapped[datetime | None]
    disabled_at: Mapped[datetime | None]
    auto_disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def wants(self, name: str) -> bool:
        return self.enabled and name in (self.events or ())

    def __repr__(self) -> str:
        return f"<WebhookEndpoint {self.id} {self.url} enabled={self.enabled}>"


class WebhookMessage(db.Model):
    """One event for one endpoint. Its `msg_id` is the `webhook-id` header: the same on every retry
    and replay, so a receiver can drop a message it already handled."""
    __tablename__ = "webhook_messages"
    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES!r}", name="status_known"),
        Index("ix_webhook_messages_due", "status", "next_attempt_at"),
        Index("ix_webhook_messages_endpoint_created", "endpoint_id", "created_at"),
        Index("ix_webhook_messages_referee", "referee_id"),
        Index("ix_webhook_messages_user", "user_id"),
        Index("ix_webhook_messages_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    msg_id: Mapped[str] = mapped_column(String(40), unique=True)
    event_type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text)  # the exact JSON body that is signed and sent
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)  # every attempt, replays included (the log's numbers)
    retries: Mapped[int] = mapped_column(default=0)  # failures since it was last queued (the backoff step)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Whom the payload is about, so an erasure finds it: the participant (for a referral, the
    # referrer) and the referee. No foreign key on the referee: an objection deletes the referee.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    referee_id: Mapped[int | None]

    endpoint: Mapped[WebhookEndpoint] = relationship()

    def __repr__(self) -> str:
        return f"<WebhookMessage {self.id} {self.event_type} {self.status}>"


class WebhookAttempt(db.Model):
    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_message", "message_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("webhook_messages.id", ondelete="CASCADE"))
    number: Mapped[int]
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_code: Mapped[int | None]  # None: no HTTP answer (refused, timed out, unsafe target)
    duration_ms: Mapped[int] = mapped_column(default=0)
    ok: Mapped[bool] = mapped_column(default=False)
    response_excerpt: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(String(500), default="")

    message: Mapped[WebhookMessage] = relationship()
