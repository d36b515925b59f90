"""Badges (recognition earned by rules) and rewards (claimed by customers, mostly intrinsic)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.dates import utcnow
from app.extensions import db
from app.journey.models import Challenge, Level

# Badge rules
LEVEL_REACHED = "level_reached"  # rule_level_id
POINTS_AT_LEAST = "points_at_least"  # rule_value
CHALLENGE_COMPLETED = "challenge_completed"  # rule_challenge_id
TYPE_COUNT = "type_count"  # rule_type_key, rule_value
BADGE_RULES = (LEVEL_REACHED, POINTS_AT_LEAST, CHALLENGE_COMPLETED, TYPE_COUNT)

# Reward kinds: intrinsic first; money-like ones last.
REWARD_KINDS = (
    "recognition", "exclusive_access", "donation", "event_seat", "early_access", "merchandise", "gift_card", "discount",
)
MONEY_LIKE_KINDS = ("gift_card", "discount")

REQUESTED, FULFILLED, CANCELLED = "requested", "fulfilled", "cancelled"


class Badge(db.Model):
    __tablename__ = "badges"
    __table_args__ = (CheckConstraint(f"rule IN {BADGE_RULES!r}", name="rule_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    name_nl: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    description_nl: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    icon: Mapped[str] = mapped_column(String(30), default="star")
    rule: Mapped[str] = mapped_column(String(30))
    rule_value: Mapped[int | None]
    rule_level_id: Mapped[int | None] = mapped_column(ForeignKey("levels.id", ondelete="CASCADE"))
    rule_challenge_id: Mapped[int | None] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    rule_type_key: Mapped[str | None] = mapped_column(String(30))
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    rule_level: Mapped[Level | None] = relationship()
    rule_challenge: Mapped[Challenge | None] = relationship()


class UserBadge(db.Model):
    __tablename__ = "user_badges"
    __table_args__ = (UniqueConstraint("user_id", "badge_id", name="uq_user_badges_user_badge"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    badge_id: Mapped[int] = mapped_column(ForeignKey("badges.id", ondelete="CASCADE"))
    awarded_at: Mapped[datetime] = mapped_column(default=utcnow)

    badge: Mapped[Badge] = relationship()


class Reward(db.Model):
    __tablename__ = "rewards"
    __table_args__ = (
        CheckConstraint(f"kind IN {REWARD_KINDS!r}", name="kind_known"),
        CheckConstraint("stock IS NULL OR stock >= 0", name="stock_not_negative"),
        CheckConstraint("point_cost IS NULL OR point_cost >= 0", name="cost_not_negative"),
        CheckConstraint("unit_cost_cents >= 0", name="unit_cost_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name_nl: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    description_nl: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(30), default="recognition")
    point_cost: Mapped[int | None]
    stock: Mapped[int | None]  # None: unlimited
    # What one of these costs the organisation, in euro cents (for the programme's economics).
    unit_cost_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    level_id: Mapped[int | None] = mapped_column(ForeignKey("levels.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    level: Mapped[Level | None] = relationship()


class Redemption(db.Model):
    __tablename__ = "redemptions"
    __table_args__ = (
        # One open claim per reward per customer; after a cancellation the customer may claim again.
        Index("uq_redemptions_user_reward_open", "user_id", "reward_id", unique=True,
              postgresql_where=text("status <> 'cancelled'"), sqlite_where=text("status <> 'cancelled'")),
        CheckConstraint(f"status IN {(REQUESTED, FULFILLED, CANCELLED)!r}", name="status_known"),
        CheckConstraint("unit_cost_cents >= 0", name="unit_cost_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reward_id: Mapped[int] = mapped_column(ForeignKey("rewards.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=REQUESTED)
    points_spent: Mapped[int] = mapped_column(default=0)
    # The reward's unit cost when it was claimed: a later price change does not rewrite history.
    unit_cost_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()
    reward: Mapped[Reward] = relationship()
