"""The pipeline's forms: moving a referral (with its deal value), the check of a flagged one,
reassigning the owner, the pipeline's filters, and a referral sales enter for a customer."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask_babel import format_currency, format_decimal
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, Email, InputRequired, Length, Optional, ValidationError

from app.forms import Form, choices, max_length, strip
from app.referrals import stages
from app.referrals.models import ASKED, LOST, OPEN_STAGES, OPPORTUNITY, ORIGINS, PROACTIVE, RECEIVED, STAGES, WON

ORIGIN_LABELS = {
    "asked": _l("Asked"), "proactive": _l("Proactive"), "received": _l("Received"),
    "share": _l("Share link"), "linkedin": _l("LinkedIn"),
}
ENTERED_ORIGINS = (RECEIVED, ASKED, PROACTIVE)  # what sales choose from when they enter one
ENTERED_ORIGIN_LABELS = {
    RECEIVED: _l("Received: they gave it to us (by phone, in a meeting …)"),
    ASKED: _l("Asked: it follows our ask"),
    PROACTIVE: _l("Proactive: they came with it on their own"),
}

# --- amounts ------------------------------------------------------------------------------------

MAX_CENTS = 1_000_000_000  # 10,000,000.00
# Whole euros, with thousands grouped by a point, comma or space, and at most two decimals after a
# comma or point: 12500 · 12.500 · 12,500 · 12 500 · 12500,50 · 12.500,50 · 12,500.50. A single
# separator followed by exactly three digits groups thousands (nobody writes money to a tenth of a cent).
_AMOUNT = re.compile(r"^(?P<whole>\d{1,3}(?:(?P<group>[.,\s])\d{3})(?:(?P=group)\d{3})*|\d+)"
                     r"(?:(?P<point>[.,])(?P<cents>\d{1,2}))?$")


def parse_amount(text: str) -> int:
    """The amount in cents, or ValueError with a message for the person who typed it."""
    value = re.sub(r"^(€|eur)\s*|\s*(€|eur)$", "", text.strip(), flags=re.IGNORECASE).strip()
    if value.startswith("-"):
        raise ValueError(_l("Enter an amount above zero."))
    match = _AMOUNT.match(value) if len(value) <= 30 else None
    if match is None or (match["group"] and match["point"] == match["group"]):
        raise ValueError(_l("Enter an amount in euros, such as 12500 or 12.500,50."))
    cents = int(re.sub(r"\D", "", match["whole"])) * 100 + int((match["cents"] or "0").ljust(2, "0"))
    if cents <= 0:
        raise ValueError(_l("Enter an amount above zero."))
    if cents > MAX_CENTS:
        raise ValueError(_l("Enter at most %(max)s euros.", max=format_decimal(MAX_CENTS / 100, format="#,##0.00")))
    return cents


def money(cents: int | None, currency: str = "EUR") -> str:
    """An amount in cents for reading, in the viewer's language: € 12.500,00."""
    return format_currency(cents / 100, currency) if cents is not None else "—"


class AmountField(StringField):
    """An amount in euros, kept as typed; `.data` is in cents (None when empty)."""

    def process_formdata(self, valuelist):
        self.raw = (valuelist[0] if valuelist else "") or ""
        self.data = None
        if self.raw.strip():
            self.data = parse_amount(self.raw)  # a ValueError becomes the field's error

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return format_decimal(self.data / 100, format="0.00") if self.data else ""


# --- moving a referral --------------------------------------------------------------------------

