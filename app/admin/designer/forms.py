"""The journey designer's forms: levels, challenges, badges and rewards, each text in Dutch and English."""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import to_user_timezone, to_utc
from wtforms import BooleanField, DateTimeLocalField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Optional, ValidationError

from app.forms import (
    CheckboxesOf,
    Form,
    RadioOne,
    SelectOne,
    WholeNumber,
    choices,
    max_length,
    number_between,
    optional_int,
    strip,
)
from app.journey.design import missing_for_publishing
from app.journey.models import Level
from app.money import MoneyField
from app.rewards.badges import BADGE_RULE_LABELS
from app.rewards.models import CHALLENGE_COMPLETED, LEVEL_REACHED, POINTS_AT_LEAST, REWARD_KINDS, TYPE_COUNT
from app.rewards.redemptions import REWARD_KIND_LABELS

MAX_POINTS = 10_000
NL, EN = {"lang": "nl"}, {"lang": "en"}


class LocalDateTime(DateTimeLocalField):
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


def utc_from_local(value: datetime | None) -> datetime | None:
    return to_utc(value) if value is not None else None


def local_from_utc(value: datetime | None) -> datetime | None:
    return to_user_timezone(value).replace(tzinfo=None) if value is not None else None


def _name(lang: dict, message):
    return StringField(_l("Name"), filters=[strip], render_kw={**lang},
                       validators=[DataRequired(message), max_length(120)])


def _description(lang: dict, length: int, rows: int):
    return TextAreaField(_l("Description"), filters=[strip], validators=[Optional(), max_length(length)],
                         render_kw={"rows": rows, **lang})


class LevelForm(Form):
    name_nl = _name(NL, _l("Fill in the Dutch name."))
    name_en = _name(EN, _l("Fill in the English name."))
    description_nl = _description(NL, 2000, 3)
    description_en = _description(EN, 2000, 3)
    points_threshold = WholeNumber(
        _l("Points needed"), description=_l("The level opens at this many points (0: no points needed)."),
        validators=[InputRequired(_l("Fill in the points needed (0 for none).")), number_between(0, 1_000_000)],
    )
    required_challenges = CheckboxesOf(
        _l("Challenges to complete first"), coerce=int,
        description=_l("Only published challenges of lower levels can be required."),
        message=_l("Choose published challenges of lower levels only."),
    )


PUBLISH_FIELDS = {
    "title_nl": _l("Dutch title"), "title_en": _l("English title"),
    "body_nl": _l("Dutch text"), "body_en": _l("English text"),
}


class ChallengeForm(Form):
    level_id = SelectOne(_l("Level"), coerce=int, message=_l("Choose one of the levels."))
    title_nl = StringField(_l("Title"), filters=[strip], validators=[max_length(200)], render_kw={**NL})
    title_en = StringField(_l("Title"), filters=[strip], validators=[max_length(200)], render_kw={**EN})
    body_nl = TextAreaField(_l("Text"), filters=[strip], validators=[max_length(5000)],
                            description=_l("An empty line starts a new paragraph."), render_kw={"rows": 6, **NL})
    body_en = TextAreaField(_l("Text"), filters=[strip], validators=[max_length(5000)],
                            description=_l("An empty line starts a new paragraph."), render_kw={"rows": 6, **EN})
    points = WholeNumber(
        _l("Points"), render_kw={"min": 0, "max": MAX_POINTS},
        validators=[InputRequired(_l("Fill in the points (0 or more).")), number_between(0, MAX_POINTS)],
    )
    starts_at = LocalDateTime(_l("Opens at"), validators=[Optional()],
                              description=_l("Leave empty to open it as soon as it is published."))
    ends_at = LocalDateTime(_l("Closes at"), validators=[Optional()], description=_l("Leave empty to keep it open."))
    repeatable = BooleanField(_l("Customers may complete it more than once"))
    needs_review = BooleanField(_l("Marketing reviews each answer before points are awarded"))

    # Set by the view: publishing needs both languages; moving a required challenge has limits.
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
        """Marks what is still missing before customers may see the challenge (design's publish rule)."""
        missing = missing_for_publishing({name: self[name].data for name in PUBLISH_FIELDS})
        for name in missing:
            self[name].errors = [*self[name].errors, _l("Needed before publishing.")]
        if missing:
            self.form_errors = [*self.form_errors, _(
                "This challenge cannot be published yet. Still missing: %(missing)s.",
                missing=", ".join(str(PUBLISH_FIELDS[name]) for name in missing),
            )]
        return not missing


class BadgeForm(Form):
    name_nl = _name(NL, _l("Fill in the Dutch name."))
    name_en = _name(EN, _l("Fill in the English name."))
    description_nl = _description(NL, 1000, 2)
    description_en = _description(EN, 1000, 2)
    icon = RadioOne(_l("Icon"), validators=[InputRequired(_l("Choose an icon."))],
                    message=_l("Choose one of the icons shown."))  # choices per request: their names are translated
    rule = RadioOne(_l("Earned when"), choices=choices(BADGE_RULE_LABELS.items()),
                    validators=[InputRequired(_l("Choose when the badge is earned."))],
                    message=_l("Choose one of the rules shown."))
    rule_level_id = SelectOne(_l("Which level"), coerce=optional_int, message=_l("Choose one of the levels."))
    rule_points = WholeNumber(_l("How many points"), validators=[Optional(), number_between(1, 1_000_000)])
    rule_challenge_id = SelectOne(_l("Which challenge"), coerce=optional_int,
                                  message=_l("Choose one of the challenges."))
    rule_type_key = SelectOne(_l("Which type"), message=_l("Choose one of the challenge types."))
    rule_count = WholeNumber(_l("How many challenges"), validators=[Optional(), number_between(1, 1000)])

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
    name_nl = _name(NL, _l("Fill in the Dutch name."))
    name_en = _name(EN, _l("Fill in the English name."))
    description_nl = _description(NL, 2000, 3)
    description_en = _description(EN, 2000, 3)
    kind = RadioOne(
        _l("Kind"), choices=choices((kind, REWARD_KIND_LABELS[kind]) for kind in REWARD_KINDS),
        validators=[InputRequired(_l("Choose the kind of reward."))], message=_l("Choose one of the kinds shown."),
        description=_l("Gift cards and discounts are money-like; the others are intrinsic."),
    )
    point_cost = WholeNumber(_l("Point cost"), description=_l("Leave empty for a reward that costs no points."),
                             validators=[Optional(), number_between(0, 1_000_000)])
    stock = WholeNumber(_l("Stock"), description=_l("Leave empty for an unlimited number."),
                        validators=[Optional(), number_between(0, 1_000_000)])
    unit_cost_cents = MoneyField(_l("Cost to us per claim (euros)"), high=100_000_000, description=_l(
        "What one of these costs the organisation, for the programme's economics. Each claim keeps the cost "
        "of the day it was made. Leave empty for none."))
    level_id = SelectOne(_l("Available from"), coerce=optional_int, message=_l("Choose one of the levels."))
