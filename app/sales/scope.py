"""Whose accounts a sales user sees: their own and, for a manager, their team's. Admins see all.

A page resolves the viewer's `Scope` once (one small query: the viewer and their direct reports)
and passes it to every statement. The account managers' ids then reach the database as a plain
list, which PostgreSQL's statistics turn into a good estimate of the scope's size: a nested loop
over a few hundred customers for an account manager, hash joins for a lead over the whole book.
The same functions still take a `User` (the scope then becomes a subquery in the statement).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, or_, select, true

from app.auth.models import ADMIN, SALES, Company, User
from app.extensions import db
from app.referrals.models import Referee


@dataclass(frozen=True)
class Scope:
    """The account managers whose accounts a viewer works on; None for every account (an admin).
    `every_account` is true when those managers hold every company: the lists may then skip the
    scope's lookups altogether (the rows still need a company)."""

    viewer_id: int
    manager_ids: tuple[int, ...] | None
    every_account: bool = False


def scope_of(viewer: User | Scope) -> Scope:
    """The viewer's scope: two small queries for a sales user (their team; whether any company lies
    outside it, which stops at the first such company), none for an admin."""
    if isinstance(viewer, Scope):
        return viewer
    if viewer.role == ADMIN:
        return Scope(viewer.id, None, every_account=True)
    managers = (viewer.id, *db.session.scalars(select(User.id).where(User.manager_id == viewer.id).order_by(User.id)))
    outside = db.session.scalar(select(Company.id).where(Company.account_manager_id.not_in(managers)).limit(1))
    return Scope(viewer.id, managers, every_account=outside is None)


def company_ids_of(viewer: User | Scope):
    """A select of the company ids `viewer` works on, or None when they see every account."""
    if isinstance(viewer, Scope):
        if viewer.manager_ids is None:
            return None
        return select(Company.id).where(Company.account_manager_id.in_(viewer.manager_ids))
    if viewer.role == ADMIN:
        return None
    team = select(User.id).where(User.manager_id == viewer.id)
    return select(Company.id).where(
        or_(Company.account_manager_id == viewer.id, Company.account_manager_id.in_(team))
    )


def in_scope(company_column, viewer: User | Scope) -> ColumnElement[bool]:
    """A WHERE clause: the row's company is one of the viewer's accounts."""
    if isinstance(viewer, Scope) and viewer.every_account and viewer.manager_ids is not None:
        return company_column.is_not(None)  # their team holds every company
    ids = company_ids_of(viewer)
    return true() if ids is None else company_column.in_(ids)


def is_manager(user: User) -> bool:
    return db.session.scalar(select(User.id).where(User.manager_id == user.id).limit(1)) is not None


def visible_referrals(statement: Select, viewer: User | Scope, *, in_pipeline: bool = True) -> Select:
    """Referrals of the viewer's accounts (their customers' introductions); by default only those
    that reached the pipeline (confirmed, not flagged)."""
    statement = statement.join(User, User.id == Referee.referrer_id).where(in_scope(User.company_id, viewer))
    return statement.where(Referee.reaches_sales_clause()) if in_pipeline else statement


def sales_users_statement(viewer: User | Scope) -> Select:
    """The active sales users a referral in the viewer's scope may be given to: the viewer and their
    team (everyone in sales for an admin), by name."""
    scope = scope_of(viewer)
    statement = select(User).where(User.role == SALES, User.is_active.is_(True))
    if scope.manager_ids is not None:
        statement = statement.where(User.id.in_(scope.manager_ids))
    return statement.order_by(User.name, User.id)