class MoveForm(Form):
    from_stage = HiddenField()
    to_stage = SelectField(_l("Move to"), choices=choices([("", _l("Choose a stage"))] + [
                               (s, stages.STAGE_LABELS[s]) for s in STAGES]),
                           validators=[InputRequired(_l("Choose a stage.")), AnyOf(STAGES, message=_l("Choose a stage."))])
    deal_value = AmountField(_l("Deal value in euros"), description=_l("Needed to move it to Won."),
                             render_kw={"inputmode": "decimal", "autocomplete": "off"})
    expected_value = AmountField(_l("Expected value in euros (optional)"),
                                 description=_l("From the opportunity on: what you expect the deal to be worth."),
                                 render_kw={"inputmode": "decimal", "autocomplete": "off"})
    lost_reason = TextAreaField(_l("Why was it lost?"), filters=[strip], render_kw={"rows": 2},
                                validators=[Length(max=500, message=_l("Keep it to %(max)d characters."))])
    note = TextAreaField(_l("Note (optional)"), filters=[strip], render_kw={"rows": 2},
                         validators=[Length(max=2000, message=_l("Keep it to %(max)d characters."))])
    follow_up_on = DateField(_l("Next follow-up (optional)"), validators=[Optional()],
                             format="%Y-%m-%d")

    def validate_lost_reason(form, field):
        if form.to_stage.data == LOST and not field.data:
            raise ValidationError(_l("Say why it was lost: it helps the next introduction."))

    def validate_to_stage(form, field):
        if field.data == form.from_stage.data:
            raise ValidationError(_l("The referral is already at this stage."))

    def validate_deal_value(form, field):
        if field.errors:
            return
        if form.to_stage.data == WON and field.data is None:
            raise ValidationError(_l("Enter the deal value to move it to Won."))
        if form.to_stage.data == LOST and field.data is not None:
            raise ValidationError(_l("A lost referral has no deal value. Leave the amounts empty."))
        if field.data is not None and form.to_stage.data != WON:
            raise ValidationError(_l("The deal value is for a won referral; enter what you expect as the expected value."))

    def validate_expected_value(form, field):
        if field.errors or field.data is None:
            return
        if form.to_stage.data == LOST:
            raise ValidationError(_l("A lost referral has no deal value. Leave the amounts empty."))
        if form.to_stage.data not in (OPPORTUNITY, WON):
            raise ValidationError(_l("An expected value belongs to an opportunity: move it to Opportunity or Won."))

    def validate_follow_up_on(form, field):
        if field.data and not (date(2000, 1, 1) <= field.data <= date(2100, 1, 1)):
            raise ValidationError(_l("Choose a date between 2000 and 2100."))


def next_open_stage(stage: str) -> str:
    """The stage a referral usually moves to next: the next open one, never won or lost ("" when
    none is left: the form then starts on "Choose a stage")."""
    if stage not in OPEN_STAGES or stage == OPEN_STAGES[-1]:
        return ""
    return OPEN_STAGES[OPEN_STAGES.index(stage) + 1]


def move_form(referee, formdata=None) -> MoveForm:
    form = MoveForm(formdata=formdata, from_stage=referee.stage)
    if formdata is None:
        form.to_stage.data = next_open_stage(referee.stage)
        form.follow_up_on.data = referee.follow_up_on
    return form


