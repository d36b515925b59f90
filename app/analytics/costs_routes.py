"""The numbers behind the programme's economics, entered per month: the running cost (marketing) and
the deals won without a referral (marketing, or a sales team lead). One page lists the months
entered; each form saves one month in place (htmx) or with a full page load."""
from __future__ import annotations

from flask import Blueprint, abort, flash, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select, union
from sqlalchemy.orm import aliased

from app.analytics.forms import OtherWinsForm, RunningCostForm
from app.analytics.inputs import set_other_wins, set_running_cost
from app.analytics.programme_models import OtherWins, ProgrammeCost
from app.analytics.routes import may_read
from app.auth.models import MARKETER, SALES, User
from app.extensions import db
from app.htmx import redirect_to, render, wants_fragment
from app.money import money
from app.pagination import paginate
from app.security import roles

bp = Blueprint("economics", __name__)
PER_PAGE = 12


@bp.app_template_filter("money")
def _money_filter(cents) -> str:
    return money(cents)


def may_enter_costs(user) -> bool:
    return user.role != SALES


def _months():
    """A page of the months with a running cost or a count of other wins (newest first), each with
    both numbers and who entered them: two statements."""
    months = union(select(ProgrammeCost.month.label("month")), select(OtherWins.month.label("month"))).subquery("m")
    cost_by, wins_by = aliased(User), aliased(User)
    return paginate(
        select(months.c.month, ProgrammeCost.amount_cents, ProgrammeCost.note.label("cost_note"),
               cost_by.name.label("cost_by"), OtherWins.won, OtherWins.note.label("wins_note"),
               wins_by.name.label("wins_by"))
        .select_from(months)
        .outerjoin(ProgrammeCost, ProgrammeCost.month == months.c.month)
        .outerjoin(cost_by, cost_by.id == ProgrammeCost.entered_by_id)
        .outerjoin(OtherWins, OtherWins.month == months.c.month)
        .outerjoin(wins_by, wins_by.id == OtherWins.entered_by_id)
        .order_by(months.c.month.desc()),
        per_page=PER_PAGE,
    )


def _page(cost_form=None, wins_form=None, saved: str | None = None, status: int = 200):
    return render("analytics/costs.html", cost_form=cost_form or RunningCostForm(formdata=None),
                  wins_form=wins_form or OtherWinsForm(formdata=None), months=_months(), saved=saved,
                  may_enter_costs=may_enter_costs(current_user), status=status)


def _may_open() -> None:
    if not may_read(current_user):
        abort(403)  # a sales user who leads no team


def _done(message: str):
    if wants_fragment():  # in place: the page with a message that takes the focus
        db.session.commit()
        return _page(saved=message)
    db.session.commit()
    flash(message, "success")
    return redirect_to(url_for("economics.months"))


@bp.route("/admin/economics")
@roles(MARKETER, SALES)
def months():
    _may_open()
    return _page()


@bp.route("/admin/economics/cost", methods=["POST"])
@roles(MARKETER)
def save_cost():
    form = RunningCostForm()
    if not form.validate_on_submit():
        return _page(cost_form=form, status=422)
    row = set_running_cost(form.month.month, form.amount.data, form.note.data or "", current_user)
    return _done(_("Running cost for %(month)s saved: %(amount)s.", month=format_date(row.month, "MMMM yyyy"),
                   amount=money(row.amount_cents)))


@bp.route("/admin/economics/wins", methods=["POST"])
@roles(MARKETER, SALES)
def save_wins():
    _may_open()
    form = OtherWinsForm()
    if not form.validate_on_submit():
        return _page(wins_form=form, status=422)
    row = set_other_wins(form.month.month, form.won.data, form.note.data or "", current_user)
    return _done(_("Deals won without a referral in %(month)s saved: %(won)s.",
                   month=format_date(row.month, "MMMM yyyy"), won=row.won))
