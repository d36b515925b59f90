"""Correcting a customer's points: a new ledger row with its own correction record (reason, who),
never an edit of an existing row. Flushes only; the route commits once."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.audit.services import record
from app.auth.models import User
from app.extensions import db
from app.i18n_content import in_both_languages
from app.journey.progress import settle
from app.points.models import CORRECTION, PointsCorrection, PointsEntry
from app.points.services import award_points

ZERO, BELOW_ZERO, ALREADY = "zero", "below_zero", "already"


class CorrectionError(ValueError):
    """A correction that cannot be made; `reason` is ZERO or BELOW_ZERO, `balance` what they have."""

    def __init__(self, reason: str, balance: int = 0):
        super().__init__(reason)
        self.reason = reason
        self.balance = balance


def ledger_reason(reason: str) -> tuple[str, str]:
    """The line in the customer's history, in both languages: the word "correction" and the reason."""
    def words() -> str:
        return str(_l("Correction: %(reason)s", reason=reason))
    nl, en = in_both_languages(words)
    return nl[:255], en[:255]


def correct_points(customer: User, author: User, points: int, reason: str, request_key: str) -> PointsCorrection:
    """Add `points` (negative to take away) to `customer`'s ledger, with `reason`. Never below a zero
    balance, also when two corrections (or a correction and a reward claim) arrive at once: the
    customer's row is locked before the balance is read. A repeated `request_key` (a double click)
    returns the first correction. Records level unlocks and badges and the audit event."""
    if not points:
        raise CorrectionError(ZERO)
    # Serialise this customer's balance changes: a no-op UPDATE takes the row lock on PostgreSQL and
    # the write lock on SQLite (as claiming a reward does) before the balance is read.
    db.session.execute(
        update(User).where(User.id == customer.id).values(id=User.id).execution_options(synchronize_session=False)
    )
    earlier = db.session.scalar(select(PointsCorrection).where(PointsCorrection.request_key == request_key))
    if earlier is not None:
        return earlier
    balance = int(db.session.scalar(
        select(func.coalesce(func.sum(PointsEntry.points), 0)).where(PointsEntry.user_id == customer.id)
    ))
    if balance + points < 0:
        raise CorrectionError(BELOW_ZERO, balance)
    correction = PointsCorrection(user_id=customer.id, author_id=author.id, points=points, reason=reason,
                                  request_key=request_key)
    try:
        with db.session.begin_nested():
            db.session.add(correction)
    except IntegrityError:  # the same form sent twice at the same moment
        return db.session.scalar(select(PointsCorrection).where(PointsCorrection.request_key == request_key))
    reason_nl, reason_en = ledger_reason(reason)
    award_points(customer.id, points, CORRECTION, correction.id, reason_nl=reason_nl, reason_en=reason_en)
    settle(customer)  # a level crossed is recorded as after a completion, badges too
    record(author, "points.correct", customer,
           _l("Corrected the points of %(name)s by %(points)+d: %(reason)s", name=customer.name, points=points,
              reason=reason),
           points=points, reason=reason, correction_id=correction.id,
           before={"balance": balance}, after={"balance": balance + points})
    return correction


def corrections_of(user_id: int, limit: int = 25) -> list[PointsCorrection]:
    return list(db.session.scalars(
        select(PointsCorrection).where(PointsCorrection.user_id == user_id)
        .order_by(PointsCorrection.created_at.desc(), PointsCorrection.id.desc()).limit(limit)
    ))
