"""Rewards: what a customer may claim, claiming one, and marketing fulfilling or cancelling the claim.

Operations flush only; the route commits. Stock and "one open claim per customer" are kept by
conditional UPDATEs and constraints; points move only through the ledger.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.audit.services import record
from app.auth.models import User
from app.dates import utcnow
from app.extensions import db
from app.i18n_content import in_both_languages, localized
from app.journey.state import JourneyState, journey_state
from app.notifications.services import notify
from app.points.services import award_points
from app.rewards.models import CANCELLED, FULFILLED, MONEY_LIKE_KINDS, REQUESTED, Redemption, Reward
from app.urls import external_url

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


class RewardError(Exception):
    """A claim that cannot happen; `reason` (claimed, inactive, level, stock, points) says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def money_like_dominates() -> bool:
    """True when active money-like rewards outnumber the intrinsic ones."""
    counts = dict(db.session.execute(
        select(Reward.kind, func.count(Reward.id)).where(Reward.active.is_(True)).group_by(Reward.kind)
    ).all())
    money = sum(n for kind, n in counts.items() if kind in MONEY_LIKE_KINDS)
    return money > sum(counts.values()) - money


# --- claiming --------------------------------------------------------------------------------------

def reward_blocker(reward: Reward, state: JourneyState, claimed: bool) -> str | None:
    """Why a customer cannot claim this reward now, or None when they can."""
    if claimed:
        return "claimed"
    if not reward.active:
        return "inactive"
    if reward.level_id is not None and reward.level_id not in state.unlocked_level_ids():
        return "level"
    if reward.stock is not None and reward.stock <= 0:
        return "stock"
    if reward.point_cost and state.balance < reward.point_cost:
        return "points"
    return None


def open_claims(user: User, reward_id: int | None = None) -> dict[int, Redemption]:
    """The customer's claims that still count (not cancelled), by reward id."""
    query = select(Redemption).where(Redemption.user_id == user.id, Redemption.status != CANCELLED)
    if reward_id is not None:
        query = query.where(Redemption.reward_id == reward_id)
    return {r.reward_id: r for r in db.session.scalars(query)}


def claim_reward(user: User, reward: Reward) -> Redemption:
    """Claim a reward: one per customer, stock never below zero, points spent through the ledger."""
    # Serialise this customer's spending so two claims cannot both use the same points: a no-op
    # UPDATE takes the row lock on PostgreSQL and the write lock on SQLite before the balance is read.
    db.session.execute(
        update(User).where(User.id == user.id).values(id=User.id).execution_options(synchronize_session=False)
    )
    state = journey_state(user)
    claimed = db.session.scalar(
        select(Redemption.id).where(
            Redemption.user_id == user.id, Redemption.reward_id == reward.id, Redemption.status != CANCELLED
        )
    ) is not None
    blocker = reward_blocker(reward, state, claimed)
    if blocker:
        raise RewardError(blocker)
    redemption = Redemption(user_id=user.id, reward_id=reward.id, points_spent=reward.point_cost or 0,
                            unit_cost_cents=reward.unit_cost_cents or 0)
    try:
        with db.session.begin_nested():
            db.session.add(redemption)
    except IntegrityError:
        raise RewardError("claimed") from None
    if reward.stock is not None:
        taken = db.session.execute(
            update(Reward).where(Reward.id == reward.id, Reward.stock > 0).values(stock=Reward.stock - 1)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:
            raise RewardError("stock")  # the route rolls back, so the redemption goes too
    if reward.point_cost:
        award_points(user.id, -reward.point_cost, "redemption", redemption.id,
                     reason_nl=reward.name_nl, reason_en=reward.name_en)
    return redemption


# --- fulfilment ------------------------------------------------------------------------------------


def _settle(redemption: Redemption, new_status: str) -> bool:
    """Move a requested redemption on; False when someone else already did. Conditional, so two
    marketers clicking at once settle it once."""
    result = db.session.execute(
        update(Redemption).where(Redemption.id == redemption.id, Redemption.status == REQUESTED)
        .values(status=new_status, updated_at=utcnow()).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    db.session.refresh(redemption)
    return True


def fulfil(redemption: Redemption, by: User) -> bool:
    """The reward is arranged: the customer is told (in the app and by e-mail) and the step audited.
    False when the claim was no longer open (someone else fulfilled or cancelled it)."""
    if not _settle(redemption, FULFILLED):
        return False
    reward = redemption.reward
    text_nl, text_en = in_both_languages(
        lambda: _("Your reward “%(reward)s” is arranged. Enjoy it, and thank you for being an ambassador!",
                  reward=localized(reward, "name")))
    notify(redemption.user, "reward", text_nl, text_en, external_url("customer.rewards"), subject=in_both_languages(
        lambda: _("Your reward “%(reward)s” is arranged", reward=localized(reward, "name"))))
    record(by, "redemption.fulfil", redemption,
           _("Fulfilled “%(reward)s” for %(name)s", reward=reward.name_en, name=redemption.user.name),
           reward_id=reward.id, customer_id=redemption.user_id)
    return True


def cancel(redemption: Redemption, by: User, note: str | None = None) -> bool:
    """Cancel an open claim: its points go back through the ledger, its unit back into stock, and the
    customer is told why. False when the claim was no longer open."""
    if not _settle(redemption, CANCELLED):
        return False
    reward, points = redemption.reward, redemption.points_spent
    if points > 0:
        reasons = in_both_languages(lambda: _("Returned: %(reward)s", reward=localized(reward, "name")))
        # A unique ledger source: a retry or a double click returns the points once.
        award_points(redemption.user_id, points, "redemption_refund", redemption.id, *reasons)
    # Conditional: only a reward with a stock count gets its unit back; unlimited stays unlimited.
    db.session.execute(
        update(Reward).where(Reward.id == reward.id, Reward.stock.is_not(None)).values(stock=Reward.stock + 1)
        .execution_options(synchronize_session=False)
    )

    def message() -> str:
        name = localized(reward, "name")
        text = (ngettext("We cancelled your claim for “%(reward)s”. Your %(num)d point is back in your balance.",
                         "We cancelled your claim for “%(reward)s”. Your %(num)d points are back in your balance.",
                         points, reward=name)
                if points else _("We cancelled your claim for “%(reward)s”.", reward=name))
        if note:
            text += " " + _("Note from our team: %(note)s", note=note)
        return text

    text_nl, text_en = in_both_languages(message)
    notify(redemption.user, "reward", text_nl, text_en, external_url("customer.rewards"), subject=in_both_languages(
        lambda: _("Your claim for “%(reward)s” is cancelled", reward=localized(reward, "name"))))
    record(by, "redemption.cancel", redemption,
           _("Cancelled “%(reward)s” for %(name)s", reward=reward.name_en, name=redemption.user.name),
           reward_id=reward.id, customer_id=redemption.user_id, points_returned=points, note=note)
    return True
