"""What marketing and sales enter so the programme's economics and goals can be shown: the running
cost per month, the deals won per month that did not come from a referral, and the targets per
quarter. None of it is personal data; who entered a row is kept as a link that is cleared when that
person goes (SET NULL)."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.dates import utcnow
from app.extensions import db

# What a quarter's goal measures (app.analytics.goals counts each one).
INTRODUCTIONS, WON_REFERRALS, APPROVED_QUOTES, REVIEWS, NPS_SCORE, LEVEL3_SHARE = (
    "introductions", "won_referrals", "approved_quotes", "reviews", "nps", "level3_share")
GOAL_METRICS = (INTRODUCTIONS, WON_REFERRALS, APPROVED_QUOTES, REVIEWS, NPS_SCORE, LEVEL3_SHARE)
# Counts grow through the quarter and are measured against the pace; a score and a share are
# measured as they stand.
CUMULATIVE_METRICS = (INTRODUCTIONS, WON_REFERRALS, APPROVED_QUOTES, REVIEWS)
GOAL_LABELS = {
    "introductions": _l("Introductions"),
    "won_referrals": _l("Won referrals"),
    "approved_quotes": _l("Approved quotes"),
    "reviews": _l("Approved reviews"),
    "nps": _l("NPS"),
    "level3_share": _l("Accounts with a level-3 ambassador (%)"),
}

MAX_CENTS = 10_000_000_000  # 100 million euros: anything above is a typing mistake


class ProgrammeCost(db.Model):
    """The programme's running cost in one month (tools, hours, events), in euro cents."""

    __tablename__ = "programme_costs"
    __table_args__ = (
        UniqueConstraint("month", name="uq_programme_costs_month"),
        CheckConstraint(f"amount_cents >= 0 AND amount_cents <= {MAX_CENTS}", name="amount_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date]  # the first day of the month
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(Text, default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class OtherWins(db.Model):
    """How many deals were won in one month that did NOT come from a referral (the whole company)."""

    __tablename__ = "non_referral_wins"
    __table_args__ = (
        UniqueConstraint("month", name="uq_non_referral_wins_month"),
        CheckConstraint("won >= 0 AND won <= 1000000", name="won_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date]  # the first day of the month
    won: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Goal(db.Model):
    """A target for one quarter ("2026-Q4") and one metric; one per quarter and metric."""

    __tablename__ = "goals"
    __table_args__ = (
        UniqueConstraint("quarter", "metric", name="uq_goals_quarter_metric"),
        CheckConstraint(f"metric IN {GOAL_METRICS!r}", name="metric_known"),
        CheckConstraint("target >= -100 AND target <= 1000000", name="target_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quarter: Mapped[str] = mapped_column(String(7))
    metric: Mapped[str] = mapped_column(String(20))
    target: Mapped[int]  # a count, an NPS (−100 … 100) or a share in whole percent
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
