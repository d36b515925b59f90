"""The customer's own pages: points ledger, badges, rewards, contributions, profile and leaderboard.

Every page reads only the signed-in customer's rows (or, on the leaderboard, what opted-in
customers chose to show) and has a fixed number of queries, whatever the number of rows.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import format_date, gettext as _, lazy_gettext as _l, ngettext, refresh
from flask_login import current_user
from sqlalchemy import and_, select
from sqlalchemy.orm import contains_eager, joinedload

from app.auth.models import CUSTOMER, User
from app.challenges import REGISTRY, get_type
from app.customer.forms import ProfileForm
from app.extensions import db
from app.htmx import redirect_to, render, wants_fragment
from app.i18n import remember_locale
from app.i18n_content import localized
from app.journey.models import APPROVED, PENDING, REJECTED, Challenge, Submission
from app.journey.services import JourneyState, journey_state
from app.journey.services import withdraw_consent as withdraw_submission_consent
from app.pagination import paginate
from app.points.models import PointsEntry
from app.points.services import EARNED, totals
from app.rewards.models import (
    CANCELLED, CHALLENGE_COMPLETED, LEVEL_REACHED, POINTS_AT_LEAST, TYPE_COUNT, Badge, Redemption, Reward, UserBadge,
)
from app.rewards.services import RewardError, approved_counts_by_type, reward_blocker
from app.rewards.services import claim_reward as claim_reward_for
from app.security import customers_only

bp = Blueprint("customer", __name__)

PER_PAGE = 25
LEADERBOARD_SIZE = 20

# A badge's `icon` is a word marketers pick; the page shows it as an emoji. Unknown words get a star.
BADGE_ICONS = {
    "star": "⭐", "heart": "❤️", "trophy": "🏆", "rocket": "🚀",
    "megaphone": "📣", "handshake": "🤝", "medal": "🏅", "sparkles": "✨",
}
DEFAULT_BADGE_ICON = "⭐"

REWARD_KIND_LABELS = {
    "recognition": _l("Recognition"),
    "exclusive_access": _l("Exclusive access"),
    "donation": _l("Donation in your name"),
    "event_seat": _l("Seat at an event"),
    "early_access": _l("Early access"),
    "merchandise": _l("Merchandise"),
    "gift_card": _l("Gift card"),
    "discount": _l("Discount"),
}

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


# --- Badges ------------------------------------------------------------------------------------

def badge_icon(icon: str | None) -> str:
    return BADGE_ICONS.get((icon or "").strip().lower(), DEFAULT_BADGE_ICON)


def _type_label(key: str | None) -> str:
    try:
        return str(get_type(key or "").label)
    except LookupError:
        return key or ""


def badge_requirement(badge: Badge) -> str:
    """What it takes to earn a badge, in words, derived from its rule."""
    if badge.rule == LEVEL_REACHED:
        if badge.rule_level is None:
            return _("Reach the next level")
        return _("Reach level %(n)d: %(name)s", n=badge.rule_level.position, name=localized(badge.rule_level, "name"))
    if badge.rule == POINTS_AT_LEAST:
        return ngettext("Earn at least %(num)d point", "Earn at least %(num)d points", badge.rule_value or 0)
    if badge.rule == CHALLENGE_COMPLETED:
        if badge.rule_challenge is None:
            return _("Complete a particular challenge")
        return _("Complete the challenge “%(title)s”", title=localized(badge.rule_challenge, "title"))
    if badge.rule == TYPE_COUNT:
        return ngettext(
            "Complete %(num)d challenge of the type “%(type)s”", "Complete %(num)d challenges of the type “%(type)s”",
            badge.rule_value or 1, type=_type_label(badge.rule_type_key),
        )
    return ""


@dataclass
class BadgeView:
    badge: Badge
    icon: str
    requirement: str
    awarded_at: datetime | None = None
    progress: tuple[int, int] | None = None  # (have, need) for countable rules


@bp.route("/badges")
@customers_only
def badges():
    rows = db.session.execute(
        select(Badge, UserBadge.awarded_at)
        .outerjoin(UserBadge, and_(UserBadge.badge_id == Badge.id, UserBadge.user_id == current_user.id))
        # A badge once earned stays the customer's, also when marketing retires it.
        .where((Badge.active.is_(True)) | (UserBadge.id.is_not(None)))
        .options(joinedload(Badge.rule_level), joinedload(Badge.rule_challenge))
        .order_by(Badge.position, Badge.id)
    ).all()
    earned_points, _balance = totals(current_user.id)
    type_counts = approved_counts_by_type(current_user.id)
    earned, to_earn = [], []
    for badge, awarded_at in rows:
        view = BadgeView(badge, badge_icon(badge.icon), badge_requirement(badge), awarded_at)
        if awarded_at is not None:
            earned.append(view)
            continue
        if badge.rule == POINTS_AT_LEAST and badge.rule_value:
            view.progress = (min(earned_points, badge.rule_value), badge.rule_value)
        elif badge.rule == TYPE_COUNT:
            need = badge.rule_value or 1
            view.progress = (min(type_counts.get(badge.rule_type_key or "", 0), need), need)
        to_earn.append(view)
    earned.sort(key=lambda v: v.awarded_at, reverse=True)
    return render("customer/badges.html", earned=earned, to_earn=to_earn)


# --- Rewards -----------------------------------------------------------------------------------

@dataclass
class RewardView:
    reward: Reward
    kind_label: str
    blocker: str | None
    why_not: str | None
    redemption: Redemption | None = None

    @property
    def claimable(self) -> bool:
        return self.blocker is None


def _why_not(blocker: str | None, reward: Reward, state: JourneyState, redemption: Redemption | None) -> str | None:
    if blocker is None:
        return None
    if blocker == "claimed" and redemption is not None:
        return _("Claimed on %(date)s", date=format_date(redemption.created_at))
    if blocker == "claimed":
        return _("You already claimed this reward.")
    if blocker == "level" and reward.level is not None:
        return _("Reach level %(n)d to claim this", n=reward.level.position)
    if blocker == "stock":
        return _("Out of stock")
    if blocker == "points":
        missing = (reward.point_cost or 0) - state.balance
        return ngettext("%(num)d more point needed", "%(num)d more points needed", missing)
    return _("Not available at the moment")


def _reward_views(state: JourneyState, reward_id: int | None = None) -> list[RewardView]:
    """Active rewards (or one) with this customer's state: two queries."""
    query = select(Reward).options(joinedload(Reward.level)).where(Reward.active.is_(True))
    if reward_id is not None:
        query = query.where(Reward.id == reward_id)
    rewards = list(db.session.scalars(query.order_by(Reward.position, Reward.id)))
    mine = select(Redemption).where(Redemption.user_id == current_user.id, Redemption.status != CANCELLED)
    if reward_id is not None:
        mine = mine.where(Redemption.reward_id == reward_id)
    redemptions = {r.reward_id: r for r in db.session.scalars(mine)}
    views = []
    for reward in rewards:
        redemption = redemptions.get(reward.id)
        blocker = reward_blocker(reward, state, redemption is not None)
        views.append(RewardView(
            reward, str(REWARD_KIND_LABELS.get(reward.kind, reward.kind)), blocker,
            _why_not(blocker, reward, state, redemption), redemption,
        ))
    return views


