"""The base form every form in the app uses."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask_wtf import FlaskForm

try:  # WTForms 3.3 deprecates (value, label) tuples as choices; older versions only know tuples.
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - WTForms < 3.3
    SelectChoice = None


def choices(pairs) -> list:
    """Choices for a SelectField, RadioField or MultiCheckboxField from (value, label) pairs."""
    return [SelectChoice(value, label) if SelectChoice else (value, label) for value, label in pairs]


def _drop_nul(value):
    # NUL bytes are never meaningful in text and PostgreSQL refuses them outright.
    return value.replace("\x00", "") if isinstance(value, str) else value


class Form(FlaskForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = [*unbound_field.kwargs.get("filters", ()), _drop_nul]
            return unbound_field.bind(form=form, filters=filters, **options)


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
