"""Quarterly goals for marketing: choose a quarter, set (or clear) a target per metric. The overviews
show this quarter's progress; the analytics page shows the history."""
from __future__ import annotations

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import dates
from app.analytics import goals
from app.analytics.forms import GoalsForm, quarter_choices
from app.analytics.inputs import set_goals
from app.analytics.programme_models import GOAL_LABELS, GOAL_METRICS
from app.auth.models import MARKETER
from app.extensions import db
from app.htmx import redirect_to, render, wants_fragment
from app.security import roles

bp = Blueprint("goals", __name__)


@bp.app_context_processor
def _goal_labels() -> dict:
    return {"goal_labels": GOAL_LABELS}


def _form(quarter: goals.Quarter, formdata=None) -> GoalsForm:
    current = goals.goals_of([quarter]).get(quarter.key, {})
    form = GoalsForm(formdata=formdata, data={"quarter": quarter.key, **{m: current.get(m) for m in GOAL_METRICS}})
    form.quarter.choices = quarter_choices(goals.Quarter.of(dates.today()))
    return form


def _key(choice) -> str:
    return choice[0] if isinstance(choice, tuple) else choice.value


def _page(form: GoalsForm, quarter: goals.Quarter, saved: str | None = None, status: int = 200):
    return render("analytics/goals.html", form=form, quarter=quarter, saved=saved,
                  card=goals.this_quarter(), status=status)


@bp.route("/admin/goals", methods=["GET", "POST"])
@roles(MARKETER)
def edit():
    this = goals.Quarter.of(dates.today())
    offered = {_key(c) for c in quarter_choices(this)}
    typed = goals.Quarter.parse(request.values.get("quarter", "")[:10])
    quarter = typed if typed is not None and typed.key in offered else this
    if request.method == "GET":
        return _page(_form(quarter), quarter)
    form = _form(quarter, formdata=request.form)
    if not form.validate_on_submit():
        return _page(form, quarter, status=422)
    changed = set_goals(quarter, form.targets(), current_user)
    message = (_("The goals for %(quarter)s are saved.", quarter=quarter.label) if changed
               else _("Nothing changed in the goals for %(quarter)s.", quarter=quarter.label))
    db.session.commit()
    if wants_fragment():
        return _page(_form(quarter), quarter, saved=message)
    flash(message, "success")
    return redirect_to(url_for("goals.edit", quarter=quarter.key))
