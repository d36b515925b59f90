"""Designer views for rewards: list, add, edit, switch on or off."""
from __future__ import annotations

from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.admin.designer.common import PER_PAGE, bp, changes, level_label, levels_in_order, set_active, snapshot
from app.admin.designer.forms import RewardForm
from app.audit.services import record
from app.auth.models import MARKETER
from app.extensions import db
from app.forms import choices
from app.htmx import redirect_to, render
from app.i18n_content import localized
from app.journey import design
from app.pagination import paginate
from app.rewards.models import MONEY_LIKE_KINDS, Redemption, Reward
from app.rewards.redemptions import REWARD_KIND_LABELS, money_like_dominates
from app.security import roles

REWARD_FIELDS = ["name_nl", "name_en", "description_nl", "description_en", "kind", "point_cost", "stock", "level_id",
                 "unit_cost_cents"]


@bp.route("/admin/rewards")
@roles(MARKETER)
def rewards():
    claimed = (select(func.count(Redemption.id)).where(Redemption.reward_id == Reward.id)
               .correlate(Reward).scalar_subquery())
    page = paginate(
        select(Reward, claimed.label("claimed")).options(selectinload(Reward.level))
        .order_by(Reward.position, Reward.id),
        per_page=PER_PAGE,
    )
    return render("admin/designer/rewards.html", rewards=page, kinds=REWARD_KIND_LABELS, money_like=MONEY_LIKE_KINDS,
                  money_warning=money_like_dominates())


def _reward_form(reward: Reward | None) -> RewardForm:
    formdata = request.form if request.method == "POST" else None
    data = {"kind": "recognition", "level_id": None}
    if reward is not None:
        data = {name: getattr(reward, name) for name in REWARD_FIELDS}
    form = RewardForm(formdata=formdata, data=data)
    levels = ((level.id, level_label(level)) for level in levels_in_order())
    form.level_id.choices = choices([("", _("Every level")), *levels])
    return form


def _apply_reward(form: RewardForm, reward: Reward) -> None:
    for name in ("name_nl", "name_en", "description_nl", "description_en", "kind"):
        setattr(reward, name, getattr(form, name).data or "")
    reward.point_cost = form.point_cost.data
    reward.stock = form.stock.data
    reward.unit_cost_cents = form.unit_cost_cents.data or 0
    reward.level_id = form.level_id.data


def _render_reward_form(form, reward, status=200):
    return render("admin/designer/reward_form.html", form=form, reward=reward, money_warning=money_like_dominates(),
                  status=status)


@bp.route("/admin/rewards/new", methods=["GET", "POST"])
@roles(MARKETER)
def rewards_new():
    form = _reward_form(None)
    if request.method == "GET" or not form.validate():
        return _render_reward_form(form, None, status=422 if request.method == "POST" else 200)
    reward = Reward(position=design.next_position(Reward))
    _apply_reward(form, reward)
    db.session.add(reward)
    db.session.flush()
    record(current_user, "reward.create", reward, summary=reward.name_en or reward.name_nl, kind=reward.kind)
    db.session.commit()
    flash(_("Reward “%(name)s” added.", name=localized(reward, "name")), "success")
    return redirect_to(url_for("admin_designer.rewards"))


@bp.route("/admin/rewards/<int:reward_id>/edit", methods=["GET", "POST"])
@roles(MARKETER)
def rewards_edit(reward_id: int):
    reward = db.get_or_404(Reward, reward_id)
    form = _reward_form(reward)
    if request.method == "GET" or not form.validate():
        return _render_reward_form(form, reward, status=422 if request.method == "POST" else 200)
    before = snapshot(reward, REWARD_FIELDS)
    _apply_reward(form, reward)
    changed = changes(reward, REWARD_FIELDS, before)
    if changed:
        record(current_user, "reward.update", reward, summary=reward.name_en or reward.name_nl, changes=changed)
    db.session.commit()
    flash(_("Reward “%(name)s” saved.", name=localized(reward, "name")), "success")
    return redirect_to(url_for("admin_designer.rewards"))


@bp.route("/admin/rewards/<int:reward_id>/activate", methods=["POST"])
@roles(MARKETER)
def rewards_activate(reward_id: int):
    return set_active(Reward, reward_id, True, "reward", url_for("admin_designer.rewards"))


@bp.route("/admin/rewards/<int:reward_id>/deactivate", methods=["POST"])
@roles(MARKETER)
def rewards_deactivate(reward_id: int):
    return set_active(Reward, reward_id, False, "reward", url_for("admin_designer.rewards"))
