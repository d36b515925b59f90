"""Forms of the NPS pages: the follow-ups (an alert's, an upsell's) and the filters of the lists."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from wtforms import RadioField, SearchField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from app.auth.models import Company, User
from app.forms import Form, SelectOne, choices, optional_int, strip
from app.main.forms import LANGUAGE_NAMES
from app.nps.access import companies_for, managers_for
from app.nps.labels import CATEGORY_LABELS, OUTCOME_LABELS
from app.nps.models import CLOSED, CONTACTED, OPEN, NpsResponse


class FollowUpForm(Form):
    status = RadioField(
        _l("Status"),
        choices=[SelectChoice(OPEN, _l("Open")), SelectChoice(CONTACTED, _l("Contacted")), SelectChoice(CLOSED, _l("Closed"))],
        validators=[InputRequired(_l("Choose a status."))],
    )
    note = TextAreaField(
        _l("What happened?"),
        validators=[Length(max=2000, message=_l("Use at most %(max)d characters.", max=2000))],
        render_kw={"rows": 4},
    )

    def validate_note(form, field):
        if form.status.data == CLOSED and not (field.data or "").strip():
            raise ValidationError(_l("Write a short note on how it was resolved before closing."))


class UpsellForm(Form):
    """The follow-up of a customer's interest in more services: status, and how it ended when closed."""

    status = FollowUpForm.status
    outcome = SelectOne(
        _l("Outcome"), default="",
        choices=choices([("", _l("Choose when you close it"))] + list(OUTCOME_LABELS.items())),
        message=_l("Choose one of the outcomes shown."),
    )
    note = TextAreaField(
        _l("Note"),
        validators=[Length(max=2000, message=_l("Use at most %(max)d characters.", max=2000))],
        render_kw={"rows": 4},
    )

    def validate_outcome(form, field):
        if form.status.data == CLOSED and not field.data:
            raise ValidationError(_l("Choose the outcome before closing."))


class NpsScopeForm(Form):
    """Whose answers: one company, or the companies of one account manager (a GET form: no CSRF)."""

    class Meta:
        csrf = False

    company = SelectOne(_l("Company"), coerce=optional_int, default=None)
    manager = SelectOne(_l("Account manager"), coerce=optional_int, default=None)

    def fill_choices(self, viewer) -> None:
        self.company.choices = choices([("", _l("All companies"))] + companies_for(viewer))
        self.manager.choices = choices([("", _l("Every account manager"))] + managers_for(viewer))

    def conditions(self) -> list:
        """SQL conditions on NpsResponse for the valid choices."""
        found = []
        if self.company.data and not self.company.errors:
            found.append(NpsResponse.company_id == self.company.data)
        if self.manager.data and not self.manager.errors:
            found.append(NpsResponse.company_id.in_(
                select(Company.id).where(Company.account_manager_id == self.manager.data)))
        return found

    def args(self) -> dict[str, str]:
        """The valid filters as URL arguments (the pager, the export link)."""
        return {name: str(self[name].data) for name in self.ARGS
                if self[name].data not in (None, "") and not self[name].errors}

    ARGS = ("company", "manager")


class CommentFilterForm(NpsScopeForm):
    category = SelectOne(_l("Category"), default="",
                         choices=choices([("", _l("Every category"))] + list(CATEGORY_LABELS.items())))
    period = SelectOne(_l("Period"), default="all", choices=[])
    language = SelectOne(_l("Language"), default="",
                         choices=choices([("", _l("Every language"))] + list(LANGUAGE_NAMES.items()), lang=True))
    q = SearchField(_l("Search in reasons and names"), filters=[strip],
                    validators=[Optional(), Length(max=200, message=_l("Use at most %(max)d characters.", max=200))])

    ARGS = ("category", "company", "manager", "period", "language", "q")

    def fill_choices(self, viewer, periods: dict) -> None:
        super().fill_choices(viewer)
        self.period.choices = choices(periods.items())

    def conditions(self, since=None) -> list:
        found = super().conditions()
        if self.category.data and not self.category.errors:
            found.append(NpsResponse.category == self.category.data)
        if self.language.data and not self.language.errors:
            found.append(NpsResponse.locale == self.language.data)
        if since is not None:
            found.append(NpsResponse.created_at >= since)
        if self.q.data and not self.q.errors:
            pattern = "%" + self.q.data.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            found.append(or_(NpsResponse.reason.ilike(pattern, escape="\\"), User.name.ilike(pattern, escape="\\")))
        return found

    def args(self) -> dict[str, str]:
        found = super().args()
        if found.get("period") == "all":
            del found["period"]
        return found
