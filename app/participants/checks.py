"""What an e-mail address, a name and a company name must be before a participant can be added."""
from __future__ import annotations

import unicodedata

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

# Column widths of the users and companies tables.
EMAIL_MAX, NAME_MAX, COMPANY_MAX = 254, 120, 200


def squash(value):
    """Inner runs of whitespace (also tabs and newlines) become one space."""
    return " ".join(value.split()) if isinstance(value, str) else value


def has_control_chars(value: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" for ch in value)


def email_problem(address: str) -> str | None:
    """Why an e-mail address cannot be used (a reason code), or None. The address is normalised."""
    if not address:
        return "email_missing"
    if len(address) > EMAIL_MAX:
        return "email_too_long"
    try:
        # Only the syntax: no DNS look-ups, and an ASCII mailbox name so every mail server takes it.
        validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return "email_invalid"
    return None


def already_taken(address: str) -> str:
    return _("There is already an account for %(email)s. Find the person in the list of participants.", email=address)
