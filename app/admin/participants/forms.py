"""The participants pages' forms: the list's filters, inviting one customer, uploading a CSV file."""
from __future__ import annotations

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField, RadioField, SearchField, SelectField, StringField
from wtforms.validators import AnyOf, InputRequired, NumberRange, Optional, ValidationError

from app.auth.models import User, normalise_email
from app.forms import Form, choices, max_length, strip
from app.main.forms import LANGUAGE_NAMES
from app.participants import directory
from app.participants.checks import (
    COMPANY_MAX,
    EMAIL_MAX,
    NAME_MAX,
    already_taken,
    email_problem,
    has_control_chars,
    squash,
)
from app.participants.directory import ACTIVE, INACTIVE, INVITED, SORTS
from app.participants.imports import REASONS

MAX_POINTS_FILTER = 1_000_000_000
FILTERS = ("q", "company", "level", "min_points", "status", "sort")


def person_name_field() -> StringField:
    """A customer's name, as the invitation and the participant page's edit form ask for it."""
    return StringField(
        _l("Name"), filters=[strip, squash],
        validators=[InputRequired(_l("Enter the person's name.")), max_length(NAME_MAX)],
        render_kw={"autocomplete": "off"},
    )


def language_field(**kwargs) -> RadioField:
    """Nederlands or English, for the mail and pages a customer gets."""
    return RadioField(
        _l("Language"), choices=choices(LANGUAGE_NAMES.items(), lang=True), validate_choice=False,
        validators=[InputRequired(_l("Choose a language.")),
                    AnyOf(tuple(LANGUAGE_NAMES), message=_l("Choose Nederlands or English."))],
        **kwargs,
    )


class FilterForm(Form):
    class Meta:
        csrf = False  # a GET form that only reads

    q = SearchField(_l("Search by name or e-mail"), filters=[strip], validators=[Optional(), max_length(200)])
    company = SelectField(_l("Company"), default="")
    level = SelectField(_l("Level"), default="")
    min_points = IntegerField(
        _l("At least … points"),
        validators=[Optional(), NumberRange(min=0, max=MAX_POINTS_FILTER, message=_l("Enter a whole number of 0 or more."))],
        render_kw={"min": 0, "inputmode": "numeric"},
    )
    status = SelectField(_l("Status"), choices=choices([
        ("", _l("Any status")), (ACTIVE, _l("Active")), (INVITED, _l("Invited, not activated yet")), (INACTIVE, _l("Deactivated")),
    ]), default="")
    sort = SelectField(_l("Sort by"), choices=choices(SORTS.items()), default="name")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.company.choices = choices([("", _("All companies"))] + [
            (str(cid), name) for cid, name in directory.companies()
        ])
        english = str(get_locale()) == "en"
        options = [
            (str(position), _("Level %(n)d: %(name)s", n=position, name=name_en if english else name_nl))
            for position, name_nl, name_en in directory.levels()
        ]
        self.level.choices = choices([("", _("Any level"))] + (options or [("1", _("Level %(n)d", n=1))]))

    def filters(self, valid: set[str]) -> dict:
        """The valid filters as arguments for `directory.find`."""
        def given(name):
            return name in valid and self[name].data not in (None, "")

        return {
            "q": self.q.data if given("q") else None,
            "company_id": int(self.company.data) if given("company") else None,
            "level": int(self.level.data) if given("level") else None,
            "min_points": self.min_points.data if given("min_points") else None,
            "status": self.status.data if given("status") else None,
            "sort": self.sort.data if "sort" in valid and self.sort.data in SORTS else "name",
        }

    def args(self, valid: set[str]) -> dict[str, str]:
        """The filters in effect, as URL arguments (for the pager and the way back after an action)."""
        args = {}
        for name in FILTERS:
            value = self[name].data
            if name in valid and value not in (None, "") and not (name == "sort" and value == "name"):
                args[name] = str(value)
        return args


class InviteForm(Form):
    email = StringField(
        _l("E-mail address"), filters=[strip],
        validators=[InputRequired(_l("Enter an e-mail address.")), max_length(EMAIL_MAX)],
        render_kw={"autocomplete": "off", "type": "email", "spellcheck": "false"},
    )
    name = person_name_field()
    company = StringField(
        _l("Company"), filters=[strip, squash],
        validators=[InputRequired(_l("Choose a company or type the name of a new one.")), max_length(COMPANY_MAX)],
        description=_l("Choose an existing company from the suggestions or type the name of a new one."),
        render_kw={"list": "company-names", "autocomplete": "off"},
    )
    account_manager = SelectField(
        _l("Account manager (for a new company)"), validate_choice=False,
        description=_l("Only needed when the company is new: the sales colleague who looks after it."),
    )
    locale = language_field(default="nl")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.account_manager.choices = choices([("", _("Choose an account manager"))] + [
            (str(uid), f"{name} ({email})") for uid, name, email in directory.account_managers()
        ])
        self.existing_company = None
        self.chosen_manager = None

    def validate_email(self, field) -> None:
        address = normalise_email(field.data)
        problem = email_problem(address)
        if problem:
            raise ValidationError(str(REASONS[problem]))
        if User.by_email(address) is not None:  # said together with any other problem in the form
            raise ValidationError(already_taken(address))

    def validate_name(self, field) -> None:
        if field.data and has_control_chars(field.data):
            raise ValidationError(_("Remove the invisible control characters."))

    def validate_company(self, field) -> None:
        if not field.data:
            return
        if has_control_chars(field.data):
            raise ValidationError(_("Remove the invisible control characters."))
        self.existing_company = directory.company_named(field.data)

    def validate_account_manager(self, field) -> None:
        if self.existing_company is not None or self.company.errors or not self.company.data:
            return
        manager = directory.account_manager(field.data)
        if manager is None:
            raise ValidationError(
                _("“%(company)s” is a new company: choose its account manager (or check the spelling of the company).",
                  company=self.company.data)
            )
        self.chosen_manager = manager


class ImportForm(Form):
    file = FileField(_l("CSV file"), description=_l("A .csv file with a header row."),
                     render_kw={"accept": ".csv,text/csv,text/plain"})
    send_invitations = BooleanField(_l("Send the invitation e-mail to the people who are added"), default=True)

    def validate_file(self, field) -> None:
        upload = field.data
        if upload is None or not getattr(upload, "filename", None):
            raise ValidationError(_("Choose a CSV file to upload."))
