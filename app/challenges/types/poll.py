"""The poll: one or several options chosen from the marketer's list."""
from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField
from wtforms.validators import DataRequired, InputRequired, ValidationError

from app.challenges.config_fields import TextRows, build_config_form
from app.challenges.registry import ChallengeType, StaffAnswer, Tally, data_of, register
from app.challenges.types._common import config_of, indexed_texts, start_config
from app.forms import Form, MultiCheckboxField, choices
from app.i18n_content import localized_value


@register
class Poll(ChallengeType):
    key = "poll"
    label = _l("Poll")
    help = _l("Choose one or several options.")
    level = 1

    def default_config(self):
        return {"multiple": False, "options": []}

    def _options_rows(self, formdata, config):
        return TextRows(
            "option", _l("Options"), lambda n: _l("Option %(n)d", n=n),
            items=config.get("options"), formdata=formdata, rows=8, max_rows=20, min_filled=2,
            too_few=_l("Give at least two options, each in Dutch and English."),
            description=_l("Each option in Dutch and English. Empty rows are left out."),
        )

    def config_form(self, formdata=None, config=None, **kwargs):
        config = start_config(self, formdata, config)
        options = self._options_rows(formdata, config)
        fields = {"multiple": BooleanField(_l("Customers may choose several options"))}
        data = {**options.data(), "multiple": bool(config.get("multiple"))}
        return build_config_form("PollConfigForm", [options, "multiple"], fields, formdata, data, **kwargs)

    def config_from_form(self, form):
        return {"multiple": bool(form.multiple.data), "options": form.texts("option")}

    def _choices(self, challenge):
        return indexed_texts(config_of(challenge).get("options"))

    def answer_form(self, challenge, formdata=None, user=None):
        options = self._choices(challenge)
        multiple = bool(config_of(challenge).get("multiple"))

        class AnswerForm(Form):
            if multiple:
                choice = MultiCheckboxField(
                    _l("Your choice"), choices=choices(options),
                    validators=[DataRequired(_l("Choose at least one option."))],
                )
            else:
                choice = RadioField(
                    _l("Your choice"), choices=choices(options),
                    validators=[InputRequired(_l("Choose an option."))],
                )

            def validate_choice(form, field):
                values = field.data if isinstance(field.data, list) else [field.data]
                if any(v not in dict(options) for v in values):
                    # One clear message instead of WTForms' own "Not a valid choice." next to it.
                    field.errors[:] = []
                    raise ValidationError(_l("Choose one of the options shown."))

        return AnswerForm(formdata=formdata)

    def to_data(self, form, challenge, user):
        values = form.choice.data if isinstance(form.choice.data, list) else [form.choice.data]
        options = config_of(challenge).get("options", [])
        return {"choices": [int(v) for v in values], "labels": [options[int(v)] for v in values]}

    def summary(self, submission):
        return ", ".join(localized_value(label) for label in submission.data.get("labels", []))

    # --- staff ---------------------------------------------------------------------------------
    results_key = "choices"

    def staff_answer(self, submission):
        # The options are the marketer's words (in the viewer's language), not the customer's: a fact.
        labels = data_of(submission).get("labels")
        chosen = ", ".join(text for label in labels if (text := localized_value(label).strip())) \
            if isinstance(labels, list) else ""
        return StaffAnswer(facts=[(gettext("Chosen"), chosen or "–")])

    def results(self, challenge, counted):
        options = self._choices(challenge)
        counts = {int(index): 0 for index, _text in options}
        removed = respondents = 0
        for value, number in counted:
            chosen = {v for v in value if isinstance(v, int) and not isinstance(v, bool)} \
                if isinstance(value, list) else set()
            if not chosen:
                continue  # not a poll answer we can read
            respondents += number
            for index in chosen:
                if index in counts:
                    counts[index] += number
                else:
                    removed += number
        rows = [(text, counts[int(index)]) for index, text in options]
        if removed:
            rows.append((gettext("An option that is no longer offered"), removed))
        return Tally(rows, respondents, multiple=bool(config_of(challenge).get("multiple")))
