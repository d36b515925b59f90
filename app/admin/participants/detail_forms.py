"""The participant page's forms: editing name, company and language, and a points correction."""
from __future__ import annotations

import secrets

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Regexp, ValidationError

from app.admin.participants.forms import language_field, person_name_field
from app.forms import Form, WholeNumber, max_length, strip
from app.participants import directory
from app.participants.checks import COMPANY_MAX, has_control_chars, squash
from app.points.models import CORRECTION_REASON_MAX

MAX_CORRECTION = 100_000


class EditParticipantForm(Form):
    name = person_name_field()
    company = StringField(
        _l("Company"), filters=[strip, squash],
        validators=[InputRequired(_l("Choose the company this person works for.")), max_length(COMPANY_MAX)],
        description=_l("One of the existing companies. A new company is added on the companies page."),
        render_kw={"list": "company-names", "autocomplete": "off"},
    )
    locale = language_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.chosen_company = None

    def validate_name(self, field) -> None:
        if field.data and has_control_chars(field.data):
            raise ValidationError(_("Remove the invisible control characters."))

    def validate_company(self, field) -> None:
        if not field.data:
            return
        if has_control_chars(field.data):
            raise ValidationError(_("Remove the invisible control characters."))
        self.chosen_company = directory.company_named(field.data)
        if self.chosen_company is None:
            raise ValidationError(_("There is no company called “%(name)s”. Choose one from the suggestions.",
                                    name=field.data))


class SignedNumber(WholeNumber):
    """A whole number that may carry a typographic minus (−20) or a plus sign."""

    def process_formdata(self, valuelist):
        if valuelist and isinstance(valuelist[0], str):
            valuelist = [valuelist[0].strip().replace("\u2212", "-").replace(" ", ""), *valuelist[1:]]
        super().process_formdata(valuelist)


def new_request_key() -> str:
    return secrets.token_urlsafe(24)


class CorrectionForm(Form):
    points = SignedNumber(
        _l("Points"),
        validators=[InputRequired(_l("Enter the number of points: positive to add, negative to take away.")),
                    NumberRange(-MAX_CORRECTION, MAX_CORRECTION,
                                message=_l("Enter a whole number from %(min)d to %(max)d.",
                                           min=-MAX_CORRECTION, max=MAX_CORRECTION))],
        description=_l("Positive to add points, negative (for example -20) to take points away."),
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    reason = TextAreaField(
        _l("Reason"), filters=[strip],
        validators=[InputRequired(_l("Say why: the customer sees this reason in their points history.")),
                    max_length(CORRECTION_REASON_MAX)],
        description=_l("The customer sees this in their points history, so write it for them."),
        render_kw={"rows": 2, "maxlength": CORRECTION_REASON_MAX},
    )
    request_key = HiddenField(validators=[InputRequired(), Regexp(r"^[A-Za-z0-9_-]{16,64}$")])

    def process(self, formdata=None, obj=None, data=None, **kwargs):
        super().process(formdata, obj, data, **kwargs)
        if not self.request_key.data:
            self.request_key.data = new_request_key()

    def validate_points(self, field) -> None:
        if field.data == 0:
            raise ValidationError(_("A correction of 0 points changes nothing. Enter another number."))

    def validate_reason(self, field) -> None:
        if field.data and has_control_chars(field.data.replace("\n", " ").replace("\r", " ")):
            raise ValidationError(_("Remove the invisible control characters."))
