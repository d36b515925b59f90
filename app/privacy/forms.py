"""The confirmation step before an erasure: the customer's password, or the admin's typed word."""
from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from app.forms import Form, strip

# Accepted in either language, whichever the page was read in.
CONFIRM_WORDS = {"ERASE", "WISSEN"}


class EraseMyDataForm(Form):
    password = PasswordField(
        _l("Your password"), validators=[DataRequired(_l("Enter your password to confirm.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def validate_password(self, field):
        if not self.user.check_password(field.data or ""):
            raise ValidationError(_l("That is not your password. Nothing was erased."))


class EraseParticipantForm(Form):
    word = StringField(
        _l("Type the word to confirm"), filters=[strip],
        validators=[DataRequired(_l("Type the word to confirm.")), Length(max=20)],
        render_kw={"autocomplete": "off"},
    )

    def validate_word(self, field):
        if (field.data or "").upper() not in CONFIRM_WORDS:
            raise ValidationError(gettext("Type %(word)s to confirm. Nothing was erased.", word=confirm_word()))


def confirm_word() -> str:
    # Translators: the word an admin types to confirm an erasure; "WISSEN" in Dutch (keep it one upper-case word).
    return gettext("ERASE")