class ValueForm(Form):
    """The values of a referral at the opportunity (expected) or won (deal, and the expected one kept)."""

    expected_value = AmountField(_l("Expected value in euros (optional)"),
                                 render_kw={"inputmode": "decimal", "autocomplete": "off"})
    deal_value = AmountField(_l("Deal value in euros"), render_kw={"inputmode": "decimal", "autocomplete": "off"})

    def __init__(self, stage: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stage = stage

    def validate_deal_value(form, field):
        if field.errors:
            return
        if form.stage == WON and field.data is None:
            raise ValidationError(_l("Enter the deal value of this won referral."))
        if form.stage != WON and field.data is not None:
            raise ValidationError(_l("The deal value is for a won referral; enter what you expect as the expected value."))


class FlagForm(Form):
    reason = TextAreaField(_l("Reason (for a rejection)"), filters=[strip], render_kw={"rows": 2},
                           validators=[Length(max=500, message=_l("Keep it to %(max)d characters."))])


class ReassignForm(Form):
    owner = SelectField(_l("Give it to"), validate_choice=False, validators=[InputRequired(_l("Choose who owns it."))])

    def __init__(self, owners, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner.choices = choices([(str(u.id), u.name) for u in owners])
        self.owner_ids = {str(u.id) for u in owners}

    def validate_owner(form, field):
        if field.data not in form.owner_ids:
            raise ValidationError(_l("Choose someone from the list."))


# --- the pipeline's filters ---------------------------------------------------------------------

def search_text(value: str | None) -> str:
    """A search as typed, tidied: spaces collapsed, NUL bytes (which PostgreSQL refuses) dropped, at most 100 characters."""
    return " ".join((value or "").replace("\x00", "").split())[:100]


@dataclass(frozen=True)
class Filters:
    """What the pipeline is narrowed to: a search, an origin, an owner ("" for all, "none", or an id)."""

    q: str = ""
    origin: str = ""
    owner: str = ""

    @classmethod
    def from_args(cls, args) -> Filters:
        q = search_text(args.get("q"))
        origin = args.get("origin") or ""
        owner = args.get("owner") or ""
        return cls(q=q, origin=origin if origin in ORIGINS else "",
                   owner=owner if owner == "none" or (owner.isdigit() and len(owner) < 10) else "")

    def args(self) -> dict[str, str]:
        """The filters as URL arguments (only those set), for links that keep them."""
        return {k: v for k, v in (("q", self.q), ("origin", self.origin), ("owner", self.owner)) if v}

    @property
    def active(self) -> bool:
        return bool(self.q or self.origin or self.owner)


# --- a referral sales enter for a customer ------------------------------------------------------

class EnteredReferralForm(Form):
    name = StringField(_l("Their name"), filters=[strip], validators=[InputRequired(_l("Enter their name.")), max_length(120)])
    company = StringField(_l("Their company"), filters=[strip],
                          validators=[InputRequired(_l("Enter their company.")), max_length(200)])
    role = StringField(_l("Their role (optional)"), filters=[strip], validators=[max_length(120)])
    email = StringField(_l("Their e-mail address (optional)"), filters=[strip],
                        validators=[Optional(), Email(_l("Enter a valid e-mail address.")), max_length(254)],
                        render_kw={"type": "email", "autocomplete": "off"})
    benefit = TextAreaField(_l("Why they would benefit"), filters=[strip], render_kw={"rows": 3},
                            validators=[InputRequired(_l("Say in a sentence why they would benefit.")), max_length(1000)])
    may_mention = BooleanField(_l("We may mention the customer's name to them"))
    message_locale = RadioField(_l("Their language"), choices=choices([("nl", "Nederlands"), ("en", "English")], lang=True),
                                default="nl", validate_choice=False,
                                validators=[InputRequired(_l("Choose their language.")),
                                            AnyOf(("nl", "en"), message=_l("Choose their language."))])
    origin = RadioField(_l("How did it come about?"), choices=choices(ENTERED_ORIGIN_LABELS.items()), default=RECEIVED,
                        validate_choice=False, validators=[InputRequired(_l("Choose how it came about.")),
                                                           AnyOf(ENTERED_ORIGINS, message=_l("Choose how it came about."))])
    ask = SelectField(_l("The ask it follows (optional)"), validate_choice=False)

    def __init__(self, asks, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ask_ids = {str(a.id) for a in asks}
        self.ask.choices = choices([("", _l("None"))] + [(str(a.id), a.label) for a in asks])

    def validate_ask(form, field):
        if field.data and field.data not in form.ask_ids:
            raise ValidationError(_l("Choose one of this customer's asks."))
        if field.data and form.origin.data != ASKED:
            raise ValidationError(_l("An introduction that follows an ask is an asked one: choose “Asked”, or no ask."))

    @property
    def ask_id(self) -> int | None:
        return int(self.ask.data) if self.ask.data and self.ask.data in self.ask_ids else None
