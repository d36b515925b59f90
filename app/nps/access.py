"""Who may see a customer's NPS answers and alerts: the account manager, that person's manager,
marketing and admins. Everyone else gets a 404, as if the answer did not exist."""
from __future__ import annotations

from sqlalchemy import or_, select

from app.auth.models import ADMIN, MARKETER, SALES, Company, User
from app.extensions import db
from app.nps.models import NpsResponse


def can_see(viewer: User, response: NpsResponse) -> bool:
    if viewer.role in (MARKETER, ADMIN):
        return True
    if viewer.role != SALES or response.company is None:
        return False
    manager = response.company.account_manager
    return manager is not None and viewer.id in (manager.id, manager.manager_id)


def visible_companies(viewer: User):
    """A select of company ids whose answers this viewer may see, or None for everything."""
    if viewer.role in (MARKETER, ADMIN):
        return None
    team = select(User.id).where(User.manager_id == viewer.id)
    return select(Company.id).where(or_(Company.account_manager_id == viewer.id, Company.account_manager_id.in_(team)))


def companies_for(viewer: User) -> list[tuple[int, str]]:
    """(id, name) of the companies this viewer may filter NPS answers by, by name."""
    statement = select(Company.id, Company.name).order_by(Company.name, Company.id)
    companies = visible_companies(viewer)
    if companies is not None:
        statement = statement.where(Company.id.in_(companies))
    return [(row.id, row.name) for row in db.session.execute(statement)]


def managers_for(viewer: User) -> list[tuple[int, str]]:
    """(id, name) of the account managers this viewer may filter by: every sales colleague for
    marketing and admins, a salesperson themselves and their team."""
    statement = select(User.id, User.name).where(User.role == SALES).order_by(User.name, User.id)
    if viewer.role not in (MARKETER, ADMIN):
        statement = statement.where(or_(User.id == viewer.id, User.manager_id == viewer.id))
    return [(row.id, row.name) for row in db.session.execute(statement)]
