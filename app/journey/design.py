"""Authoring the journey: the rules marketers' changes to levels, challenges and badges must keep.

Positions stay unique and gap-free, a level never requires challenges customers cannot complete
first, customers only see challenges written in both languages, and answers and awarded badges are
never deleted. Operations flush only; the view audits and commits.
"""
from __future__ import annotations

import copy
import re
from collections.abc import Mapping

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.analytics import rollups as analytics_rollups
from app.extensions import db
from app.i18n_content import localized
from app.journey.models import ARCHIVED, DRAFT, PUBLISHED, Challenge, Level, Submission, level_required_challenges
from app.rewards.models import Badge, Reward, UserBadge

UP, DOWN = "up", "down"
COPY_SUFFIX = {"nl": " (kopie)", "en": " (copy)"}
# What customers read of a challenge: each is needed in both languages before it may be published.
PUBLISH_REQUIRED = ("title_nl", "title_en", "body_nl", "body_en")
TITLE_MAX = 200


class DesignError(Exception):
    """A change the journey's rules do not allow; `message` says why, for the marketer."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def title_of(challenge: Challenge) -> str:
    return localized(challenge, "title") or f"#{challenge.id}"


# --- positions -------------------------------------------------------------------------------------

def next_position(model) -> int:
    """The position after the last level, badge or reward."""
    return (db.session.scalar(select(func.max(model.position))) or 0) + 1


def challenge_changes_level(challenge: Challenge, level: Level) -> None:
    """A challenge is about to move to another level: its place there, and the analytics that
    depend on its level told (flush only)."""
    challenge.position = next_challenge_position(level.id)
    if challenge.id is not None:
        analytics_rollups.levels_changed()


def next_challenge_position(level_id: int) -> int:
    return (db.session.scalar(select(func.max(Challenge.position)).where(Challenge.level_id == level_id)) or 0) + 1


def swap_positions(first, second) -> None:
    """Swap two unique positions without ever holding a duplicate (a parked negative one in between)."""
    a, b = first.position, second.position
    first.position = -first.id - 1
    db.session.flush()
    second.position = a
    db.session.flush()
    first.position = b
    db.session.flush()


# --- levels ----------------------------------------------------------------------------------------

def move_blocker(lower: Level, higher: Level) -> str | None:
    """After a swap `lower` comes first in the journey, so it may not require challenges of `higher`."""
    if any(c.level_id == higher.id for c in lower.required_challenges):
        return _("“%(lower)s” requires challenges of “%(higher)s”, so it cannot move above it. "
                 "Change the required challenges first.",
                 lower=localized(lower, "name"), higher=localized(higher, "name"))
    return None


def move_level(level: Level, direction: str) -> Level | None:
    """Swap a level with its neighbour above (UP) or below; None when it is already at that end.
    Raises DesignError when the new order would break a required challenge, and IntegrityError when
    a parallel change took the position first."""
    query = select(Level).options(selectinload(Level.required_challenges))
    if direction == UP:
        query = query.where(Level.position < level.position).order_by(Level.position.desc())
    else:
        query = query.where(Level.position > level.position).order_by(Level.position)
    neighbour = db.session.scalars(query.limit(1)).first()
    if neighbour is None:
        return None
    lower, higher = (level, neighbour) if direction == UP else (neighbour, level)
    blocker = move_blocker(lower, higher)
    if blocker:
        raise DesignError(blocker)
    swap_positions(level, neighbour)
    analytics_rollups.levels_changed()  # which answers count as level 2 or higher may have changed
    return neighbour


def level_delete_blocker(level: Level) -> str | None:
    challenges = db.session.scalar(select(func.count(Challenge.id)).where(Challenge.level_id == level.id))
    if challenges:
        return ngettext(
            "“%(name)s” still has %(num)d challenge. Move or delete it first; archived challenges count too, "
            "because customers' answers are kept with them.",
            "“%(name)s” still has %(num)d challenges. Move or delete them first; archived challenges count too, "
            "because customers' answers are kept with them.",
            challenges, name=localized(level, "name"),
        )
    badges = db.session.scalar(select(func.count(Badge.id)).where(Badge.rule_level_id == level.id))
    if badges:
        return _("A badge is earned by reaching “%(name)s”. Change or delete that badge first.",
                 name=localized(level, "name"))
    rewards = db.session.scalar(select(func.count(Reward.id)).where(Reward.level_id == level.id))
    if rewards:
        return _("A reward is available from “%(name)s”. Change that reward first.", name=localized(level, "name"))
    return None


def delete_level(level: Level) -> None:
    """Delete a level (check level_delete_blocker first) and close the gap it leaves."""
    position = level.position
    db.session.delete(level)
    db.session.flush()
    # Customers keep seeing levels 1, 2, 3 …: park the ones above, then renumber.
    above = list(db.session.scalars(select(Level).where(Level.position > position).order_by(Level.position)))
    for other in above:
        other.position = -other.position
    db.session.flush()
    for other in above:
        other.position = -other.position - 1
    db.session.flush()
    analytics_rollups.levels_changed()


LEVEL_PUBLISH_REQUIRED = ("name_nl", "name_en", "description_nl", "description_en")


def level_publish_blockers(level: Level) -> list[str]:
    """Why a draft level may not go live yet: customers need at least one published challenge in it,
    its name and description in both languages, and required challenges they can reach."""
    reasons = []
    missing = [name for name in LEVEL_PUBLISH_REQUIRED if not (getattr(level, name) or "").strip()]
    if missing:
        labels = {"name_nl": _("Dutch name"), "name_en": _("English name"),
                  "description_nl": _("Dutch description"), "description_en": _("English description")}
        reasons.append(_("Customers read this level in Dutch and English. Still empty: %(fields)s.",
                         fields=", ".join(labels[name] for name in missing)))
    published = db.session.scalar(select(func.count(Challenge.id)).where(
        Challenge.level_id == level.id, Challenge.status == PUBLISHED))
    if not published:
        reasons.append(_("“%(name)s” has no published challenge yet. Publish at least one challenge in this level first.",
                         name=localized(level, "name") or f"#{level.id}"))
    unreachable = [c for c in level.required_challenges
                   if c.status != PUBLISHED or (c.level_id != level.id and c.level.status != PUBLISHED)]
    if unreachable:
        reasons.append(_("Customers cannot complete every required challenge yet: %(titles)s.",
                         titles=", ".join(f"“{title_of(c)}”" for c in unreachable)))
    return reasons


def publish_level(level: Level) -> list[str]:
    """Put a draft level live for customers; otherwise leave it a draft and return why not."""
    reasons = level_publish_blockers(level)
    if not reasons:
        level.status = PUBLISHED
        db.session.flush()
    return reasons


# --- challenges ------------------------------------------------------------------------------------

def required_by(challenge: Challenge | None) -> list[Level]:
    """The levels that require this challenge, lowest first."""
    if challenge is None or challenge.id is None:
        return []
    return list(db.session.scalars(
        select(Level).join(level_required_challenges, level_required_challenges.c.level_id == Level.id)
        .where(level_required_challenges.c.challenge_id == challenge.id).order_by(Level.position)
    ))


def required_blocker(challenge: Challenge) -> str | None:
    """A required challenge must stay completable: it may not be unpublished or archived."""
    levels = required_by(challenge)
    if levels:
        return _("Level %(n)d requires “%(title)s”, so customers must be able to complete it. "
                 "Remove it from that level's required challenges first.",
                 n=levels[0].position, title=title_of(challenge))
    return None


def missing_for_publishing(values: Mapping[str, str | None]) -> list[str]:
    """The texts still empty that customers would read: title and text in both languages."""
    return [name for name in PUBLISH_REQUIRED if not (values.get(name) or "").strip()]


def publish(challenge: Challenge) -> list[str]:
    """Publish a challenge written in both languages; otherwise leave it and return what is missing."""
    missing = missing_for_publishing({name: getattr(challenge, name) for name in PUBLISH_REQUIRED})
    if not missing:
        challenge.status = PUBLISHED
    return missing


def unpublish(challenge: Challenge) -> str | None:
    """Make a challenge a draft again, unless a level requires it (the reason is returned)."""
    blocker = required_blocker(challenge) if challenge.status == PUBLISHED else None
    if blocker is None:
        challenge.status = DRAFT
    return blocker


def archive(challenge: Challenge) -> str | None:
    """Hide a challenge from customers for good, keeping its answers, unless a level requires it."""
    blocker = required_blocker(challenge)
    if blocker is None:
        challenge.status = ARCHIVED
    return blocker


def challenge_delete_blocker(challenge: Challenge) -> str | None:
    """Only an unused draft may be deleted: customers' answers are kept, so a used one is archived."""
    answers = db.session.scalar(select(func.count(Submission.id)).where(Submission.challenge_id == challenge.id))
    if answers:
        return _("“%(title)s” has answers from customers, so it is kept. Archive it instead: "
                 "customers no longer see it and the answers stay.", title=title_of(challenge))
    if challenge.status != DRAFT:
        return _("Only drafts can be deleted. Make “%(title)s” a draft first, or archive it.",
                 title=title_of(challenge))
    if db.session.scalar(select(func.count(Badge.id)).where(Badge.rule_challenge_id == challenge.id)):
        return _("A badge is earned by completing “%(title)s”. Change or delete that badge first.",
                 title=title_of(challenge))
    return None


