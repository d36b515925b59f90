"""The audit log's filter form (a GET form: it changes nothing, so it carries no CSRF token)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from app.audit.objects import OBJECT_TYPES
from app.audit.reading import Filters, actor_choices
from app.audit.wording import action_choices
from app.forms import Form, optional_int


class AuditFilterForm(Form):
    class Meta:
        csrf = False

    actor = SelectField(_l("Who"), coerce=optional_int, validators=[Optional()])
    action = SelectField(_l("What"), validators=[Optional()])
    object_type = SelectField(_l("Object"), validators=[Optional()])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        everyone = [("", _l("Everyone"))]
        self.actor.choices = everyone + [(str(ident), name) for ident, name in actor_choices()]
        self.action.choices = [SelectChoice("", _l("Every change"))] + [
            SelectChoice(action, label, optgroup=group)  # one <optgroup> per group
            for group, items in action_choices() for action, label in items]
        self.object_type.choices = [("", _l("Every kind of object"))] + sorted(
            ((key, str(kind.label)) for key, kind in OBJECT_TYPES.items()), key=lambda pair: pair[1].lower())

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end of the period comes before its start."))

    def filters(self) -> Filters:
        return Filters(actor_id=self.actor.data or None, action=self.action.data or None,
                       object_type=self.object_type.data or None, since=self.since.data, until=self.until.data)
