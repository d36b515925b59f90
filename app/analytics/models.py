"""What analytics needs that the other domains do not record themselves: challenge views."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, insert
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


# --- Daily rollups -------------------------------------------------------------------------------
# Built by app.analytics.rollups for the closed days (up to RollupState.closed_through); the days
# after it are read from the raw tables. Each row counts facts that no longer change once their
# day is closed; "prev_day"-style columns let a count of distinct people over any window be a sum
# (an entity is counted on its first day in the window: the day before it was last seen is before
# the window's start).

class RollupState(db.Model):
    """One row: the last day the rollups cover (None: nothing rolled up, everything read live), and
    the last day the rollups that depend on the levels' order (the promoters' advocacy, the accounts)
    are good for (None after the levels changed: those figures read the raw tables until the next run)."""

    __tablename__ = "analytics_rollup_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    closed_through: Mapped[date | None]
    levels_through: Mapped[date | None]


class PointsDay(db.Model):
    """Ledger points for answers to a challenge, booked on a day."""

    __tablename__ = "analytics_points_days"
    __table_args__ = (Index("ix_analytics_points_days_day", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    points: Mapped[int]


class ViewDay(db.Model):
    """Customers who opened a challenge on a day, by the day each of them had last opened it before."""

    __tablename__ = "analytics_view_days"
    __table_args__ = (Index("ix_analytics_view_days_day", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    prev_day: Mapped[date | None]
    views: Mapped[int]


class CompletionDay(db.Model):
    """Approved answers to a challenge given on a day, by when their customer opened it last (on or
    before that day), next (after it, up to the closed days' end), and answered it approved before."""

    __tablename__ = "analytics_completion_days"
    __table_args__ = (Index("ix_analytics_completion_days_day", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    last_view: Mapped[date | None]
    next_view: Mapped[date | None]
    prev_approved: Mapped[date | None]
    completions: Mapped[int]


class ActivityDay(db.Model):
    """Customers who answered or opened a challenge on a day, by the day they last did before."""

    __tablename__ = "analytics_activity_days"
    __table_args__ = (Index("ix_analytics_activity_days_day", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    prev_day: Mapped[date | None]
    customers: Mapped[int]


class UnlockDay(db.Model):
    """Customers who reached a level on a day."""

    __tablename__ = "analytics_unlock_days"
    __table_args__ = (Index("ix_analytics_unlock_days_day", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    level_id: Mapped[int] = mapped_column(ForeignKey("levels.id", ondelete="CASCADE"))
    unlocks: Mapped[int]


class NpsDay(db.Model):
    """NPS answers given on a day, per category (promoter, passive, detractor)."""

    __tablename__ = "analytics_nps_days"
    __table_args__ = (Index("ix_analytics_nps_days_day", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    category: Mapped[str] = mapped_column(String(16))
    answers: Mapped[int]


class PromoterDay(db.Model):
    """Customers with a promoter answer on a day, by the day of their promoter answer before, whether
    one of the day's answers was followed by an advocacy action within ADVOCACY_DAYS (as far as the
    rolled-up days know), and the day of their last such answer before."""

    __tablename__ = "analytics_promoter_days"
    __table_args__ = (Index("ix_analytics_promoter_days_day", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    prev_day: Mapped[date | None]
    acted: Mapped[bool]
    prev_acted_day: Mapped[date | None]
    customers: Mapped[int]


class LastActive(db.Model):
    """Per customer: the last rolled-up day they answered or opened a challenge or made a referral."""

    __tablename__ = "analytics_last_active"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date]


class ChallengeCustomer(db.Model):
    """Per customer and challenge: the last rolled-up day they opened it, and gave an approved answer."""

    __tablename__ = "analytics_challenge_customers"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True)
    last_view: Mapped[date | None]
    last_approved: Mapped[date | None]


class UnlockDuration(db.Model):
    """A rolled-up level unlock: its day, its level, the days from joining to it and their whole-day
    bucket (recomputed whole by every rollup run, so a changed join date is followed by the next run)."""

    __tablename__ = "analytics_unlock_durations"
    __table_args__ = (
        Index("ix_analytics_unlock_durations_day", "day", "level_id", "bucket"),
        Index("ix_analytics_unlock_durations_bucket", "level_id", "bucket", "day", postgresql_include=["days"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    level_id: Mapped[int] = mapped_column(ForeignKey("levels.id", ondelete="CASCADE"))
    days: Mapped[float]
    bucket: Mapped[int]


class DurationMonth(db.Model):
    """Rolled-up level unlocks per month (its first day), level and whole-day bucket of their duration."""

    __tablename__ = "analytics_duration_months"
    __table_args__ = (Index("ix_analytics_duration_months_month", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date]
    level_id: Mapped[int] = mapped_column(ForeignKey("levels.id", ondelete="CASCADE"))
    bucket: Mapped[int]
    unlocks: Mapped[int]


class AccountFirst(db.Model):
    """Per company: when its first customer joined, and when one of its customers first reached level 2
    and level 3 or higher (recomputed whole by every rollup run)."""

    __tablename__ = "analytics_account_firsts"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True)
    first_joined: Mapped[datetime | None]
    level2_at: Mapped[datetime | None]
    level3_at: Mapped[datetime | None]


class ReferralDay(db.Model):
    """Referrals made on a day, per referrer-day: by the day the referrer last made one before."""

    __tablename__ = "analytics_referral_days"
    __table_args__ = (Index("ix_analytics_referral_days_day", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    prev_day: Mapped[date | None]
    referrers: Mapped[int]
    referrals: Mapped[int]


class WonDay(db.Model):
    """Referrals that reached `won` on a day (the pipeline's events), by the day they last did before."""

    __tablename__ = "analytics_won_days"
    __table_args__ = (Index("ix_analytics_won_days_day", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    prev_day: Mapped[date | None]
    referees: Mapped[int]


class ClickDay(db.Model):
    """Share links opened on a day, per channel."""

    __tablename__ = "analytics_click_days"
    __table_args__ = (Index("ix_analytics_click_days_day", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    channel: Mapped[str] = mapped_column(String(10))
    clicks: Mapped[int]
