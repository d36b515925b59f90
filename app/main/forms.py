"""The language switch on every page."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf, DataRequired

from app.forms import Form

LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}


class LanguageForm(Form):
    locale = StringField(
        _l("Language"),
        validators=[
            DataRequired(_l("Choose a language.")),
            AnyOf(tuple(LANGUAGE_NAMES), message=_l("Choose Nederlands or English.")),
        ],
    )
    next = HiddenField()
