"""Personal access tokens of the REST API: only a SHA-256 of the secret is stored."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.dates import utcnow
from app.extensions import db


class ApiToken(db.Model):
    """A token an admin made for an integration: its scopes, its end date and whether it was revoked.

    The secret itself is shown once and never stored: `secret_hash` is its SHA-256 (the secret has
    256 bits of randomness, so a plain hash is enough), `prefix` its first characters, to recognise it."""

    __tablename__ = "api_tokens"
    __table_args__ = (Index("ix_api_tokens_owner_created", "owner_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    scopes: Mapped[str] = mapped_column(String(400))  # space-separated, e.g. "referrals:read referrals:write"
    prefix: Mapped[str] = mapped_column(String(16))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    owner: Mapped[User] = relationship()

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix}… owner={self.owner_id}>"
