"""Whose accounts a sales user sees: their own and, for a manager, their team's. Admins see all."""
from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select, true

from app.auth.models import ADMIN, Company, User
from app.extensions import db


def company_ids_of(viewer: User):
    """A select of the company ids `viewer` works on, or None when they see every account."""
    if viewer.role == ADMIN:
        return None
    team = select(User.id).where(User.manager_id == viewer.id)
    return select(Company.id).where(
        or_(Company.account_manager_id == viewer.id, Company.account_manager_id.in_(team))
    )


def in_scope(company_column, viewer: User) -> ColumnElement[bool]:
    """A WHERE clause: the row's company is one of the viewer's accounts."""
    ids = company_ids_of(viewer)
    return true() if ids is None else company_column.in_(ids)


def is_manager(user: User) -> bool:
    return db.session.scalar(select(User.id).where(User.manager_id == user.id).limit(1)) is not None
