"""Admins' personal access tokens for the REST API: make one (the secret is shown once), list, revoke."""
from __future__ import annotations

from flask import Blueprint, abort, flash, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import InputRequired, NumberRange

from app.api import tokens
from app.api.models import ApiToken
from app.auth.models import ADMIN
from app.dates import utcnow
from app.extensions import db
from app.forms import CheckboxesOf, Form, WholeNumber, choices, max_length, strip
from app.htmx import redirect_to, render
from app.security import roles

bp = Blueprint("admin_api_tokens", __name__)
ACCESS_LABELS = {"read": _l("read"), "write": _l("write")}


def scope_label(scope: str) -> str:
    resource, _sep, access = scope.partition(":")
    return f"{tokens.RESOURCES[resource]} · {ACCESS_LABELS[access]}"


class TokenForm(Form):
    name = StringField(_l("Name"), filters=[strip], description=_l("What the token is for, e.g. “CRM sync”."),
                       validators=[InputRequired(_l("Give the token a name.")), max_length(80)])
    scopes = CheckboxesOf(_l("Scopes"), choices=choices([(s, scope_label(s)) for s in tokens.SCOPES]),
                          validators=[InputRequired(_l("Choose at least one scope."))])
    days = WholeNumber(_l("Valid for (days)"), default=90,
                       validators=[InputRequired(_l("Enter a number of days.")),
                                   NumberRange(1, tokens.MAX_DAYS, _l("A token is valid for 1 to %(max)s days."))])


def _page(form: TokenForm, status: int = 200):
    return render("admin/api_tokens.html", form=form, tokens=tokens.tokens_of_all(), now=utcnow(),
                  scope_label=scope_label, status=status)


@bp.route("/admin/api-tokens")
@roles(ADMIN)
def index():
    return _page(TokenForm(formdata=None))


@bp.route("/admin/api-tokens", methods=["POST"])
@roles(ADMIN)
def create():
    form = TokenForm()
    if not form.validate():
        return _page(form, status=422)
    try:
        token, secret = tokens.issue(current_user, form.name.data, form.scopes.data, form.days.data)
    except tokens.TokenError as exc:
        db.session.rollback()
        form.name.errors = [*form.name.errors, str(exc)]
        return _page(form, status=422)
    db.session.commit()
    # Shown on this answer only: the secret is not stored, and this page is not cached (no-store).
    return render("admin/api_token_created.html", token=token, secret=secret, scope_label=scope_label)


@bp.route("/admin/api-tokens/<int:token_id>/revoke", methods=["POST"])
@roles(ADMIN)
def revoke(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None:
        abort(404)
    if tokens.revoke(current_user, token):
        db.session.commit()
        flash(_("The token “%(name)s” is revoked: calls with it are refused from now on.", name=token.name), "success")
    else:
        flash(_("The token “%(name)s” was revoked already.", name=token.name), "info")
    return redirect_to(url_for(".index"))
