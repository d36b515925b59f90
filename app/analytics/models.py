"""What analytics needs that the other domains do not record themselves: challenge views."""
from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, Index, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from app.auth.models import utcnow
from app.extensions import db


class ChallengeView(db.Model):
    """A customer opened a challenge on a day. A reload the same day counts once (UNIQUE)."""

    __tablename__ = "challenge_views"
    __table_args__ = (
        UniqueConstraint("user_id", "challenge_id", "day", name="uq_challenge_views_user_challenge_day"),
        Index("ix_challenge_views_challenge_day", "challenge_id", "day"),
        Index("ix_challenge_views_day", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    day: Mapped[date]


def record_view(user_id: int, challenge_id: int) -> None:
    """Count a view of a challenge once per customer per day, and commit it (a view is its own small
    transaction: the page that records it changes nothing else)."""
    day = utcnow().date()
    if db.session.scalar(select(ChallengeView.id).where(
            ChallengeView.user_id == user_id, ChallengeView.challenge_id == challenge_id, ChallengeView.day == day)):
        return
    try:
        with db.session.begin_nested():
            db.session.add(ChallengeView(user_id=user_id, challenge_id=challenge_id, day=day))
    except IntegrityError:
        return  # a parallel request (or a reload) counted it first
    db.session.commit()
