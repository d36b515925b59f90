"""The customer's profile form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, StringField, SubmitField, URLField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional, ValidationError

from app.forms import Form, is_linkedin_url, strip
from app.main.forms import LANGUAGE_NAMES

try:  # WTForms 3.3 deprecates tuple choices; older 3.x only knows tuples.
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover
    SelectChoice = None


def _language_choices() -> list:
    return [SelectChoice(code, name, render_kw={"lang": code}) if SelectChoice else (code, name)
            for code, name in LANGUAGE_NAMES.items()]


class ProfileForm(Form):
    name = StringField(
        _l("Name"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter your name.")),
            Length(max=120, message=_l("Use at most %(max)d characters.", max=120)),
        ],
        render_kw={"autocomplete": "name"},
    )
    job_title = StringField(
        _l("Job title"),
        filters=[strip],
        validators=[Optional(), Length(max=120, message=_l("Use at most %(max)d characters.", max=120))],
        render_kw={"autocomplete": "organization-title"},
    )
    linkedin_url = URLField(
        _l("LinkedIn profile (optional)"),
        filters=[strip],
        validators=[Optional(), Length(max=255, message=_l("Use at most %(max)d characters.", max=255))],
        description=_l("The address of your profile, like https://www.linkedin.com/in/your-name"),
        render_kw={"autocomplete": "url", "inputmode": "url"},
    )
    locale = RadioField(
        _l("Language"),
        choices=_language_choices(),
        validate_choice=False,  # AnyOf below says it in our own words
        validators=[
            InputRequired(_l("Choose a language.")),
            AnyOf(tuple(LANGUAGE_NAMES), message=_l("Choose Nederlands or English.")),
        ],
    )
    leaderboard_opt_in = BooleanField(
        _l("Show me on the leaderboard"),
        description=_l(
            "Only customers who choose this appear on the leaderboard. We never show your e-mail address or company."
        ),
    )
    display_name = StringField(
        _l("Name on the leaderboard (optional)"),
        filters=[strip],
        validators=[Optional(), Length(max=60, message=_l("Use at most %(max)d characters.", max=60))],
        description=_l("Leave this empty to show your initials."),
        render_kw={"autocomplete": "nickname"},
    )
    submit = SubmitField(_l("Save my profile"))

    def validate_linkedin_url(self, field) -> None:
        if field.data and not is_linkedin_url(field.data):
            raise ValidationError(
                _l("Enter the https address of your LinkedIn profile, like https://www.linkedin.com/in/your-name")
            )
