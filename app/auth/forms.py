"""Forms for signing in, accepting an invitation and resetting a password."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from app.forms import Form

MIN_PASSWORD = 10
MAX_PASSWORD = 128


class LoginForm(Form):
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(_l("Enter your e-mail address.")), Length(max=254, message=_l("That e-mail address is too long."))],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=MAX_PASSWORD, message=_l("That password is too long."))],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in on this device"))
    next = HiddenField()
    submit = SubmitField(_l("Sign in"))


class NewPasswordForm(Form):
    """Choosing a password, for an invitation and for a reset."""

    password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(_l("Choose a password.")),
            Length(
                min=MIN_PASSWORD,
                max=MAX_PASSWORD,
                message=_l("Use between %(min)d and %(max)d characters.", min=MIN_PASSWORD, max=MAX_PASSWORD),
            ),
        ],
        render_kw={"autocomplete": "new-password"},
        description=_l("At least %(min)d characters. A few words in a row are easy to remember and hard to guess.", min=MIN_PASSWORD),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(_l("Repeat the password.")), EqualTo("password", message=_l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Save password"))

    def __init__(self, *args, email: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._email = (email or "").lower()

    def validate_password(self, field) -> None:
        value = (field.data or "").strip().lower()
        if self._email and value in {self._email, self._email.split("@")[0]}:
            raise ValidationError(_l("Do not use your e-mail address as your password."))
        if value and len(set(value)) < 4:
            raise ValidationError(_l("That password is too easy to guess."))


class AcceptInvitationForm(NewPasswordForm):
    accept_terms = BooleanField(_l("I have read the programme terms and accept them"))
    submit = SubmitField(_l("Activate my account"))

    def __init__(self, *args, terms_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.terms_required = terms_required

    def validate_accept_terms(self, field) -> None:
        if self.terms_required and not field.data:
            raise ValidationError(_l("Tick the box to accept the programme terms."))


class ResetRequestForm(Form):
    email = EmailField(
        _l("E-mail address"),
        validators=[
            DataRequired(_l("Enter your e-mail address.")),
            Length(max=254, message=_l("That e-mail address is too long.")),
            Email(message=_l("Enter a valid e-mail address, like name@company.com."), check_deliverability=False),
        ],
        render_kw={"autocomplete": "email", "autofocus": True},
    )
    submit = SubmitField(_l("Send me a link"))
