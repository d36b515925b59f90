"""Consent records: every consent given or withdrawn, append-only, as proof of what was agreed."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.dates import utcnow
from app.extensions import db

# What was consented to.
QUOTE_PUBLICATION, CASE_STORY, REFERENCE_CALL = "quote_publication", "case_story", "reference_call"
REFERRAL_MENTION = "referral_mention"  # the referrer lets us mention their name to the person introduced
CONSENT_KINDS = (QUOTE_PUBLICATION, CASE_STORY, REFERENCE_CALL, REFERRAL_MENTION)
# The consent each built-in challenge type with `consent = True` asks for; a type added later records
# its own key (so `kind` has no CHECK: new types touch no core code).
KIND_OF_TYPE = {"quote": QUOTE_PUBLICATION, "case_story": CASE_STORY, "reference_call": REFERENCE_CALL,
                "referral": REFERRAL_MENTION}
# Where it was given or withdrawn.
FROM_CHALLENGE, FROM_CONTRIBUTIONS, FROM_ERASURE = "challenge", "contributions", "erasure"
CONSENT_SOURCES = (FROM_CHALLENGE, FROM_CONTRIBUTIONS, FROM_ERASURE)


class ConsentRecord(db.Model):
    """One consent event. Never updated: a withdrawal is a new row (granted false).

    `text_hash` is the SHA-256 of the exact consent text shown, in `locale`, so a later change of
    wording is visible; `scope` holds what the consent covered (channels, name, logo, end date).
    """

    __tablename__ = "consent_records"
    __table_args__ = (
        CheckConstraint(f"source IN {CONSENT_SOURCES!r}", name="source_known"),
        Index("ix_consent_records_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id", ondelete="SET NULL"), index=True)
    granted: Mapped[bool]
    text_hash: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(5))
    scope: Mapped[dict] = mapped_column(JSON, default=dict)
    source: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<ConsentRecord {self.id} user={self.user_id} {self.kind} granted={self.granted}>"
