"""The moderation pages' forms: a review decision, the library's filters, a cancelled claim."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, Optional, ValidationError

from app.forms import Form, max_length, strip

NOTE_MAX = 1000
APPROVE, REJECT = "approve", "reject"


class ReviewForm(Form):
    decision = StringField(validators=[InputRequired(_l("Choose approve or reject.")),
                                       AnyOf([APPROVE, REJECT], message=_l("Choose approve or reject."))])
    note = TextAreaField(
        _l("Note to the customer"), filters=[strip],
        description=_l("Required when you reject: say why, and what would work. The customer reads it."),
        # No Optional() here: it would stop the chain before validate_note runs on an empty note.
        validators=[Length(max=NOTE_MAX, message=_l("Use at most %(max)d characters.", max=NOTE_MAX))],
    )

    def validate_note(form, field):
        if form.decision.data == REJECT and not field.data:
            raise ValidationError(_l("Write a note for the customer: why it is rejected and what would work."))


class LibraryFilterForm(Form):
    type = SelectField(_l("Type"), default="")
    channel = SelectField(_l("Channel"), default="", description=_l("Only quotes have channels."))
    company = StringField(_l("Company"), filters=[strip], validators=[Optional(), max_length(200)])
    q = StringField(_l("Search"), filters=[strip], validators=[Optional(), max_length(200)])


class CancelForm(Form):
    note = TextAreaField(
        _l("Note to the customer (optional)"), filters=[strip],
        validators=[Optional(), Length(max=NOTE_MAX, message=_l("Use at most %(max)d characters.", max=NOTE_MAX))],
    )
