"""The identity form: the organisation's name, logo, pitch, sender and ideal customer (NL and EN)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Optional, ValidationError

from app.forms import Form, max_length, strip

NAME_MAX, PITCH_MAX, ABOUT_MAX, IDEAL_MAX = 80, 200, 1000, 600


def _one_line(form, field) -> None:
    """Names and the pitch end up in mail headers and single lines: no line breaks or control characters."""
    if any(ord(ch) < 32 or ch in "\u2028\u2029" for ch in field.data or ""):
        raise ValidationError(_l("Keep this on one line."))


def _no_angle_brackets(form, field) -> None:
    if any(ch in "<>\"" for ch in field.data or ""):
        raise ValidationError(_l("Leave out the characters < > and \"."))


def _text(label, n, description=None, *validators):
    return StringField(label, filters=[strip], description=description,
                       validators=[*validators, max_length(n), _one_line])


def _area(label, n, description=None):
    return TextAreaField(label, filters=[strip], description=description, validators=[Optional(), max_length(n)],
                         render_kw={"rows": 5})


class IdentityForm(Form):
    organisation_name = _text(_l("Organisation name"), NAME_MAX, _l(
        "How customers and referees know you. It appears in the header, page titles, e-mails and every message "
        "a customer passes on."), InputRequired(_l("Fill in the name of your organisation.")))
    logo = FileField(_l("Logo"), description=_l(
        "PNG, JPEG or WebP, at most 1 MB. We store a clean copy without the file's metadata."))
    remove_logo = BooleanField(_l("Remove the current logo"))
    pitch_nl = _text(_l("Pitch in Dutch"), PITCH_MAX, _l(
        "One line a customer can pass on: what you do and for whom."), Optional())
    pitch_en = _text(_l("Pitch in English"), PITCH_MAX, None, Optional())
    about_nl = _area(_l("What we do for companies like yours (Dutch)"), ABOUT_MAX, _l(
        "A few sentences for the page a referee lands on."))
    about_en = _area(_l("What we do for companies like yours (English)"), ABOUT_MAX)
    ideal_customer_nl = _area(_l("Who is a good introduction for us (Dutch)"), IDEAL_MAX, _l(
        "Shown beside every referral form, so customers think of the right people."))
    ideal_customer_en = _area(_l("Who is a good introduction for us (English)"), IDEAL_MAX)
    sender_name = _text(_l("Sender name for e-mail"), NAME_MAX, _l(
        "The name in the From line of every e-mail. Empty: the organisation name."), Optional(), _no_angle_brackets)
    reply_to = EmailField(_l("Reply-to address"), filters=[strip], description=_l(
        "Where replies to our e-mails go, e.g. the marketing team's mailbox. Empty: replies go nowhere."),
        validators=[Optional(), max_length(254), Email(
            _l("Enter a valid e-mail address, like name@company.com."), check_deliverability=False)])
