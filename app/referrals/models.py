"""Referees (people introduced to us), their pipeline history, share clicks, objections, the
daily referral quota, the sales ask log, the reference calls customers took and the programme settings
marketing controls."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, and_, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.dates import utcnow
from app.extensions import db

# The pipeline. Points are awarded once per stage reached (the milestones marketing sets).
NEW, CONTACTED, MEETING, OPPORTUNITY, WON, LOST = "new", "contacted", "meeting", "opportunity", "won", "lost"
STAGES = (NEW, CONTACTED, MEETING, OPPORTUNITY, WON, LOST)
OPEN_STAGES = (NEW, CONTACTED, MEETING, OPPORTUNITY)
MILESTONES = (CONTACTED, MEETING, OPPORTUNITY, WON)

# Where a referee came from.
FROM_REFERRAL, FROM_LINKEDIN, FROM_SHARE = "referral", "linkedin", "share"
SOURCES = (FROM_REFERRAL, FROM_LINKEDIN, FROM_SHARE)
ROUTES = ("introduce", "contact", "inbound")
CHANNELS = ("email", "linkedin", "whatsapp", "qr", "other")

# Why a referral waits on the sales review list instead of the pipeline.
FLAG_OWN_DOMAIN, FLAG_EXISTING_CUSTOMER = "own_domain", "existing_customer"
FLAGS = (FLAG_OWN_DOMAIN, FLAG_EXISTING_CUSTOMER)

# How a referral came about (seed 003): sales asked for it, the customer came with it on their own,
# sales received it (by phone, in a meeting …), or it arrived through a share link or LinkedIn.
ASKED, PROACTIVE, RECEIVED, VIA_SHARE, VIA_LINKEDIN = "asked", "proactive", "received", "share", "linkedin"
ORIGINS = (ASKED, PROACTIVE, RECEIVED, VIA_SHARE, VIA_LINKEDIN)
CURRENCIES = ("EUR",)

ASK_CHANNELS = ("phone", "video_call", "meeting", "email")
ASK_OUTCOMES = ("yes", "no", "later")


class Referee(db.Model):
    """Someone a customer introduced, or who signed up through a customer's link.

    Kept minimal: what the referrer told us (name, company, role, why), and an e-mail only when
    the person agreed to be contacted or gave it themselves. `email_key` and `person_key` are
    UNIQUE, so the first introduction of a person wins, also when twenty arrive at once.
    """

    __tablename__ = "referees"
    __table_args__ = (
        CheckConstraint(f"stage IN {STAGES!r}", name="stage_known"),
        CheckConstraint(f"source IN {SOURCES!r}", name="source_known"),
        CheckConstraint(f"origin IN {ORIGINS!r}", name="origin_known"),
        CheckConstraint("deal_value_cents IS NULL OR deal_value_cents >= 0", name="deal_value_not_negative"),
        CheckConstraint("expected_value_cents IS NULL OR expected_value_cents >= 0", name="expected_value_not_negative"),
        Index("ix_referees_stage_created", "stage", "created_at"),
        Index("ix_referees_referrer_created", "referrer_id", "created_at"),
        Index("ix_referees_flag", "flag"),  # the few flagged referrals waiting for a check
        Index("ix_referees_created", "created_at"),  # analytics: referrals made since a moment
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referrer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id", ondelete="SET NULL"), index=True)
    source: Mapped[str] = mapped_column(String(10), default=FROM_REFERRAL)
    channel: Mapped[str | None] = mapped_column(String(10))
    route: Mapped[str | None] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(120))
    company: Mapped[str] = mapped_column(String(200), default="")
    job_role: Mapped[str] = mapped_column(String(120), default="")
    linkedin_url: Mapped[str] = mapped_column(String(255), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    benefit: Mapped[str] = mapped_column(Text, default="")  # why they would benefit (referrer) / what they need (referee)
    may_mention: Mapped[bool] = mapped_column(default=False)
    message_locale: Mapped[str] = mapped_column(String(5), default="nl")
    # The first message exactly as the referrer approved it (empty for introductions from before it
    # was kept, and for sign-ups through a link: those get one made from the fields above).
    message: Mapped[str] = mapped_column(Text, default="")
    email_key: Mapped[str | None] = mapped_column(String(254), unique=True)
    person_key: Mapped[str | None] = mapped_column(String(330), unique=True)
    # The referee's own link (objection, confirmation, feedback): random, never guessable.
    token: Mapped[str] = mapped_column(String(32), unique=True)
    consent_at: Mapped[datetime | None]  # the referee ticked the consent on the landing page
    confirmed_at: Mapped[datetime | None]  # double opt-in confirmed
    flag: Mapped[str | None] = mapped_column(String(20))
    stage: Mapped[str] = mapped_column(String(12), default=NEW)
    lost_reason: Mapped[str] = mapped_column(Text, default="")
    follow_up_on: Mapped[date | None]
    referrer_feedback: Mapped[str] = mapped_column(Text, default="")
    referee_feedback: Mapped[str] = mapped_column(Text, default="")
    # How it came about, the ask that led to it (if any), and who in sales works it (by default the
    # referrer's account manager). Deal values in whole cents of `currency`: expected from the
    # opportunity on, the real one when won.
    origin: Mapped[str] = mapped_column(String(10), default=PROACTIVE, server_default=PROACTIVE)
    ask_id: Mapped[int | None] = mapped_column(ForeignKey("asks.id", ondelete="SET NULL"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    currency: Mapped[str] = mapped_column(String(3), default="EUR", server_default="EUR")
    expected_value_cents: Mapped[int | None] = mapped_column(BigInteger)
    deal_value_cents: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    stage_changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    referrer: Mapped[User] = relationship(foreign_keys=[referrer_id])
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    events: Mapped[list[ReferralEvent]] = relationship(
        back_populates="referee", order_by="ReferralEvent.id", cascade="all, delete-orphan", passive_deletes=True,
    )

    @property
    def reaches_sales(self) -> bool:
        """Landing-page sign-ups reach sales only after the double opt-in; flagged ones wait for review."""
        return self.flag is None and (self.source != FROM_SHARE or self.confirmed_at is not None)

    @classmethod
    def reaches_sales_clause(cls):
        """`reaches_sales` as a WHERE clause."""
        return and_(cls.flag.is_(None), or_(cls.source != FROM_SHARE, cls.confirmed_at.is_not(None)))

    @property
    def first_name(self) -> str:
        return (self.name or "").split(" ")[0]

    def __repr__(self) -> str:
        return f"<Referee {self.id} {self.stage} by={self.referrer_id}>"


class ReferralEvent(db.Model):
    """A stage a referral reached, by whom and when: the pipeline's history."""

    __tablename__ = "referral_events"
    __table_args__ = (
        CheckConstraint(f"stage IN {STAGES!r}", name="stage_known"),
        Index("ix_referral_events_stage_created", "stage", "created_at"),  # analytics: won since a moment
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referee_id: Mapped[int] = mapped_column(ForeignKey("referees.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(12))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    referee: Mapped[Referee] = relationship(back_populates="events")
    by: Mapped[User | None] = relationship()


class ShareClick(db.Model):
    """Someone opened a customer's referral link; `channel` says through which share button."""

    __tablename__ = "share_clicks"
    __table_args__ = (Index("ix_share_clicks_referrer_channel", "referrer_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    referrer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class RefereeObjection(db.Model):
    """What is left of a person who objected: a hash, so nobody can add them again."""

    __tablename__ = "referee_objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReferralQuota(db.Model):
    """Introductions per referrer per day, counted with a conditional UPDATE (the daily cap)."""

    __tablename__ = "referral_quota"
    __table_args__ = (CheckConstraint("used >= 0", name="used_not_negative"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    used: Mapped[int] = mapped_column(default=0)


class AskStatus(db.Model):
    """Per customer: who claimed them for the ask and when they were last asked (the cross-team cap)."""

    __tablename__ = "ask_status"

    customer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    claimed_at: Mapped[datetime | None]
    last_asked_at: Mapped[datetime | None] = mapped_column(index=True)

    claimed_by: Mapped[User | None] = relationship(foreign_keys=[claimed_by_id])


class Ask(db.Model):
    """A logged referral ask: when, how, what came of it and when to follow up."""

    __tablename__ = "asks"
    __table_args__ = (
        CheckConstraint(f"channel IN {ASK_CHANNELS!r}", name="channel_known"),
        CheckConstraint(f"outcome IN {ASK_OUTCOMES!r}", name="outcome_known"),
        Index("ix_asks_customer_asked", "customer_id", "asked_on"),
        Index("ix_asks_by_follow_up", "asked_by_id", "follow_up_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    asked_on: Mapped[date]
    channel: Mapped[str] = mapped_column(String(12))
    outcome: Mapped[str] = mapped_column(String(8))
    follow_up_on: Mapped[date | None]
    follow_up_done_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    customer: Mapped[User] = relationship(foreign_keys=[customer_id])
    asked_by: Mapped[User | None] = relationship(foreign_keys=[asked_by_id])


class ReferenceCall(db.Model):
    """A call a customer took as a reference for a prospect, under the limit they offered.

    The n-th call of a customer's quarter has seq n; UNIQUE(customer, quarter, seq) and
    seq <= calls_limit (the limit of the offer at the time) let the database refuse a call beyond the
    limit, also when two are logged at the same moment.
    """

    __tablename__ = "reference_calls"
    __table_args__ = (
        UniqueConstraint("customer_id", "quarter", "seq", name="uq_reference_calls_customer_quarter_seq"),
        CheckConstraint("seq >= 1 AND seq <= calls_limit", name="seq_within_limit"),
        Index("ix_reference_calls_quarter", "quarter"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The offer it was taken under (the reference_call answer); kept when that answer goes.
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id", ondelete="SET NULL"), index=True)
    quarter: Mapped[str] = mapped_column(String(7))  # "2026-Q4", the quarter of called_on
    seq: Mapped[int]
    calls_limit: Mapped[int]
    called_on: Mapped[date]
    prospect: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    logged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    customer: Mapped[User] = relationship(foreign_keys=[customer_id])
    logged_by: Mapped[User | None] = relationship(foreign_keys=[logged_by_id])


class ProgrammeSettings(db.Model):
    """The referral programme's knobs, one row (id 1), set by marketing."""

    __tablename__ = "programme_settings"
    __table_args__ = (
        CheckConstraint("points_contacted >= 0 AND points_meeting >= 0 AND points_opportunity >= 0 AND points_won >= 0",
                        name="points_not_negative"),
        CheckConstraint("ask_cap_days >= 1", name="ask_cap_positive"),
        CheckConstraint("daily_referral_cap >= 1", name="daily_cap_positive"),
        CheckConstraint("referee_retention_days >= 1", name="retention_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    points_contacted: Mapped[int] = mapped_column(default=0)
    points_meeting: Mapped[int] = mapped_column(default=50)
    points_opportunity: Mapped[int] = mapped_column(default=100)
    points_won: Mapped[int] = mapped_column(default=250)
    ask_cap_days: Mapped[int] = mapped_column(default=90)
    daily_referral_cap: Mapped[int] = mapped_column(default=5)
    referee_retention_days: Mapped[int] = mapped_column(default=180)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def milestone_points(self, stage: str) -> int:
        return int(getattr(self, f"points_{stage}", 0) or 0)
