"""Terms versions (each publish is a new one) and who accepted which."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.dates import utcnow
from app.extensions import db

MINOR, MATERIAL = "minor", "material"
KINDS = (MINOR, MATERIAL)
BODY_MAX = 20_000


class TermsVersion(db.Model):
    """One published text of the terms, in Dutch and English. Never edited: a change is a new version.
    A material change asks every customer to accept again; a minor one (a typo, a clearer sentence) does not."""

    __tablename__ = "terms_versions"
    __table_args__ = (
        UniqueConstraint("number", name="uq_terms_versions_number"),
        CheckConstraint(f"kind IN {KINDS!r}", name="kind_known"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int]
    kind: Mapped[str] = mapped_column(String(10))
    body_nl: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)

    published_by: Mapped[User | None] = relationship()

    @property
    def material(self) -> bool:
        return self.kind == MATERIAL

    def __repr__(self) -> str:
        return f"<TermsVersion {self.number} {self.kind}>"


class TermsAcceptance(db.Model):
    """A customer accepted a version: who, which, in which language, when."""

    __tablename__ = "terms_acceptances"
    __table_args__ = (
        UniqueConstraint("user_id", "version_id", name="uq_terms_acceptances_user_version"),
        Index("ix_terms_acceptances_user_accepted", "user_id", "accepted_at"),
        CheckConstraint("locale IN ('nl', 'en')", name="locale_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("terms_versions.id", ondelete="RESTRICT"), index=True)
    locale: Mapped[str] = mapped_column(String(5))
    accepted_at: Mapped[datetime] = mapped_column(default=utcnow)

    version: Mapped[TermsVersion] = relationship()

    def __repr__(self) -> str:
        return f"<TermsAcceptance user={self.user_id} version={self.version_id}>"
