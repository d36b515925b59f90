"""Who "we" are to customers and referees: marketing sets the name, logo, pitch, sender and ideal
customer here. A logo upload up to UPLOAD_LIMIT is read so that a too-large file comes back as the form
with a clear message (input kept); anything larger gets the friendly 413 page."""
from __future__ import annotations

from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import FileStorage

from app.admin.programme.common import bp
from app.admin.programme.identity_forms import IdentityForm
from app.auth.models import MARKETER
from app.extensions import db
from app.htmx import redirect_to, render
from app.identity.changes import LogoChange, update_identity
from app.identity.logo import MAX_BYTES, LogoRefused, clean_logo
from app.identity.services import TEXT_FIELDS, identity_row
from app.security import roles

ENDPOINT = "admin_programme.identity"
UPLOAD_LIMIT = 12 * 1024 * 1024  # the whole request; the logo itself may be 1 MB (app.identity.logo)


def _allow_logo_upload() -> None:
    """Before every other check (CSRF reads the body): this one form may send a larger request."""
    if request.endpoint == ENDPOINT:
        request.max_content_length = UPLOAD_LIMIT


@bp.record_once
def _first_of_all(state) -> None:
    state.app.before_request_funcs.setdefault(None, []).insert(0, _allow_logo_upload)


def _logo_change(form: IdentityForm) -> LogoChange | None:
    """The cleaned logo from the form, or None; a refused file becomes the field's error."""
    upload = form.logo.data
    if isinstance(upload, FileStorage) and (upload.filename or upload.content_length):
        try:
            data, media_type = clean_logo(upload.stream.read(MAX_BYTES + 1))
        except LogoRefused as refused:
            form.logo.errors = [*form.logo.errors, str(refused.args[0]), _("Choose the file again after fixing it.")]
            return None
        return LogoChange(data=data, media_type=media_type)
    if form.remove_logo.data:
        return LogoChange(remove=True)
    return None


@bp.route("/programme/identity", methods=["GET", "POST"])
@roles(MARKETER)
def identity():
    row = identity_row()
    form = IdentityForm(obj=row) if request.method == "GET" else IdentityForm()
    if request.method == "POST":
        valid = form.validate_on_submit()
        logo = _logo_change(form)  # also on an invalid form: every problem is said at once
        if not valid or form.logo.errors:
            return render("admin/programme_identity.html", form=form, row=row, status=422)
        update_identity(current_user, {name: form[name].data or "" for name in TEXT_FIELDS}, logo)
        db.session.commit()
        flash(_("Your organisation's details are saved."), "success")
        return redirect_to(url_for(".identity"))
    return render("admin/programme_identity.html", form=form, row=row)
