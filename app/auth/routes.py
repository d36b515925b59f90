"""Sign in and out, accept an invitation, reset a forgotten password."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app import seclog
from app.auth import services
from app.auth.forms import AcceptInvitationForm, LoginForm, NewPasswordForm, ResetRequestForm
from app.auth.models import User
from app.dates import utcnow
from app.extensions import db, limiter
from app.htmx import redirect_to, render
from app.i18n import remember_locale, speak_to
from app.security import (
    account_key,
    is_safe_redirect,
    login_account_limit,
    login_failed,
    login_limit,
    login_locked,
    public,
    public_form_limit,
    reset_account_limit,
    signed_in,
)
from app.terms import services as terms

bp = Blueprint("auth", __name__)


def home_for(user: User) -> str:
    return url_for("main.home")


def _start_session(user: User, remember: bool = False) -> None:
    # A fresh session at login: nothing from before (a planted session id, old flashes) survives.
    session.clear()
    session.permanent = True
    login_user(user, remember=remember)
    user.last_login_at = utcnow()


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(login_limit, methods=["POST"])
@limiter.limit(login_account_limit, key_func=account_key, methods=["POST"], deduct_when=login_failed,
               on_breach=login_locked)
def login():
    if current_user.is_authenticated:
        return redirect_to(home_for(current_user))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            _start_session(user, remember=form.remember.data)
            db.session.commit()
            target = form.next.data if is_safe_redirect(form.next.data) else home_for(user)
            response = redirect_to(target)
            remember_locale(response, user.locale)
            return response
        # The same words for an unknown address, a wrong password and a disabled account.
        form.password.errors.append(_("That e-mail address and password do not match. Try again or reset your password."))
    status = 422 if form.is_submitted() else 200
    form.password.data = ""
    if form.errors:
        form.email.render_kw = {**form.email.render_kw, "autofocus": False}
    return render("auth/login.html", form=form, status=status)


@bp.route("/logout", methods=["POST"])
@signed_in
def logout():
    user = current_user._get_current_object()
    user.end_sessions()
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are signed out."), "success")
    return redirect_to(url_for("auth.login"))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@public
@limiter.limit(public_form_limit, methods=["POST"])
def accept_invitation(token: str):
    user, problem = services.user_from_token(token, services.INVITE_SALT, current_app.config["INVITATION_MAX_AGE"])
    if user is not None and user.has_password:
        user, problem = None, "used"
    if user is None:
        seclog.event("authn_token_invalid", "invitation", problem or "invalid")
        return render("auth/link_problem.html", kind="invitation", problem=problem or "invalid", status=410 if problem == "expired" else 404)
    speak_to(user.locale)
    terms_version = terms.current_version()  # accepted together with the password, when there are terms
    form = AcceptInvitationForm(email=user.email, terms_required=terms_version is not None)
    if form.validate_on_submit():
        user.set_password(form.password.data)
        if terms_version is not None:
            terms.accept(user, terms_version, user.locale)
        db.session.flush()
        _start_session(user)
        db.session.commit()
        flash(_("Welcome, %(name)s! Your account is ready.", name=user.name), "success")
        return redirect_to(home_for(user))
    return render("auth/accept_invitation.html", form=form, user=user, terms_version=terms_version,
                  status=422 if form.is_submitted() else 200)


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@limiter.limit(public_form_limit, methods=["POST"])
@limiter.limit(reset_account_limit, key_func=account_key, methods=["POST"])
def forgot_password():
    form = ResetRequestForm()
    if form.validate_on_submit():
        # As long for a known address as for an unknown one: the answer's timing tells nothing.
        with services.at_least(current_app.config["RESET_REQUEST_MIN_SECONDS"]):
            services.request_password_reset(form.email.data)
            db.session.commit()
        return render("auth/reset_sent.html", email=form.email.data.strip())
    return render("auth/forgot_password.html", form=form, status=422 if form.is_submitted() else 200)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
@limiter.limit(public_form_limit, methods=["POST"])
def reset_password(token: str):
    user, problem = services.user_from_token(token, services.RESET_SALT, current_app.config["PASSWORD_RESET_MAX_AGE"])
    if user is None:
        seclog.event("authn_token_invalid", "reset", problem or "invalid")
        return render("auth/link_problem.html", kind="reset", problem=problem or "invalid", status=410 if problem == "expired" else 404)
    speak_to(user.locale)
    form = NewPasswordForm(email=user.email)
    if form.validate_on_submit():
        user.set_password(form.password.data)
        db.session.flush()
        _start_session(user)
        db.session.commit()
        flash(_("Your password has been changed."), "success")
        return redirect_to(home_for(user))
    return render("auth/reset_password.html", form=form, user=user, status=422 if form.is_submitted() else 200)
