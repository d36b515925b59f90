"""The audit log's one table: an entry per staff change, as a structured event.

Who (actor), what (action, a machine word like "level.publish"), on which object (target_type and
target_id), the values it changed (`details["before"]`/`details["after"]`) and other named facts
(`details`). `object_label` keeps the object's name in each language for when the object is gone;
it is only kept for programme objects (levels, challenges …), never a person's name. `summary` is the
text older entries were written with, shown when nothing better is known.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.dates import utcnow
from app.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_created", "created_at"),
        # The log's filters, each read newest first along its own index.
        Index("ix_audit_entries_actor_created", "actor_id", "created_at"),
        Index("ix_audit_entries_action_created", "action", "created_at"),
        Index("ix_audit_entries_target_created", "target_type", "target_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(60))
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[int | None]
    summary: Mapped[str] = mapped_column(String(255), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    object_label: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship()
