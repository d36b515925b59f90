"""The customer's "tell us" form and marketing's answer to one message."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, ValidationError

from app.feedback.models import IDEA, MESSAGE_MAX, MESSAGE_MIN, PRAISE, PROBLEM, REPLY_MAX
from app.forms import Form, RadioOne, choices, max_length, strip

ANSWER, CLOSE = "answer", "close"


def kind_labels() -> dict:
    return {IDEA: _l("Idea"), PROBLEM: _l("Problem"), PRAISE: _l("Praise")}


class FeedbackForm(Form):
    kind = RadioOne(
        _l("What would you like to tell us?"),
        choices=choices([(IDEA, _l("An idea")), (PROBLEM, _l("A problem")), (PRAISE, _l("Praise"))]),
        validators=[InputRequired(_l("Choose an idea, a problem or praise."))],
    )
    message = TextAreaField(
        _l("Your message"),
        filters=[strip],
        validators=[
            DataRequired(_l("Write your message.")),
            Length(min=MESSAGE_MIN, max=MESSAGE_MAX,
                   message=_l("Write between %(min)d and %(max)d characters.", min=MESSAGE_MIN, max=MESSAGE_MAX)),
        ],
        description=_l("Our marketing team reads every message and answers you here and by e-mail."),
        render_kw={"rows": 6, "maxlength": MESSAGE_MAX},
    )
    # The portal page the customer came from (the link to this form carries it).
    page = HiddenField()


class HandleForm(Form):
    """Answer a message, or close it (sending the answer too when one was written)."""

    action = StringField(validators=[InputRequired(_l("Choose to send the answer or to close.")),
                                     AnyOf([ANSWER, CLOSE], message=_l("Choose to send the answer or to close."))])
    reply = TextAreaField(_l("Your answer to the customer"), filters=[strip], validators=[max_length(REPLY_MAX)])

    def validate_reply(form, field):
        if form.action.data == ANSWER and not field.data:
            raise ValidationError(_l("Write your answer before sending it."))