def delete_challenge(challenge: Challenge) -> None:
    """Delete a challenge (check challenge_delete_blocker first)."""
    db.session.delete(challenge)
    db.session.flush()


def duplicate_challenge(original: Challenge) -> Challenge:
    """A draft copy at the end of the same level, its titles marked " (kopie)" / " (copy)"."""
    def suffixed(title: str, lang: str) -> str:
        suffix = COPY_SUFFIX[lang]
        return (title[: TITLE_MAX - len(suffix)] + suffix) if title else ""

    copy_ = Challenge(
        level_id=original.level_id, type_key=original.type_key, status=DRAFT,
        title_nl=suffixed(original.title_nl, "nl"), title_en=suffixed(original.title_en, "en"),
        body_nl=original.body_nl, body_en=original.body_en, points=original.points,
        config=copy.deepcopy(original.config), starts_at=original.starts_at, ends_at=original.ends_at,
        repeatable=original.repeatable, needs_review=original.needs_review,
        position=next_challenge_position(original.level_id),
    )
    db.session.add(copy_)
    db.session.flush()
    return copy_


def move_challenge(challenge: Challenge, direction: str) -> tuple[int, int] | None:
    """Swap a challenge with its neighbour within its level; (from, to) places, or None when it is
    already at that end."""
    siblings = list(db.session.scalars(
        select(Challenge).where(Challenge.level_id == challenge.level_id).order_by(Challenge.position, Challenge.id)
    ))
    index = siblings.index(challenge)
    other = index - 1 if direction == UP else index + 1
    if not 0 <= other < len(siblings):
        return None
    # Number the level 1…n first, so equal or missing positions cannot stall a move.
    for number, sibling in enumerate(siblings, start=1):
        sibling.position = number
    siblings[index].position, siblings[other].position = other + 1, index + 1
    db.session.flush()
    return index + 1, other + 1


# --- badges ----------------------------------------------------------------------------------------

def badge_key(name: str) -> str:
    """A readable, unique key from the badge's name (badges.key is UNIQUE)."""
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:50] or "badge"
    taken = set(db.session.scalars(select(Badge.key).where(Badge.key.like(f"{base}%"))))
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


def badge_delete_blocker(badge: Badge) -> str | None:
    """Customers keep the badges they earned: an awarded badge is deactivated, never deleted."""
    if db.session.scalar(select(func.count(UserBadge.id)).where(UserBadge.badge_id == badge.id)):
        return _("“%(name)s” has been awarded, so it is kept: customers keep their badges. "
                 "Deactivate it to stop awarding it.", name=localized(badge, "name"))
    return None
