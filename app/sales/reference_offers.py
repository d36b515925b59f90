"""Reference offers for sales (their accounts) and marketing: who volunteered to talk to prospects, on
what terms, how often they were called this quarter, and the form that logs a reference call."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from app import dates
from app.audit.services import record
from app.auth.models import MARKETER, SALES
from app.extensions import db
from app.forms import Form, strip
from app.htmx import redirect_to, render, wants_fragment
from app.pagination import paginate
from app.referrals.settings import programme_settings
from app.sales import ask_services as asks
from app.sales import references
from app.sales.ask import refusal_message
from app.security import roles

bp = Blueprint("reference_offers", __name__, url_prefix="/references")

PER_PAGE = 25
LIST_ID = "reference-offers"
OFFER_ID = "reference-offer"


class _Date(DateField):
    """A date field that says in our words why it cannot read a date."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = "DateField"

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Enter a date as year-month-day.")) from None


class ReferenceCallForm(Form):
    called_on = _Date(_l("Date of the call"), default=dates.today,
                      validators=[InputRequired(_l("Enter the date of the call."))])
    prospect = StringField(
        _l("Prospect and company"), filters=[strip],
        validators=[DataRequired(_l("Say who the call was with: a name, a company or both.")),
                    Length(max=references.PROSPECT_MAX,
                           message=_l("Use at most %(max)d characters.", max=references.PROSPECT_MAX))],
        description=_l("For example: Jan Peters, Bouwbedrijf Noord"),
    )
    note = TextAreaField(
        _l("Note"), filters=[strip],
        validators=[Length(max=references.NOTE_MAX,
                           message=_l("Use at most %(max)d characters.", max=references.NOTE_MAX))],
        description=_l("What the prospect wanted to know and how it went."), render_kw={"rows": 3},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.called_on.render_kw = {"max": dates.today().isoformat()}

    def validate_called_on(form, field):
        if field.data is None:
            return
        today = dates.today()
        if field.data > today:
            raise ValidationError(_l("The call cannot be in the future."))
        if field.data < today - timedelta(days=references.LOG_BACK_DAYS):
            raise ValidationError(_l("Log calls of the last %(days)d days only.", days=references.LOG_BACK_DAYS))


def limit_message(exc: references.ReferenceRefused, name: str) -> str:
    if exc.reason == references.NO_TERMS:
        return _("The offer of %(name)s does not say how many calls they take. Ask them to answer the reference "
                 "challenge again.", name=name)
    return _("%(name)s takes at most %(limit)d reference calls per quarter, and %(quarter)s has had them all. "
             "Thank them, and ask again next quarter.", name=name, limit=exc.limit, quarter=references.quarter_label(exc.quarter))


@bp.route("")
@roles(MARKETER, SALES)
def index():
    quarter = references.current_quarter()
    page = paginate(references.offers_query(current_user, quarter), per_page=PER_PAGE)
    page.items = references.as_offers(page.items)
    context = {"offers": page, "quarter": references.quarter_label(quarter), "cap_days": programme_settings().ask_cap_days}
    if wants_fragment() and request.htmx.target == LIST_ID:
        return render("sales/_reference_offers.html", **context)
    return render("sales/reference_offers.html", **context)


def _fresh(customer_id: int):
    """The offer read again after a change or a refusal (404 if it went meanwhile, e.g. a withdrawn consent)."""
    found = references.offer_of(current_user, customer_id)
    if found is None:
        abort(404)
    return found


def _offer_page(offer, form, status: int = 200, refusal: str | None = None, logged=None):
    context = {"offer": offer, "form": form, "refusal": refusal, "logged": logged,
               "calls": references.calls_of(offer.customer.id), "quarter": references.quarter_label(references.current_quarter())}
    if wants_fragment():
        return render("sales/_reference_offer.html", status=status, **context)
    return render("sales/reference_offer.html", status=status, **context)


@bp.route("/<int:customer_id>", methods=["GET", "POST"])
@roles(MARKETER, SALES)
def offer(customer_id: int):
    found = references.offer_of(current_user, customer_id)
    if found is None:
        abort(404)  # no standing offer, or not one of this account manager's customers: the same answer
    form = ReferenceCallForm()
    if request.method == "GET":
        return _offer_page(found, form)
    if not form.validate_on_submit():
        return _offer_page(found, form, status=422)
    name = found.customer.name
    try:
        call = references.log_reference_call(
            found, current_user, called_on=form.called_on.data, prospect=form.prospect.data,
            note=form.note.data or "", cap_days=programme_settings().ask_cap_days,
        )
    except references.ReferenceRefused as exc:
        db.session.rollback()
        return _offer_page(_fresh(customer_id), form, status=409, refusal=limit_message(exc, name))
    except asks.AskRefused as exc:
        db.session.rollback()
        refusal = _("A reference call counts as an ask.") + " " + refusal_message(exc, name)
        return _offer_page(_fresh(customer_id), form, status=409, refusal=refusal)
    record(current_user, "reference_call.log", found.customer, summary=name, reference_call_id=call.id,
           called_on=call.called_on, prospect=call.prospect)
    db.session.commit()
    message = _("The reference call of %(name)s with %(prospect)s is logged.", name=name, prospect=call.prospect)
    if wants_fragment():
        return _offer_page(_fresh(customer_id), ReferenceCallForm(formdata=None), logged=message)
    flash(message, "success")
    return redirect_to(url_for("reference_offers.offer", customer_id=customer_id))
