"""Referral programme settings for marketing: milestone points, the ask cap, the daily cap on
introductions and how long unconverted referees are kept."""
from __future__ import annotations

from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.validators import InputRequired

from app.admin.programme.common import bp
from app.audit.services import record
from app.auth.models import MARKETER
from app.extensions import db
from app.forms import Form, WholeNumber, number_between
from app.htmx import redirect_to, render
from app.referrals.settings import programme_settings
from app.security import roles

FIELDS = ("points_contacted", "points_meeting", "points_opportunity", "points_won", "ask_cap_days",
          "daily_referral_cap", "referee_retention_days")


def _number(label, low, high, description=None):
    return WholeNumber(label, validators=[InputRequired(_l("Fill in a number.")), number_between(low, high)],
                       description=description)


class ProgrammeForm(Form):
    points_contacted = _number(_l("First contact made"), 0, 10000)
    points_meeting = _number(_l("Meeting held"), 0, 10000)
    points_opportunity = _number(_l("Opportunity"), 0, 10000)
    points_won = _number(_l("Won: they became a customer"), 0, 10000)
    ask_cap_days = _number(_l("Ask a customer at most once every … days"), 1, 730, _l(
        "Across the whole sales team: nobody asks the same customer for a referral again within this period."))
    daily_referral_cap = _number(_l("Introductions per customer per day, at most"), 1, 100, _l(
        "Protects against mistakes and abuse; real ambassadors rarely introduce more than a few people a day."))
    referee_retention_days = _number(_l("Keep unconverted referees for … days"), 7, 1095, _l(
        "After this, introductions that did not lead to an opportunity are erased by the daily clean-up (flask purge)."))


@bp.route("/programme", methods=["GET", "POST"])
@roles(MARKETER)
def settings():
    current = programme_settings()
    form = ProgrammeForm(obj=current) if request.method == "GET" else ProgrammeForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return render("admin/programme.html", form=form, status=422)
        changes = {name: getattr(form, name).data for name in FIELDS if getattr(current, name) != getattr(form, name).data}
        for name, value in changes.items():
            setattr(current, name, value)
        record(current_user, "programme.update", current, summary=_l("Referral programme settings"), **changes)
        db.session.commit()
        flash(_("The programme settings are saved."), "success")
        return redirect_to(url_for(".settings"))
    if db.session.new:
        db.session.commit()  # the settings row, made with its defaults on first visit
    return render("admin/programme.html", form=form)
