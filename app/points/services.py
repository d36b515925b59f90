"""Awarding and reading points. Never read-modify-write a balance: insert a ledger row."""
from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.points.models import PointsEntry


def award_points(user_id: int, points: int, source_type: str, source_id: int, reason_nl: str, reason_en: str) -> PointsEntry | None:
    """Add a ledger row. Returns None when this source was already counted (idempotent)."""
    entry = PointsEntry(
        user_id=user_id, points=points, source_type=source_type, source_id=source_id,
        reason_nl=reason_nl[:255], reason_en=reason_en[:255],
    )
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError:
        return None
    return entry


def totals(user_id: int) -> tuple[int, int]:
    """(earned, balance): earned counts awards only and drives levels; balance is what can be spent."""
    earned, balance = db.session.execute(
        select(
            func.coalesce(func.sum(case((PointsEntry.points > 0, PointsEntry.points), else_=0)), 0),
            func.coalesce(func.sum(PointsEntry.points), 0),
        ).where(PointsEntry.user_id == user_id)
    ).one()
    return int(earned), int(balance)
