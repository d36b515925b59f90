"""Forms of the NPS follow-up."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, ValidationError

from app.forms import Form
from app.nps.models import CLOSED, CONTACTED, OPEN


class FollowUpForm(Form):
    status = RadioField(
        _l("Status"),
        choices=[SelectChoice(OPEN, _l("Open")), SelectChoice(CONTACTED, _l("Contacted")), SelectChoice(CLOSED, _l("Closed"))],
        validators=[InputRequired(_l("Choose a status."))],
    )
    note = TextAreaField(
        _l("What happened?"),
        validators=[Length(max=2000, message=_l("Use at most %(max)d characters.", max=2000))],
        render_kw={"rows": 4},
    )

    def validate_note(form, field):
        if form.status.data == CLOSED and not (field.data or "").strip():
            raise ValidationError(_l("Write a short note on how it was resolved before closing."))
