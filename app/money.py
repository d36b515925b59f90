"""Amounts of money: whole cents in the database, euros typed and shown in the reader's language.

`MoneyField` reads what someone typed the way their language writes numbers ("1.250,50" in Dutch,
"1,250.50" in English, a euro sign and spaces allowed) into whole cents, and says clearly what is
wrong otherwise. `money` shows cents with Babel's currency format for the active locale.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from babel.numbers import NumberFormatError, parse_decimal
from flask_babel import format_currency, get_locale
from flask_babel import lazy_gettext as _l
from wtforms import StringField

CURRENCY = "EUR"
_NUMBER = re.compile(r"-?[0-9][0-9.,]*")
# "12.50" in Dutch or "12,50" in English: one separator and one or two digits after it cannot be a
# thousands separator, so it is read as the decimal mark people meant.
_PLAIN_DECIMAL = re.compile(r"-?[0-9]+[.,][0-9]{1,2}")


class AmountError(ValueError):
    pass


def parse_cents(text: str, locale: str, low: int, high: int) -> int:
    """The cents in `text`, written as `locale` writes numbers; AmountError with a clear message
    otherwise (not a number, negative, more than two decimals, outside [low, high] cents)."""
    cleaned = text.replace("€", "").replace("EUR", "").replace("\u00a0", "").replace(" ", "").strip()
    cleaned = cleaned.replace("−", "-")  # a typographic minus
    if cleaned.startswith("-") and low >= 0:
        raise AmountError(_l("Enter an amount of zero or more; it cannot be negative."))
    not_an_amount = AmountError(_l("Enter an amount in euros, such as %(example)s.",
                                   example=format_currency(1250.5, CURRENCY)))
    if not _NUMBER.fullmatch(cleaned):
        raise not_an_amount
    try:
        amount = parse_decimal(cleaned, locale=locale, strict=True)
    except (NumberFormatError, InvalidOperation, ValueError):
        if not _PLAIN_DECIMAL.fullmatch(cleaned):
            raise not_an_amount from None
        amount = Decimal(cleaned.replace(",", "."))
    if amount < 0 and low >= 0:
        raise AmountError(_l("Enter an amount of zero or more; it cannot be negative."))
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise AmountError(_l("Use at most two decimals (whole cents)."))
    cents = int(cents)
    if not low <= cents <= high:
        raise AmountError(_l("Enter an amount from %(low)s to %(high)s.",
                             low=money(low), high=money(high)))
    return cents


def money(cents: int | float | Decimal | None) -> str:
    """Cents as euros in the active locale, or "–" when there is no amount."""
    if cents is None:
        return "–"
    return format_currency(Decimal(cents) / 100, CURRENCY)


def cents_as_text(cents: int | None) -> str:
    """Cents as the plain number a form field shows (no currency sign), in the active locale."""
    if cents is None:
        return ""
    return format_currency(Decimal(cents) / 100, CURRENCY, format="#,##0.00")


def _locale() -> str:
    return str(get_locale() or "nl")


class MoneyField(StringField):
    """Euros typed as text, `data` in whole cents (None when left empty)."""

    def __init__(self, *args, low: int = 0, high: int = 10_000_000_000, **kwargs):
        super().__init__(*args, **kwargs)
        self.low, self.high = low, high
        self.type = "StringField"

    def process_data(self, value):
        self.data = value
        self.raw_text = None

    def process_formdata(self, valuelist):
        self.raw_text = (valuelist[0] if valuelist else "").replace("\x00", "")[:60]
        if not self.raw_text.strip():
            self.data = None
            return
        try:
            self.data = parse_cents(self.raw_text, _locale(), self.low, self.high)
        except AmountError as error:
            self.data = None
            raise ValueError(str(error.args[0])) from None

    def _value(self):
        if getattr(self, "raw_text", None) is not None:
            return self.raw_text  # what was typed, kept on errors
        return cents_as_text(self.data)
