"""Designer views for challenges: list, add (by type), edit, publish, archive, delete, copy, reorder."""
from __future__ import annotations

import re

from flask import flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from app.admin.designer.common import (
    PER_PAGE,
    back,
    bp,
    changes,
    direction,
    level_label,
    levels_in_order,
    page_from,
    snapshot,
)
from app.admin.designer.forms import ChallengeForm, local_from_utc, utc_from_local
from app.audit.services import record
from app.auth.models import MARKETER
from app.challenges import REGISTRY
from app.extensions import db
from app.forms import choices
from app.htmx import redirect_to, render, wants_fragment
from app.journey import design
from app.journey.design import title_of
from app.journey.models import ARCHIVED, DRAFT, PUBLISHED, Challenge, Level, Submission
from app.pagination import paginate, requested_page
from app.security import roles

STATUSES = (DRAFT, PUBLISHED, ARCHIVED)
CHALLENGE_FIELDS = ["level_id", "title_nl", "title_en", "body_nl", "body_en", "points", "starts_at", "ends_at",
                    "repeatable", "needs_review", "config"]


def summary(challenge: Challenge) -> str:
    """How the audit log names a challenge (one language, whatever the marketer's)."""
    return challenge.title_en or challenge.title_nl or f"#{challenge.id}"


def _challenge_filters(values) -> dict:
    filters = {}
    level = values.get("level", "")
    if isinstance(level, str) and re.fullmatch(r"[0-9]{1,9}", level):
        filters["level"] = int(level)
    status = values.get("status", "")
    if status in STATUSES:
        filters["status"] = status
    return filters


def _challenge_page(filters: dict, page: int):
    """One page of challenges with their level, place within the level and number of answers."""
    ranked = select(
        Challenge.id.label("id"),
        func.row_number().over(partition_by=Challenge.level_id, order_by=(Challenge.position, Challenge.id))
        .label("rank"),
        func.count(Challenge.id).over(partition_by=Challenge.level_id).label("in_level"),
    ).subquery()
    answers = (select(func.count(Submission.id)).where(Submission.challenge_id == Challenge.id)
               .correlate(Challenge).scalar_subquery())
    query = (
        select(Challenge, ranked.c.rank, ranked.c.in_level, answers.label("answers"))
        .join(ranked, ranked.c.id == Challenge.id)
        .join(Challenge.level)
        .options(contains_eager(Challenge.level))
        .order_by(Level.position, Challenge.position, Challenge.id)
    )
    if "level" in filters:
        query = query.where(Challenge.level_id == filters["level"])
    if "status" in filters:
        query = query.where(Challenge.status == filters["status"])
    return paginate(query, per_page=PER_PAGE, page=page)


def _render_challenges(filters: dict, page: int, status: int = 200, notice: str | None = None,
                       category: str = "success", list_only: bool = False):
    context = dict(rows=_challenge_page(filters, page), filters=filters, notice=notice, category=category,
                   types=REGISTRY)
    if list_only:
        return render_template("admin/designer/_challenge_list.html", swapped=True, **context), status
    return render("admin/designer/challenges.html", status=status, levels=levels_in_order(), statuses=STATUSES,
                  **context)


@bp.route("/admin/challenges")
@roles(MARKETER)
def challenges():
    return _render_challenges(_challenge_filters(request.args), requested_page())


def _challenge_form(challenge: Challenge | None, ctype, levels: list[Level], data: dict | None = None,
                    from_request: bool = True):
    """The challenge form and the type's own settings form (None when the type has no settings)."""
    formdata = request.form if from_request and request.method == "POST" else None
    if challenge is not None:
        data = dict(level_id=challenge.level_id, title_nl=challenge.title_nl, title_en=challenge.title_en,
                    body_nl=challenge.body_nl, body_en=challenge.body_en, points=challenge.points,
                    starts_at=local_from_utc(challenge.starts_at), ends_at=local_from_utc(challenge.ends_at),
                    repeatable=challenge.repeatable, needs_review=challenge.needs_review)
    form = ChallengeForm(formdata=formdata, data=data)
    form.level_id.choices = choices((level.id, level_label(level)) for level in levels)
    form.level_positions = {level.id: level.position for level in levels}
    form.required_by = design.required_by(challenge)
    config = challenge.config if challenge is not None else (ctype.default_config() if ctype else {})
    config = config if isinstance(config, dict) else {}
    config_form = ctype.config_form(formdata=formdata, config=config) if ctype else None
    return form, config_form


def _validate(form, config_form) -> bool:
    valid = form.validate()
    # Validate both, so every mistake is shown at once.
    return (config_form.validate() if config_form is not None else True) and valid


