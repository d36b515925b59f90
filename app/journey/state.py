"""Where a customer stands on the journey: levels, challenge states, points and progress (read only)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.challenges import get_type
from app.dates import utcnow
from app.extensions import db
from app.journey.models import APPROVED, PENDING, PUBLISHED, Challenge, Level, Submission
from app.nps.services import advocacy_paused
from app.points.services import totals

DONE, WAITING, OPEN, LOCKED, CLOSED, PAUSED = "done", "waiting", "open", "locked", "closed", "paused"
# Levels from here on ask for advocacy (quotes, reviews, referrals): never of an unhappy customer.
ADVOCACY_FROM_POSITION = 2


@dataclass
class ChallengeState:
    challenge: Challenge
    status: str  # done / waiting / open / locked / closed / paused
    submission: Submission | None = None

    @property
    def can_submit(self) -> bool:
        return self.status == OPEN or (self.status == DONE and self.repeat_due)

    @property
    def repeat_due(self) -> bool:
        """A repeatable challenge may be done again once its pause has passed (nobody is asked
        again too soon): `repeat_after_days` in its config, 0 by default."""
        if not self.challenge.repeatable or self.submission is None:
            return False
        config = self.challenge.config if isinstance(self.challenge.config, dict) else {}
        try:
            days = max(0, int(config.get("repeat_after_days", 0)))
        except (TypeError, ValueError):
            days = 0
        return self.submission.created_at <= utcnow() - timedelta(days=days)


@dataclass
class LevelState:
    level: Level
    unlocked: bool
    points_to_go: int
    missing_required: list[Challenge]
    challenges: list[ChallengeState] = field(default_factory=list)
    percent: int = 0

    @property
    def done_count(self) -> int:
        return sum(1 for c in self.challenges if c.status == DONE)


@dataclass
class JourneyState:
    earned: int
    balance: int
    levels: list[LevelState]
    completed_ids: set[int]
    by_challenge: dict[int, ChallengeState]
    # The latest NPS answer is a detractor's and its follow-up is not closed: advocacy asks wait.
    paused: bool = False

    @property
    def current(self) -> LevelState | None:
        unlocked = [lvl for lvl in self.levels if lvl.unlocked]
        return unlocked[-1] if unlocked else None

    @property
    def next_locked(self) -> LevelState | None:
        return next((lvl for lvl in self.levels if not lvl.unlocked), None)

    def unlocked_level_ids(self) -> set[int]:
        return {lvl.level.id for lvl in self.levels if lvl.unlocked}

    @property
    def next_challenge(self) -> ChallengeState | None:
        """The next best step: a challenge the next level requires, else the first open one."""
        open_states = [c for lvl in self.levels if lvl.unlocked for c in lvl.challenges if c.status == OPEN]
        if not open_states:
            return None
        upcoming = self.next_locked
        required = {c.id for c in upcoming.missing_required} if upcoming else set()
        return next((c for c in open_states if c.challenge.id in required), open_states[0])


def progress_percent(earned: int, threshold: int, required_total: int, required_done: int) -> int:
    """How far towards a level: points and required challenges weigh half each (points alone
    when the level requires no challenges)."""
    points_part = 1.0 if threshold <= 0 else min(1.0, earned / threshold)
    required_part = 1.0 if required_total == 0 else required_done / required_total
    if required_total == 0:
        return round(points_part * 100)
    return round((points_part + required_part) / 2 * 100)


def _challenge_status(challenge: Challenge, submission: Submission | None, level: Level, unlocked: bool,
                      paused: bool, now) -> str:
    if submission is not None and submission.status == APPROVED:
        return DONE
    if submission is not None and submission.status == PENDING and not (
            challenge.repeatable and get_type(challenge.type_key).parallel):
        return WAITING
    if not unlocked:
        return LOCKED
    if not challenge.is_open(now):
        return CLOSED
    if paused and level.position >= ADVOCACY_FROM_POSITION:
        return PAUSED
    return OPEN  # also after a rejection: the customer may try again


def journey_state(user: User) -> JourneyState:
    """Where a customer stands. A fixed number of queries, whatever the number of challenges."""
    levels = list(
        db.session.scalars(select(Level).where(Level.status == PUBLISHED)  # draft levels: not for customers yet
                           .options(selectinload(Level.required_challenges)).order_by(Level.position))
    )
    challenges = list(
        db.session.scalars(
            select(Challenge).where(Challenge.status == PUBLISHED).order_by(Challenge.position, Challenge.id)
        )
    )
    latest: dict[int, Submission] = {}
    for submission in db.session.scalars(
        select(Submission).where(Submission.user_id == user.id).order_by(Submission.attempt)
    ):
        latest[submission.challenge_id] = submission  # the last attempt wins
    completed_ids = {cid for cid, s in latest.items() if s.status == APPROVED}
    earned, balance = totals(user.id)
    paused = advocacy_paused(user.id)

    now = utcnow()
    by_level: dict[int, list[Challenge]] = {}
    for challenge in challenges:
        by_level.setdefault(challenge.level_id, []).append(challenge)

    states: list[LevelState] = []
    by_challenge: dict[int, ChallengeState] = {}
    previous_unlocked = True
    for level in levels:
        missing = [c for c in level.required_challenges if c.id not in completed_ids]
        points_to_go = max(0, level.points_threshold - earned)
        unlocked = previous_unlocked and points_to_go == 0 and not missing
        required_total = len(level.required_challenges)
        state = LevelState(
            level=level, unlocked=unlocked, points_to_go=points_to_go, missing_required=missing,
            percent=100 if unlocked else progress_percent(
                earned, level.points_threshold, required_total, required_total - len(missing)),
        )
        for challenge in by_level.get(level.id, []):
            submission = latest.get(challenge.id)
            status = _challenge_status(challenge, submission, level, unlocked, paused, now)
            cs = ChallengeState(challenge, status, submission)
            state.challenges.append(cs)
            by_challenge[challenge.id] = cs
        states.append(state)
        previous_unlocked = unlocked
    return JourneyState(earned, balance, states, completed_ids, by_challenge, paused)
