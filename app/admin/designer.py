"""Journey designer: marketers shape the levels, challenges, badges and rewards customers meet.

Every change is audited in the same transaction and each request commits once. Lists are
paginated with a fixed number of queries; forms work without JavaScript and htmx enhances them.
"""
from __future__ import annotations

import copy
import re
from datetime import datetime

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import force_locale, to_user_timezone, to_utc
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, selectinload
from wtforms import BooleanField, DateTimeLocalField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from app.audit.services import record
from app.auth.models import CUSTOMER, LOCALES, MARKETER, User
from app.challenges import REGISTRY
from app.forms import MultiCheckboxField
from app.customer.routes import BADGE_ICONS, REWARD_KIND_LABELS, badge_requirement
from app.extensions import db
from app.forms import Form, choices
from app.htmx import redirect_to, render, wants_fragment
from app.i18n_content import localized
from app.journey.models import ARCHIVED, DRAFT, PUBLISHED, Challenge, Level, Submission, level_required_challenges
from app.pagination import paginate, requested_page
from app.rewards.models import (
    CHALLENGE_COMPLETED, LEVEL_REACHED, MONEY_LIKE_KINDS, POINTS_AT_LEAST, REWARD_KINDS, TYPE_COUNT,
    Badge, Redemption, Reward, UserBadge,
)
from app.security import is_safe_redirect, roles

bp = Blueprint("admin_designer", __name__)

PER_PAGE = 25
STATUSES = (DRAFT, PUBLISHED, ARCHIVED)
MAX_POINTS = 10_000
COPY_SUFFIX = {"nl": " (kopie)", "en": " (copy)"}


# --- form building blocks ------------------------------------------------------------------------

_options = choices


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _max(n: int):
    return Length(max=n, message=_l("Use at most %(max)d characters.", max=n))


def _optional_int(value):
    """Coerce for selects with an empty "none" option: "" is None, anything else an int."""
    if value is None or value == "":
        return None
    return int(value)


