"""The customer's own pages: points, contributions, profile and leaderboard (badges and rewards: rewards.py).

Every page reads only the signed-in customer's rows (or, on the leaderboard, what opted-in
customers chose to show) and has a fixed number of queries, whatever the number of rows.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import refresh
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from app.auth.models import CUSTOMER, User
from app.challenges import REGISTRY, get_type
from app.customer import bp
from app.customer import rewards as _rewards  # noqa: F401  (its badge and reward pages join bp)
from app.customer.forms import ProfileForm
from app.extensions import db
from app.htmx import redirect_to, render, wants_fragment
from app.i18n import remember_locale
from app.i18n_content import localized
from app.journey.models import APPROVED, PENDING, REJECTED, Challenge, Submission
from app.journey.progress import withdraw_consent as withdraw_submission_consent
from app.pagination import paginate
from app.points.models import PointsEntry
from app.points.services import EARNED, totals
from app.security import customers_only

PER_PAGE = 25
LEADERBOARD_SIZE = 20

# Submission states as the customer sees them on "my contributions".
WITHDRAWN = "withdrawn"
CONTRIBUTION_STATUS = {
    PENDING: _l("Waiting for review"),
    APPROVED: _l("Published"),
    REJECTED: _l("Not accepted"),
    WITHDRAWN: _l("Consent withdrawn"),
}
# Approved without a publication consent (a review on another site, an event slot): nothing of
# ours is published, so "published" would promise something that is not true.
ACCEPTED_LABEL = _l("Accepted")


# --- Points ------------------------------------------------------------------------------------

@bp.route("/points")
@customers_only
def points():
    earned, balance = totals(current_user.id)
    entries = paginate(
        select(PointsEntry)
        .where(PointsEntry.user_id == current_user.id)
        .order_by(PointsEntry.created_at.desc(), PointsEntry.id.desc()),
        per_page=PER_PAGE, scalars=True,
    )
    return render("customer/points.html", entries=entries, earned=earned, balance=balance)


# --- Contributions -----------------------------------------------------------------------------

def _contribution_keys() -> list[str]:
    return sorted(key for key, ctype in REGISTRY.items() if ctype.contribution)


@dataclass
class ContributionView:
    submission: Submission
    type_label: str
    status: str
    status_label: str
    summary: str
    can_withdraw: bool


def _contribution_view(submission: Submission) -> ContributionView:
    ctype = get_type(submission.challenge.type_key)
    status = WITHDRAWN if submission.consent_withdrawn_at is not None else submission.status
    label = ACCEPTED_LABEL if status == APPROVED and not ctype.publishes else CONTRIBUTION_STATUS.get(status, status)
    return ContributionView(
        submission=submission,
        type_label=str(ctype.label),
        status=status,
        status_label=str(label),
        summary=ctype.summary(submission),
        can_withdraw=bool(ctype.consent) and submission.consent_withdrawn_at is None,
    )


def _own_contribution(submission_id: int) -> Submission:
    """This customer's contribution, or 404: another customer's id looks exactly like a missing one."""
    submission = db.session.scalar(
        select(Submission)
        .join(Submission.challenge)
        .options(contains_eager(Submission.challenge))
        .where(
            Submission.id == submission_id,
            Submission.user_id == current_user.id,
            Challenge.type_key.in_(_contribution_keys()),
        )
    )
    if submission is None:
        abort(404)
    return submission


@bp.route("/contributions")
@customers_only
def contributions():
    page = paginate(
        select(Submission)
        .join(Submission.challenge)
        .options(contains_eager(Submission.challenge))
        .where(Submission.user_id == current_user.id, Challenge.type_key.in_(_contribution_keys()))
        .order_by(Submission.created_at.desc(), Submission.id.desc()),
        per_page=PER_PAGE, scalars=True,
    )
    rows = [_contribution_view(submission) for submission in page.items]
    return render("customer/contributions.html", page=page, rows=rows)


@bp.route("/contributions/<int:submission_id>/withdraw", methods=["POST"])
@customers_only
def withdraw_consent(submission_id: int):
    submission = _own_contribution(submission_id)
    ctype = get_type(submission.challenge.type_key)
    if not ctype.consent:
        abort(404)  # nothing to withdraw here: the page never offers it
    title = localized(submission.challenge, "title")
    if withdraw_submission_consent(submission, current_user):
        db.session.commit()
        message = _("You withdrew your consent for “%(title)s”. It is no longer published.", title=title)
        category = "success"
    else:
        message = _("You had already withdrawn your consent for “%(title)s”.", title=title)
        category = "info"

    if wants_fragment():
        return render("customer/_contribution_updated.html", row=_contribution_view(submission),
                      message=message, category=category)
    flash(message, category)
    return redirect(url_for("customer.contributions"), 303)


# --- Profile -----------------------------------------------------------------------------------

@bp.route("/profile", methods=["GET", "POST"])
@customers_only
def profile():
    if request.method == "GET":
        return render("customer/profile.html", form=ProfileForm(obj=current_user))
    form = ProfileForm()
    if not form.validate_on_submit():
        return render("customer/profile.html", form=form, status=422)
    user = current_user
    user.name = form.name.data
    user.job_title = form.job_title.data or None
    user.linkedin_url = form.linkedin_url.data or None
    user.locale = form.locale.data
    if leaderboard_enabled():  # otherwise the form does not show these; keep what was chosen
        user.leaderboard_opt_in = bool(form.leaderboard_opt_in.data)
        user.display_name = form.display_name.data or None
    db.session.commit()
    refresh()  # the confirmation is said in the language just chosen
    flash(_("Your profile is saved."), "success")
    # A full page load, so <html lang> and every string follow the language.
    response = redirect_to(url_for("customer.profile"))
    remember_locale(response, user.locale)
    return response


# --- Leaderboard -------------------------------------------------------------------------------

def initials(name: str) -> str:
    """Initials, like K.v.D. for Kees van Dijk: enough to recognise yourself, not to find someone."""
    return "".join(f"{word[0]}." for word in (name or "").split()[:4]) or "?"


@dataclass
class LeaderboardRow:
    rank: int
    name: str
    earned: int
    is_you: bool


def leaderboard_enabled() -> bool:
    return bool(current_app.config.get("LEADERBOARD_ENABLED", True))


@bp.route("/leaderboard")
@customers_only
def leaderboard():
    if not leaderboard_enabled():
        abort(404)
    earned = EARNED.label("earned")
    # One aggregate query; only what the customers chose to show (never an e-mail or a company).
    result = db.session.execute(
        select(User.id, User.name, User.display_name, earned)
        .outerjoin(PointsEntry, PointsEntry.user_id == User.id)
        .where(User.role == CUSTOMER, User.is_active.is_(True), User.leaderboard_opt_in.is_(True))
        .group_by(User.id, User.name, User.display_name)
        .order_by(earned.desc(), User.id)
        .limit(LEADERBOARD_SIZE)
    ).all()
    rows: list[LeaderboardRow] = []
    for position, (user_id, name, display_name, total) in enumerate(result, start=1):
        total = int(total)
        # Equal points, equal rank (1, 2, 2, 4).
        rank = rows[-1].rank if rows and rows[-1].earned == total else position
        rows.append(LeaderboardRow(rank, display_name or initials(name), total, user_id == current_user.id))
    return render("customer/leaderboard.html", rows=rows, opted_in=current_user.leaderboard_opt_in,
                  you_listed=any(row.is_you for row in rows), size=LEADERBOARD_SIZE)
