"""The participants directory: customers with their points, level, last activity and status.

The list is one aggregate query per page (points, level and last activity are correlated
subqueries on indexed columns), so it costs the same with ten customers or ten thousand.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import contains_eager

from app.auth.models import CUSTOMER, SALES, Company, User
from app.extensions import db
from app.journey.models import Level, LevelUnlock, Submission
from app.points.models import PointsEntry
from app.points.services import EARNED

ACTIVE, INACTIVE, INVITED = "active", "inactive", "invited"
STATUS_LABELS = {ACTIVE: _l("Active"), INVITED: _l("Invited"), INACTIVE: _l("Deactivated")}
SORTS = {"name": _l("Name (A–Z)"), "points": _l("Points (most first)"), "activity": _l("Last activity (recent first)")}


def _points():
    return (
        select(EARNED).where(PointsEntry.user_id == User.id).correlate(User).scalar_subquery()
    )


def _level():
    highest = (
        select(func.max(Level.position))
        .join(LevelUnlock, LevelUnlock.level_id == Level.id)
        .where(LevelUnlock.user_id == User.id)
        .correlate(User)
        .scalar_subquery()
    )
    return func.coalesce(highest, 1)


def _last_submission():
    return select(func.max(Submission.created_at)).where(Submission.user_id == User.id).correlate(User).scalar_subquery()


def _status():
    return case(
        (User.is_active.is_(False), INACTIVE),
        (User.password_hash.is_(None), INVITED),
        else_=ACTIVE,
    )


def _last_activity(last_submission):
    # The later of the last sign-in and the last submission; either may be missing. A comparison
    # with NULL is not true, so a missing submission falls through to the sign-in.
    login = User.last_login_at
    return case((login.is_(None) | (last_submission > login), last_submission), else_=login)


class Columns:
    """The computed columns of a participant row: expressions for WHERE, labels for SELECT and ORDER BY."""

    def __init__(self) -> None:
        self.points = _points()
        self.level = _level()
        self.status = _status()
        self.last_activity = _last_activity(_last_submission())
        self.labels = [
            self.points.label("points"), self.level.label("level"),
            self.last_activity.label("last_activity"), self.status.label("status"),
        ]

    def label(self, name: str):
        return next(label for label in self.labels if label.name == name)


def participants_query(cols: Columns | None = None) -> Select:
    """Customers with their company, points earned, level, last activity and status: one query."""
    cols = cols or Columns()
    return (
        select(User, *cols.labels)
        .outerjoin(User.company)
        .options(contains_eager(User.company))
        .where(User.role == CUSTOMER)
    )


@dataclass
class Participant:
    user: User
    points: int
    level: int
    last_activity: datetime | None
    status: str

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


def participant(row) -> Participant:
    """A row of `participants_query` as a Participant."""
    user, points, level, last_activity, status = row
    return Participant(user, int(points or 0), int(level or 1), last_activity, status)


def participant_row(user_id: int) -> Participant | None:
    row = db.session.execute(participants_query().where(User.id == user_id)).first()
    return participant(row) if row else None


def find(q: str | None = None, company_id: int | None = None, level: int | None = None,
         min_points: int | None = None, status: str | None = None, sort: str = "name") -> Select:
    """The participants who match every filter given, in the order asked for (by name otherwise)."""
    cols = Columns()
    query = participants_query(cols)
    if q:
        term = q.lower()
        query = query.where(
            or_(func.lower(User.name).contains(term, autoescape=True), func.lower(User.email).contains(term, autoescape=True))
        )
    if company_id is not None:
        query = query.where(User.company_id == company_id)
    if level is not None:
        query = query.where(cols.level == level)
    if min_points is not None:
        query = query.where(cols.points >= min_points)
    if status:
        query = query.where(cols.status == status)
    if sort == "points":
        order = (cols.label("points").desc(), func.lower(User.name))
    elif sort == "activity":
        order = (cols.label("last_activity").desc().nulls_last(), func.lower(User.name))
    else:
        order = (func.lower(User.name),)
    return query.order_by(*order, User.id)


# --- What the forms offer -----------------------------------------------------------------------

def companies() -> list[tuple[int, str]]:
    """(id, name) of every company, by name."""
    return db.session.execute(select(Company.id, Company.name).order_by(Company.name)).all()


def company_names() -> list[str]:
    return list(db.session.scalars(select(Company.name).order_by(Company.name)))


def levels() -> list[tuple[int, str, str]]:
    """(position, Dutch name, English name) of every level, in order."""
    return db.session.execute(select(Level.position, Level.name_nl, Level.name_en).order_by(Level.position)).all()


def account_managers() -> list[tuple[int, str, str]]:
    """(id, name, e-mail) of the active sales users, who may look after a new company."""
    return db.session.execute(
        select(User.id, User.name, User.email).where(User.role == SALES, User.is_active.is_(True)).order_by(User.name)
    ).all()


def company_named(name: str) -> Company | None:
    """The company with this name, ignoring case (the oldest, should there be two)."""
    return db.session.scalar(
        select(Company).where(func.lower(Company.name) == name.lower()).order_by(Company.id).limit(1)
    )


MAX_ID = 2**31 - 1  # the largest INTEGER primary key


def account_manager(user_id) -> User | None:
    """The active sales user with this id (as typed in a form), or None."""
    text = str(user_id or "")
    if not (text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID):  # "²".isdigit(); ids are INTEGER
        return None
    manager = db.session.get(User, int(user_id))
    return manager if manager is not None and manager.role == SALES and manager.is_active else None
