"""A sales person's (or their team's) incoming-webhook channel, and the outbox of chat messages."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.dates import utcnow
from app.extensions import db

SLACK, TEAMS = "slack", "teams"
KINDS = (SLACK, TEAMS)
# Whose channel: the account manager's own, or the team a sales lead leads (users whose manager they are).
PERSONAL, TEAM = "personal", "team"
SCOPES = (PERSONAL, TEAM)
URL_MAX = 2000

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
STATUSES = (PENDING, SENDING, SENT, FAILED)
# What a message is about.
DETRACTOR_ALERT, PROMOTER_ALERT, UPSELL, INTRODUCTION, WON, TEST = (
    "detractor", "promoter", "upsell", "introduction", "won", "test")
TOPICS = (DETRACTOR_ALERT, PROMOTER_ALERT, UPSELL, INTRODUCTION, WON, TEST)


class ChatChannel(db.Model):
    __tablename__ = "chat_channels"
    __table_args__ = (
        CheckConstraint(f"kind IN {KINDS!r}", name="kind_known"),
        CheckConstraint(f"scope IN {SCOPES!r}", name="scope_known"),
        UniqueConstraint("owner_id", "scope", name="uq_chat_channels_owner_scope"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The account manager (PERSONAL) or the sales lead whose team it is (TEAM).
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(10))
    # The incoming-webhook address is a secret (anyone holding it may post to the channel): it is
    # never shown again after saving, never exported and never audited.
    url: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    owner: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<ChatChannel {self.id} {self.scope} {self.kind} owner={self.owner_id}>"


class ChatMessage(db.Model):
    """One message for one channel, queued in the transaction of the change it tells about."""

    __tablename__ = "chat_messages"
    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES!r}", name="status_known"),
        CheckConstraint(f"kind IN {KINDS!r}", name="kind_known"),
        CheckConstraint(f"topic IN {TOPICS!r}", name="topic_known"),
        Index("ix_chat_messages_due", "status", "next_attempt_at"),
        Index("ix_chat_messages_channel_status", "channel_id", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("chat_channels.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # the body's format, the channel's kind when queued
    topic: Mapped[str] = mapped_column(String(20))
    body: Mapped[dict] = mapped_column(JSON)
    # Whom the text is about (the customer, or the referrer of an introduction) and the introduction:
    # the privacy export and erasure find the messages by these.
    subject_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    referee_id: Mapped[int | None] = mapped_column(ForeignKey("referees.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=PENDING, server_default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_attempt_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    response_code: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    channel: Mapped[ChatChannel] = relationship()

    def __repr__(self) -> str:
        return f"<ChatMessage {self.id} {self.topic} {self.status} channel={self.channel_id}>"
