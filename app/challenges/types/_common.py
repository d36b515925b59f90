"""What the built-in challenge types share: reading settings and answers, field builders, link checks."""
from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, RadioField, URLField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.forms import MultiCheckboxField, choices, is_linkedin_url, max_length, strip
from app.i18n_content import localized_value

URL_MAX = 500
LINKEDIN_URL_MAX = 255  # users.linkedin_url


# --- settings -----------------------------------------------------------------------------------

def config_of(challenge) -> dict:
    """The challenge's settings; anything that is not a dict counts as none."""
    return challenge.config if isinstance(challenge.config, dict) else {}


def start_config(ctype, formdata, config) -> dict:
    """The settings a config form starts from: `config`, or the type's defaults for a new challenge."""
    if config is None and formdata is None:
        return ctype.default_config()
    return config if isinstance(config, dict) else {}


def indexed_texts(value) -> list[tuple[str, str]]:
    """Choices from a config list of {"nl", "en"} texts: (index in that list, text), skipping empty ones."""
    if not isinstance(value, list):
        return []
    return [(str(i), text) for i, item in enumerate(value) if (text := localized_value(item).strip())]


def chosen_keys(value, known: dict) -> list[str]:
    """The config keys of `known` that `value` (a list) names, in the order given, or all of them."""
    chosen = [key for key in value if isinstance(key, str) and key in known] if isinstance(value, list) else []
    return list(dict.fromkeys(chosen)) or list(known)


def in_order(value, known: dict) -> list[str]:
    """The keys of `known` that `value` (a list) names, in `known`'s order, each once."""
    chosen = {key for key in value if isinstance(key, str)} if isinstance(value, list) else set()
    return [key for key in known if key in chosen]


# --- reading stored answers (old or odd data must never raise) ---------------------------------

def text_of(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def labels_of(keys, labels: dict) -> str:
    """The labels of the known keys in `keys` (a list), joined; anything else is left out."""
    keys = keys if isinstance(keys, list) else []
    return ", ".join(str(labels[key]) for key in keys if isinstance(key, str) and key in labels)


def iso_date(value) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


_PLAIN_URL = re.compile(r"https?://[^\s\\\x00-\x1f]+", re.IGNORECASE)


def plain_url(value) -> str | None:
    """A link we can safely put in an href: http(s) only, no spaces, control characters or backslashes."""
    value = text_of(value)
    return value if _PLAIN_URL.fullmatch(value) and len(value) <= URL_MAX else None


# --- fields -------------------------------------------------------------------------------------

def one_of(values, message):
    """The chosen value (or every chosen value of a list) is one of `values`."""
    allowed = set(values)

    def check(form, field):
        chosen = field.data if isinstance(field.data, list) else [field.data]
        if any(value not in allowed for value in chosen):
            raise ValidationError(message)

    return check


def radio(label, options, message, **kwargs):
    """One required choice, with one clear message whether nothing or something unknown was sent."""
    return RadioField(
        label, choices=choices(options), validate_choice=False,
        validators=[InputRequired(message), one_of([value for value, _ in options], message)], **kwargs,
    )


def checkboxes(label, options, required_message=None, **kwargs):
    """Several choices as checkboxes; `required_message` makes at least one required."""
    first = DataRequired(required_message) if required_message else Optional()
    return MultiCheckboxField(
        label, choices=choices(options), validate_choice=False,
        validators=[first, one_of([value for value, _ in options], _l("Choose from the options shown."))], **kwargs,
    )


def between(low, high):
    return Length(min=low, max=high, message=_l("Write between %(min)d and %(max)d characters.", min=low, max=high))


def must_tick(label, message):
    """A box the customer must tick (a consent, a confirmation)."""
    return BooleanField(label, validators=[DataRequired(message)])


class DateInput(DateField):
    """A date field that says in our words why it cannot read a date."""

    def __init__(self, *args, invalid_message=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = "DateField"  # templates tell fields apart by type
        self.invalid_message = invalid_message

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(self.invalid_message or _l("Enter a date as year-month-day.")) from None


def _linkedin_url(form, field):
    """Empty, or an https link on linkedin.com (or www./nl. … linkedin.com)."""
    if not field.data:
        return
    if not is_linkedin_url(field.data):
        raise ValidationError(_l(
            "Enter a LinkedIn link that starts with https://, for example https://www.linkedin.com/in/your-name."
        ))


def linkedin_field(label):
    return URLField(label, filters=[strip], validators=[Optional(), max_length(LINKEDIN_URL_MAX), _linkedin_url])


# --- links and domains --------------------------------------------------------------------------

def host_of(url) -> str | None:
    """The lower-case host of an http(s) URL without spaces or user info, else None."""
    if not isinstance(url, str) or not url or len(url) > URL_MAX or "\\" in url:
        return None  # browsers read a backslash as a slash: https://evil.example\.g2.com is evil.example
    if any(c.isspace() or ord(c) < 32 for c in url):
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        return None
    host = parts.hostname.lower().rstrip(".")
    return host if re.fullmatch(r"[\w.-]+|[0-9a-f:.]+", host) else None


def safe_url(url) -> str | None:
    """A marketer's link from config, only when it is a plain http(s) URL (never javascript: …)."""
    return url.strip() if isinstance(url, str) and host_of(url.strip()) else None


def on_domain(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


# Second-level labels under which a country's domains are registered (example.co.uk).
_SECOND_LEVEL = {"ac", "co", "com", "edu", "gov", "net", "org"}


def registered_domain(host: str) -> str:
    """www.g2.com → g2.com; nl.trustpilot.com → trustpilot.com; www.example.co.uk → example.co.uk."""
    labels = host.split(".")
    if all(label.isdigit() for label in labels) or ":" in host:
        return host  # an IP address: only that address
    if len(labels) > 2 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def http_url(message):
    """An http(s) link of at most URL_MAX characters."""

    def check(form, field):
        if field.data and host_of(field.data) is None:
            raise ValidationError(message)

    return check


def config_link(message, https_only=False):
    """A marketer's link: a full http(s) (or only https) address with a dotted host name.
    Empty and too long are left to DataRequired and Length, so each problem gets one message."""

    def check(form, field):
        value = field.data
        if not value or len(value) > URL_MAX:
            return
        host = host_of(value)
        if host is None or "." not in host.strip("."):
            raise ValidationError(message)
        if https_only and urlsplit(value).scheme.lower() != "https":
            raise ValidationError(message)

    return check
