"""A customer's message through "tell us", in the language they wrote it, and marketing's answer."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.dates import utcnow
from app.extensions import db

IDEA, PROBLEM, PRAISE = "idea", "problem", "praise"
KINDS = (IDEA, PROBLEM, PRAISE)
NEW, ANSWERED, CLOSED = "new", "answered", "closed"
STATUSES = (NEW, ANSWERED, CLOSED)
MESSAGE_MIN, MESSAGE_MAX = 10, 2000
REPLY_MAX = 2000
PAGE_MAX = 255


class Feedback(db.Model):
    __tablename__ = "feedback"
    __table_args__ = (
        CheckConstraint(f"kind IN {KINDS!r}", name="kind_known"),
        CheckConstraint(f"status IN {STATUSES!r}", name="status_known"),
        # The queue: newest first, usually only the new ones.
        Index("ix_feedback_status_created", "status", "created_at"),
        Index("ix_feedback_created", "created_at"),
        Index("ix_feedback_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    message: Mapped[str] = mapped_column(Text)
    # The language the customer wrote in (the page's language then); staff read it marked with it.
    locale: Mapped[str | None] = mapped_column(String(5))
    # The page of the portal they came from, when they followed the link there ("" when unknown).
    page: Mapped[str] = mapped_column(String(PAGE_MAX), default="")
    status: Mapped[str] = mapped_column(String(10), default=NEW)
    reply: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])

    def __repr__(self) -> str:
        return f"<Feedback {self.id} {self.kind} {self.status} user={self.user_id}>"
