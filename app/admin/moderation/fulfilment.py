"""Reward fulfilment: the claims customers made, fulfilled or cancelled (points back, stock back)."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select, update
from sqlalchemy.orm import contains_eager

from app.admin.audit import record
from app.admin.moderation.common import PER_PAGE, bp, in_both_languages
from app.admin.moderation.forms import NOTE_MAX, CancelForm
from app.auth.models import MARKETER, User
from app.dates import utcnow
from app.extensions import db
from app.htmx import render, wants_fragment
from app.i18n_content import localized
from app.notifications.services import notify
from app.pagination import paginate
from app.points.services import award_points
from app.rewards.models import CANCELLED, FULFILLED, REQUESTED, Redemption, Reward
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


# Domain rule, kept here until it joins the other redemption rules.
def _settle_redemption(redemption: Redemption, new_status: str) -> bool:
    """Move a requested redemption on; False when someone else already did."""
    result = db.session.execute(
        update(Redemption).where(Redemption.id == redemption.id, Redemption.status == REQUESTED)
        .values(status=new_status, updated_at=utcnow()).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    db.session.refresh(redemption)
    return True


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
    if redemption.status != REQUESTED or not _settle_redemption(redemption, FULFILLED):
        return _already_settled(redemption)
    reward = redemption.reward
    text_nl, text_en = in_both_languages(
        lambda _locale: _("Your reward “%(reward)s” is arranged. Enjoy it, and thank you for being an ambassador!",
                          reward=localized(reward, "name")))
    notify(redemption.user, "reward", text_nl, text_en, url_for("customer.rewards", _external=True))
    record(current_user, "redemption.fulfil", redemption,
           _("Fulfilled “%(reward)s” for %(name)s", reward=reward.name_en, name=redemption.user.name),
           reward_id=reward.id, customer_id=redemption.user_id)
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
    if not _settle_redemption(redemption, CANCELLED):
        return _already_settled(redemption)
    reward, points = redemption.reward, redemption.points_spent
    if points > 0:
        reasons = in_both_languages(lambda _locale: _("Returned: %(reward)s", reward=localized(reward, "name")))
        # A unique ledger source: a retry or a double click returns the points once.
        award_points(redemption.user_id, points, "redemption_refund", redemption.id, *reasons)
    # Conditional: only a reward with a stock count gets its unit back; unlimited stays unlimited.
    db.session.execute(
        update(Reward).where(Reward.id == reward.id, Reward.stock.is_not(None)).values(stock=Reward.stock + 1)
        .execution_options(synchronize_session=False)
    )
    note = form.note.data or None

    def message(_locale: str) -> str:
        name = localized(reward, "name")
        text = (ngettext("We cancelled your claim for “%(reward)s”. Your %(num)d point is back in your balance.",
                         "We cancelled your claim for “%(reward)s”. Your %(num)d points are back in your balance.",
                         points, reward=name)
                if points else _("We cancelled your claim for “%(reward)s”.", reward=name))
        if note:
            text += " " + _("Note from our team: %(note)s", note=note)
        return text

    text_nl, text_en = in_both_languages(message)
    notify(redemption.user, "reward", text_nl, text_en, url_for("customer.rewards", _external=True))
    record(current_user, "redemption.cancel", redemption,
           _("Cancelled “%(reward)s” for %(name)s", reward=reward.name_en, name=redemption.user.name),
           reward_id=reward.id, customer_id=redemption.user_id, points_returned=points, note=note)
    db.session.commit()
    done = (ngettext("Cancelled: “%(reward)s” for %(name)s. %(num)d point returned.",
                     "Cancelled: “%(reward)s” for %(name)s. %(num)d points returned.",
                     points, reward=localized(reward, "name"), name=redemption.user.name)
            if points else _("Cancelled: “%(reward)s” for %(name)s.", reward=localized(reward, "name"),
                             name=redemption.user.name))
    return _done(redemption, done)
