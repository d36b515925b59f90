"""Staff pages for admins: the list, inviting a colleague, and one colleague's page with their
role, manager, access and sign-in links."""
from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from app.admin.people.forms import ManagerForm, RoleForm, SearchForm, StaffInviteForm
from app.auth import staff
from app.auth.models import ADMIN, SALES, STAFF_ROLES, User
from app.auth.services import AccountError
from app.extensions import db
from app.htmx import redirect_to, render
from app.pagination import paginate
from app.security import roles

bp = Blueprint("admin_staff", __name__)

PER_PAGE = 25


@bp.route("/admin/staff")
@roles(ADMIN)
def index():
    form = SearchForm(formdata=MultiDict({key: request.args[key] for key in ("q", "role") if key in request.args}))
    valid = form.validate()
    q = form.q.data if valid else None
    role = form.role.data if valid and form.role.data in STAFF_ROLES else None
    page = paginate(staff.staff_query(q, role), per_page=PER_PAGE)
    rows = [staff.staff_row(row) for row in page.items]
    args = {key: value for key, value in (("q", q), ("role", role)) if value}
    return render("admin/people/staff.html", form=form, page=page, rows=rows, args=args,
                  status=200 if valid else 422)


@bp.route("/admin/staff/invite", methods=["GET", "POST"])
@roles(ADMIN)
def index_invite():
    form = StaffInviteForm()
    if request.method == "POST":
        if form.validate():
            try:
                user = staff.invite_staff(current_user, form.email.data, form.name.data, form.role.data,
                                          form.locale.data, manager=form.chosen_manager)
                db.session.commit()
            except (AccountError, IntegrityError) as exc:  # the address was taken at this very moment
                db.session.rollback()
                message = str(exc) if isinstance(exc, AccountError) else \
                    _("There is already an account for %(email)s.", email=form.email.data)
                form.email.errors.append(message)
            else:
                flash(_("Invitation sent to %(name)s (%(email)s).", name=user.name, email=user.email), "success")
                return redirect_to(url_for(".index_person", user_id=user.id))
        return render("admin/people/staff_invite.html", form=form, status=422)
    return render("admin/people/staff_invite.html", form=form)


def _staff_or_404(user_id: int) -> User:
    user = db.get_or_404(User, user_id)
    if user.role not in STAFF_ROLES:
        abort(404)
    return user


def _person_page(user: User, status: int = 200, role_form: RoleForm | None = None,
                 manager_form: ManagerForm | None = None, problem: str | None = None):
    row = staff.staff_member(user.id)
    role_form = role_form or RoleForm(formdata=None, role=user.role)
    if manager_form is None:
        manager_form = ManagerForm(formdata=None, user_id=user.id, manager=str(user.manager_id or ""))
    return render("admin/people/staff_person.html", row=row, person=user, role_form=role_form,
                  manager_form=manager_form, problem=problem, status=status)


@bp.route("/admin/staff/<int:user_id>")
@roles(ADMIN)
def index_person(user_id: int):
    return _person_page(_staff_or_404(user_id))


def _done(user: User, message: str):
    flash(message, "success")
    return redirect_to(url_for(".index_person", user_id=user.id))


def _refused(user: User, exc: AccountError, **forms):
    db.session.rollback()
    user = _staff_or_404(user.id)
    return _person_page(user, status=422, problem=str(exc), **forms)


@bp.route("/admin/staff/<int:user_id>/role", methods=["POST"])
@roles(ADMIN)
def index_role(user_id: int):
    user = _staff_or_404(user_id)
    form = RoleForm()
    if not form.validate():
        return _person_page(user, status=422, role_form=form)
    try:
        staff.change_role(current_user, user, form.role.data)
        db.session.commit()
    except AccountError as exc:
        return _refused(user, exc, role_form=form)
    return _done(user, _("%(name)s is now %(role)s.", name=user.name, role=staff.ROLE_LABELS[user.role]))


@bp.route("/admin/staff/<int:user_id>/manager", methods=["POST"])
@roles(ADMIN)
def index_manager(user_id: int):
    user = _staff_or_404(user_id)
    form = ManagerForm(user_id=user.id)
    if user.role != SALES:
        return _person_page(user, status=422, problem=_("Only sales colleagues have a manager."))
    if not form.validate():
        return _person_page(user, status=422, manager_form=form)
    try:
        staff.set_manager(current_user, user, form.chosen_manager)
        db.session.commit()
    except AccountError as exc:
        return _refused(user, exc, manager_form=form)
    if user.manager is None:
        return _done(user, _("%(name)s has no manager now.", name=user.name))
    return _done(user, _("%(manager)s is now the manager of %(name)s.", manager=user.manager.name, name=user.name))


def _action(user_id: int, operation, message: str):
    user = _staff_or_404(user_id)
    try:
        operation(current_user, user)
        db.session.commit()
    except AccountError as exc:
        return _refused(user, exc)
    return _done(user, message % {"name": user.name, "email": user.email})


@bp.route("/admin/staff/<int:user_id>/deactivate", methods=["POST"])
@roles(ADMIN)
def index_deactivate(user_id: int):
    return _action(user_id, staff.deactivate, _("%(name)s is deactivated and signed out everywhere."))


@bp.route("/admin/staff/<int:user_id>/reactivate", methods=["POST"])
@roles(ADMIN)
def index_reactivate(user_id: int):
    return _action(user_id, staff.reactivate, _("%(name)s is active again."))


@bp.route("/admin/staff/<int:user_id>/resend", methods=["POST"])
@roles(ADMIN)
def index_resend(user_id: int):
    return _action(user_id, staff.resend_invitation, _("A new invitation is on its way to %(email)s."))


@bp.route("/admin/staff/<int:user_id>/reset", methods=["POST"])
@roles(ADMIN)
def index_reset(user_id: int):
    return _action(user_id, staff.send_password_reset,
                   _("A link to choose a new password is on its way to %(email)s."))
