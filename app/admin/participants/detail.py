"""One participant's page for marketing and sales (their own accounts): everything about their
journey, the edit of name, company and language, and a points correction (marketing)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from app.admin.participants.detail_forms import CorrectionForm, EditParticipantForm
from app.admin.participants.routes import bp as admin_bp
from app.auth.models import MARKETER, SALES, User
from app.extensions import db
from app.htmx import redirect_to, render, wants_fragment
from app.pagination import paginate
from app.participants import directory, profile
from app.points.corrections import BELOW_ZERO, CorrectionError, correct_points
from app.referrals.stages import STAGE_LABELS
from app.sales import references
from app.security import roles

# The page itself is for marketing and sales alike (not under /admin, which is marketing's); its
# edits are marketing's (the admin_participants blueprint).
bp = Blueprint("participant", __name__)

LEDGER_PER_PAGE = 20
LEDGER_ID = "participant-ledger"
ANSWERS_PER_PAGE = 10
ANSWERS_ID = "participant-answers"


def _answers_page() -> int:
    try:
        return min(max(1, int(request.args.get("answers_page", 1))), 100_000)
    except ValueError:
        return 1


def _visible_or_404(user_id: int) -> User:
    user = profile.visible_customer(user_id, current_user)
    if user is None:
        abort(404)  # not a customer, or not one of this account manager's: the same answer
    return user


def _answers(user: User):
    return paginate(profile.answers(user.id), per_page=ANSWERS_PER_PAGE, page=_answers_page(), scalars=True)


def _page(user: User, status: int = 200, correction: CorrectionForm | None = None):
    if wants_fragment() and request.htmx.target == ANSWERS_ID and status == 200:
        return render("admin/participants/_answers.html", user=user, answers=_answers(user))
    ledger = paginate(profile.ledger(user.id), per_page=LEDGER_PER_PAGE, scalars=True)
    if wants_fragment() and request.htmx.target == LEDGER_ID and status == 200:
        return render("admin/participants/_ledger.html", user=user, ledger=ledger)
    may_edit = current_user.role != SALES
    if may_edit and correction is None:
        correction = CorrectionForm(formdata=None)
    return render(
        "admin/participants/detail.html", status=status, user=user, view=profile.overview(user), ledger=ledger,
        correction=correction, may_edit=may_edit, stage_labels=STAGE_LABELS, answers=_answers(user),
        quarter=references.quarter_label(references.current_quarter()),
    )


@bp.route("/participants/<int:user_id>")
@roles(MARKETER, SALES)
def page(user_id: int):
    return _page(_visible_or_404(user_id))


@admin_bp.route("/admin/participants/<int:user_id>/edit", methods=["GET", "POST"])
@roles(MARKETER)
def index_edit(user_id: int):
    user = _visible_or_404(user_id)
    if request.method == "GET":
        form = EditParticipantForm(formdata=None, data={
            "name": user.name, "company": user.company.name if user.company else "", "locale": user.locale})
        return render("admin/participants/edit.html", form=form, user=user, company_names=directory.company_names())
    form = EditParticipantForm()
    if form.validate():
        changed = profile.update_participant(current_user, user, form.name.data, form.chosen_company, form.locale.data)
        db.session.commit()
        flash(_("The changes to %(name)s are saved.", name=user.name) if changed else _("Nothing was changed."),
              "success" if changed else "info")
        return redirect_to(url_for("participant.page", user_id=user.id))
    return render("admin/participants/edit.html", form=form, user=user, company_names=directory.company_names(),
                  status=422)


@admin_bp.route("/admin/participants/<int:user_id>/points", methods=["POST"])
@roles(MARKETER)
def index_correct(user_id: int):
    user = _visible_or_404(user_id)
    form = CorrectionForm()
    if form.validate():
        try:
            correct_points(user, current_user, form.points.data, form.reason.data, form.request_key.data)
            db.session.commit()
        except CorrectionError as error:
            db.session.rollback()
            user = _visible_or_404(user_id)
            if error.reason == BELOW_ZERO:
                form.points.errors.append(_(
                    "Not corrected: %(name)s has %(balance)d points to spend, so at most %(balance)d can be taken "
                    "away.", name=user.name, balance=error.balance))
            else:
                form.points.errors.append(_("A correction of 0 points changes nothing. Enter another number."))
        except IntegrityError:  # the customer was erased or removed at this very moment
            db.session.rollback()
            abort(404)
        else:
            flash(_("The points of %(name)s are corrected.", name=user.name), "success")
            return redirect_to(url_for("participant.page", user_id=user.id, _anchor="points"))
    return _page(user, status=422, correction=form)
