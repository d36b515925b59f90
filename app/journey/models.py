"""Levels, challenges, submissions and level unlocks."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.dates import utcnow
from app.extensions import db

DRAFT, PUBLISHED, ARCHIVED = "draft", "published", "archived"
PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"

level_required_challenges = Table(
    "level_required_challenges",
    db.metadata,
    Column("level_id", ForeignKey("levels.id", ondelete="CASCADE"), primary_key=True),
    Column("challenge_id", ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True),
)

# One row (id 1): a stamp that every change to levels, challenges, required challenges or badges
# replaces in the same transaction (app.journey.definition), so each worker knows when its cached
# copy of the published journey is out of date. A fresh random value, not +1: a rolled-back change
# can never leave a stamp that a later, different change reuses.
journey_version = Table(
    "journey_version",
    db.metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", BigInteger, nullable=False),
)


class Level(db.Model):
    __tablename__ = "levels"
    __table_args__ = (
        CheckConstraint("points_threshold >= 0", name="threshold_not_negative"),
        CheckConstraint(f"status IN {(DRAFT, PUBLISHED)!r}", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(unique=True)
    name_nl: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    description_nl: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    points_threshold: Mapped[int] = mapped_column(default=0)
    # Customers see published levels only; the designer adds a new level as a draft.
    status: Mapped[str] = mapped_column(String(10), default=PUBLISHED)

    challenges: Mapped[list[Challenge]] = relationship(
        back_populates="level", order_by="Challenge.position", foreign_keys="Challenge.level_id"
    )
    required_challenges: Mapped[list[Challenge]] = relationship(secondary=level_required_challenges)

    def __repr__(self) -> str:
        return f"<Level {self.position} {self.name_en!r}>"


class Challenge(db.Model):
    __tablename__ = "challenges"
    __table_args__ = (
        CheckConstraint("points >= 0", name="points_not_negative"),
        CheckConstraint(f"status IN {(DRAFT, PUBLISHED, ARCHIVED)!r}", name="status_known"),
        Index("ix_challenges_level_position", "level_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    level_id: Mapped[int] = mapped_column(ForeignKey("levels.id", ondelete="RESTRICT"))
    type_key: Mapped[str] = mapped_column(String(30))
    title_nl: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    body_nl: Mapped[str] = mapped_column(Text, default="")
    body_en: Mapped[str] = mapped_column(Text, default="")
    points: Mapped[int] = mapped_column(default=10)
    config: Mapped[dict] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(default=0)
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    repeatable: Mapped[bool] = mapped_column(default=False)
    needs_review: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(10), default=PUBLISHED)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    level: Mapped[Level] = relationship(back_populates="challenges", foreign_keys=[level_id])

    def __repr__(self) -> str:
        return f"<Challenge {self.id} {self.type_key} {self.title_en!r}>"

    def is_open(self, now: datetime | None = None) -> bool:
        return challenge_open(self, now)


def challenge_open(challenge, now: datetime | None = None) -> bool:
    """Published and inside its window (a challenge row or the journey's cached copy of one)."""
    now = now or utcnow()
    if challenge.status != PUBLISHED:
        return False
    if challenge.starts_at and now < challenge.starts_at:
        return False
    return not (challenge.ends_at and now >= challenge.ends_at)


class Submission(db.Model):
    """What a customer sent for a challenge. One per challenge, or one per attempt when repeatable."""

    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("user_id", "challenge_id", "attempt", name="uq_submissions_user_challenge_attempt"),
        CheckConstraint(f"status IN {(PENDING, APPROVED, REJECTED)!r}", name="status_known"),
        CheckConstraint("attempt >= 1", name="attempt_positive"),
        Index("ix_submissions_status_created", "status", "created_at"),
        # analytics: answers in a period (on PostgreSQL from the index alone)
        Index("ix_submissions_created", "created_at", postgresql_include=["id", "user_id", "challenge_id", "status"]),
        # The sales queue: a customer's approved contributions per challenge, from the index alone.
        Index("ix_submissions_user_status_challenge", "user_id", "status", "challenge_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="RESTRICT"), index=True)
    attempt: Mapped[int] = mapped_column(default=1)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    review_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_at: Mapped[datetime | None]
    # Contributions with a publication consent (quotes, stories …): withdrawing it unpublishes them.
    consent_withdrawn_at: Mapped[datetime | None]
    # The language the customer wrote the answer in (the page's language then), for staff's `lang`.
    locale: Mapped[str | None] = mapped_column(String(5))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    challenge: Mapped[Challenge] = relationship()
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])

    @property
    def is_published(self) -> bool:
        return self.status == APPROVED and self.consent_withdrawn_at is None

    def __repr__(self) -> str:
        return f"<Submission {self.id} user={self.user_id} challenge={self.challenge_id} {self.status}>"


class LevelUnlock(db.Model):
    """When a customer reached a level: the moment to celebrate, and what sales and analytics read."""

    __tablename__ = "level_unlocks"
    __table_args__ = (UniqueConstraint("user_id", "level_id", name="uq_level_unlocks_user_level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    level_id: Mapped[int] = mapped_column(ForeignKey("levels.id", ondelete="CASCADE"), index=True)
    unlocked_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # analytics: levels reached in a period

    level: Mapped[Level] = relationship()
