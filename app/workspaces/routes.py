"""Staff landing pages: who is in the programme and which accounts are whose."""
from __future__ import annotations

from flask import Blueprint
from flask_login import current_user
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import selectinload

from app import dates
from app.analytics import goals
from app.auth.models import CUSTOMER, MARKETER, SALES, Company, User
from app.extensions import db
from app.htmx import render
from app.journey.models import Level, LevelUnlock
from app.notifications.services import mark_read, unread
from app.pagination import paginate
from app.referrals.models import OPEN_STAGES, Referee
from app.sales.scope import company_ids_of, visible_referrals
from app.security import roles

bp = Blueprint("workspaces", __name__)


def _companies(query):
    """A page of companies with account manager, their manager, contact count and how many of
    their contacts stand at each level (their highest level reached): four queries."""
    top_level = (
        select(LevelUnlock.user_id, func.max(Level.position).label("top"))
        .join(Level, Level.id == LevelUnlock.level_id)
        .group_by(LevelUnlock.user_id)
        .subquery()
    )
    contacts = (
        select(
            User.company_id,
            func.count(User.id).label("n"),
            func.sum(case((top_level.c.top == 1, 1), else_=0)).label("level1"),
            func.sum(case((top_level.c.top == 2, 1), else_=0)).label("level2"),
            func.sum(case((top_level.c.top >= 3, 1), else_=0)).label("level3"),
        )
        .outerjoin(top_level, top_level.c.user_id == User.id)
        .where(User.role == CUSTOMER)
        .group_by(User.company_id)
        .subquery()
    )
    return paginate(
        query.add_columns(
            func.coalesce(contacts.c.n, 0).label("contacts"),
            func.coalesce(contacts.c.level1, 0).label("level1"),
            func.coalesce(contacts.c.level2, 0).label("level2"),
            func.coalesce(contacts.c.level3, 0).label("level3"),
        )
        .outerjoin(contacts, contacts.c.company_id == Company.id)
        .options(selectinload(Company.account_manager).selectinload(User.manager))
        .order_by(Company.name, Company.id)
    )


@bp.route("/admin")
@roles(MARKETER)
def marketing():
    counts = dict(db.session.execute(select(User.role, func.count(User.id)).group_by(User.role)).all())
    return render("workspaces/marketing.html", counts=counts, companies=_companies(select(Company)),
                  card=goals.this_quarter())


@bp.route("/sales")
@roles(SALES)
def sales():
    query = select(Company)
    ids = company_ids_of(current_user)
    if ids is not None:
        query = query.where(Company.id.in_(ids))
    today = dates.today()
    in_pipeline = and_(Referee.reaches_sales_clause(), Referee.stage.in_(OPEN_STAGES))
    open_referrals, due, to_check = db.session.execute(
        visible_referrals(select(
            func.count(Referee.id).filter(in_pipeline),
            func.count(Referee.id).filter(in_pipeline, Referee.follow_up_on <= today),
            func.count(Referee.id).filter(Referee.flag.is_not(None), Referee.stage != "lost"),
        ), current_user, in_pipeline=False)
    ).one()
    notes = unread(current_user.id)  # e.g. an account handed over to you or by you
    response = render("workspaces/sales.html", companies=_companies(query), open_referrals=open_referrals,
                      due=due, to_check=to_check, notes=notes, card=goals.this_quarter())
    if notes:  # shown once: rendered first, then read (as the NPS alerts page does)
        mark_read(current_user.id)
        db.session.commit()
    return response