def _apply_challenge(form: ChallengeForm, config_form, challenge: Challenge, ctype, levels: list[Level]) -> None:
    level = next(level for level in levels if level.id == form.level_id.data)
    if challenge.level_id != level.id:
        design.challenge_changes_level(challenge, level)
    challenge.level = level
    challenge.level_id = level.id  # at once, not only at flush: the audit diff reads it
    for name in ("title_nl", "title_en", "body_nl", "body_en"):
        setattr(challenge, name, getattr(form, name).data or "")
    challenge.points = form.points.data
    challenge.starts_at = utc_from_local(form.starts_at.data)
    challenge.ends_at = utc_from_local(form.ends_at.data)
    challenge.repeatable = bool(form.repeatable.data)
    challenge.needs_review = bool(form.needs_review.data)
    if config_form is not None:
        challenge.config = ctype.config_from_form(config_form)


def _render_challenge_form(form, config_form, challenge, ctype, status=200, type_key=None):
    return render("admin/designer/challenge_form.html", form=form, config_form=config_form, challenge=challenge,
                  ctype=ctype, type_key=type_key or (challenge.type_key if challenge else None), status=status)


def _types_by_level() -> list[tuple[int, list]]:
    groups: dict[int, list] = {}
    for ctype in REGISTRY.values():
        groups.setdefault(ctype.level, []).append(ctype)
    return sorted(groups.items())


def _publish(challenge: Challenge) -> None:
    design.publish(challenge)
    record(current_user, "challenge.publish", challenge, summary=summary(challenge))


@bp.route("/admin/challenges/new", methods=["GET", "POST"])
@roles(MARKETER)
def challenges_new():
    source = request.form if request.method == "POST" else request.args
    type_key = source.get("type", "")
    ctype = REGISTRY.get(type_key) if isinstance(type_key, str) else None
    if ctype is None:
        error = _("Choose one of the challenge types.") if type_key or request.method == "POST" else None
        return render("admin/designer/challenge_new.html", groups=_types_by_level(), error=error,
                      status=422 if error else 200)

    levels = levels_in_order()
    default_level = next((level for level in levels if level.position == ctype.level), levels[0] if levels else None)
    wanted = _challenge_filters(request.args).get("level")
    if wanted is not None and any(level.id == wanted for level in levels):
        default_level = next(level for level in levels if level.id == wanted)
    form, config_form = _challenge_form(None, ctype, levels, data=dict(
        level_id=default_level.id if default_level else None, points=10, needs_review=ctype.needs_review,
    ))
    if request.method == "GET":
        return _render_challenge_form(form, config_form, None, ctype, type_key=ctype.key)
    form.publishing = request.form.get("action") == "publish"
    if not _validate(form, config_form):
        return _render_challenge_form(form, config_form, None, ctype, status=422, type_key=ctype.key)

    challenge = Challenge(type_key=ctype.key, status=DRAFT, config=ctype.default_config(), position=0)
    _apply_challenge(form, config_form, challenge, ctype, levels)
    db.session.add(challenge)
    db.session.flush()
    record(current_user, "challenge.create", challenge, summary=summary(challenge), type=ctype.key)
    if form.publishing:
        _publish(challenge)
    db.session.commit()
    if form.publishing:
        flash(_("Challenge published: customers of this level can see it now."), "success")
    else:
        flash(_("Draft saved. Preview it in both languages, then publish it."), "success")
    return redirect_to(url_for("admin_designer.challenges_edit", challenge_id=challenge.id))


@bp.route("/admin/challenges/<int:challenge_id>/edit", methods=["GET", "POST"])
@roles(MARKETER)
def challenges_edit(challenge_id: int):
    challenge = db.get_or_404(Challenge, challenge_id)
    ctype = REGISTRY.get(challenge.type_key)
    levels = levels_in_order()
    form, config_form = _challenge_form(challenge, ctype, levels)
    if request.method == "GET":
        return _render_challenge_form(form, config_form, challenge, ctype)
    publish_now = request.form.get("action") == "publish" and challenge.status != PUBLISHED
    form.publishing = publish_now or challenge.status == PUBLISHED
    if not _validate(form, config_form):
        return _render_challenge_form(form, config_form, challenge, ctype, status=422)

    before = snapshot(challenge, CHALLENGE_FIELDS)
    _apply_challenge(form, config_form, challenge, ctype, levels)
    changed = changes(challenge, CHALLENGE_FIELDS, before)
    if changed:
        record(current_user, "challenge.update", challenge, summary=summary(challenge), changes=changed)
    if publish_now:
        _publish(challenge)
    db.session.commit()
    flash(_("Challenge published: customers of this level can see it now.") if publish_now else _("Saved."), "success")
    return redirect_to(url_for("admin_designer.challenges_edit", challenge_id=challenge.id))


