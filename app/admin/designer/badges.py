"""Designer views for badges: list, add, edit, switch on or off, delete."""
from __future__ import annotations

from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from app.admin.designer.common import PER_PAGE, back, bp, changes, level_label, levels_in_order, set_active, snapshot
from app.admin.designer.forms import BadgeForm
from app.audit.services import record
from app.auth.models import MARKETER
from app.challenges import REGISTRY
from app.extensions import db
from app.forms import choices
from app.htmx import redirect_to, render
from app.i18n_content import localized
from app.journey import design
from app.journey.models import ARCHIVED, Challenge, Level
from app.pagination import paginate
from app.rewards.badges import BADGE_ICON_LABELS, BADGE_ICONS, badge_requirement
from app.rewards.models import CHALLENGE_COMPLETED, LEVEL_REACHED, POINTS_AT_LEAST, TYPE_COUNT, Badge, UserBadge
from app.security import roles

BADGE_FIELDS = ["name_nl", "name_en", "description_nl", "description_en", "icon", "rule", "rule_value",
                "rule_level_id", "rule_challenge_id", "rule_type_key"]


@bp.route("/admin/badges")
@roles(MARKETER)
def badges():
    awarded = select(func.count(UserBadge.id)).where(UserBadge.badge_id == Badge.id).correlate(Badge).scalar_subquery()
    page = paginate(
        select(Badge, awarded.label("awarded"))
        .options(selectinload(Badge.rule_level), selectinload(Badge.rule_challenge))
        .order_by(Badge.position, Badge.id),
        per_page=PER_PAGE,
    )
    return render("admin/designer/badges.html", badges=page, icons=BADGE_ICONS, requirement=badge_requirement)


def _badge_form(badge: Badge | None) -> BadgeForm:
    formdata = request.form if request.method == "POST" else None
    data = {"icon": "star", "rule": POINTS_AT_LEAST}
    if badge is not None:
        data = dict(name_nl=badge.name_nl, name_en=badge.name_en, description_nl=badge.description_nl,
                    description_en=badge.description_en, icon=badge.icon if badge.icon in BADGE_ICONS else "star",
                    rule=badge.rule, rule_level_id=badge.rule_level_id, rule_challenge_id=badge.rule_challenge_id,
                    rule_type_key=badge.rule_type_key or "",
                    rule_points=badge.rule_value if badge.rule == POINTS_AT_LEAST else None,
                    rule_count=badge.rule_value if badge.rule == TYPE_COUNT else None)
    form = BadgeForm(formdata=formdata, data=data)
    form.icon.choices = choices((key, f"{BADGE_ICONS[key]} {label}") for key, label in BADGE_ICON_LABELS.items())
    none = ("", _("Choose …"))
    form.rule_level_id.choices = choices([none, *((level.id, level_label(level)) for level in levels_in_order())])
    current = badge.rule_challenge_id if badge is not None else None
    challenges = db.session.scalars(
        select(Challenge).join(Challenge.level).options(contains_eager(Challenge.level))
        .where(or_(Challenge.status != ARCHIVED, Challenge.id == current))
        .order_by(Level.position, Challenge.position, Challenge.id)
    )
    form.rule_challenge_id.choices = choices(
        [none, *((c.id, f"{level_label(c.level)} · {design.title_of(c)}") for c in challenges)]
    )
    form.rule_type_key.choices = choices([none, *((key, ctype.label) for key, ctype in REGISTRY.items())])
    return form


def _apply_badge(form: BadgeForm, badge: Badge) -> None:
    for name in ("name_nl", "name_en", "description_nl", "description_en", "icon", "rule"):
        setattr(badge, name, getattr(form, name).data or "")
    rule = form.rule.data
    badge.rule_level_id = form.rule_level_id.data if rule == LEVEL_REACHED else None
    badge.rule_challenge_id = form.rule_challenge_id.data if rule == CHALLENGE_COMPLETED else None
    badge.rule_type_key = form.rule_type_key.data if rule == TYPE_COUNT else None
    badge.rule_value = {POINTS_AT_LEAST: form.rule_points.data, TYPE_COUNT: form.rule_count.data}.get(rule)


@bp.route("/admin/badges/new", methods=["GET", "POST"])
@roles(MARKETER)
def badges_new():
    form = _badge_form(None)
    if request.method == "GET" or not form.validate():
        return render("admin/designer/badge_form.html", form=form, badge=None,
                      status=422 if request.method == "POST" else 200)
    badge = Badge(key=design.badge_key(form.name_en.data or form.name_nl.data), position=design.next_position(Badge))
    _apply_badge(form, badge)
    db.session.add(badge)
    db.session.flush()
    record(current_user, "badge.create", badge, summary=badge.name_en or badge.name_nl, rule=badge.rule)
    db.session.commit()
    flash(_("Badge “%(name)s” added.", name=localized(badge, "name")), "success")
    return redirect_to(url_for("admin_designer.badges"))


@bp.route("/admin/badges/<int:badge_id>/edit", methods=["GET", "POST"])
@roles(MARKETER)
def badges_edit(badge_id: int):
    badge = db.get_or_404(Badge, badge_id)
    form = _badge_form(badge)
    if request.method == "GET" or not form.validate():
        return render("admin/designer/badge_form.html", form=form, badge=badge,
                      status=422 if request.method == "POST" else 200)
    before = snapshot(badge, BADGE_FIELDS)
    _apply_badge(form, badge)
    changed = changes(badge, BADGE_FIELDS, before)
    if changed:
        record(current_user, "badge.update", badge, summary=badge.name_en or badge.name_nl, changes=changed)
    db.session.commit()
    flash(_("Badge “%(name)s” saved.", name=localized(badge, "name")), "success")
    return redirect_to(url_for("admin_designer.badges"))


@bp.route("/admin/badges/<int:badge_id>/activate", methods=["POST"])
@roles(MARKETER)
def badges_activate(badge_id: int):
    return set_active(Badge, badge_id, True, "badge", url_for("admin_designer.badges"))


@bp.route("/admin/badges/<int:badge_id>/deactivate", methods=["POST"])
@roles(MARKETER)
def badges_deactivate(badge_id: int):
    return set_active(Badge, badge_id, False, "badge", url_for("admin_designer.badges"))


@bp.route("/admin/badges/<int:badge_id>/delete", methods=["POST"])
@roles(MARKETER)
def badges_delete(badge_id: int):
    badge = db.get_or_404(Badge, badge_id)
    target = back(url_for("admin_designer.badges"))
    blocker = design.badge_delete_blocker(badge)
    if blocker:
        flash(blocker, "error")
        return redirect_to(target)
    name = localized(badge, "name")
    record(current_user, "badge.delete", badge, summary=badge.name_en or badge.name_nl)
    db.session.delete(badge)
    db.session.commit()
    flash(_("Badge “%(name)s” deleted.", name=name), "success")
    return redirect_to(target)
