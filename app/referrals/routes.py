"""The referee's pages (landing by a customer's link, double opt-in, objection, feedback) and the
customer's "my referrals"."""
from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.auth.models import CUSTOMER, User
from app.extensions import db, limiter
from app.forms import Form
from app.htmx import redirect_to, render
from app.i18n import speak_to
from app.pagination import paginate
from app.referrals import consent, intake, links, stages
from app.referrals.forms import FeedbackForm, LandingForm
from app.referrals.models import CHANNELS, MEETING, OPPORTUNITY, WON, Referee
from app.security import customers_only, link_open_limit, public, public_form_limit

bp = Blueprint("referrals", __name__)


def _referrer(code: str) -> User | None:
    if not code or len(code) > 16:
        return None
    user = db.session.scalar(select(User).where(User.referral_code == code))
    return user if user is not None and user.is_active and user.role == CUSTOMER else None


@bp.route("/r/<code>", methods=["GET", "POST"])
@public
@limiter.limit(public_form_limit, methods=["POST"])
@limiter.limit(link_open_limit, methods=["GET"])
def landing(code: str):
    referrer = _referrer(code)
    if referrer is None:
        return render("referrals/link_problem.html", problem="unknown", status=404)
    channel = request.values.get("c", "other")
    channel = channel if channel in CHANNELS else "other"
    form = LandingForm()
    if request.method == "GET":
        visitor = links.visitor_key(request.remote_addr, request.headers.get("User-Agent"))
        if links.record_click(referrer, channel, visitor):
            db.session.commit()  # a GET that commits: it records the visitor's first open today
        return render("referrals/landing.html", referrer=referrer, form=form, channel=channel)
    if not form.validate_on_submit():
        return render("referrals/landing.html", referrer=referrer, form=form, channel=channel, status=422)
    intake.sign_up_from_link(
        referrer, channel=channel, name=form.name.data, company=form.company.data, email=form.email.data,
        need=form.need.data, locale=str(get_locale()),
    )
    db.session.commit()
    # The same answer whether or not we knew this person: nothing about others leaks.
    return render("referrals/check_inbox.html", email=form.email.data)


def _speak_their_language(referee: Referee | None) -> None:
    """A page opened from a message to the referee speaks the language of that message (unless
    they chose another with the switch)."""
    if referee is not None:
        speak_to(referee.message_locale)


@bp.route("/r/confirm/<token>", methods=["GET", "POST"])
@public
@limiter.limit(public_form_limit, methods=["POST"])
def confirm(token: str):
    referee = intake.referee_by_token(token)
    _speak_their_language(referee)
    if referee is None or referee.email is None:
        return render("referrals/link_problem.html", problem="gone", status=404)
    if request.method == "POST":
        if not Form().validate_on_submit():
            return render("referrals/confirm.html", referee=referee, status=422, expired=True)
        intake.confirm(referee)
        db.session.commit()
        return render("referrals/confirmed.html", referee=referee)
    return render("referrals/confirm.html", referee=referee)


@bp.route("/r/object/<token>", methods=["GET", "POST"])
@public
@limiter.limit(public_form_limit, methods=["POST"])
def objection(token: str):
    referee = intake.referee_by_token(token)
    _speak_their_language(referee)
    if request.method == "POST":
        if not Form().validate_on_submit():
            return render("referrals/objection.html", referee=referee, status=422, expired=True)
        if referee is not None:
            consent.erase(referee)
            db.session.commit()
        return render("referrals/erased.html")
    if referee is None:
        # Erased already, or a link we never made: either way there is nothing of theirs here.
        return render("referrals/erased.html", already=True)
    return render("referrals/objection.html", referee=referee)


@bp.route("/r/feedback/<token>", methods=["GET", "POST"])
@public
@limiter.limit(public_form_limit, methods=["POST"])
def feedback(token: str):
    referee = intake.referee_by_token(token)
    _speak_their_language(referee)
    if referee is None or referee.stage not in (MEETING, OPPORTUNITY, WON, "lost"):
        return render("referrals/link_problem.html", problem="gone", status=404)
    form = FeedbackForm()
    if not form.validate_on_submit():
        return render("referrals/feedback.html", referee=referee, form=form, status=422 if form.is_submitted() else 200)
    referee.referee_feedback = form.feedback.data
    db.session.commit()
    return render("referrals/feedback_thanks.html")


# --- the customer's side ------------------------------------------------------------------------

def _my_referrals():
    return paginate(
        select(Referee).where(Referee.referrer_id == current_user.id)
        .order_by(Referee.created_at.desc(), Referee.id.desc()),
        per_page=20, scalars=True,
    )


def _render_mine(forms=None, status=200):
    page = _my_referrals()
    points = stages.referral_points([r.id for r in page.items], current_user.id)
    messages = {
        r.id: intake.approved_message(
            r, share_link=links.share_link(current_user, "email") if r.route == "inbound" and not r.message else None)
        for r in page.items if r.route in ("introduce", "inbound") and r.source != "share"
    }
    return render("referrals/mine.html", page=page, points=points, messages=messages, forms=forms or {},
                  counts=links.channel_counts(current_user.id), channel_labels=links.SHARE_CHANNELS,
                  labels=stages.STAGE_LABELS, plain=stages.STAGE_FOR_REFERRER, status=status)


@bp.route("/referrals")
@customers_only
def mine():
    return _render_mine()


@bp.route("/referrals/<int:referee_id>/feedback", methods=["POST"])
@customers_only
def referrer_feedback(referee_id: int):
    referee = db.session.get(Referee, referee_id)
    if referee is None or referee.referrer_id != current_user.id or referee.stage not in (MEETING, OPPORTUNITY, WON, "lost"):
        abort(404)
    form = FeedbackForm()
    if not form.validate_on_submit():
        return _render_mine(forms={referee.id: form}, status=422)
    referee.referrer_feedback = form.feedback.data
    db.session.commit()
    flash(_("Thank you for telling us how it went."), "success")
    # No #anchor: a redirect that only changes the hash would not reload the page.
    return redirect_to(url_for("referrals.mine"))
