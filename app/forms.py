"""The base form every form in the app uses, and the fields and filters forms share."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms import FileField, IntegerField, RadioField, SelectField, SelectMultipleField
from wtforms.validators import Length, NumberRange, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

try:  # WTForms 3.3 deprecates (value, label) tuples as choices; older versions only know tuples.
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - WTForms < 3.3
    SelectChoice = None


def choices(pairs, lang: bool = False) -> list:
    """Choices for a SelectField, RadioField or MultiCheckboxField from (value, label) pairs;
    `lang` marks each option with its own language (a list of languages, each in its own words)."""
    if SelectChoice is None:  # pragma: no cover - WTForms < 3.3
        return list(pairs)
    return [SelectChoice(value, label, render_kw={"lang": value} if lang else {}) for value, label in pairs]


def _drop_nul(value):
    # NUL bytes are never meaningful in text and PostgreSQL refuses them outright.
    return value.replace("\x00", "") if isinstance(value, str) else value


class Form(FlaskForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = [*unbound_field.kwargs.get("filters", ()), _drop_nul]
            return unbound_field.bind(form=form, filters=filters, **options)

        def wrap_formdata(self, form, formdata):
            # Flask-WTF hands every uploaded file to the form; only file fields take one. A file posted
            # under a text field's name is that field left out, never a 500; so is a JSON body.
            from_request = formdata is not None and not hasattr(formdata, "getlist")  # Flask-WTF's "read it yourself"
            if from_request and has_request_context() and request.is_json and request.method != "GET":
                return request.form  # Flask-WTF would read JSON as form data: the forms take HTML form posts only
            data = super().wrap_formdata(form, formdata)
            if from_request and isinstance(data, CombinedMultiDict):
                takes_files = {field.name for field in form if isinstance(field, FileField)}
                files = MultiDict([(k, v) for k, v in request.files.items(multi=True) if k in takes_files])
                data = CombinedMultiDict((files, request.form))
            return data


def is_linkedin_url(value: str) -> bool:
    """An https address on linkedin.com (or a subdomain such as www.), with nothing hidden in it."""
    if any(ch.isspace() or ord(ch) < 32 for ch in value):
        return False
    try:
        parts = urlsplit(value)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:  # e.g. a malformed IPv6 host or port
        return False
    if parts.scheme.lower() != "https" or parts.username is not None or parts.password is not None:
        return False
    if port not in (None, 443):
        return False
    return host == "linkedin.com" or host.endswith(".linkedin.com")


def strip(value):
    """A filter for text fields: surrounding spaces are never part of what someone meant."""
    return value.strip() if isinstance(value, str) else value


def max_length(n: int) -> Length:
    return Length(max=n, message=_l("Use at most %(max)d characters.", max=n))


def number_between(low: int, high: int) -> NumberRange:
    return NumberRange(low, high, message=_l("Choose a number from %(min)d to %(max)d.", min=low, max=high))


def optional_int(value):
    """Coerce for selects with an empty "none" option: "" is None, anything else an int."""
    if value is None or value == "":
        return None
    return int(value)


class MultiCheckboxField(SelectMultipleField):
    """Several choices as checkboxes (a fieldset), not a multi-select box."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class _OneMessage:
    """Anything unreadable or unknown in a choice field is answered with one message of ours."""

    default_message = _l("Choose one of the options shown.")
    empty: object = None

    def __init__(self, *args, message=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.message = message or self.default_message

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except (ValueError, TypeError):
            self.data = self.empty() if callable(self.empty) else self.empty
            raise ValueError(self.message) from None

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except (ValidationError, ValueError, TypeError):
            raise ValidationError(self.message) from None


class SelectOne(_OneMessage, SelectField):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = "SelectField"  # the form macros render by type


class RadioOne(_OneMessage, RadioField):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = "RadioField"  # a fieldset with a legend, wired for screen readers


class CheckboxesOf(_OneMessage, MultiCheckboxField):
    default_message = _l("Choose from the options shown.")
    empty = list

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = "MultiCheckboxField"


class WholeNumber(IntegerField):
    """An integer input whose parse error is one clear message."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = "IntegerField"

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter a whole number, such as 25.")) from None
