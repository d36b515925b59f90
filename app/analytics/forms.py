"""Forms for the numbers behind the economics and the goals: a month's running cost, a month's deals
won without a referral, and a quarter's targets."""
from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from app.analytics.goals import Quarter
from app.analytics.programme_models import GOAL_LABELS, GOAL_METRICS, LEVEL3_SHARE, NPS_SCORE
from app.forms import Form, SelectOne, WholeNumber, choices, max_length, number_between, strip
from app.money import MoneyField

MONTH = re.compile(r"(\d{4})-(\d{1,2})")
MAX_WINS = 100_000


class MonthField(StringField):
    """A month typed as year-month ("2026-03"); a browser shows a month picker where it can."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("render_kw", {}).update({"type": "month", "placeholder": "2026-03", "inputmode": "numeric"})
        super().__init__(*args, **kwargs)
        self.month: date | None = None

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.data = (self.data or "").replace("\x00", "").strip()[:20]
        self.month = None
        match = MONTH.fullmatch(self.data)
        if self.data and (not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2100):
            raise ValueError(_l("Enter a month as year-month, for example 2026-03."))
        if match:
            self.month = date(int(match.group(1)), int(match.group(2)), 1)


def _month(form: str):
    return MonthField(_l("Month"), id=f"{form}-month", validators=[InputRequired(_l("Choose the month."))])


def _note(form: str):
    return TextAreaField(_l("Note (optional)"), id=f"{form}-note", filters=[strip],
                         validators=[Optional(), max_length(500)], render_kw={"rows": 2})


class RunningCostForm(Form):
    month = _month("cost")
    amount = MoneyField(_l("Running cost in euros"), high=1_000_000_000,
                        validators=[InputRequired(_l("Fill in the amount, 0 when there was none."))],
                        description=_l("Tools, hours, events: what running the programme cost that month."))
    note = _note("cost")


class OtherWinsForm(Form):
    month = _month("wins")
    won = WholeNumber(_l("Deals won without a referral"),
                      validators=[InputRequired(_l("Fill in a number, 0 when there were none.")),
                                  number_between(0, MAX_WINS)],
                      description=_l("All new customers won that month through other routes, so the share "
                                     "that came from referrals can be worked out."))
    note = _note("wins")


def quarter_choices(around: Quarter) -> list:
    """Four quarters back to four ahead of `around`."""
    quarters, q = [], around
    for _ in range(4):
        q = q.previous()
    for _ in range(9):
        quarters.append(q)
        q = q.next()
    return choices((q.key, q.label) for q in quarters)


RANGES = {NPS_SCORE: (-100, 100), LEVEL3_SHARE: (0, 100)}


def _target(metric: str):
    low, high = RANGES.get(metric, (0, 1_000_000))
    return WholeNumber(GOAL_LABELS[metric], validators=[Optional(), number_between(low, high)])


class GoalsForm(Form):
    quarter = SelectOne(_l("Quarter"), message=_l("Choose one of the quarters shown."))
    introductions = _target("introductions")
    won_referrals = _target("won_referrals")
    approved_quotes = _target("approved_quotes")
    reviews = _target("reviews")
    nps = _target("nps")
    level3_share = _target("level3_share")

    def targets(self) -> dict[str, int | None]:
        return {metric: self[metric].data for metric in GOAL_METRICS}
