"""The chat alert channel form: which app, the incoming-webhook address, on or off."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField
from wtforms.validators import InputRequired, ValidationError

from app.chat.models import SLACK, TEAMS, URL_MAX
from app.forms import Form, RadioOne, choices, max_length, strip
from app.integrations.targets import UnsafeTarget, check_target

SAVE, REMOVE = "save", "remove"


def kind_labels() -> dict:
    return {SLACK: _l("Slack"), TEAMS: _l("Microsoft Teams")}


class ChannelForm(Form):
    """Built with the scope as prefix (two on one page). `has_url`: a saved address may stay as it is."""

    kind = RadioOne(_l("Chat app"), choices=choices([(SLACK, _l("Slack")), (TEAMS, _l("Microsoft Teams"))]),
                    validators=[InputRequired(_l("Choose Slack or Microsoft Teams."))])
    url = StringField(_l("Incoming-webhook address"), filters=[strip], validators=[max_length(URL_MAX)],
                      render_kw={"autocomplete": "off", "spellcheck": "false", "inputmode": "url"})
    enabled = BooleanField(_l("Send alerts to this channel"), default=True)

    def __init__(self, *args, has_url: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_url = has_url

    def validate_url(form, field):
        if not field.data:
            if not form.has_url:
                raise ValidationError(_l("Paste the channel's incoming-webhook address."))
            return  # empty: keep the saved address
        try:
            field.data = check_target(field.data)
        except UnsafeTarget as exc:
            raise ValidationError(str(exc)) from None


class RemoveForm(Form):
    """Only the CSRF token: which channel is in the URL and the posted scope."""
