"""The People pages' forms: staff (invite, role, manager) and companies (new, rename, account
manager, merge)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SearchField, StringField
from wtforms.validators import AnyOf, InputRequired, Optional, ValidationError

from app.auth.models import ADMIN, MARKETER, SALES, STAFF_ROLES, User, normalise_email
from app.auth.staff import ROLE_LABELS, active_sales_user, sales_people
from app.forms import Form, RadioOne, SelectOne, choices, max_length, strip
from app.main.forms import LANGUAGE_NAMES
from app.participants.checks import COMPANY_MAX, EMAIL_MAX, NAME_MAX, email_problem, has_control_chars, squash
from app.participants.imports import REASONS


def _no_control_chars(form, field) -> None:
    if field.data and has_control_chars(field.data):
        raise ValidationError(_("Remove the invisible control characters."))


def _role_choices():
    return choices([(role, ROLE_LABELS[role]) for role in (MARKETER, SALES, ADMIN)])


def _sales_choices(empty_label, exclude: int | None = None):
    return choices([("", empty_label)] + [(str(uid), f"{name} ({email})") for uid, name, email in sales_people(exclude)])


class SearchForm(Form):
    class Meta:
        csrf = False  # a GET form that only reads

    q = SearchField(_l("Search by name or e-mail"), filters=[strip], validators=[Optional(), max_length(200)])
    role = SelectOne(_l("Role"), default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = choices([("", _("All roles"))] + [(role, ROLE_LABELS[role]) for role in STAFF_ROLES])


class CompanySearchForm(Form):
    class Meta:
        csrf = False

    q = SearchField(_l("Search by company name"), filters=[strip], validators=[Optional(), max_length(200)])


class _ManagerChoice:
    """A select of active sales colleagues; `chosen` is the User picked, or None for the empty option."""

    def _chosen_sales(self, field, required_message: str | None = None) -> User | None:
        if field.data in (None, ""):
            if required_message:
                raise ValidationError(required_message)
            return None
        user = active_sales_user(field.data)
        if user is None:
            raise ValidationError(_("Choose an active sales colleague from the list."))
        return user


class StaffInviteForm(_ManagerChoice, Form):
    name = StringField(_l("Name"), filters=[strip, squash],
                       validators=[InputRequired(_l("Enter the colleague's name.")), max_length(NAME_MAX),
                                   _no_control_chars],
                       render_kw={"autocomplete": "off"})
    email = StringField(_l("E-mail address"), filters=[strip],
                        validators=[InputRequired(_l("Enter an e-mail address.")), max_length(EMAIL_MAX)],
                        render_kw={"autocomplete": "off", "type": "email", "spellcheck": "false"})
    role = RadioOne(_l("Role"), validators=[InputRequired(_l("Choose a role."))],
                    message=_l("Choose marketing, sales or admin."))
    manager = SelectOne(_l("Manager (sales only)"), default="",
                        description=_l("Alerts about this colleague's accounts also go to their manager."))
    locale = RadioOne(_l("Language"), choices=choices(LANGUAGE_NAMES.items(), lang=True), default="nl",
                      validators=[InputRequired(_l("Choose a language.")),
                                  AnyOf(tuple(LANGUAGE_NAMES), message=_l("Choose Nederlands or English."))],
                      message=_l("Choose Nederlands or English."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = _role_choices()
        self.manager.choices = _sales_choices(_("No manager"))
        self.chosen_manager: User | None = None

    def validate_email(self, field) -> None:
        address = normalise_email(field.data)
        problem = email_problem(address)
        if problem:
            raise ValidationError(str(REASONS[problem]))
        if User.by_email(address) is not None:
            raise ValidationError(_("There is already an account for %(email)s.", email=address))

    def validate_manager(self, field) -> None:
        self.chosen_manager = self._chosen_sales(field)
        if self.chosen_manager is not None and self.role.data != SALES:
            raise ValidationError(_("Only a sales colleague has a manager: leave this empty for this role."))


class RoleForm(Form):
    role = RadioOne(_l("Role"), validators=[InputRequired(_l("Choose a role."))],
                    message=_l("Choose marketing, sales or admin."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = _role_choices()


class ManagerForm(_ManagerChoice, Form):
    manager = SelectOne(_l("Manager"), default="",
                        description=_l("Alerts about this colleague's accounts also go to their manager."))

    def __init__(self, *args, user_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.manager.choices = _sales_choices(_("No manager"), exclude=user_id)
        self.chosen_manager: User | None = None

    def validate_manager(self, field) -> None:
        self.chosen_manager = self._chosen_sales(field)


class CompanyNameForm(Form):
    name = StringField(_l("Company name"), filters=[strip, squash],
                       validators=[InputRequired(_l("Enter the company's name.")), max_length(COMPANY_MAX),
                                   _no_control_chars],
                       render_kw={"autocomplete": "off"})


class AccountManagerForm(_ManagerChoice, Form):
    account_manager = SelectOne(_l("Account manager"), default="",
                                description=_l("Open NPS follow-ups, open asks and the company's referrals move "
                                               "to the new account manager; both are told."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.account_manager.choices = _sales_choices(_("Choose an account manager"))
        self.chosen_manager: User | None = None

    def validate_account_manager(self, field) -> None:
        self.chosen_manager = self._chosen_sales(field, _("Choose an account manager."))


class NewCompanyForm(CompanyNameForm, AccountManagerForm):
    pass


class MergeForm(Form):
    """Which company this one is merged into (a GET to the preview, then a POST to confirm)."""

    class Meta:
        csrf = False  # the choice only opens the preview; the merge itself is a POST with its own token

    into = SelectOne(_l("Merge into"), default="", validators=[InputRequired(_l("Choose the company to keep."))])

    def __init__(self, *args, company_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.into.choices = choices([("", _("Choose the company to keep"))]
                                    + [(str(cid), name) for cid, name in company_choices])


class ConfirmMergeForm(Form):
    into = HiddenField()
