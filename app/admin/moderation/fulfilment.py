"""Reward fulfilment: the claims customers made, fulfilled or cancelled (points back, stock back)."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from app.admin.moderation.common import PER_PAGE, bp
from app.admin.moderation.forms import NOTE_MAX, CancelForm
from app.auth.models import MARKETER, User
from app.extensions import db
from app.htmx import render, wants_fragment
from app.i18n_content import localized
from app.pagination import paginate
from app.rewards import redemptions
from app.rewards.models import CANCELLED, FULFILLED, REQUESTED, Redemption
from app.security import roles

FULFILMENT_VIEWS = {REQUESTED: _l("To do"), FULFILLED: _l("Fulfilled"), CANCELLED: _l("Cancelled")}


def _fulfilment_view() -> str:
    status = request.args.get("status", REQUESTED)
    return status if status in FULFILMENT_VIEWS else REQUESTED


def _render_fulfilment(status: int = 200, forms: dict | None = None, view: str | None = None):
    view = view or _fulfilment_view()
    query = (
        select(Redemption)
        .join(Redemption.user)
        .outerjoin(User.company)
        .join(Redemption.reward)
        .options(contains_eager(Redemption.user).contains_eager(User.company), contains_eager(Redemption.reward))
        .where(Redemption.status == view)
    )
    # The to-do list oldest first (first come, first served); history newest first.
    order = (Redemption.created_at, Redemption.id) if view == REQUESTED else (
        Redemption.updated_at.desc(), Redemption.id.desc())
    page = paginate(query.order_by(*order), per_page=PER_PAGE, scalars=True)
    return render("admin/moderation/fulfilment.html", status=status, page=page, view=view, views=FULFILMENT_VIEWS,
                  forms=forms or {}, note_max=NOTE_MAX)


@bp.route("/admin/fulfilment")
@roles(MARKETER)
def fulfilment():
    return _render_fulfilment()


def _already_settled(redemption: Redemption):
    redemption_id = redemption.id
    db.session.rollback()
    redemption = db.get_or_404(Redemption, redemption_id)
    outcome = {FULFILLED: _("fulfilled"), CANCELLED: _("cancelled")}.get(redemption.status, redemption.status)
    message = _("“%(reward)s” for %(name)s was already handled: %(outcome)s. Nothing was changed.",
                reward=localized(redemption.reward, "name"), name=redemption.user.name, outcome=outcome)
    if wants_fragment():
        return render("admin/moderation/_result.html", status=409, item_id=f"redemption-{redemption.id}",
                      message=message, category="error")
    flash(message, "error")
    return _render_fulfilment(status=409, view=REQUESTED)


def _done(redemption: Redemption, message: str):
    if wants_fragment():
        return render("admin/moderation/_result.html", item_id=f"redemption-{redemption.id}", message=message,
                      category="success")
    flash(message, "success")
    return redirect(url_for("admin_moderation.fulfilment"), 303)


@bp.route("/admin/fulfilment/<int:redemption_id>/fulfil", methods=["POST"])
@roles(MARKETER)
def fulfilment_fulfil(redemption_id: int):
    redemption = db.get_or_404(Redemption, redemption_id)
    if redemption.status != REQUESTED or not redemptions.fulfil(redemption, current_user):
        return _already_settled(redemption)
    reward = redemption.reward
    db.session.commit()
    return _done(redemption, _("Fulfilled: “%(reward)s” for %(name)s. We let the customer know.",
                               reward=localized(reward, "name"), name=redemption.user.name))


@bp.route("/admin/fulfilment/<int:redemption_id>/cancel", methods=["POST"])
@roles(MARKETER)
def fulfilment_cancel(redemption_id: int):
    redemption = db.get_or_404(Redemption, redemption_id)
    if redemption.status != REQUESTED:
        return _already_settled(redemption)
    form = CancelForm()
    if not form.validate():
        if wants_fragment():
            return render("admin/moderation/_redemption_row.html", status=422, redemption=redemption, form=form,
                          views=FULFILMENT_VIEWS, note_max=NOTE_MAX)
        return _render_fulfilment(status=422, forms={redemption.id: form}, view=REQUESTED)
    reward, points = redemption.reward, redemption.points_spent
    if not redemptions.cancel(redemption, current_user, form.note.data or None):
        return _already_settled(redemption)
    db.session.commit()
    done = (ngettext("Cancelled: “%(reward)s” for %(name)s. %(num)d point returned.",
                     "Cancelled: “%(reward)s” for %(name)s. %(num)d points returned.",
                     points, reward=localized(reward, "name"), name=redemption.user.name)
            if points else _("Cancelled: “%(reward)s” for %(name)s.", reward=localized(reward, "name"),
                             name=redemption.user.name))
    return _done(redemption, done)
