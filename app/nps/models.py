"""NPS answers, the alerts they raise, the follow-up task per alert, and survey links."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, and_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Company, User
from app.dates import utcnow
from app.extensions import db

PROMOTER, PASSIVE, DETRACTOR = "promoter", "passive", "detractor"
CATEGORIES = (PROMOTER, PASSIVE, DETRACTOR)
OPEN, CONTACTED, CLOSED = "open", "contacted", "closed"
FOLLOW_UP_STATUSES = (OPEN, CONTACTED, CLOSED)
SATISFACTION = ("dissatisfied", "satisfied", "more_than_satisfied")
DISSATISFIED, SATISFIED, MORE_THAN_SATISFIED = SATISFACTION

# What a follow-up is for: an alert after a promoter- or detractor-style answer, or the customer's
# interest in more services (an upsell lead for the account manager).
ALERT, UPSELL = "alert", "upsell"
FOLLOW_UP_KINDS = (ALERT, UPSELL)
# Which answer raised it: the 0–10 score, the survey's satisfaction, or the survey's "more services".
WANTS_MORE = "wants_more"
TRIGGERS = (DETRACTOR, PROMOTER, DISSATISFIED, MORE_THAN_SATISFIED, WANTS_MORE)
# The triggers of an alert that calls for the care a detractor gets (2 working days, asks paused).
DETRACTOR_STYLE = (DETRACTOR, DISSATISFIED)
# How an upsell follow-up ended.
OUTCOMES = ("meeting_planned", "proposal_sent", "not_now", "no_interest")


def category_for(score: int) -> str:
    """9–10 promoter, 7–8 passive, 0–6 detractor."""
    if score >= 9:
        return PROMOTER
    if score >= 7:
        return PASSIVE
    return DETRACTOR


class Survey(db.Model):
    """A short survey sent by link at a natural moment: one answer per link, until it expires."""

    __tablename__ = "nps_surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    occasion: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    sent_by: Mapped[User | None] = relationship(foreign_keys=[sent_by_id])


class NpsResponse(db.Model):
    __tablename__ = "nps_responses"
    __table_args__ = (
        CheckConstraint("score >= 0 AND score <= 10", name="score_range"),
        CheckConstraint(f"category IN {CATEGORIES!r}", name="category_known"),
        # One answer per survey link, guarded by the database.
        UniqueConstraint("survey_id", name="uq_nps_responses_survey_id"),
        # A customer's latest answer (sales queue, pause checks): newest first by (created_at, id),
        # score and category read from the index on PostgreSQL.
        Index("ix_nps_responses_user_created_id", "user_id", "created_at", "id",
              postgresql_include=["score", "category"]),
        Index("ix_nps_responses_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="SET NULL"), index=True)
    score: Mapped[int]
    category: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(10), default="challenge")  # challenge / survey
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id", ondelete="SET NULL"))
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("nps_surveys.id", ondelete="SET NULL"))
    satisfaction: Mapped[str | None] = mapped_column(String(20))
    wants_more: Mapped[bool | None]
    # The language the customer wrote their reason in (the page's language then).
    locale: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
    company: Mapped[Company | None] = relationship()
    # The alert's follow-up (promoter- or detractor-style) and the upsell follow-up: at most one of each.
    follow_up: Mapped[FollowUp | None] = relationship(
        primaryjoin=lambda: (FollowUp.response_id == NpsResponse.id) & (FollowUp.kind == ALERT),
        uselist=False, viewonly=True)
    upsell: Mapped[FollowUp | None] = relationship(
        primaryjoin=lambda: (FollowUp.response_id == NpsResponse.id) & (FollowUp.kind == UPSELL),
        uselist=False, viewonly=True)


class FollowUp(db.Model):
    """The account manager's task after an answer, tracked to closed: an alert's (promoter- or
    detractor-style) or an upsell lead's. One of each kind per answer, guarded by the database."""

    __tablename__ = "nps_follow_ups"
    __table_args__ = (
        CheckConstraint(f"status IN {FOLLOW_UP_STATUSES!r}", name="status_known"),
        CheckConstraint(f"kind IN {FOLLOW_UP_KINDS!r}", name="kind_known"),
        CheckConstraint(f"trigger IN {TRIGGERS!r}", name="trigger_known"),
        CheckConstraint(f"outcome IS NULL OR outcome IN {OUTCOMES!r}", name="outcome_known"),
        UniqueConstraint("response_id", "kind", name="uq_nps_follow_ups_response_kind"),
        Index("ix_nps_follow_ups_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("nps_responses.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10), default=ALERT, server_default=ALERT)
    trigger: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(String(20))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default=OPEN)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # When its assignee was reminded that it fell due (app.nps.reminders): once, never again.
    reminded_at: Mapped[datetime | None]

    response: Mapped[NpsResponse] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])

    @property
    def detractor_style(self) -> bool:
        return self.kind == ALERT and self.trigger in DETRACTOR_STYLE

    @classmethod
    def unhappy_open(cls):
        """SQL: a detractor-style alert's follow-up (a detractor score or "dissatisfied") not closed yet."""
        return and_(cls.kind == ALERT, cls.trigger.in_(DETRACTOR_STYLE), cls.status != CLOSED)

    def overdue(self, now: datetime | None = None) -> bool:
        return self.status != CLOSED and (now or utcnow()) > self.due_at


class Alert(db.Model):
    """A promoter or detractor answer in a staff member's inbox."""

    __tablename__ = "nps_alerts"
    __table_args__ = (UniqueConstraint("response_id", "recipient_id", name="uq_nps_alerts_response_recipient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("nps_responses.id", ondelete="CASCADE"), index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    response: Mapped[NpsResponse] = relationship()
    recipient: Mapped[User] = relationship()
