"""The customer's badges and rewards pages: what is earned, what is still to earn, claiming a reward."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import abort, flash, redirect, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import and_, select
from sqlalchemy.orm import joinedload

from app.customer import bp
from app.extensions import db
from app.htmx import render, wants_fragment
from app.i18n_content import localized
from app.journey.state import JourneyState, journey_state
from app.points.services import totals
from app.rewards.badges import approved_counts_by_type, badge_icon, badge_progress, badge_requirement
from app.rewards.models import Badge, Redemption, Reward, UserBadge
from app.rewards.redemptions import REWARD_KIND_LABELS, RewardError, open_claims, reward_blocker
from app.rewards.redemptions import claim_reward as claim_reward_for
from app.security import customers_only

# --- Badges ------------------------------------------------------------------------------------

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
        view.progress = badge_progress(badge, earned_points, type_counts)
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
    redemptions = open_claims(current_user, reward_id)
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