REWARD_REFUSALS = {
    "claimed": lambda: _("You already claimed this reward."),
    "level": lambda: _("This reward opens at a higher level. Keep going!"),
    "stock": lambda: _("Sorry, this reward is out of stock."),
    "points": lambda: _("You do not have enough points for this reward yet."),
    "inactive": lambda: _("This reward is no longer available."),
}


@bp.route("/rewards")
@customers_only
def rewards():
    state = journey_state(current_user)
    return render("customer/rewards.html", cards=_reward_views(state), state=state)


@bp.route("/rewards/<int:reward_id>/claim", methods=["POST"])
@customers_only
def claim_reward(reward_id: int):
    reward = db.session.get(Reward, reward_id)
    if reward is None or not reward.active:
        abort(404)
    name = localized(reward, "name")
    try:
        claim_reward_for(current_user, reward)
    except RewardError as exc:
        db.session.rollback()
        message, category, status = REWARD_REFUSALS.get(exc.reason, REWARD_REFUSALS["inactive"])(), "error", 409
    else:
        db.session.commit()
        message, category, status = (
            _("You claimed “%(name)s”. We will be in touch about it soon.", name=name), "success", 200,
        )

    if wants_fragment():
        state = journey_state(current_user)
        cards = _reward_views(state, reward_id)
        if not cards:  # retired while the customer was looking
            abort(404)
        return render("customer/_reward_claimed.html", status=status, card=cards[0], state=state,
                      message=message, category=category)
    flash(message, category)
    if status == 200:
        return redirect(url_for("customer.rewards"), 303)
    state = journey_state(current_user)
    return render("customer/rewards.html", status=status, cards=_reward_views(state), state=state)


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
