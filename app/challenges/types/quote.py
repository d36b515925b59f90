"""The quote: a testimonial with its publication consent (name, company, logo, photo, channels, end date)."""
from __future__ import annotations

from datetime import date

from flask_babel import format_date, gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, Optional, ValidationError

from app import dates
from app.challenges.config_fields import build_config_form
from app.challenges.registry import PUBLICATION_SCOPE, ChallengeType, StaffAnswer, data_of, register
from app.challenges.types._common import (
    DateInput,
    between,
    checkboxes,
    chosen_keys,
    config_of,
    in_order,
    iso_date,
    labels_of,
    must_tick,
    start_config,
    text_of,
)
from app.forms import Form, strip
from app.privacy.consent import record_grant
from app.privacy.models import FROM_CHALLENGE

QUOTE_CHANNELS = {
    "website": _l("Website"), "social": _l("Social media"),
    "sales_material": _l("Sales material"), "events": _l("Events"),
}


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@register
class Quote(ChallengeType):
    publishes = True
    key = "quote"
    label = _l("Quote")
    help = _l("A testimonial with a publication consent: name, company, logo, photo, channels and an end date.")
    level = 2
    answer_search_keys = ("quote",)
    needs_review = True
    text_in_own_words = True
    contribution = True
    consent = True
    submit_label = _l("Send my quote")
    in_library = True
    usage_channels = QUOTE_CHANNELS
    library_search_keys = ("quote",)
    ask_source = _l("Approved quote")

    def default_config(self):
        return {"channels": list(QUOTE_CHANNELS)}

    def config_form(self, formdata=None, config=None, **kwargs):
        config = start_config(self, formdata, config)
        fields = {"channels": checkboxes(
            _l("Where customers can allow their quote to be used"), list(QUOTE_CHANNELS.items()),
            _l("Choose at least one place where quotes may be used."),
        )}
        data = {"channels": chosen_keys(config.get("channels"), QUOTE_CHANNELS)}
        return build_config_form("QuoteConfigForm", ["channels"], fields, formdata, data, **kwargs)

    def config_from_form(self, form):
        return {"channels": in_order(form.channels.data, QUOTE_CHANNELS)}

    def answer_form(self, challenge, formdata=None, user=None):
        offered = chosen_keys(config_of(challenge).get("channels"), QUOTE_CHANNELS)
        channel_choices = [(key, QUOTE_CHANNELS[key]) for key in offered]

        class AnswerForm(Form):
            quote = TextAreaField(
                _l("Your quote"), filters=[strip],
                validators=[DataRequired(_l("Write your quote.")), between(20, 600)], render_kw={"rows": 4},
            )
            show_name = BooleanField(_l("You may show my name"))
            show_company = BooleanField(_l("You may show my company name"))
            show_logo = BooleanField(_l("You may show my company's logo"))
            show_photo = BooleanField(_l("You may show my photo"))
            channels = checkboxes(
                _l("Where may we use it?"), channel_choices,
                _l("Choose at least one place where we may use your quote."),
            )
            until = DateInput(
                _l("Until (optional)"), validators=[Optional()],
                description=_l("Leave empty to allow use until you withdraw your consent."),
                invalid_message=_l("Enter a date as year-month-day, or leave it empty."),
            )
            agree = must_tick(
                _l("I agree that my quote is published as described above. I can withdraw this consent at any time."),
                _l("Give your consent to publish the quote, or don't send it."),
            )

            def validate_until(form, field):
                if field.data is None:
                    return
                today = dates.today()
                if not today < field.data <= _years_later(today, 3):
                    raise ValidationError(
                        _l("Choose a date after today and at most three years ahead, or leave it empty.")
                    )

        return AnswerForm(formdata=formdata)

    def to_data(self, form, challenge, user):
        return {
            "quote": form.quote.data,
            "show_name": bool(form.show_name.data), "show_company": bool(form.show_company.data),
            "show_logo": bool(form.show_logo.data), "show_photo": bool(form.show_photo.data),
            "channels": list(form.channels.data),
            "until": form.until.data.isoformat() if form.until.data else None,
            "agree": True,
        }

    def after_submit(self, submission, user):
        # The proof of the consent: the exact wording agreed to, in the language shown, and its scope.
        data = submission.data
        scope = {name: data.get(name) for name in ("show_name", "show_company", "show_logo", "show_photo",
                                                   "channels", "until")}
        record_grant(submission, self.consent_text(), FROM_CHALLENGE, scope)

    @staticmethod
    def consent_text() -> str:
        return gettext("I agree that my quote is published as described above. I can withdraw this consent at any time.")

    def summary(self, submission):
        return text_of(submission.data.get("quote"))[:140]

    def staff_answer(self, submission):
        data = data_of(submission)
        until = self.library_until(data)
        return StaffAnswer(
            text=text_of(data.get("quote")),
            facts=[(gettext("Channels"), labels_of(data.get("channels"), QUOTE_CHANNELS) or gettext("None chosen")),
                   (gettext("Valid until"), format_date(until) if until else gettext("No end date (until withdrawn)"))],
            scope=[(str(label), data.get(name) is True) for name, label in PUBLICATION_SCOPE.items()],
        )

    def library_text(self, data):
        return text_of(data.get("quote"))

    def ask_quote(self, data):
        return text_of(data.get("quote"))

    def library_until(self, data):
        return iso_date(data.get("until"))

    def publication_scope(self, data):
        return {name: data.get(name) is True for name in PUBLICATION_SCOPE}
