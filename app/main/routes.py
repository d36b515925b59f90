"""Home, language choice and the health check."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, url_for
from flask_babel import refresh
from flask_login import current_user

from app.auth.models import ADMIN, CUSTOMER, MARKETER, SALES
from app.extensions import db, limiter
from app.health import check
from app.htmx import redirect_to, render
from app.i18n import remember_locale
from app.journey.routes import render_home
from app.main.forms import LanguageForm
from app.security import is_safe_redirect, public, signed_in

bp = Blueprint("main", __name__)

STAFF_HOME = {MARKETER: "workspaces.marketing", ADMIN: "workspaces.marketing", SALES: "workspaces.sales"}


@bp.route("/")
@signed_in
def home():
    if current_user.role != CUSTOMER:
        return redirect(url_for(STAFF_HOME[current_user.role]))
    return render_home()


@bp.route("/language", methods=["POST"])
@public
def set_language():
    form = LanguageForm()
    if not form.validate_on_submit():
        refresh()
        return render("main/language.html", form=form, status=422)
    target = form.next.data if is_safe_redirect(form.next.data) else url_for("main.home")
    if current_user.is_authenticated:
        current_user.locale = form.locale.data
        db.session.commit()
    # A full page load, so <html lang>, the title and every string follow the new language.
    response = redirect_to(target)
    remember_locale(response, form.locale.data)
    return response


@bp.route("/healthz")
@public
@limiter.exempt
def healthz():
    """200 while the database answers, also when the worker is stale (the portal itself works; mail
    waits in the outbox): the JSON says so in `worker.status`. 503 when the database does not answer."""
    health = check(current_app._get_current_object())
    if health is None:
        response = jsonify(status="unavailable")
        response.headers["Retry-After"] = "30"
        return response, 503
    return jsonify(status="ok", **health)
