"""Staff landing pages: who is in the programme and which accounts are whose."""
from __future__ import annotations

from flask import Blueprint
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.auth.models import ADMIN, CUSTOMER, MARKETER, SALES, Company, User
from app.extensions import db
from app.htmx import render
from app.pagination import paginate
from app.security import roles

bp = Blueprint("workspaces", __name__)


def _companies(query):
    """A page of companies with account manager, their manager and contact count: four queries."""
    contacts = (
        select(User.company_id, func.count(User.id).label("n"))
        .where(User.role == CUSTOMER)
        .group_by(User.company_id)
        .subquery()
    )
    return paginate(
        query.add_columns(func.coalesce(contacts.c.n, 0).label("contacts"))
        .outerjoin(contacts, contacts.c.company_id == Company.id)
        .options(selectinload(Company.account_manager).selectinload(User.manager))
        .order_by(Company.name, Company.id)
    )


@bp.route("/admin")
@roles(MARKETER)
def marketing():
    counts = dict(db.session.execute(select(User.role, func.count(User.id)).group_by(User.role)).all())
    return render("workspaces/marketing.html", counts=counts, companies=_companies(select(Company)))


@bp.route("/sales")
@roles(SALES)
def sales():
    query = select(Company)
    if current_user.role != ADMIN:
        team = select(User.id).where(User.manager_id == current_user.id)
        query = query.where(
            or_(Company.account_manager_id == current_user.id, Company.account_manager_id.in_(team))
        )
    return render("workspaces/sales.html", companies=_companies(query))
