"""The admin's form for a webhook endpoint."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from app.events import NAMES
from app.forms import CheckboxesOf, Form, choices, strip
from app.webhooks.models import DESCRIPTION_MAX, URL_MAX


class EndpointForm(Form):
    url = StringField(
        _l("Address (URL)"), filters=[strip],
        validators=[DataRequired(_l("Enter the address that receives the webhooks.")),
                    Length(max=URL_MAX, message=_l("Use at most %(max)d characters.", max=URL_MAX))],
        description=_l("A full https:// address of the receiving system."),
        render_kw={"maxlength": URL_MAX, "inputmode": "url", "autocomplete": "off"},
    )
    description = StringField(
        _l("Description"), filters=[strip],
        validators=[Length(max=DESCRIPTION_MAX, message=_l("Use at most %(max)d characters.", max=DESCRIPTION_MAX))],
        description=_l("What receives these messages, e.g. “CRM (HubSpot)”."),
        render_kw={"maxlength": DESCRIPTION_MAX},
    )
    events = CheckboxesOf(_l("Events to send"), choices=choices((name, name) for name in NAMES))
    enabled = BooleanField(_l("Enabled"), default=True)
    allow_private = BooleanField(
        _l("Allow private network addresses"),
        description=_l("Only for a system inside our own network. Leave this off for anything on the internet."),
    )
