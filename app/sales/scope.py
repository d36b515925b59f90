"""Whose accounts a sales user sees: their own and, for a manager, their team's. Admins see all."""
from __future__ import annotations

from sqlalchemy import ColumnElement, Select, or_, select, true

from app.auth.models import ADMIN, Company, User
from app.extensions import db
from app.referrals.models import Referee


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


def visible_referrals(statement: Select, viewer: User, *, in_pipeline: bool = True) -> Select:
    """Referrals of the viewer's accounts (their customers' introductions); by default only those
    that reached the pipeline (confirmed, not flagged)."""
    statement = statement.join(User, User.id == Referee.referrer_id).where(in_scope(User.company_id, viewer))
    return statement.where(Referee.reaches_sales_clause()) if in_pipeline else statement
