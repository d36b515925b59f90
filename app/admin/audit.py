"""Audit log: every change marketers and admins make, who made it and when. Visible to admins."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint
from sqlalchemy import JSON, ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, defer, mapped_column, relationship, selectinload

from app.auth.models import ADMIN, User
from app.dates import utcnow
from app.extensions import db
from app.htmx import render
from app.pagination import paginate
from app.security import roles


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_created", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(60))
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[int | None]
    summary: Mapped[str] = mapped_column(String(255), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship()


def record(actor: User | None, action: str, target=None, summary: str = "", **details) -> AuditEntry:
    """Note a change in the same transaction as the change itself (flush only).

    `action` is a short machine word like "challenge.publish"; `target` any model instance with an id.
    """
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        target_type=type(target).__name__ if target is not None else None,
        target_id=getattr(target, "id", None),
        summary=summary[:255],
        details={key: _jsonable(value) for key, value in details.items()},
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def _jsonable(value):
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


bp = Blueprint("admin_audit", __name__)


@bp.route("/admin/audit")
@roles(ADMIN)
def index():
    entries = paginate(
        select(AuditEntry).options(selectinload(AuditEntry.actor), defer(AuditEntry.details)).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()),
        per_page=50, scalars=True,
    )
    return render("admin/audit.html", entries=entries)