@bp.route("/admin/challenges/<int:challenge_id>/publish", methods=["POST"])
@roles(MARKETER)
def challenges_publish(challenge_id: int):
    challenge = db.get_or_404(Challenge, challenge_id)
    target = back(url_for("admin_designer.challenges"))
    if challenge.status == PUBLISHED:
        flash(_("“%(title)s” is already published.", title=title_of(challenge)), "success")
        return redirect_to(target)
    if design.publish(challenge):
        # The edit form, with what is missing marked: the marketer can fill it in right there.
        ctype = REGISTRY.get(challenge.type_key)
        form, config_form = _challenge_form(challenge, ctype, levels_in_order(), from_request=False)
        form.check_publishable()
        response = _render_challenge_form(form, config_form, challenge, ctype, status=422)
        if getattr(request, "htmx", None):
            response.headers["HX-Push-Url"] = url_for("admin_designer.challenges_edit", challenge_id=challenge.id)
        return response
    record(current_user, "challenge.publish", challenge, summary=summary(challenge))
    db.session.commit()
    flash(_("“%(title)s” is published.", title=title_of(challenge)), "success")
    return redirect_to(target)


@bp.route("/admin/challenges/<int:challenge_id>/unpublish", methods=["POST"])
@roles(MARKETER)
def challenges_unpublish(challenge_id: int):
    challenge = db.get_or_404(Challenge, challenge_id)
    target = back(url_for("admin_designer.challenges"))
    if challenge.status == DRAFT:
        flash(_("“%(title)s” is already a draft.", title=title_of(challenge)), "success")
        return redirect_to(target)
    previous = challenge.status
    blocker = design.unpublish(challenge)
    if blocker:
        flash(blocker, "error")
        return redirect_to(target)
    record(current_user, "challenge.unpublish", challenge, summary=summary(challenge), previous=previous)
    db.session.commit()
    flash(_("“%(title)s” is a draft again: customers no longer see it.", title=title_of(challenge)), "success")
    return redirect_to(target)


@bp.route("/admin/challenges/<int:challenge_id>/archive", methods=["POST"])
@roles(MARKETER)
def challenges_archive(challenge_id: int):
    challenge = db.get_or_404(Challenge, challenge_id)
    target = back(url_for("admin_designer.challenges"))
    if challenge.status == ARCHIVED:
        flash(_("“%(title)s” is already archived.", title=title_of(challenge)), "success")
        return redirect_to(target)
    previous = challenge.status
    blocker = design.archive(challenge)
    if blocker:
        flash(blocker, "error")
        return redirect_to(target)
    record(current_user, "challenge.archive", challenge, summary=summary(challenge), previous=previous)
    db.session.commit()
    flash(_("“%(title)s” is archived: hidden from customers, kept with its answers.", title=title_of(challenge)),
          "success")
    return redirect_to(target)


@bp.route("/admin/challenges/<int:challenge_id>/delete", methods=["POST"])
@roles(MARKETER)
def challenges_delete(challenge_id: int):
    challenge = db.get_or_404(Challenge, challenge_id)
    target = back(url_for("admin_designer.challenges"))
    blocker = design.challenge_delete_blocker(challenge)
    if blocker:
        flash(blocker, "error")
        return redirect_to(target)
    title = title_of(challenge)
    record(current_user, "challenge.delete", challenge, summary=summary(challenge), type=challenge.type_key)
    design.delete_challenge(challenge)
    db.session.commit()
    flash(_("Draft “%(title)s” deleted.", title=title), "success")
    if re.fullmatch(rf"/admin/challenges/{challenge.id}/[a-z]+", target.split("?", 1)[0]):
        target = url_for("admin_designer.challenges")  # the page it came from no longer exists
    return redirect_to(target)


@bp.route("/admin/challenges/<int:challenge_id>/duplicate", methods=["POST"])
@roles(MARKETER)
def challenges_duplicate(challenge_id: int):
    original = db.get_or_404(Challenge, challenge_id)
    copy_ = design.duplicate_challenge(original)
    record(current_user, "challenge.duplicate", copy_, summary=summary(copy_), original=original.id)
    db.session.commit()
    flash(_("Copy made as a draft. Change what you need, then publish it."), "success")
    return redirect_to(url_for("admin_designer.challenges_edit", challenge_id=copy_.id))


@bp.route("/admin/challenges/<int:challenge_id>/move", methods=["POST"])
@roles(MARKETER)
def challenges_move(challenge_id: int):
    challenge = db.get_or_404(Challenge, challenge_id)
    filters, page = _challenge_filters(request.form), page_from(request.form)
    way = direction()
    status, category = 200, "success"
    if way is None:
        status, notice, category = 422, _("Choose to move the challenge up or down."), "error"
    else:
        places = design.move_challenge(challenge, way)
        if places is None:
            notice = _("“%(title)s” is already the %(end)s of its level.", title=title_of(challenge),
                       end=_("first") if way == design.UP else _("last"))
        else:
            record(current_user, "challenge.move", challenge, summary=summary(challenge),
                   direction=way, position=list(places))
            db.session.commit()
            notice = _("“%(title)s” moved %(direction)s.", title=title_of(challenge),
                       direction=_("up") if way == design.UP else _("down"))
    if wants_fragment():
        return _render_challenges(filters, page, status=status, notice=notice, category=category, list_only=True)
    flash(notice, category)
    return redirect_to(url_for("admin_designer.challenges", page=page if page > 1 else None, **filters))
