"""Badges: the rules that earn them, awarding them once, and how they look and read to people."""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select

from app.auth.models import User
from app.challenges import get_type
from app.extensions import db
from app.i18n_content import localized
from app.journey.definition import BadgeDef, current_definition
from app.journey.models import APPROVED, Challenge, Submission
from app.rewards.models import CHALLENGE_COMPLETED, LEVEL_REACHED, POINTS_AT_LEAST, TYPE_COUNT, Badge, UserBadge
from app.unique import insert_once

if TYPE_CHECKING:  # the caller hands the state in: reading it here would tie badges to the journey's rules
    from app.journey.state import JourneyState

# A badge's `icon` is a word marketers pick; the page shows it as an emoji. Unknown words get a star.
BADGE_ICONS = {
    "star": "⭐", "heart": "❤️", "trophy": "🏆", "rocket": "🚀",
    "megaphone": "📣", "handshake": "🤝", "medal": "🏅", "sparkles": "✨",
}
DEFAULT_BADGE_ICON = "⭐"
BADGE_ICON_LABELS = {
    "star": _l("Star"), "heart": _l("Heart"), "trophy": _l("Trophy"), "rocket": _l("Rocket"),
    "megaphone": _l("Megaphone"), "handshake": _l("Handshake"), "medal": _l("Medal"), "sparkles": _l("Sparkles"),
}
BADGE_RULE_LABELS = {
    LEVEL_REACHED: _l("A level is reached"),
    POINTS_AT_LEAST: _l("The customer has earned at least a number of points"),
    CHALLENGE_COMPLETED: _l("A particular challenge is completed"),
    TYPE_COUNT: _l("A number of challenges of one type are completed"),
}


def badge_icon(icon: str | None) -> str:
    return BADGE_ICONS.get((icon or "").strip().lower(), DEFAULT_BADGE_ICON)


# --- earning ---------------------------------------------------------------------------------------

def approved_counts_by_type(user_id: int) -> dict[str, int]:
    """How many approved submissions a customer has per challenge type."""
    rows = db.session.execute(
        select(Challenge.type_key, func.count(Submission.id))
        .join(Submission, Submission.challenge_id == Challenge.id)
        .where(Submission.user_id == user_id, Submission.status == APPROVED)
        .group_by(Challenge.type_key)
    )
    return {key: count for key, count in rows}


def badge_earned(badge: Badge | BadgeDef, state: JourneyState, type_counts: dict[str, int]) -> bool:
    if badge.rule == LEVEL_REACHED:
        return badge.rule_level_id in state.unlocked_level_ids()
    if badge.rule == POINTS_AT_LEAST:
        return state.earned >= (badge.rule_value or 0)
    if badge.rule == CHALLENGE_COMPLETED:
        return badge.rule_challenge_id in state.completed_ids
    if badge.rule == TYPE_COUNT:
        return type_counts.get(badge.rule_type_key or "", 0) >= (badge.rule_value or 1)
    return False


def evaluate_badges(user: User, state: JourneyState) -> list[BadgeDef]:
    """Award every active badge whose rule the customer now meets. Returns the newly awarded ones.
    The badges come from the cached journey; the UNIQUE (user, badge) decides between parallel requests."""
    owned = set(db.session.scalars(select(UserBadge.badge_id).where(UserBadge.user_id == user.id)))
    definition = state.definition or current_definition()
    candidates = [badge for badge in definition.badges if badge.id not in owned]
    if not candidates:
        return []
    counts = approved_counts_by_type(user.id) if any(b.rule == TYPE_COUNT for b in candidates) else {}
    return [badge for badge in candidates if badge_earned(badge, state, counts)
            and insert_once(UserBadge.__table__, user_id=user.id, badge_id=badge.id)]


def badge_progress(badge: Badge, earned_points: int, type_counts: dict[str, int]) -> tuple[int, int] | None:
    """(have, need) for a rule that counts towards a number; None for the others."""
    if badge.rule == POINTS_AT_LEAST and badge.rule_value:
        return min(earned_points, badge.rule_value), badge.rule_value
    if badge.rule == TYPE_COUNT:
        need = badge.rule_value or 1
        return min(type_counts.get(badge.rule_type_key or "", 0), need), need
    return None


# --- wording ---------------------------------------------------------------------------------------

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
