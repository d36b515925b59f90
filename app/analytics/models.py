"""What analytics needs that the other domains do not record themselves: challenge views."""
from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, Index, UniqueConstraint, insert
from sqlalchemy.dialects import postgresql as postgresql_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from app import dates
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
    """Count a view of a challenge once per customer per day: one INSERT … ON CONFLICT DO NOTHING
    against the UNIQUE(user_id, challenge_id, day), so reloads and parallel requests count once.

    On the request's own session (a connection of its own would wait for the request's open
    transaction on SQLite); the route commits it after the page is rendered."""
    values = dict(user_id=user_id, challenge_id=challenge_id, day=dates.today())
    table = ChallengeView.__table__
    dialect = db.session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        module = sqlite_dialect if dialect == "sqlite" else postgresql_dialect
        db.session.execute(module.insert(table).values(**values).on_conflict_do_nothing())
        return
    try:  # any other database: the constraint still decides, through a savepoint
        with db.session.begin_nested():
            db.session.execute(insert(table).values(**values))
    except IntegrityError:
        pass
