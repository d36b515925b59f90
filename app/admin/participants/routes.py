"""Participants pages for marketing: find, invite, import and deactivate customers."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from app.admin.participants.forms import FILTERS, FilterForm, ImportForm, InviteForm
from app.auth.models import CUSTOMER, MARKETER, User, normalise_email
from app.auth.services import AccountError
from app.extensions import db
from app.htmx import redirect_to, render, wants_fragment
from app.pagination import paginate
from app.participants import accounts, directory, imports
from app.participants.checks import already_taken
from app.participants.csvfile import MAX_ROWS, ImportFileError
from app.security import is_safe_redirect, roles
from app.spreadsheet import csv_download

bp = Blueprint("admin_participants", __name__)

PER_PAGE = 25
RESULTS_ID = "participants-results"
REPORT_ROWS_SHOWN = 1_000


@bp.route("/admin/participants")
@roles(MARKETER)
def index():
    # Only the filters this form knows, each once: a hostile query string cannot add anything.
    formdata = MultiDict({key: request.args[key] for key in FILTERS if key in request.args})
    form = FilterForm(formdata=formdata)
    valid_form = form.validate()
    valid = {name for name in FILTERS if not form[name].errors}
    page = paginate(directory.find(**form.filters(valid)), per_page=PER_PAGE)
    rows = [directory.participant(row) for row in page.items]
    args = form.args(valid)
    back = url_for(".index", **args, page=page.page if page.page > 1 else None)  # where a row action returns to
    context = dict(form=form, page=page, rows=rows, args=args, back=back, filtered=bool(set(args) - {"sort"}))
    status = 200 if valid_form else 422
    if wants_fragment() and request.htmx.target == RESULTS_ID:
        response = render("admin/participants/_results.html", status=status, **context)
        if status == 200:  # the address bar gets the tidy URL, without the empty fields
            response.headers["HX-Push-Url"] = context["back"]
        return response
    return render("admin/participants/index.html", status=status, **context)


# --- Invite one ----------------------------------------------------------------------------------

@bp.route("/admin/participants/invite", methods=["GET", "POST"])
@roles(MARKETER)
def index_invite():
    form = InviteForm()
    if request.method == "POST":
        if form.validate():
            user = _invite_one(form)
            if user is not None:
                flash(_("Invitation sent to %(name)s (%(email)s).", name=user.name, email=user.email), "success")
                return redirect_to(url_for(".index", q=user.email))
        return render("admin/participants/invite.html", form=form, company_names=directory.company_names(), status=422)
    return render("admin/participants/invite.html", form=form, company_names=directory.company_names())


def _invite_one(form: InviteForm) -> User | None:
    """The customer (and a new company), the invitation and the audit entry: one transaction."""
    try:
        user = accounts.invite_participant(
            current_user, form.email.data, form.name.data, form.locale.data, form.existing_company,
            new_company=form.company.data, account_manager=form.chosen_manager,
        )
        db.session.commit()
        return user
    except AccountError:
        db.session.rollback()
    except IntegrityError:  # added at this very moment by someone else (the e-mail or the company)
        db.session.rollback()
        if normalise_email(form.email.data) and User.by_email(form.email.data) is None:
            form.company.errors.append(_("Someone just added this company. Send the form again to use it."))
            return None
    form.email.errors.append(already_taken(normalise_email(form.email.data)))
    return None


# --- Resend, deactivate, reactivate ------------------------------------------------------------

def _customer_or_404(user_id: int) -> User:
    user = db.get_or_404(User, user_id)  # ids beyond the database's range are a 404 already (app.DatabaseInt)
    if user.role != CUSTOMER:
        abort(404)
    return user


def _back() -> str:
    target = request.form.get("next", "")
    if is_safe_redirect(target) and target.startswith(url_for(".index")):
        return target
    return url_for(".index")


def _answer(user: User, message: str, category: str):
    """htmx: the updated row with the message in it. Without JavaScript: back to the list with a flash."""
    back = _back()
    if wants_fragment():
        row = directory.participant_row(user.id)
        return render("admin/participants/_row.html", row=row, back=back, message=message, category=category)
    flash(message, category)
    return redirect_to(back)


@bp.route("/admin/participants/<int:user_id>/resend", methods=["POST"])
@roles(MARKETER)
def index_resend(user_id: int):
    user = _customer_or_404(user_id)
    if user.has_password:
        return _answer(user, _("%(name)s has already chosen a password and can sign in: no invitation needed.",
                                name=user.name), "error")
    if not user.is_active:
        return _answer(user, _("%(name)s is deactivated. Reactivate the account first.", name=user.name), "error")
    accounts.resend_invitation(current_user, user)
    db.session.commit()
    return _answer(user, _("A new invitation is on its way to %(email)s.", email=user.email), "success")


@bp.route("/admin/participants/<int:user_id>/deactivate", methods=["POST"])
@roles(MARKETER)
def index_deactivate(user_id: int):
    user = _customer_or_404(user_id)
    if not user.is_active:
        return _answer(user, _("%(name)s was already deactivated.", name=user.name), "info")
    accounts.deactivate(current_user, user)
    db.session.commit()
    return _answer(user, _("%(name)s is deactivated and can no longer sign in.", name=user.name), "success")


@bp.route("/admin/participants/<int:user_id>/reactivate", methods=["POST"])
@roles(MARKETER)
def index_reactivate(user_id: int):
    user = _customer_or_404(user_id)
    if user.is_active:
        return _answer(user, _("%(name)s is already active.", name=user.name), "info")
    accounts.reactivate(current_user, user)
    db.session.commit()
    return _answer(user, _("%(name)s is active again.", name=user.name), "success")


# --- CSV import ----------------------------------------------------------------------------------

@bp.route("/admin/participants/import", methods=["GET", "POST"])
@roles(MARKETER)
def index_import():
    form = ImportForm()
    if request.method == "GET":
        return _import_page(form)
    if form.validate():
        upload = form.file.data
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        try:
            entry = imports.import_file(upload.stream.read(limit + 1), upload.filename, form.send_invitations.data,
                                        current_user, max_bytes=limit)
            report_id = entry.id  # read before the commit expires it (and would reload the whole report)
            db.session.commit()
        except ImportFileError as exc:
            db.session.rollback()
            form.file.errors.append(str(exc))
        except IntegrityError:  # someone added one of these people or companies at the same moment
            db.session.rollback()
            form.file.errors.append(_("Someone else added some of these people or companies just now. Import the file again: "
                                      "nobody is added twice."))
        else:
            flash(_("The file is imported. Here is what happened to every row."), "success")
            return redirect_to(url_for(".index_import_report", report_id=report_id))
    return _import_page(form, status=422)


def _import_page(form: ImportForm, status: int = 200):
    return render("admin/participants/import.html", form=form, recent=imports.recent_imports(), max_rows=MAX_ROWS,
                  status=status)


def _report_or_404(report_id: int):
    entry = imports.import_report(report_id)
    if entry is None:
        abort(404)
    return entry


@bp.route("/admin/participants/imports/<int:report_id>")
@roles(MARKETER)
def index_import_report(report_id: int):
    entry = _report_or_404(report_id)
    rows = imports.report_rows(entry)
    bad = [row for row in rows if row.outcome == imports.BAD]
    existing = [row for row in rows if row.outcome == imports.EXISTING]
    return render(
        "admin/participants/report.html", entry=entry, details=entry.details, counts=entry.details.get("counts", {}),
        bad=bad, existing=existing, shown=REPORT_ROWS_SHOWN,
    )


@bp.route("/admin/participants/imports/<int:report_id>/report.csv")
@roles(MARKETER)
def index_import_report_csv(report_id: int):
    entry = _report_or_404(report_id)
    delimiter = entry.details.get("delimiter") if entry.details.get("delimiter") in (",", ";") else ","
    rows = [[row.line, row.email, row.name, row.outcome_label, " ".join(row.reasons)]
            for row in imports.report_rows(entry)]
    # Names and e-mail addresses: csv_download marks it private (no-store).
    return csv_download([_("Line"), _("E-mail address"), _("Name"), _("Result"), _("Reason")], rows,
                        f"import-report-{entry.id}.csv", delimiter=delimiter)
