"""The programme's identity, one row (id 1): the organisation running the programme, as customers and
referees see it. Marketer-written texts have a Dutch and an English field."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from app.dates import utcnow
from app.extensions import db

LOGO_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}


class ProgrammeIdentity(db.Model):
    __tablename__ = "programme_identity"
    __table_args__ = (
        CheckConstraint("logo_type IS NULL OR logo_type IN ('image/png', 'image/jpeg', 'image/webp')",
                        name="logo_type_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_name: Mapped[str] = mapped_column(String(80), default="")
    pitch_nl: Mapped[str] = mapped_column(String(200), default="")
    pitch_en: Mapped[str] = mapped_column(String(200), default="")
    about_nl: Mapped[str] = mapped_column(Text, default="")
    about_en: Mapped[str] = mapped_column(Text, default="")
    ideal_customer_nl: Mapped[str] = mapped_column(Text, default="")
    ideal_customer_en: Mapped[str] = mapped_column(Text, default="")
    sender_name: Mapped[str] = mapped_column(String(80), default="")
    reply_to: Mapped[str] = mapped_column(String(254), default="")
    # The logo as re-encoded on upload (no metadata); deferred: pages only need its version.
    logo: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    logo_type: Mapped[str | None] = mapped_column(String(20))
    logo_version: Mapped[int] = mapped_column(default=0)  # part of the logo's URL: a new logo, a new URL
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def logo_extension(self) -> str | None:
        return LOGO_TYPES.get(self.logo_type or "")
