"""Marketing's feedback queue: read what customers told us, answer them and close, newest first."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from app import nav_counts
from app.auth.models import ADMIN, MARKETER
from app.extensions import db
from app.feedback import services
from app.feedback.forms import ANSWER, HandleForm, kind_labels
from app.feedback.models import ANSWERED, CLOSED, KINDS, NEW, REPLY_MAX, STATUSES, Feedback
from app.htmx import redirect_to, render, wants_fragment
from app.pagination import paginate, requested_page
from app.security import roles

bp = Blueprint("admin_feedback", __name__)

PER_PAGE = 20
ALL = "all"
DEFAULT_STATUS = NEW


def status_labels() -> dict:
    return {NEW: _l("New"), ANSWERED: _l("Answered"), CLOSED: _l("Closed")}


def _filters() -> dict:
    """The queue's filters from the query string; anything unknown is the default (never an error)."""
    status = request.args.get("status", DEFAULT_STATUS)
    kind = request.args.get("kind", ALL)
    return {"status": status if status in (*STATUSES, ALL) else DEFAULT_STATUS,
            "kind": kind if kind in (*KINDS, ALL) else ALL}


def _filter_args(filters: dict) -> dict:
    """The filters as URL arguments, leaving out the defaults."""
    return {key: value for key, value in filters.items()
            if value != {"status": DEFAULT_STATUS, "kind": ALL}[key]}


# The customer pages a message is most often sent from, by the name the customer knows them by.
PAGE_NAMES = {
    "main.home": _l("My journey"), "journey.challenge": _l("Challenge"), "customer.points": _l("My points"),
    "customer.badges": _l("Badges"), "customer.rewards": _l("Rewards"), "customer.contributions": _l("My contributions"),
    "referrals.mine": _l("My referrals"), "customer.profile": _l("My profile"), "customer.leaderboard": _l("Leaderboard"),
    "feedback.mine": _l("My messages"),
}


def page_name(path: str) -> str | None:
    """The name of the customer page at `path`, if it is one of the known ones (no query: URL matching only)."""
    try:
        endpoint, _args = current_app.url_map.bind("localhost").match(path, method="GET")
    except (HTTPException, RequestRedirect):
        return None
    name = PAGE_NAMES.get(endpoint)
    return str(name) if name else None


def _context(**extra) -> dict:
    return {"kinds": kind_labels(), "statuses": status_labels(), "reply_max": REPLY_MAX, "page_name": page_name,
            **extra}


def _render_queue(status: int = 200, forms: dict | None = None, handled: Feedback | None = None):
    """The queue; `handled` is the message a form was sent for, shown first when the filters would leave it out
    (answered by someone else meanwhile, or on another page), so its errors and the text typed are never lost."""
    filters = _filters()
    page = paginate(services.queue_statement(filters["status"], filters["kind"]), per_page=PER_PAGE, scalars=True)
    items = list(page.items)
    if handled is not None and handled not in items:
        items.insert(0, handled)
    return render("feedback/queue.html", status=status, page=page, items=items, filters=filters,
                  args=_filter_args(filters), forms=forms or {}, **_context())


@bp.route("/admin/feedback")
@roles(MARKETER)
def queue():
    return _render_queue()


def _queue_url() -> str:
    """Back to the page and filters the marketer was on (the item's form carries them in its action)."""
    page = requested_page()
    return url_for("admin_feedback.queue", page=page if page > 1 else None, **_filter_args(_filters()))


def _handled_message(feedback: Feedback, answered: bool) -> str:
    name = feedback.user.name
    if feedback.status == CLOSED:
        return (_("Answer sent to %(name)s and the message closed.", name=name) if answered
                else _("The message of %(name)s is closed.", name=name))
    return _("Answer sent to %(name)s.", name=name)


def _conflict_message(feedback: Feedback) -> str:
    """What someone else did first, so the marketer who lost the race knows; their own text stays in the form."""
    if feedback.status == CLOSED:
        who = feedback.closed_by.name if feedback.closed_by else _("someone else")
        return _("%(who)s closed this message in the meantime. Nothing was sent; your text is still below.", who=who)
    who = feedback.answered_by.name if feedback.answered_by else _("someone else")
    return _("%(who)s answered this message in the meantime. Your answer was not sent; it is still below.", who=who)


def _answer_item(feedback: Feedback, status: int, form: HandleForm | None = None, message: str | None = None,
                 category: str = "success"):
    """The changed item alone (htmx), or the queue with it, as the page it was on."""
    if wants_fragment():
        return render("feedback/_item.html", status=status, item=feedback, form=form, message=message,
                      category=category, focus=True, page=None, args=_filter_args(_filters()), **_context())
    if message:
        flash(message, category)
    return _render_queue(status=status, forms={feedback.id: form} if form else None, handled=feedback)


@bp.route("/admin/feedback/<int:feedback_id>", methods=["POST"])
@roles(MARKETER)
def queue_handle(feedback_id: int):
    feedback = services.queue_item(feedback_id)
    if feedback is None:
        abort(404)
    form = HandleForm()
    if not form.validate():
        return _answer_item(feedback, 422, form)
    reply = form.reply.data or ""
    if form.action.data == ANSWER or reply:
        outcome = services.answer(feedback, current_user, reply, close=form.action.data != ANSWER)
    else:
        outcome = services.close(feedback, current_user)
    if not outcome.done:
        db.session.rollback()
        feedback = services.queue_item(feedback_id)
        return _answer_item(feedback, 409, form if reply else None, _conflict_message(feedback), "warning")
    db.session.commit()
    message = _handled_message(outcome.feedback, answered=bool(reply))
    if wants_fragment():
        return _answer_item(outcome.feedback, 200, message=message)
    flash(message, "success")
    return redirect_to(_queue_url())


nav_counts.register("new_feedback", (MARKETER, ADMIN), lambda _user_id: services.new_count_subquery())


@bp.app_context_processor
def _new_feedback_badge():
    """`new_feedback()` for the marketing navigation: read with the header's other counts (no extra query)."""

    def new_feedback() -> int:
        if not current_user.is_authenticated or current_user.role not in (MARKETER, ADMIN):
            return 0
        return nav_counts.nav_count("new_feedback", current_user)

    return {"new_feedback": new_feedback}
