"""The terms editor and the acceptance form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, TextAreaField
from wtforms.validators import DataRequired, InputRequired

from app.forms import Form, RadioOne, choices, max_length
from app.terms.models import BODY_MAX, MATERIAL, MINOR

KIND_LABELS = {
    MINOR: _l("Minor change: a typo or a clearer sentence. Nobody is asked to accept again."),
    MATERIAL: _l("Material change: what participants agree to changes. Every participant accepts again at their "
                 "next sign-in."),
}


def _trim(value):
    # Markdown may start with indentation (code), but trailing spaces and empty lines mean nothing.
    return value.rstrip() if isinstance(value, str) else value


class TermsForm(Form):
    body_nl = TextAreaField(
        _l("Programme terms and how it works (Nederlands)"), filters=[_trim],
        validators=[DataRequired(_l("Write the Dutch text.")), max_length(BODY_MAX)],
        render_kw={"rows": 18, "lang": "nl", "spellcheck": "true"},
    )
    body_en = TextAreaField(
        _l("Programme terms and how it works (English)"), filters=[_trim],
        validators=[DataRequired(_l("Write the English text.")), max_length(BODY_MAX)],
        render_kw={"rows": 18, "lang": "en", "spellcheck": "true"},
    )
    kind = RadioOne(
        _l("What kind of change is this?"), choices=choices(KIND_LABELS.items()),
        validators=[InputRequired(_l("Choose minor or material."))],
        message=_l("Choose minor or material."),
    )


class AcceptTermsForm(Form):
    accept = BooleanField(
        _l("I have read the programme terms and accept them"),
        validators=[InputRequired(_l("Tick the box to accept the terms, or sign out."))],
    )
    version = HiddenField()  # the version read, so a newer one published meanwhile is not accepted unseen
    next = HiddenField()
