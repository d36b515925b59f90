"""Awarding and reading points. Never read-modify-write a balance: insert a ledger row."""
from __future__ import annotations

from flask import g, has_app_context
from sqlalchemy import bindparam, case, func, or_, select
from sqlalchemy.exc import IntegrityError

from app.events import publish
from app.extensions import db
from app.points.models import CORRECTION, PointsEntry
from app.unique import insert_once

# Points earned (awards only, spending excluded): what levels and the leaderboard count. A correction
# by marketing counts either way: taking points back lowers what was earned, not what was spent.
EARNED = func.coalesce(func.sum(case(
    (or_(PointsEntry.points > 0, PointsEntry.source_type == CORRECTION), PointsEntry.points), else_=0)), 0)


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
    _forget_totals()
    if points:  # a row of 0 points (a milestone marketing gives nothing for) is no award
        publish("points.awarded", entry_id=entry.id, user_id=user_id, points=points)
    return entry


def award_once(user_id: int, points: int, source_type: str, source_id: int, reason_nl: str, reason_en: str) -> int:
    """Add a ledger row in one statement (no object, no savepoint); the points added, or 0 when this
    source was already counted. The UNIQUE source decides, also between parallel workers."""
    added = insert_once(
        PointsEntry.__table__, user_id=user_id, points=points, source_type=source_type, source_id=source_id,
        reason_nl=reason_nl[:255], reason_en=reason_en[:255],
    )
    _forget_totals()
    if not added:
        return 0
    if points:
        publish("points.awarded", entry_id=added if type(added) is int else None, user_id=user_id, points=points)
    return points


def _forget_totals() -> None:
    if has_app_context():
        g.pop("points_totals", None)


def totals(user_id: int) -> tuple[int, int]:
    """(earned, balance): earned counts awards only and drives levels; balance is what can be spent.
    Remembered for the rest of the request (the header and the page both show it) until points change."""
    cache = g.setdefault("points_totals", {}) if has_app_context() else {}
    if user_id not in cache:
        cache[user_id] = _query_totals(user_id)
    return cache[user_id]


def remember_totals(user_id: int, earned: int, balance: int) -> None:
    """Totals another statement read along (see totals_subquery), kept as if totals() had read them."""
    if has_app_context():
        g.setdefault("points_totals", {})[user_id] = (int(earned), int(balance))


def totals_subquery(user_id):
    """One row (earned, balance) for a customer; `user_id` may be a bound parameter."""
    return select(EARNED.label("earned"), func.coalesce(func.sum(PointsEntry.points), 0).label("balance")) \
        .where(PointsEntry.user_id == user_id).subquery("totals")


_TOTALS = select(totals_subquery(bindparam("user_id")))


def _query_totals(user_id: int) -> tuple[int, int]:
    earned, balance = db.session.execute(_TOTALS, {"user_id": user_id}).one()
    return int(earned), int(balance)
