"""The programme terms: the public page, the customer's acceptance (and the gate that asks for it
after a material change), and marketing's editor with a preview."""
from __future__ import annotations

from flask import Blueprint, flash, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, user_loaded_from_cookie, user_logged_in

from app.auth.models import CUSTOMER, MARKETER
from app.extensions import db
from app.htmx import redirect_to, render, wants_fragment
from app.i18n_content import localized
from app.security import customers_only, is_safe_redirect, public, roles
from app.terms import services
from app.terms.forms import AcceptTermsForm, TermsForm
from app.terms.markdown import to_html
from app.terms.models import BODY_MAX, MATERIAL

bp = Blueprint("terms", __name__)

# The session remembers, from the sign-in on, that this customer still has to accept the terms:
# no page pays a query for it. A material change is asked about at the next sign-in.
DUE = "terms_due"
# What a customer who still has to accept may open: the terms themselves, signing out, the language
# switch, their own data, and the static files.
OPEN_WHILE_DUE = {"terms.page", "terms.accept", "auth.logout", "main.set_language", "main.healthz", "static",
                  "privacy.export_mine"}
PREVIEW_ID = "terms-preview"


def _check_at_sign_in(_app, user=None, **_extra) -> None:
    if user is not None and user.role == CUSTOMER and services.needs_acceptance(user):
        session[DUE] = True
    else:
        session.pop(DUE, None)


@bp.record_once
def _connect(state) -> None:
    user_logged_in.connect(_check_at_sign_in, state.app)
    user_loaded_from_cookie.connect(_check_at_sign_in, state.app)


@bp.before_app_request
def terms_gate():
    """A customer who has to accept the (changed) terms sees the terms first, whatever they open."""
    if not session.get(DUE) or request.endpoint is None or request.endpoint in OPEN_WHILE_DUE:
        return None
    if not current_user.is_authenticated or current_user.role != CUSTOMER:
        session.pop(DUE, None)
        return None
    target = request.full_path.rstrip("?") if request.method == "GET" and not wants_fragment() else None
    return redirect_to(url_for("terms.accept", next=target if target and target != "/" else None))


# --- the public page ------------------------------------------------------------------------------

@bp.route("/terms")
@public
def page():
    version = services.current_version()
    body = to_html(localized(version, "body")) if version else None
    return render("terms/page.html", version=version, body=body)


# --- accepting ------------------------------------------------------------------------------------

@bp.route("/terms/accept", methods=["GET", "POST"])
@customers_only
def accept():
    version = services.current_version()
    if version is None:
        session.pop(DUE, None)
        return redirect_to(url_for("main.home"))
    form = AcceptTermsForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
        form.version.data = str(version.number)
    elif form.validate():
        if form.version.data != str(version.number):
            form.accept.errors.append(_("The terms were changed while you were reading them. Read this version and "
                                        "accept it."))
            form.version.data = str(version.number)
        else:
            services.accept(current_user, version, str(get_locale()))
            db.session.commit()
            session.pop(DUE, None)
            flash(_("Thank you for accepting the programme terms."), "success")
            target = form.next.data if is_safe_redirect(form.next.data) else url_for("main.home")
            return redirect_to(target)
    accepted = services.has_accepted(current_user, version)
    return render("terms/accept.html", form=form, version=version, body=to_html(localized(version, "body")),
                  due=bool(session.get(DUE)), accepted=accepted, status=422 if form.errors else 200)


# --- marketing's editor ---------------------------------------------------------------------------

@bp.route("/admin/terms", methods=["GET", "POST"])
@roles(MARKETER)
def edit():
    latest = services.current_version()
    if request.method == "GET":
        form = TermsForm(formdata=None, data={
            "body_nl": latest.body_nl if latest else "", "body_en": latest.body_en if latest else "",
            "kind": None if latest else MATERIAL})
        return _editor(form, latest)
    form = TermsForm()
    if request.form.get("action") != "publish":
        # A preview: what the texts look like, however unfinished; nothing is stored.
        preview = {lang: to_html((form[f"body_{lang}"].data or "")[:BODY_MAX * 2]) for lang in ("nl", "en")}
        if wants_fragment() and request.htmx.target == PREVIEW_ID:
            return render("terms/_preview.html", preview=preview)
        return _editor(form, latest, preview=preview)
    if form.validate():
        try:
            version = services.publish(current_user, form.body_nl.data, form.body_en.data, form.kind.data)
            number, kind = version.number, version.kind
            db.session.commit()
        except services.TermsError:
            db.session.rollback()
            form.kind.errors.append(_("A colleague published a version just now. Check the texts and publish again."))
        else:
            flash(_("Version %(n)d is published. Participants are asked to accept it at their next sign-in.", n=number)
                  if kind == MATERIAL else _("Version %(n)d is published.", n=number), "success")
            return redirect_to(url_for(".edit"))
    return _editor(form, services.current_version(), status=422)


def _editor(form: TermsForm, latest, preview=None, status: int = 200):
    return render("terms/edit.html", form=form, latest=latest, preview=preview, versions=services.versions(),
                  status=status)
