"""Designer views for levels: list, add, edit, reorder and delete."""
from __future__ import annotations

from flask import flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, selectinload

from app.admin.designer.common import PER_PAGE, back, bp, changes, direction, level_label, page_from, snapshot
from app.admin.designer.forms import LevelForm
from app.audit.services import record
from app.auth.models import MARKETER
from app.extensions import db
from app.forms import choices
from app.htmx import redirect_to, render, wants_fragment
from app.i18n_content import localized
from app.journey import design
from app.journey.models import DRAFT, PUBLISHED, Challenge, Level
from app.pagination import paginate, requested_page
from app.security import roles

LEVEL_FIELDS = ["name_nl", "name_en", "description_nl", "description_en", "points_threshold"]


def _level_page(page: int):
    challenges = (select(func.count(Challenge.id)).where(Challenge.level_id == Level.id)
                  .correlate(Level).scalar_subquery())
    return paginate(
        select(Level, challenges.label("challenge_count"))
        .options(selectinload(Level.required_challenges))
        .order_by(Level.position),
        per_page=PER_PAGE, page=page,
    )


def _render_levels(page: int, status: int = 200, notice: str | None = None, category: str = "success",
                   list_only: bool = False):
    """The levels page, or for an htmx move only the list it swaps."""
    context = dict(levels=_level_page(page), notice=notice, category=category)
    if list_only:
        return render_template("admin/designer/_level_list.html", swapped=True, **context), status
    return render("admin/designer/levels.html", status=status, **context)


@bp.route("/admin/levels")
@roles(MARKETER)
def levels():
    return _render_levels(requested_page())


def _required_choices(level: Level | None) -> list[Challenge]:
    query = (select(Challenge).join(Challenge.level).options(contains_eager(Challenge.level))
             .where(Challenge.status == PUBLISHED).order_by(Level.position, Challenge.position, Challenge.id))
    if level is not None:
        query = query.where(Level.position < level.position)
        if level.status == PUBLISHED:  # customers must be able to reach what a live level requires
            query = query.where(Level.status == PUBLISHED)
    return list(db.session.scalars(query))


def _level_form(level: Level | None) -> LevelForm:
    formdata = request.form if request.method == "POST" else None
    data = None
    if level is not None:
        data = dict(name_nl=level.name_nl, name_en=level.name_en, description_nl=level.description_nl,
                    description_en=level.description_en, points_threshold=level.points_threshold,
                    required_challenges=[c.id for c in level.required_challenges])
    form = LevelForm(formdata=formdata, data=data or {"points_threshold": 0})
    candidates = _required_choices(level)
    form.required_challenges.choices = choices(
        (c.id, f"{level_label(c.level)} · {design.title_of(c)}") for c in candidates
    )
    form.challenge_by_id = {c.id: c for c in candidates}
    return form


def _apply_level(form: LevelForm, level: Level) -> None:
    for name in LEVEL_FIELDS:
        setattr(level, name, getattr(form, name).data if getattr(form, name).data is not None else "")
    chosen = dict.fromkeys(form.required_challenges.data or [])
    level.required_challenges = [form.challenge_by_id[cid] for cid in chosen]


@bp.route("/admin/levels/new", methods=["GET", "POST"])
@roles(MARKETER)
def levels_new():
    form = _level_form(None)
    if request.method == "GET" or not form.validate():
        return render("admin/designer/level_form.html", form=form, level=None,
                      status=422 if request.method == "POST" else 200)
    level = Level(position=design.next_position(Level), status=DRAFT)  # customers see it once published
    _apply_level(form, level)
    try:
        with db.session.begin_nested():
            db.session.add(level)
    except IntegrityError:
        db.session.rollback()
        flash(_("Someone else added a level at the same moment. Try again."), "error")
        return render("admin/designer/level_form.html", form=form, level=None, status=409)
    record(current_user, "level.create", level, summary=level.name_en or level.name_nl,
           threshold=level.points_threshold, required=[c.id for c in level.required_challenges])
    db.session.commit()
    flash(_("Level “%(name)s” added.", name=localized(level, "name")), "success")
    return redirect_to(url_for("admin_designer.levels"))


