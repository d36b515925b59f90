"""Ready for the ask: the queue of customers sales may ask for a referral now, claiming one, and
the ask page with its call script and the form that logs the ask."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import DateField, RadioField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, Optional, ValidationError

from app import dates
from app.audit.services import record
from app.auth.models import SALES
from app.dates import utcnow
from app.extensions import db
from app.forms import Form, choices
from app.htmx import redirect_to, render, wants_fragment
from app.pagination import requested_page
from app.referrals.models import ASK_CHANNELS, ASK_OUTCOMES
from app.referrals.settings import programme_settings
from app.sales import ask_services as asks
from app.sales import queue as ask_queue
from app.sales import voice
from app.sales.scope import scope_of
from app.security import is_safe_redirect, roles

bp = Blueprint("sales_ask", __name__, url_prefix="/sales")

PER_PAGE = 25
NOTE_MAX = 2000

CHANNEL_LABELS = {"phone": _l("Phone"), "video_call": _l("Video call"), "meeting": _l("Meeting"), "email": _l("E-mail")}
OUTCOME_LABELS = {"yes": _l("Yes, they will introduce someone"), "no": _l("No, not now"),
                  "later": _l("Later: they want time to think")}


# ---- The form ----------------------------------------------------------------------------------

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


class AskForm(Form):
    asked_on = _Date(
        _l("When did you ask?"), default=dates.today,
        validators=[InputRequired(_l("Enter the date of the ask."))],
    )
    channel = RadioField(
        _l("How did you ask?"), choices=choices(CHANNEL_LABELS.items()), validate_choice=False,
        validators=[InputRequired(_l("Choose how you asked.")),
                    AnyOf(ASK_CHANNELS, message=_l("Choose one of the ways listed."))],
    )
    outcome = RadioField(
        _l("What was the answer?"), choices=choices(OUTCOME_LABELS.items()), validate_choice=False,
        validators=[InputRequired(_l("Choose the answer you got.")),
                    AnyOf(ASK_OUTCOMES, message=_l("Choose one of the answers listed."))],
    )
    follow_up_on = _Date(
        _l("Follow up on"), validators=[Optional()],
        description=_l("Needed when they want time to think: plan the 15-minute call. It must be after the ask."),
    )
    note = TextAreaField(
        _l("Note"), filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[Length(max=NOTE_MAX, message=_l("Use at most %(max)d characters.", max=NOTE_MAX))],
        description=_l("Who they thought of, what you agreed, anything the next person should know."),
        render_kw={"rows": 4},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.asked_on.render_kw = {"max": dates.today().isoformat()}

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Here, not in validate_follow_up_on: Optional() stops that field's checks when it is empty.
        later = self.outcome.data == "later"
        if later and self.follow_up_on.data is None and not self.follow_up_on.errors:
            self.follow_up_on.errors = [_l("Plan when to follow up when they want time to think.")]
            self._errors = None
            return False
        return valid

    def validate_asked_on(form, field):
        if field.data is None:  # unreadable: the field already says why
            return
        today = dates.today()
        if field.data > today:
            raise ValidationError(_l("The ask cannot be in the future."))
        if field.data < today - timedelta(days=asks.LOG_BACK_DAYS):
            raise ValidationError(_l("Log asks of the last %(days)d days only.", days=asks.LOG_BACK_DAYS))

    def validate_follow_up_on(form, field):
        if field.errors:  # unreadable: the field already says why
            return
        if field.data is None:
            return
        asked_on = form.asked_on.data
        if asked_on is not None and field.data <= asked_on:
            raise ValidationError(_l("The follow-up must be after the day of the ask."))
        if field.data > dates.today() + timedelta(days=asks.FOLLOW_UP_AHEAD_DAYS):
            raise ValidationError(_l("Plan the follow-up within two years."))


# ---- Words -------------------------------------------------------------------------------------

def readiness_reason(row: ask_queue.QueueRow) -> str:
    """Why this customer is on the queue, in plain words."""
    promoter = row.nps_category == "promoter"
    if row.level >= ask_queue.ASK_LEVEL:
        done = ngettext("%(num)d approved level-2 contribution", "%(num)d approved level-2 contributions",
                        row.contributions)
        if promoter:
            return _("Reached level %(level)d with %(done)s, and a promoter (%(score)d).",
                     level=row.level, done=done, score=row.nps_score)
        return _("Reached level %(level)d with %(done)s.", level=row.level, done=done)
    return _("A promoter (%(score)d) who would recommend us, at level %(level)d of the journey.",
             score=row.nps_score, level=row.level)


def refusal_message(exc: asks.AskRefused, name: str) -> str:
    if exc.reason == asks.PAUSED:
        return _("%(name)s is not asked for now: their latest NPS answer was unhappy or its follow-up is still open. "
                 "Their account manager closes that first.", name=name)
    if exc.reason == asks.RECENTLY_ASKED:
        if exc.by:
            return _("%(name)s was already asked on %(date)s by %(by)s. The next ask is possible from %(until)s.",
                     name=name, date=format_date(exc.when), by=exc.by, until=format_date(exc.until))
        return _("%(name)s was already asked on %(date)s. The next ask is possible from %(until)s.",
                 name=name, date=format_date(exc.when), until=format_date(exc.until))
    if exc.by and exc.when:
        return _("%(by)s claimed %(name)s on %(date)s, just before you.", by=exc.by, name=name,
                 date=format_date(exc.when))
    return _("Someone else claimed %(name)s just before you.", name=name)


# ---- The queue ---------------------------------------------------------------------------------

def _back() -> str:
    target = request.form.get("next", "")
    return target if is_safe_redirect(target) else url_for("sales_ask.queue")


@bp.route("/ask")
@roles(SALES)
def queue():
    now, cap = utcnow(), programme_settings().ask_cap_days
    page = ask_queue.queue_page(scope_of(current_user), now, cap, requested_page(), PER_PAGE)
    return render("sales/ask_queue.html", rows=page, now=now, cap_days=cap, reason=readiness_reason,
                  back=request.full_path.rstrip("?"))


@bp.route("/ask/<int:customer_id>/claim", methods=["POST"])
@roles(SALES)
def claim(customer_id: int):
    customer = asks.customer_in_scope(current_user, customer_id)
    if customer is None:
        abort(404)
    cap = programme_settings().ask_cap_days
    try:
        asks.claim(customer, current_user, cap)
    except asks.AskRefused as exc:
        db.session.rollback()
        message, category, status = refusal_message(exc, customer.name), "error", 409
    else:
        record(current_user, "sales_ask.claim", customer)
        db.session.commit()
        message, category, status = (
            _("You claimed %(name)s for the ask. Others see it for %(days)d days.", name=customer.name,
              days=ask_queue.CLAIM_DAYS), "success", 200,
        )
    if wants_fragment():
        now = utcnow()
        row = ask_queue.one_row(current_user, customer.id, now, cap)
        return render("sales/_ask_row.html", status=status, row=row, now=now, reason=readiness_reason,
                      message=message, category=category, back=_back())
    flash(message, category)
    return redirect_to(_back())


# ---- The ask page ------------------------------------------------------------------------------

def _ask_page(customer, form, status: int = 200, refusal: str | None = None, paused: bool = False):
    cap = programme_settings().ask_cap_days
    facts = asks.ask_facts(customer)
    recently = facts.last_asked_at is not None and facts.last_asked_at >= utcnow() - timedelta(days=cap)
    return render(
        "sales/ask_customer.html", status=status, customer=customer, facts=facts, form=form, refusal=refusal,
        quotes=voice.ask_quotes(customer.id),
        paused=paused, recently=recently, cap_days=cap,
        next_ask=facts.last_asked_at + timedelta(days=cap) if facts.last_asked_at else None,
    )


@bp.route("/ask/<int:customer_id>", methods=["GET", "POST"])
@roles(SALES)
def ask(customer_id: int):
    customer = asks.customer_in_scope(current_user, customer_id)
    if customer is None:
        abort(404)
    form = AskForm()
    if asks.pause_reason(customer):
        refusal = refusal_message(asks.AskRefused(asks.PAUSED), customer.name)
        return _ask_page(customer, form, status=409, refusal=refusal, paused=True)
    if request.method == "GET":
        return _ask_page(customer, form)
    if not form.validate_on_submit():
        return _ask_page(customer, form, status=422)
    try:
        logged = asks.log_ask(
            customer, current_user, asked_on=form.asked_on.data, channel=form.channel.data,
            outcome=form.outcome.data, follow_up_on=form.follow_up_on.data, note=form.note.data or "",
            cap_days=programme_settings().ask_cap_days,
        )
    except asks.AskRefused as exc:
        db.session.rollback()
        return _ask_page(customer, form, status=409, refusal=refusal_message(exc, customer.name),
                         paused=exc.reason == asks.PAUSED)
    record(current_user, f"sales_ask.{logged.outcome}", logged, summary=customer.name)
    db.session.commit()
    if logged.outcome == "yes":
        # Offer at once to record the introduction they promised (or later, from the follow-ups).
        flash(_("The ask of %(name)s is logged. Record the introduction they promised now, or later from your "
                "follow-ups.", name=customer.name), "success")
        return redirect_to(url_for("sales_referrals.new", customer_id=customer.id, ask=logged.id))
    if logged.follow_up_on:
        flash(_("The ask of %(name)s is logged. Follow up on %(date)s.", name=customer.name,
                date=format_date(logged.follow_up_on)), "success")
    else:
        flash(_("The ask of %(name)s is logged.", name=customer.name), "success")
    return redirect_to(url_for("sales_ask.queue"))
