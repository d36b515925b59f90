"""The customer's "my data" download and erasure, and the same for an admin from the participants list."""
from __future__ import annotations

import io

from flask import Blueprint, abort, flash, request, send_file, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user

from app.audit.services import record
from app.auth.models import ADMIN, CUSTOMER, User
from app.extensions import db, limiter
from app.htmx import redirect_to, render
from app.privacy import erasure, export
from app.privacy.forms import EraseMyDataForm, EraseParticipantForm, confirm_word
from app.privacy.registry import REGISTRY
from app.security import customers_only, login_limit, roles

bp = Blueprint("privacy", __name__)


def _download(user: User):
    return send_file(io.BytesIO(export.build_archive(user)), mimetype="application/zip", as_attachment=True,
                     download_name=export.archive_name(user), max_age=0)


@bp.route("/profile/my-data.zip")
@customers_only
def export_mine():
    response = _download(current_user)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/profile/erase", methods=["GET", "POST"])
@customers_only
@limiter.limit(login_limit, methods=["POST"])  # a password check: as limited as signing in
def erase_mine():
    user = current_user._get_current_object()
    if request.method == "GET":
        return render("privacy/erase.html", form=EraseMyDataForm(user), files=REGISTRY)
    form = EraseMyDataForm(user)
    if not form.validate_on_submit():
        return render("privacy/erase.html", form=form, files=REGISTRY, status=422)
    erasure.erase_customer(user, user)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("Your personal data has been erased and you are signed out. Thank you for taking part."), "success")
    return redirect_to(url_for("auth.login"))


def _customer_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.role != CUSTOMER:
        abort(404)
    return user


@bp.route("/admin/participants/<int:user_id>/data.zip")
@roles(ADMIN)
def admin_export(user_id: int):
    user = _customer_or_404(user_id)
    response = _download(user)
    record(current_user, "privacy.export", user, _l("Data export downloaded"))
    db.session.commit()
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/admin/participants/<int:user_id>/erase", methods=["GET", "POST"])
@roles(ADMIN)
def admin_erase(user_id: int):
    user = _customer_or_404(user_id)
    if request.method == "GET":
        return render("privacy/admin_erase.html", participant=user, form=EraseParticipantForm(), word=confirm_word())
    form = EraseParticipantForm()
    if not form.validate_on_submit():
        return render("privacy/admin_erase.html", participant=user, form=form, word=confirm_word(), status=422)
    erasure.erase_customer(user, current_user)
    db.session.commit()
    flash(_("The participant's personal data has been erased."), "success")
    return redirect_to(url_for("admin_participants.index"))
