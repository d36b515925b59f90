"""The customer's side of "tell us": the form, reachable from every customer page, and their own messages."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import seclog
from app.extensions import db, limiter
from app.feedback import services
from app.feedback.forms import FeedbackForm, kind_labels
from app.feedback.models import ANSWERED, CLOSED, NEW
from app.htmx import redirect_to, render
from app.pagination import paginate
from app.security import customers_only

bp = Blueprint("feedback", __name__)

PER_PAGE = 20

# How a message's status reads to the customer who sent it.
STATUS_FOR_CUSTOMER = {NEW: _l("Received"), ANSWERED: _l("Answered"), CLOSED: _l("Closed")}


def feedback_limit() -> str:
    """Messages per customer: enough for anyone with something to say, not for a script."""
    return current_app.config["FEEDBACK_RATE_LIMIT"]


def _customer_key() -> str:
    return f"feedback:{current_user.id}"


def _sent(response) -> bool:
    """Only messages that were accepted count towards the limit, not a form sent back to fix."""
    return response.status_code < 400


def _too_many(limit):
    """The form again, with the customer's text intact: nothing they wrote is lost to the limit."""
    seclog.rate_limit_hit(limit)
    form = FeedbackForm()
    form.validate()
    message = _("You sent us several messages in a short time. Wait a while and send this one again: your text "
                "is still here.")
    return render("feedback/new.html", form=form, limited=message, status=429)


@bp.route("/feedback/new", methods=["GET", "POST"])
@customers_only
@limiter.limit(feedback_limit, key_func=_customer_key, methods=["POST"], deduct_when=_sent, on_breach=_too_many)
def new():
    form = FeedbackForm()
    if request.method == "GET":
        form.page.data = services.page_from_link(request.args.get("from"))
        return render("feedback/new.html", form=form)
    if not form.validate_on_submit():
        return render("feedback/new.html", form=form, status=422)
    feedback = services.send_feedback(current_user, form.kind.data, form.message.data, form.page.data)
    db.session.commit()
    flash(_("Thank you for telling us. We will read your message and answer you here."), "success")
    return redirect_to(url_for("feedback.mine", _anchor=f"feedback-{feedback.id}"))


@bp.route("/feedback")
@customers_only
def mine():
    page = paginate(services.messages_of(current_user.id), per_page=PER_PAGE, scalars=True)
    return render("feedback/mine.html", page=page, kinds=kind_labels(), statuses=STATUS_FOR_CUSTOMER)
