"""The customer's journey: home, a challenge and its form."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import aliased

from app.analytics.models import record_view
from app.auth.models import Company, User
from app.challenges import get_type
from app.challenges.registry import AnswerRefused
from app.extensions import db
from app.htmx import redirect_to, render, wants_fragment
from app.i18n_content import localized
from app.journey.progress import JourneyError, complete_challenge
from app.journey.state import LOCKED, PAUSED, journey_state
from app.journey.texts import journey_texts
from app.notifications.services import mark_read, unread
from app.security import customers_only

bp = Blueprint("journey", __name__)

REFUSALS = {
    "locked": lambda: _("This challenge opens when you reach its level."),
    "paused": lambda: _("This step is on hold for a moment: your account manager will be in touch about your feedback first."),
    "closed": lambda: _("This challenge is not open at the moment."),
    "waiting": lambda: _("You already sent this one; it is waiting for a review."),
    "done": lambda: _("You already completed this challenge."),
}


# The customer's company and account manager, in one narrow statement.
_ACCOUNT_MANAGER = aliased(User)
_CONTACTS = (
    select(Company.name.label("company"), _ACCOUNT_MANAGER.name.label("manager_name"),
           _ACCOUNT_MANAGER.email.label("manager_email"))
    .outerjoin(_ACCOUNT_MANAGER, _ACCOUNT_MANAGER.id == Company.account_manager_id)
    .where(Company.id == bindparam("company_id"))
)


def render_home():
    state = journey_state(current_user)
    contacts = db.session.execute(_CONTACTS, {"company_id": current_user.company_id}).first() \
        if current_user.company_id else None
    return render("journey/home.html", state=state, texts=journey_texts(state.definition),
                  notes=unread(current_user.id), contacts=contacts)


@bp.route("/notifications/read", methods=["POST"])
@customers_only
def notifications_read():
    mark_read(current_user.id)
    db.session.commit()
    return redirect_to(url_for("main.home"))


@bp.route("/challenges/<int:challenge_id>", methods=["GET", "POST"])
@customers_only
def challenge(challenge_id: int):
    state = journey_state(current_user)
    challenge = state.definition.challenges.get(challenge_id)  # published ones only
    if challenge is None:
        abort(404)
    # The page's words, and with them the language, settled before the completion commits.
    journey_texts(state.definition)
    ctype = get_type(challenge.type_key)
    cstate = state.by_challenge[challenge.id]
    form = ctype.answer_form(challenge, formdata=request.form if request.method == "POST" else None, user=current_user)
    context = dict(challenge=challenge, ctype=ctype, cstate=cstate, state=state, form=form,
                   level_state=next(lvl for lvl in state.levels if lvl.level.id == challenge.level_id),
                   # A locked challenge shows nothing personal yet (no referral code is made for it).
                   extra=ctype.context(challenge, current_user) if cstate.status not in (LOCKED, PAUSED) else {})
    if request.method == "GET":
        response = _render_challenge(**context)
        record_view(current_user.id, challenge.id)
        db.session.commit()  # records the view; after rendering, so nothing the page shows was expired first
        return response

    if not cstate.can_submit:
        flash(REFUSALS.get(cstate.status, REFUSALS["closed"])(), "error")
        return _render_challenge(status=409, **context)
    if ctype.confirm_step and request.form.get("edit"):
        return _render_challenge(**context)  # back to the form, as typed
    if not form.validate():
        return _render_challenge(status=422, **context)
    if ctype.confirm_step and not request.form.get("approved"):
        # First the customer reads exactly what will be sent, then approves it.
        preview = ctype.preview(form, challenge, current_user)
        return _render_challenge(preview=preview, **context)
    try:
        completion = complete_challenge(current_user, challenge, ctype.to_data(form, challenge, current_user), state)
    except JourneyError as exc:
        db.session.rollback()
        flash(REFUSALS.get(exc.reason, REFUSALS["closed"])(), "error")
        return _render_challenge(status=409, **{**context, "state": journey_state(current_user)})
    except AnswerRefused as refused:
        db.session.rollback()
        target = form[refused.field] if refused.field in form else None
        if target is not None:
            target.errors = [*target.errors, refused.message] if isinstance(target.errors, list) else [refused.message]
        else:
            form.form_errors.append(refused.message)
        return _render_challenge(status=422, **{**context, "state": journey_state(current_user)})
    db.session.commit()

    if wants_fragment():
        state = completion.state
        return _render_challenge(
            completion=completion, **{
                **context, "state": state, "cstate": state.by_challenge[challenge.id],
                "level_state": next(lvl for lvl in state.levels if lvl.level.id == challenge.level_id),
            },
        )
    for message in celebration_messages(completion):
        flash(message, "success")
    return redirect(url_for("journey.challenge", challenge_id=challenge.id), 303)


def _render_challenge(status: int = 200, **context):
    """The challenge page; its texts come from the journey the state was worked out from."""
    return render("journey/challenge.html", status=status, texts=journey_texts(context["state"].definition), **context)


def celebration_messages(completion) -> list[str]:
    messages = []
    if completion.points:
        messages.append(ngettext("Well done! You earned %(num)d point.", "Well done! You earned %(num)d points.",
                                 completion.points))
    elif completion.waiting:
        messages.append(str(get_type(completion.challenge.type_key).waiting_text))
    else:
        messages.append(_("Thank you! Done."))
    for level in completion.new_levels:
        messages.append(_("New level reached: %(name)s!", name=localized(level, "name")))
    for badge in completion.new_badges:
        messages.append(_("New badge: %(name)s", name=localized(badge, "name")))
    return messages
