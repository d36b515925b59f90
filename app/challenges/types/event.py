"""The event: co-host or speak at an event, at a moment and in a role the customer chooses."""
from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import Optional

from app.challenges.config_fields import TextPair, TextRows, build_config_form
from app.challenges.registry import ChallengeType, StaffAnswer, data_of, register
from app.challenges.types._common import (
    checkboxes,
    chosen_keys,
    config_of,
    in_order,
    indexed_texts,
    labels_of,
    radio,
    start_config,
    text_of,
)
from app.forms import Form, max_length, strip
from app.i18n_content import localized_value

EVENT_ROLES = {"co_host": _l("Co-host"), "speaker": _l("Speaker"), "panel": _l("Panel member"),
               "host_site": _l("Host at your site")}


@register
class Event(ChallengeType):
    key = "event"
    label = _l("Event")
    help = _l("Co-host or speak at an event: the customer chooses a moment and a role.")
    level = 2
    answer_search_keys = ("note",)
    needs_review = True
    contribution = True

    def default_config(self):
        return {"event": {"nl": "", "en": ""}, "slots": [], "roles": list(EVENT_ROLES)}

    def config_form(self, formdata=None, config=None, **kwargs):
        config = start_config(self, formdata, config)
        event = TextPair("event", _l("Event name"), max_chars=200, required={
            "nl": _l("Fill in the event's name in Dutch."), "en": _l("Fill in the event's name in English."),
        })
        slots = TextRows(
            "slot", _l("Moments"), lambda n: _l("Moment %(n)d", n=n),
            items=config.get("slots"), formdata=formdata, rows=6, max_rows=12, min_filled=1,
            too_few=_l("Give at least one moment customers can choose, in Dutch and English."),
            description=_l("The dates or sessions customers choose from, each in Dutch and English. "
                           "Empty rows are left out."),
        )
        fields = {"roles": checkboxes(
            _l("Roles customers can choose"), list(EVENT_ROLES.items()), _l("Choose at least one role."),
        )}
        data = {**event.data(config.get("event")), **slots.data(),
                "roles": chosen_keys(config.get("roles"), EVENT_ROLES)}
        return build_config_form("EventConfigForm", [event, slots, "roles"], fields, formdata, data, **kwargs)

    def config_from_form(self, form):
        return {"event": form.texts("event"), "slots": form.texts("slot"),
                "roles": in_order(form.roles.data, EVENT_ROLES)}

    def context(self, challenge, user):
        return {"event": localized_value(config_of(challenge).get("event")).strip()}

    def answer_form(self, challenge, formdata=None, user=None):
        config = config_of(challenge)
        slots = indexed_texts(config.get("slots"))
        roles = [(key, EVENT_ROLES[key]) for key in chosen_keys(config.get("roles"), EVENT_ROLES)]

        class AnswerForm(Form):
            if slots:
                slot = radio(_l("Which moment suits you?"), slots, _l("Choose a moment."))
            role = radio(_l("Which role would you like?"), roles, _l("Choose a role."))
            note = TextAreaField(
                _l("Anything we should know? (optional)"), filters=[strip],
                validators=[Optional(), max_length(500)], render_kw={"rows": 3},
            )

        return AnswerForm(formdata=formdata)

    def to_data(self, form, challenge, user):
        config = config_of(challenge)
        slots = config.get("slots")
        slot = form._fields.get("slot")
        index = int(slot.data) if slot is not None else None
        return {
            "event": config.get("event") if isinstance(config.get("event"), dict | str) else "",
            "slot": index, "slot_label": slots[index] if index is not None else None,
            "role": form.role.data, "note": form.note.data or "",
        }

    def summary(self, submission):
        parts = [labels_of([submission.data.get("role")], EVENT_ROLES),
                 localized_value(submission.data.get("slot_label"))]
        return " · ".join(part for part in parts if part)

    def staff_answer(self, submission):
        data = data_of(submission)
        return StaffAnswer(facts=[
            (gettext("Event"), localized_value(data.get("event")).strip() or "–"),
            (gettext("Moment"), localized_value(data.get("slot_label")).strip() or "–"),
            (gettext("Role"), labels_of([data.get("role")], EVENT_ROLES) or "–"),
            (gettext("Note"), text_of(data.get("note")) or "–"),
        ])