class _Select(SelectField):
    """A select that answers anything unreadable or unknown with one message of ours."""

    def __init__(self, *args, message=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = "SelectField"
        self.message = message or _l("Choose one of the options shown.")

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(self.message) from None

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except (ValidationError, ValueError, TypeError):
            raise ValidationError(self.message) from None


class _Radio(_Select, RadioField):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = "RadioField"


class _Checkboxes(MultiCheckboxField):
    def __init__(self, *args, message=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = "MultiCheckboxField"
        self.message = message or _l("Choose from the options shown.")

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = []
            raise ValueError(self.message) from None

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except (ValidationError, ValueError, TypeError):
            raise ValidationError(self.message) from None


class _Integer(IntegerField):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = "IntegerField"

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter a whole number, such as 25.")) from None


def _between(low: int, high: int):
    return NumberRange(low, high, message=_l("Choose a number from %(min)d to %(max)d.", min=low, max=high))


class _LocalDateTime(DateTimeLocalField):
    """A datetime-local input: read in the site's time zone, stored in UTC, years 2000–2100."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"])
        super().__init__(*args, **kwargs)
        self.type = "DateTimeLocalField"

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except (ValueError, TypeError):
            self.data = None
            raise ValueError(_l("Enter a date and time, such as 2030-03-01 09:00.")) from None
        if self.data is not None and not 2000 <= self.data.year <= 2100:
            self.data = None
            raise ValueError(_l("Choose a date between the years 2000 and 2100."))


def _to_utc(value: datetime | None) -> datetime | None:
    return to_utc(value) if value is not None else None


def _to_local(value: datetime | None) -> datetime | None:
    return to_user_timezone(value).replace(tzinfo=None) if value is not None else None


def _lang(code: str) -> dict:
    return {"lang": code}


# --- forms ---------------------------------------------------------------------------------------

class LevelForm(Form):
    name_nl = StringField(_l("Name"), filters=[_strip], render_kw=_lang("nl"),
                          validators=[DataRequired(_l("Fill in the Dutch name.")), _max(120)])
    name_en = StringField(_l("Name"), filters=[_strip], render_kw=_lang("en"),
                          validators=[DataRequired(_l("Fill in the English name.")), _max(120)])
    description_nl = TextAreaField(_l("Description"), filters=[_strip], validators=[Optional(), _max(2000)],
                                   render_kw={"rows": 3, **_lang("nl")})
    description_en = TextAreaField(_l("Description"), filters=[_strip], validators=[Optional(), _max(2000)],
                                   render_kw={"rows": 3, **_lang("en")})
    points_threshold = _Integer(
        _l("Points needed"), description=_l("The level opens at this many points (0: no points needed)."),
        validators=[InputRequired(_l("Fill in the points needed (0 for none).")), _between(0, 1_000_000)],
    )
    required_challenges = _Checkboxes(
        _l("Challenges to complete first"), coerce=int,
        description=_l("Only published challenges of lower levels can be required."),
        message=_l("Choose published challenges of lower levels only."),
    )


PUBLISH_FIELDS = (
    ("title_nl", _l("Dutch title")), ("title_en", _l("English title")),
    ("body_nl", _l("Dutch text")), ("body_en", _l("English text")),
)


class ChallengeForm(Form):
    level_id = _Select(_l("Level"), coerce=int, message=_l("Choose one of the levels."))
    title_nl = StringField(_l("Title"), filters=[_strip], validators=[_max(200)], render_kw=_lang("nl"))
    title_en = StringField(_l("Title"), filters=[_strip], validators=[_max(200)], render_kw=_lang("en"))
    body_nl = TextAreaField(_l("Text"), filters=[_strip], validators=[_max(5000)],
                            description=_l("An empty line starts a new paragraph."),
                            render_kw={"rows": 6, **_lang("nl")})
    body_en = TextAreaField(_l("Text"), filters=[_strip], validators=[_max(5000)],
                            description=_l("An empty line starts a new paragraph."),
                            render_kw={"rows": 6, **_lang("en")})
    points = _Integer(
        _l("Points"), render_kw={"min": 0, "max": MAX_POINTS},
        validators=[InputRequired(_l("Fill in the points (0 or more).")), _between(0, MAX_POINTS)],
    )
    starts_at = _LocalDateTime(_l("Opens at"), validators=[Optional()],
                               description=_l("Leave empty to open it as soon as it is published."))
    ends_at = _LocalDateTime(_l("Closes at"), validators=[Optional()], description=_l("Leave empty to keep it open."))
    repeatable = BooleanField(_l("Customers may complete it more than once"))
    needs_review = BooleanField(_l("Marketing reviews each answer before points are awarded"))

    # Set by the route: publishing needs both languages; moving a required challenge has limits.
    publishing = False
    required_by: list[Level] = []
    level_positions: dict[int, int] = {}

    def validate_ends_at(form, field):
        if field.data and form.starts_at.data and field.data <= form.starts_at.data:
            raise ValidationError(_l("The closing time must be after the opening time."))

    def validate_level_id(form, field):
        position = form.level_positions.get(field.data)
        blocking = [lvl for lvl in form.required_by if position is not None and lvl.position <= position]
        if blocking:
            raise ValidationError(_l(
                "Level %(n)d requires this challenge, so it must stay on a lower level.", n=blocking[0].position,
            ))

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if not self.title_nl.data and not self.title_en.data and not self.title_nl.errors:
            self.title_nl.errors.append(_l("Give the challenge a title in at least one language."))
            valid = False
        if self.publishing and not self.check_publishable():
            valid = False
        return valid

    def check_publishable(self) -> bool:
        """Both languages' title and text are needed before customers may see a challenge."""
        missing = [(name, label) for name, label in PUBLISH_FIELDS if not (self[name].data or "").strip()]
        for name, _label in missing:
            self[name].errors = [*self[name].errors, _l("Needed before publishing.")]
        if missing:
            self.form_errors = [*self.form_errors, _(
                "This challenge cannot be published yet. Still missing: %(missing)s.",
                missing=", ".join(str(label) for _name, label in missing),
            )]
        return not missing


BADGE_ICON_LABELS = {
    "star": _l("Star"), "heart": _l("Heart"), "trophy": _l("Trophy"), "rocket": _l("Rocket"),
    "megaphone": _l("Megaphone"), "handshake": _l("Handshake"), "medal": _l("Medal"), "sparkles": _l("Sparkles"),
}
BADGE_RULE_LABELS = {
    LEVEL_REACHED: _l("A level is reached"),
    POINTS_AT_LEAST: _l("The customer has earned at least a number of points"),
    CHALLENGE_COMPLETED: _l("A particular challenge is completed"),
    TYPE_COUNT: _l("A number of challenges of one type are completed"),
}


class BadgeForm(Form):
    name_nl = StringField(_l("Name"), filters=[_strip], render_kw=_lang("nl"),
                          validators=[DataRequired(_l("Fill in the Dutch name.")), _max(120)])
    name_en = StringField(_l("Name"), filters=[_strip], render_kw=_lang("en"),
                          validators=[DataRequired(_l("Fill in the English name.")), _max(120)])
    description_nl = TextAreaField(_l("Description"), filters=[_strip], validators=[Optional(), _max(1000)],
                                   render_kw={"rows": 2, **_lang("nl")})
    description_en = TextAreaField(_l("Description"), filters=[_strip], validators=[Optional(), _max(1000)],
                                   render_kw={"rows": 2, **_lang("en")})
    icon = _Radio(_l("Icon"), validators=[InputRequired(_l("Choose an icon."))],
                  message=_l("Choose one of the icons shown."))  # choices per request: their names are translated
    rule = _Radio(_l("Earned when"), choices=_options(BADGE_RULE_LABELS.items()),
                  validators=[InputRequired(_l("Choose when the badge is earned."))],
                  message=_l("Choose one of the rules shown."))
    rule_level_id = _Select(_l("Which level"), coerce=_optional_int, message=_l("Choose one of the levels."))
    rule_points = _Integer(_l("How many points"), validators=[Optional(), _between(1, 1_000_000)])
    rule_challenge_id = _Select(_l("Which challenge"), coerce=_optional_int,
                                message=_l("Choose one of the challenges."))
    rule_type_key = _Select(_l("Which type"), message=_l("Choose one of the challenge types."))
    rule_count = _Integer(_l("How many challenges"), validators=[Optional(), _between(1, 1000)])

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        needed = {
            LEVEL_REACHED: [(self.rule_level_id, _l("Choose the level."))],
            POINTS_AT_LEAST: [(self.rule_points, _l("Fill in the number of points."))],
            CHALLENGE_COMPLETED: [(self.rule_challenge_id, _l("Choose the challenge."))],
            TYPE_COUNT: [(self.rule_type_key, _l("Choose the type.")),
                         (self.rule_count, _l("Fill in how many challenges."))],
        }
        for field, message in needed.get(self.rule.data, []):
            if field.data in (None, "") and not field.errors:
                field.errors = [message]
                valid = False
        return valid


class RewardForm(Form):
    name_nl = StringField(_l("Name"), filters=[_strip], render_kw=_lang("nl"),
                          validators=[DataRequired(_l("Fill in the Dutch name.")), _max(120)])
    name_en = StringField(_l("Name"), filters=[_strip], render_kw=_lang("en"),
                          validators=[DataRequired(_l("Fill in the English name.")), _max(120)])
    description_nl = TextAreaField(_l("Description"), filters=[_strip], validators=[Optional(), _max(2000)],
                                   render_kw={"rows": 3, **_lang("nl")})
    description_en = TextAreaField(_l("Description"), filters=[_strip], validators=[Optional(), _max(2000)],
                                   render_kw={"rows": 3, **_lang("en")})
    kind = _Radio(
        _l("Kind"), choices=_options((kind, REWARD_KIND_LABELS[kind]) for kind in REWARD_KINDS),
        validators=[InputRequired(_l("Choose the kind of reward."))], message=_l("Choose one of the kinds shown."),
        description=_l("Gift cards and discounts are money-like; the others are intrinsic."),
    )
    point_cost = _Integer(_l("Point cost"), description=_l("Leave empty for a reward that costs no points."),
                          validators=[Optional(), _between(0, 1_000_000)])
    stock = _Integer(_l("Stock"), description=_l("Leave empty for an unlimited number."),
                     validators=[Optional(), _between(0, 1_000_000)])
    level_id = _Select(_l("Available from"), coerce=_optional_int, message=_l("Choose one of the levels."))


# --- helpers ---------------------------------------------------------------------------------------

def _get_or_404(model, ident: int):
    # The app's <int:…> converter already turns ids beyond the database's range into a 404.
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


def _levels() -> list[Level]:
    return list(db.session.scalars(select(Level).order_by(Level.position)))


def _level_label(level: Level) -> str:
    return _("Level %(n)d: %(name)s", n=level.position, name=localized(level, "name"))


def _type_of(challenge: Challenge):
    return REGISTRY.get(challenge.type_key)


def _title(obj, field: str = "title") -> str:
    return localized(obj, field) or f"#{obj.id}"


def _back(default: str) -> str:
    """Where an action returns to: the page it came from (a local path) or `default`."""
    target = request.form.get("next", "")
    return target if is_safe_redirect(target) else default


def _page_from(values) -> int:
    try:
        return min(max(1, int(values.get("page", 1))), 100_000)
    except (TypeError, ValueError):
        return 1


def _changes(obj, fields: list[str], before: dict) -> dict:
    """What an update changed, for the audit log: {field: [before, after]} (long texts shortened)."""
    def short(value):
        if isinstance(value, str) and len(value) > 200:
            return value[:200] + "…"
        return value

    return {name: [short(before[name]), short(getattr(obj, name))]
            for name in fields if before[name] != getattr(obj, name)}


def _snapshot(obj, fields: list[str]) -> dict:
    return {name: copy.deepcopy(getattr(obj, name)) for name in fields}


def _swap_positions(first, second) -> None:
    """Swap two unique positions without ever holding a duplicate (a parked negative one in between)."""
    a, b = first.position, second.position
    first.position = -first.id - 1
    db.session.flush()
    second.position = a
    db.session.flush()
    first.position = b
    db.session.flush()


def _direction() -> str | None:
    direction = request.form.get("direction")
    return direction if direction in ("up", "down") else None


# --- levels --------------------------------------------------------------------------------------

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


def _required_choices(below_position: int | None) -> list[Challenge]:
    query = (select(Challenge).join(Challenge.level).options(contains_eager(Challenge.level))
             .where(Challenge.status == PUBLISHED).order_by(Level.position, Challenge.position, Challenge.id))
    if below_position is not None:
        query = query.where(Level.position < below_position)
    return list(db.session.scalars(query))


def _level_form(level: Level | None) -> LevelForm:
    formdata = request.form if request.method == "POST" else None
    data = None
    if level is not None:
        data = dict(name_nl=level.name_nl, name_en=level.name_en, description_nl=level.description_nl,
                    description_en=level.description_en, points_threshold=level.points_threshold,
                    required_challenges=[c.id for c in level.required_challenges])
    form = LevelForm(formdata=formdata, data=data or {"points_threshold": 0})
    choices = _required_choices(level.position if level is not None else None)
    form.required_challenges.choices = _options(
        (c.id, f"{_level_label(c.level)} · {_title(c)}") for c in choices
    )
    form.challenge_by_id = {c.id: c for c in choices}
    return form


def _apply_level(form: LevelForm, level: Level) -> None:
    for name in ("name_nl", "name_en", "description_nl", "description_en", "points_threshold"):
        setattr(level, name, getattr(form, name).data if getattr(form, name).data is not None else "")
    chosen = dict.fromkeys(form.required_challenges.data or [])
    level.required_challenges = [form.challenge_by_id[cid] for cid in chosen]


LEVEL_FIELDS = ["name_nl", "name_en", "description_nl", "description_en", "points_threshold"]


@bp.route("/admin/levels/new", methods=["GET", "POST"])
@roles(MARKETER)
def levels_new():
    form = _level_form(None)
    if request.method == "GET" or not form.validate():
        return render("admin/designer/level_form.html", form=form, level=None,
                      status=422 if request.method == "POST" else 200)
    position = (db.session.scalar(select(func.max(Level.position))) or 0) + 1
    level = Level(position=position)
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
    level = _get_or_404(Level, level_id)
    form = _level_form(level)
    if request.method == "GET" or not form.validate():
        return render("admin/designer/level_form.html", form=form, level=level,
                      status=422 if request.method == "POST" else 200)
    before = _snapshot(level, LEVEL_FIELDS)
    required_before = sorted(c.id for c in level.required_challenges)
    _apply_level(form, level)
    changes = _changes(level, LEVEL_FIELDS, before)
    required_after = sorted(c.id for c in level.required_challenges)
    if required_after != required_before:
        changes["required_challenges"] = [required_before, required_after]
    if changes:
        record(current_user, "level.update", level, summary=level.name_en or level.name_nl, changes=changes)
    db.session.commit()
    flash(_("Level “%(name)s” saved.", name=localized(level, "name")), "success")
    return redirect_to(url_for("admin_designer.levels"))


def _move_blocker(lower: Level, higher: Level) -> str | None:
    """After a swap `lower` comes first in the journey, so it may not require challenges of `higher`."""
    if any(c.level_id == higher.id for c in lower.required_challenges):
        return _("“%(lower)s” requires challenges of “%(higher)s”, so it cannot move above it. "
                 "Change the required challenges first.",
                 lower=localized(lower, "name"), higher=localized(higher, "name"))
    return None


@bp.route("/admin/levels/<int:level_id>/move", methods=["POST"])
@roles(MARKETER)
def levels_move(level_id: int):
    level = _get_or_404(Level, level_id)
    page = _page_from(request.form)
    direction = _direction()
    status, notice, category = 200, None, "success"
    if direction is None:
        status, notice, category = 422, _("Choose to move the level up or down."), "error"
    else:
        query = select(Level).options(selectinload(Level.required_challenges))
        if direction == "up":
            query = query.where(Level.position < level.position).order_by(Level.position.desc())
        else:
            query = query.where(Level.position > level.position).order_by(Level.position)
        neighbour = db.session.scalars(query.limit(1)).first()
        if neighbour is None:
            notice = _("“%(name)s” is already at the %(end)s.", name=localized(level, "name"),
                       end=_("top") if direction == "up" else _("bottom"))
        else:
            lower, higher = (level, neighbour) if direction == "up" else (neighbour, level)
            blocker = _move_blocker(lower, higher)
            if blocker:
                status, notice, category = 409, blocker, "error"
            else:
                before = level.position
                try:
                    _swap_positions(level, neighbour)
                except IntegrityError:
                    db.session.rollback()
                    status, category = 409, "error"
                    notice = _("Someone else changed the order at the same moment. Try again.")
                else:
                    record(current_user, "level.move", level, summary=level.name_en or level.name_nl,
                           direction=direction, position=[before, level.position])
                    db.session.commit()
                    notice = _("“%(name)s” is now level %(n)d.", name=localized(level, "name"), n=level.position)
    if wants_fragment():
        return _render_levels(page, status=status, notice=notice, category=category, list_only=True)
    flash(notice, category)
    return redirect_to(url_for("admin_designer.levels", page=page if page > 1 else None))


def _level_delete_blocker(level: Level) -> str | None:
    challenges = db.session.scalar(select(func.count(Challenge.id)).where(Challenge.level_id == level.id))
    if challenges:
        return ngettext(
            "“%(name)s” still has %(num)d challenge. Move or delete it first; archived challenges count too, "
            "because customers' answers are kept with them.",
            "“%(name)s” still has %(num)d challenges. Move or delete them first; archived challenges count too, "
            "because customers' answers are kept with them.",
            challenges, name=localized(level, "name"),
        )
    badges = db.session.scalar(select(func.count(Badge.id)).where(Badge.rule_level_id == level.id))
    if badges:
        return _("A badge is earned by reaching “%(name)s”. Change or delete that badge first.",
                 name=localized(level, "name"))
    rewards = db.session.scalar(select(func.count(Reward.id)).where(Reward.level_id == level.id))
    if rewards:
        return _("A reward is available from “%(name)s”. Change that reward first.", name=localized(level, "name"))
    return None


@bp.route("/admin/levels/<int:level_id>/delete", methods=["POST"])
@roles(MARKETER)
def levels_delete(level_id: int):
    level = _get_or_404(Level, level_id)
    back = _back(url_for("admin_designer.levels"))
    blocker = _level_delete_blocker(level)
    if blocker:
        flash(blocker, "error")
        return redirect_to(back)
    name, position = localized(level, "name"), level.position
    record(current_user, "level.delete", level, summary=level.name_en or level.name_nl, position=position)
    db.session.delete(level)
    db.session.flush()
    # Close the gap so customers keep seeing levels 1, 2, 3 …: park the ones above, then renumber.
    above = list(db.session.scalars(select(Level).where(Level.position > position).order_by(Level.position)))
    for other in above:
        other.position = -other.position
    db.session.flush()
    for other in above:
        other.position = -other.position - 1
    db.session.flush()
    db.session.commit()
    flash(_("Level “%(name)s” deleted.", name=name), "success")
    return redirect_to(back)


# --- challenges ----------------------------------------------------------------------------------

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
    return render("admin/designer/challenges.html", status=status, levels=_levels(), statuses=STATUSES, **context)


@bp.route("/admin/challenges")
@roles(MARKETER)
def challenges():
    return _render_challenges(_challenge_filters(request.args), requested_page())


CHALLENGE_FIELDS = ["level_id", "title_nl", "title_en", "body_nl", "body_en", "points", "starts_at", "ends_at",
                    "repeatable", "needs_review", "config"]


def _required_by(challenge: Challenge | None) -> list[Level]:
    if challenge is None or challenge.id is None:
        return []
    return list(db.session.scalars(
        select(Level).join(level_required_challenges, level_required_challenges.c.level_id == Level.id)
        .where(level_required_challenges.c.challenge_id == challenge.id).order_by(Level.position)
    ))


def _challenge_form(challenge: Challenge | None, ctype, levels: list[Level], data: dict | None = None,
                    from_request: bool = True):
    """The challenge form and the type's own settings form (None when the type has no settings)."""
    formdata = request.form if from_request and request.method == "POST" else None
    if challenge is not None:
        data = dict(level_id=challenge.level_id, title_nl=challenge.title_nl, title_en=challenge.title_en,
                    body_nl=challenge.body_nl, body_en=challenge.body_en, points=challenge.points,
                    starts_at=_to_local(challenge.starts_at), ends_at=_to_local(challenge.ends_at),
                    repeatable=challenge.repeatable, needs_review=challenge.needs_review)
    form = ChallengeForm(formdata=formdata, data=data)
    form.level_id.choices = _options((level.id, _level_label(level)) for level in levels)
    form.level_positions = {level.id: level.position for level in levels}
    form.required_by = _required_by(challenge)
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
        challenge.position = _next_challenge_position(level.id)
    challenge.level = level
    challenge.level_id = level.id  # at once, not only at flush: the audit diff reads it
    for name in ("title_nl", "title_en", "body_nl", "body_en"):
        setattr(challenge, name, getattr(form, name).data or "")
    challenge.points = form.points.data
    challenge.starts_at = _to_utc(form.starts_at.data)
    challenge.ends_at = _to_utc(form.ends_at.data)
    challenge.repeatable = bool(form.repeatable.data)
    challenge.needs_review = bool(form.needs_review.data)
    if config_form is not None:
        challenge.config = ctype.config_from_form(config_form)


def _next_challenge_position(level_id: int) -> int:
    return (db.session.scalar(select(func.max(Challenge.position)).where(Challenge.level_id == level_id)) or 0) + 1


def _render_challenge_form(form, config_form, challenge, ctype, status=200, type_key=None):
    return render("admin/designer/challenge_form.html", form=form, config_form=config_form, challenge=challenge,
                  ctype=ctype, type_key=type_key or (challenge.type_key if challenge else None), status=status)


def _types_by_level() -> list[tuple[int, list]]:
    groups: dict[int, list] = {}
    for ctype in REGISTRY.values():
        groups.setdefault(ctype.level, []).append(ctype)
    return sorted(groups.items())


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

    levels = _levels()
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
    record(current_user, "challenge.create", challenge, summary=_summary(challenge), type=ctype.key)
    if form.publishing:
        challenge.status = PUBLISHED
        record(current_user, "challenge.publish", challenge, summary=_summary(challenge))
    db.session.commit()
    if form.publishing:
        flash(_("Challenge published: customers of this level can see it now."), "success")
    else:
        flash(_("Draft saved. Preview it in both languages, then publish it."), "success")
    return redirect_to(url_for("admin_designer.challenges_edit", challenge_id=challenge.id))


def _summary(challenge: Challenge) -> str:
    return challenge.title_en or challenge.title_nl or f"#{challenge.id}"


@bp.route("/admin/challenges/<int:challenge_id>/edit", methods=["GET", "POST"])
@roles(MARKETER)
def challenges_edit(challenge_id: int):
    challenge = _get_or_404(Challenge, challenge_id)
    ctype = _type_of(challenge)
    levels = _levels()
    form, config_form = _challenge_form(challenge, ctype, levels)
    if request.method == "GET":
        return _render_challenge_form(form, config_form, challenge, ctype)
    publish_now = request.form.get("action") == "publish" and challenge.status != PUBLISHED
    form.publishing = publish_now or challenge.status == PUBLISHED
    if not _validate(form, config_form):
        return _render_challenge_form(form, config_form, challenge, ctype, status=422)

    before = _snapshot(challenge, CHALLENGE_FIELDS)
    _apply_challenge(form, config_form, challenge, ctype, levels)
    changes = _changes(challenge, CHALLENGE_FIELDS, before)
    if changes:
        record(current_user, "challenge.update", challenge, summary=_summary(challenge), changes=changes)
    if publish_now:
        challenge.status = PUBLISHED
        record(current_user, "challenge.publish", challenge, summary=_summary(challenge))
    db.session.commit()
    flash(_("Challenge published: customers of this level can see it now.") if publish_now else _("Saved."), "success")
    return redirect_to(url_for("admin_designer.challenges_edit", challenge_id=challenge.id))


@bp.route("/admin/challenges/<int:challenge_id>/publish", methods=["POST"])
@roles(MARKETER)
def challenges_publish(challenge_id: int):
    challenge = _get_or_404(Challenge, challenge_id)
    back = _back(url_for("admin_designer.challenges"))
    if challenge.status == PUBLISHED:
        flash(_("“%(title)s” is already published.", title=_title(challenge)), "success")
        return redirect_to(back)
    ctype = _type_of(challenge)
    form, config_form = _challenge_form(challenge, ctype, _levels(), from_request=False)
    if not form.check_publishable():
        # The edit form, with what is missing marked: the marketer can fill it in right there.
        response = _render_challenge_form(form, config_form, challenge, ctype, status=422)
        if getattr(request, "htmx", None):
            response.headers["HX-Push-Url"] = url_for("admin_designer.challenges_edit", challenge_id=challenge.id)
        return response
    challenge.status = PUBLISHED
    record(current_user, "challenge.publish", challenge, summary=_summary(challenge))
    db.session.commit()
    flash(_("“%(title)s” is published.", title=_title(challenge)), "success")
    return redirect_to(back)


def _required_blocker(challenge: Challenge) -> str | None:
    levels = _required_by(challenge)
    if levels:
        return _("Level %(n)d requires “%(title)s”, so customers must be able to complete it. "
                 "Remove it from that level's required challenges first.",
                 n=levels[0].position, title=_title(challenge))
    return None


@bp.route("/admin/challenges/<int:challenge_id>/unpublish", methods=["POST"])
@roles(MARKETER)
def challenges_unpublish(challenge_id: int):
    challenge = _get_or_404(Challenge, challenge_id)
    back = _back(url_for("admin_designer.challenges"))
    if challenge.status == DRAFT:
        flash(_("“%(title)s” is already a draft.", title=_title(challenge)), "success")
        return redirect_to(back)
    blocker = _required_blocker(challenge) if challenge.status == PUBLISHED else None
    if blocker:
        flash(blocker, "error")
        return redirect_to(back)
    previous = challenge.status
    challenge.status = DRAFT
    record(current_user, "challenge.unpublish", challenge, summary=_summary(challenge), previous=previous)
    db.session.commit()
    flash(_("“%(title)s” is a draft again: customers no longer see it.", title=_title(challenge)), "success")
    return redirect_to(back)


@bp.route("/admin/challenges/<int:challenge_id>/archive", methods=["POST"])
@roles(MARKETER)
def challenges_archive(challenge_id: int):
    challenge = _get_or_404(Challenge, challenge_id)
    back = _back(url_for("admin_designer.challenges"))
    if challenge.status == ARCHIVED:
        flash(_("“%(title)s” is already archived.", title=_title(challenge)), "success")
        return redirect_to(back)
    blocker = _required_blocker(challenge)
    if blocker:
        flash(blocker, "error")
        return redirect_to(back)
    previous = challenge.status
    challenge.status = ARCHIVED
    record(current_user, "challenge.archive", challenge, summary=_summary(challenge), previous=previous)
    db.session.commit()
    flash(_("“%(title)s” is archived: hidden from customers, kept with its answers.", title=_title(challenge)),
          "success")
    return redirect_to(back)


@bp.route("/admin/challenges/<int:challenge_id>/delete", methods=["POST"])
@roles(MARKETER)
def challenges_delete(challenge_id: int):
    challenge = _get_or_404(Challenge, challenge_id)
    back = _back(url_for("admin_designer.challenges"))
    answers = db.session.scalar(select(func.count(Submission.id)).where(Submission.challenge_id == challenge.id))
    blocker = None
    if answers:
        blocker = _("“%(title)s” has answers from customers, so it is kept. Archive it instead: "
                    "customers no longer see it and the answers stay.", title=_title(challenge))
    elif challenge.status != DRAFT:
        blocker = _("Only drafts can be deleted. Make “%(title)s” a draft first, or archive it.",
                    title=_title(challenge))
    elif db.session.scalar(select(func.count(Badge.id)).where(Badge.rule_challenge_id == challenge.id)):
        blocker = _("A badge is earned by completing “%(title)s”. Change or delete that badge first.",
                    title=_title(challenge))
    if blocker:
        flash(blocker, "error")
        return redirect_to(back)
    title = _title(challenge)
    record(current_user, "challenge.delete", challenge, summary=_summary(challenge), type=challenge.type_key)
    db.session.delete(challenge)
    db.session.commit()
    flash(_("Draft “%(title)s” deleted.", title=title), "success")
    if re.fullmatch(rf"/admin/challenges/{challenge.id}/[a-z]+", back.split("?", 1)[0]):
        back = url_for("admin_designer.challenges")  # the page it came from no longer exists
    return redirect_to(back)


@bp.route("/admin/challenges/<int:challenge_id>/duplicate", methods=["POST"])
@roles(MARKETER)
def challenges_duplicate(challenge_id: int):
    original = _get_or_404(Challenge, challenge_id)

    def suffixed(title: str, lang: str) -> str:
        suffix = COPY_SUFFIX[lang]
        return (title[: 200 - len(suffix)] + suffix) if title else ""

    copy_ = Challenge(
        level_id=original.level_id, type_key=original.type_key, status=DRAFT,
        title_nl=suffixed(original.title_nl, "nl"), title_en=suffixed(original.title_en, "en"),
        body_nl=original.body_nl, body_en=original.body_en, points=original.points,
        config=copy.deepcopy(original.config), starts_at=original.starts_at, ends_at=original.ends_at,
        repeatable=original.repeatable, needs_review=original.needs_review,
        position=_next_challenge_position(original.level_id),
    )
    db.session.add(copy_)
    db.session.flush()
    record(current_user, "challenge.duplicate", copy_, summary=_summary(copy_), original=original.id)
    db.session.commit()
    flash(_("Copy made as a draft. Change what you need, then publish it."), "success")
    return redirect_to(url_for("admin_designer.challenges_edit", challenge_id=copy_.id))


@bp.route("/admin/challenges/<int:challenge_id>/move", methods=["POST"])
@roles(MARKETER)
def challenges_move(challenge_id: int):
    challenge = _get_or_404(Challenge, challenge_id)
    filters, page = _challenge_filters(request.form), _page_from(request.form)
    direction = _direction()
    status, category = 200, "success"
    if direction is None:
        status, notice, category = 422, _("Choose to move the challenge up or down."), "error"
    else:
        siblings = list(db.session.scalars(
            select(Challenge).where(Challenge.level_id == challenge.level_id).order_by(Challenge.position, Challenge.id)
        ))
        index = siblings.index(challenge)
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(siblings):
            notice = _("“%(title)s” is already the %(end)s of its level.", title=_title(challenge),
                       end=_("first") if direction == "up" else _("last"))
        else:
            # Number the level 1…n first, so equal or missing positions cannot stall a move.
            for number, sibling in enumerate(siblings, start=1):
                sibling.position = number
            siblings[index].position, siblings[other].position = other + 1, index + 1
            record(current_user, "challenge.move", challenge, summary=_summary(challenge),
                   direction=direction, position=[index + 1, other + 1])
            db.session.commit()
            notice = _("“%(title)s” moved %(direction)s.", title=_title(challenge),
                       direction=_("up") if direction == "up" else _("down"))
    if wants_fragment():
        return _render_challenges(filters, page, status=status, notice=notice, category=category, list_only=True)
    flash(notice, category)
    return redirect_to(url_for("admin_designer.challenges", page=page if page > 1 else None, **filters))


def _preview_customer(lang: str) -> User:
    """A customer who exists only for the preview: never added to the session, so nothing is stored
    (the share type, for one, makes a referral link for a customer who has none)."""
    return User(name=_("Preview"), role=CUSTOMER, locale=lang, referral_code="preview")


@bp.route("/admin/challenges/<int:challenge_id>/preview")
@roles(MARKETER)
def challenges_preview(challenge_id: int):
    challenge = _get_or_404(Challenge, challenge_id)
    lang = request.args.get("lang", "")
    if lang not in LOCALES:
        lang = current_user.locale if current_user.locale in LOCALES else "nl"
    ctype = _type_of(challenge)
    panel = None
    if ctype is not None:
        customer = _preview_customer(lang)
        with force_locale(lang):
            form = ctype.answer_form(challenge, formdata=None, user=customer)
            extra = ctype.context(challenge, customer)
            # Rendered (and autoescaped) here in the preview's language; Markup only keeps the
            # outer page from escaping the finished HTML a second time.
            panel = Markup(render_template("admin/designer/_preview_panel.html", challenge=challenge, ctype=ctype,
                                           form=form, extra=extra, lang=lang))
    return render("admin/designer/preview.html", challenge=challenge, ctype=ctype, panel=panel, lang=lang)


# --- badges --------------------------------------------------------------------------------------

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
    form.icon.choices = _options((key, f"{BADGE_ICONS[key]} {label}") for key, label in BADGE_ICON_LABELS.items())
    none = ("", _("Choose …"))
    form.rule_level_id.choices = _options([none, *((level.id, _level_label(level)) for level in _levels())])
    current = badge.rule_challenge_id if badge is not None else None
    challenges = db.session.scalars(
        select(Challenge).join(Challenge.level).options(contains_eager(Challenge.level))
        .where(or_(Challenge.status != ARCHIVED, Challenge.id == current))
        .order_by(Level.position, Challenge.position, Challenge.id)
    )
    form.rule_challenge_id.choices = _options(
        [none, *((c.id, f"{_level_label(c.level)} · {_title(c)}") for c in challenges)]
    )
    form.rule_type_key.choices = _options([none, *((key, ctype.label) for key, ctype in REGISTRY.items())])
    return form


def _apply_badge(form: BadgeForm, badge: Badge) -> None:
    for name in ("name_nl", "name_en", "description_nl", "description_en", "icon", "rule"):
        setattr(badge, name, getattr(form, name).data or "")
    rule = form.rule.data
    badge.rule_level_id = form.rule_level_id.data if rule == LEVEL_REACHED else None
    badge.rule_challenge_id = form.rule_challenge_id.data if rule == CHALLENGE_COMPLETED else None
    badge.rule_type_key = form.rule_type_key.data if rule == TYPE_COUNT else None
    badge.rule_value = {POINTS_AT_LEAST: form.rule_points.data, TYPE_COUNT: form.rule_count.data}.get(rule)


BADGE_FIELDS = ["name_nl", "name_en", "description_nl", "description_en", "icon", "rule", "rule_value",
                "rule_level_id", "rule_challenge_id", "rule_type_key"]


def _badge_key(name: str) -> str:
    """A readable, unique key from the badge's name (badges.key is UNIQUE)."""
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:50] or "badge"
    taken = set(db.session.scalars(select(Badge.key).where(Badge.key.like(f"{base}%"))))
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


@bp.route("/admin/badges/new", methods=["GET", "POST"])
@roles(MARKETER)
def badges_new():
    form = _badge_form(None)
    if request.method == "GET" or not form.validate():
        return render("admin/designer/badge_form.html", form=form, badge=None,
                      status=422 if request.method == "POST" else 200)
    badge = Badge(key=_badge_key(form.name_en.data or form.name_nl.data),
                  position=(db.session.scalar(select(func.max(Badge.position))) or 0) + 1)
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
    badge = _get_or_404(Badge, badge_id)
    form = _badge_form(badge)
    if request.method == "GET" or not form.validate():
        return render("admin/designer/badge_form.html", form=form, badge=badge,
                      status=422 if request.method == "POST" else 200)
    before = _snapshot(badge, BADGE_FIELDS)
    _apply_badge(form, badge)
    changes = _changes(badge, BADGE_FIELDS, before)
    if changes:
        record(current_user, "badge.update", badge, summary=badge.name_en or badge.name_nl, changes=changes)
    db.session.commit()
    flash(_("Badge “%(name)s” saved.", name=localized(badge, "name")), "success")
    return redirect_to(url_for("admin_designer.badges"))


def _set_active(model, ident: int, active: bool, thing: str, default_back: str):
    obj = _get_or_404(model, ident)
    back = _back(default_back)
    if obj.active != active:
        obj.active = active
        verb = "activate" if active else "deactivate"
        record(current_user, f"{thing}.{verb}", obj, summary=obj.name_en or obj.name_nl)
        db.session.commit()
    if active:
        flash(_("“%(name)s” is active: customers see it.", name=localized(obj, "name")), "success")
    else:
        flash(_("“%(name)s” is inactive: customers no longer see it.", name=localized(obj, "name")), "success")
    return redirect_to(back)


@bp.route("/admin/badges/<int:badge_id>/activate", methods=["POST"])
@roles(MARKETER)
def badges_activate(badge_id: int):
    return _set_active(Badge, badge_id, True, "badge", url_for("admin_designer.badges"))


@bp.route("/admin/badges/<int:badge_id>/deactivate", methods=["POST"])
@roles(MARKETER)
def badges_deactivate(badge_id: int):
    return _set_active(Badge, badge_id, False, "badge", url_for("admin_designer.badges"))


@bp.route("/admin/badges/<int:badge_id>/delete", methods=["POST"])
@roles(MARKETER)
def badges_delete(badge_id: int):
    badge = _get_or_404(Badge, badge_id)
    back = _back(url_for("admin_designer.badges"))
    if db.session.scalar(select(func.count(UserBadge.id)).where(UserBadge.badge_id == badge.id)):
        flash(_("“%(name)s” has been awarded, so it is kept: customers keep their badges. "
                "Deactivate it to stop awarding it.", name=localized(badge, "name")), "error")
        return redirect_to(back)
    name = localized(badge, "name")
    record(current_user, "badge.delete", badge, summary=badge.name_en or badge.name_nl)
    db.session.delete(badge)
    db.session.commit()
    flash(_("Badge “%(name)s” deleted.", name=name), "success")
    return redirect_to(back)


# --- rewards -------------------------------------------------------------------------------------

def money_like_dominates() -> bool:
    """True when active money-like rewards outnumber the intrinsic ones."""
    counts = dict(db.session.execute(
        select(Reward.kind, func.count(Reward.id)).where(Reward.active.is_(True)).group_by(Reward.kind)
    ).all())
    money = sum(n for kind, n in counts.items() if kind in MONEY_LIKE_KINDS)
    return money > sum(counts.values()) - money


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
    levels = ((level.id, _level_label(level)) for level in _levels())
    form.level_id.choices = _options([("", _("Every level")), *levels])
    return form


REWARD_FIELDS = ["name_nl", "name_en", "description_nl", "description_en", "kind", "point_cost", "stock", "level_id"]


def _apply_reward(form: RewardForm, reward: Reward) -> None:
    for name in ("name_nl", "name_en", "description_nl", "description_en", "kind"):
        setattr(reward, name, getattr(form, name).data or "")
    reward.point_cost = form.point_cost.data
    reward.stock = form.stock.data
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
    reward = Reward(position=(db.session.scalar(select(func.max(Reward.position))) or 0) + 1)
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
    reward = _get_or_404(Reward, reward_id)
    form = _reward_form(reward)
    if request.method == "GET" or not form.validate():
        return _render_reward_form(form, reward, status=422 if request.method == "POST" else 200)
    before = _snapshot(reward, REWARD_FIELDS)
    _apply_reward(form, reward)
    changes = _changes(reward, REWARD_FIELDS, before)
    if changes:
        record(current_user, "reward.update", reward, summary=reward.name_en or reward.name_nl, changes=changes)
    db.session.commit()
    flash(_("Reward “%(name)s” saved.", name=localized(reward, "name")), "success")
    return redirect_to(url_for("admin_designer.rewards"))


@bp.route("/admin/rewards/<int:reward_id>/activate", methods=["POST"])
@roles(MARKETER)
def rewards_activate(reward_id: int):
    return _set_active(Reward, reward_id, True, "reward", url_for("admin_designer.rewards"))


@bp.route("/admin/rewards/<int:reward_id>/deactivate", methods=["POST"])
@roles(MARKETER)
def rewards_deactivate(reward_id: int):
    return _set_active(Reward, reward_id, False, "reward", url_for("admin_designer.rewards"))
