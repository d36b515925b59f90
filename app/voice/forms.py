"""The answers list's filters: a GET form that only reads. A filter that cannot be read is left out and
said so; the others still apply."""
from __future__ import annotations

from datetime import date

from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SearchField
from wtforms.validators import Optional, ValidationError

from app.challenges.types._common import DateInput
from app.forms import Form, SelectOne, choices, max_length, strip
from app.voice.answers import AnswerFilters
from app.voice.polls import SEGMENTS

FILTERS = ("date_from", "date_to", "company", "manager", "level", "q", "segment")
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def _in_range(form, field):
    if field.data and not EARLIEST <= field.data <= LATEST:
        raise ValidationError(_("Enter a date between %(first)s and %(last)s.",
                                first=format_date(EARLIEST), last=format_date(LATEST)))


class AnswerFilterForm(Form):
    class Meta:
        csrf = False  # a GET form that only reads

    date_from = DateInput(_l("Answered from"), validators=[Optional(), _in_range],
                          invalid_message=_l("Enter the first day as year-month-day, for example 2026-01-31."))
    date_to = DateInput(_l("Answered until"), validators=[Optional(), _in_range],
                        invalid_message=_l("Enter the last day as year-month-day, for example 2026-12-31."))
    company = SelectOne(_l("Company"), default="")
    manager = SelectOne(_l("Account manager"), default="")
    level = SelectOne(_l("Customer's level"), default="")
    q = SearchField(_l("Search in the answers"), filters=[strip], validators=[Optional(), max_length(200)])
    segment = SelectOne(_l("Show the results"), default="",
                        choices=choices([("", _l("For all answers together")), *SEGMENTS.items()]))

    def __init__(self, *args, companies=(), managers=(), levels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.company.choices = choices([("", _("All companies"))] + [(str(cid), name) for cid, name in companies])
        self.manager.choices = choices([("", _("All account managers"))] + [(str(uid), name) for uid, name in managers])
        english = str(get_locale()) == "en"
        self.level.choices = choices([("", _("Any level"))] + [
            (str(position), _("Level %(n)d: %(name)s", n=position, name=name_en if english else name_nl))
            for position, name_nl, name_en in levels
        ])

    def validate_date_to(self, field) -> None:
        start = self.date_from.data if not self.date_from.errors else None
        if field.data and start and field.data < start:
            raise ValidationError(_("The last day is before the first day."))

    def valid(self) -> set[str]:
        """The filters that were given and can be used (after `validate`)."""
        return {name for name in FILTERS if not self[name].errors and self[name].data not in (None, "")}

    def filters(self, valid: set[str]) -> AnswerFilters:
        def number(name):
            return int(self[name].data) if name in valid else None

        return AnswerFilters(
            date_from=self.date_from.data if "date_from" in valid else None,
            date_to=self.date_to.data if "date_to" in valid else None,
            company_id=number("company"), manager_id=number("manager"), level=number("level"),
            q=self.q.data if "q" in valid else None,
        )

    def args(self, valid: set[str]) -> dict[str, str]:
        """The filters in effect as URL arguments (pager, export, the address bar)."""
        args = {}
        for name in FILTERS:
            if name in valid:
                value = self[name].data
                args[name] = value.isoformat() if isinstance(value, date) else str(value)
        return args