@bp.route("/admin/levels/<int:level_id>/edit", methods=["GET", "POST"])
@roles(MARKETER)
def levels_edit(level_id: int):
    level = db.get_or_404(Level, level_id)
    form = _level_form(level)
    if request.method == "GET" or not form.validate():
        return render("admin/designer/level_form.html", form=form, level=level,
                      status=422 if request.method == "POST" else 200)
    before = snapshot(level, LEVEL_FIELDS)
    required_before = sorted(c.id for c in level.required_challenges)
    _apply_level(form, level)
    changed = changes(level, LEVEL_FIELDS, before)
    required_after = sorted(c.id for c in level.required_challenges)
    if required_after != required_before:
        changed["required_challenges"] = [required_before, required_after]
    if changed:
        record(current_user, "level.update", level, summary=level.name_en or level.name_nl, changes=changed)
    db.session.commit()
    flash(_("Level “%(name)s” saved.", name=localized(level, "name")), "success")
    return redirect_to(url_for("admin_designer.levels"))


@bp.route("/admin/levels/<int:level_id>/publish", methods=["POST"])
@roles(MARKETER)
def levels_publish(level_id: int):
    level = db.get_or_404(Level, level_id)
    target = back(url_for("admin_designer.levels"))
    if level.status == PUBLISHED:
        flash(_("“%(name)s” is already published.", name=localized(level, "name")), "success")
        return redirect_to(target)
    reasons = design.publish_level(level)
    if reasons:
        db.session.rollback()
        flash(" ".join([_("“%(name)s” stays a draft.", name=localized(level, "name")), *reasons]), "error")
        return redirect_to(target)
    record(current_user, "level.publish", level, before={"status": DRAFT}, after={"status": PUBLISHED})
    db.session.commit()
    flash(_("“%(name)s” is published: customers see it now.", name=localized(level, "name")), "success")
    return redirect_to(target)


@bp.route("/admin/levels/<int:level_id>/move", methods=["POST"])
@roles(MARKETER)
def levels_move(level_id: int):
    level = db.get_or_404(Level, level_id)
    page = page_from(request.form)
    way = direction()
    status, notice, category = 200, None, "success"
    if way is None:
        status, notice, category = 422, _("Choose to move the level up or down."), "error"
    else:
        before = level.position
        try:
            neighbour = design.move_level(level, way)
        except design.DesignError as refused:
            status, notice, category = 409, refused.message, "error"
        except IntegrityError:
            db.session.rollback()
            status, category = 409, "error"
            notice = _("Someone else changed the order at the same moment. Try again.")
        else:
            if neighbour is None:
                notice = _("“%(name)s” is already at the %(end)s.", name=localized(level, "name"),
                           end=_("top") if way == design.UP else _("bottom"))
            else:
                record(current_user, "level.move", level, summary=level.name_en or level.name_nl,
                       direction=way, position=[before, level.position])
                db.session.commit()
                notice = _("“%(name)s” is now level %(n)d.", name=localized(level, "name"), n=level.position)
    if wants_fragment():
        return _render_levels(page, status=status, notice=notice, category=category, list_only=True)
    flash(notice, category)
    return redirect_to(url_for("admin_designer.levels", page=page if page > 1 else None))


@bp.route("/admin/levels/<int:level_id>/delete", methods=["POST"])
@roles(MARKETER)
def levels_delete(level_id: int):
    level = db.get_or_404(Level, level_id)
    target = back(url_for("admin_designer.levels"))
    blocker = design.level_delete_blocker(level)
    if blocker:
        flash(blocker, "error")
        return redirect_to(target)
    name = localized(level, "name")
    record(current_user, "level.delete", level, summary=level.name_en or level.name_nl, position=level.position)
    design.delete_level(level)
    db.session.commit()
    flash(_("Level “%(name)s” deleted.", name=name), "success")
    return redirect_to(target)
