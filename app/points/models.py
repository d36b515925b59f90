"""Append-only points ledger: every award or spend is a row with its source; balance = SUM."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.dates import utcnow
from app.extensions import db


class PointsEntry(db.Model):
    __tablename__ = "points_entries"
    __table_args__ = (
        # The same source never counts twice: double clicks, retries and parallel workers award once.
        UniqueConstraint("user_id", "source_type", "source_id", name="uq_points_entries_source"),
        Index("ix_points_entries_user_created", "user_id", "created_at"),
        # analytics: points given in a period (on PostgreSQL from the index alone)
        Index("ix_points_entries_created", "created_at", postgresql_include=["source_type", "source_id", "points"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    points: Mapped[int]
    source_type: Mapped[str] = mapped_column(String(30))
    source_id: Mapped[int]
    # The reason as it was when awarded: later edits to a challenge do not rewrite history.
    reason_nl: Mapped[str] = mapped_column(String(255))
    reason_en: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<PointsEntry user={self.user_id} {self.points:+d} {self.source_type}:{self.source_id}>"


CORRECTION = "correction"  # the ledger's source_type of a correction by staff (source_id: the correction)
CORRECTION_REASON_MAX = 200


class PointsCorrection(db.Model):
    """A correction by marketing: a record of its own (reason, who), counted through one ledger row
    whose source is this record. An existing ledger row is never edited."""

    __tablename__ = "points_corrections"
    __table_args__ = (
        # One correction per form sent: a double click or a retry corrects once.
        UniqueConstraint("request_key", name="uq_points_corrections_request_key"),
        CheckConstraint("points <> 0", name="points_not_zero"),
        Index("ix_points_corrections_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    points: Mapped[int]
    reason: Mapped[str] = mapped_column(String(CORRECTION_REASON_MAX))
    request_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<PointsCorrection user={self.user_id} {self.points:+d}>"
