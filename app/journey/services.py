"""Walking the journey: where a customer stands, completing a challenge, reviewing a submission.

Operations flush and never commit: the route commits once, so an answer, its ledger row, a level
unlock, a badge and any mail are one transaction.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.dates import utcnow
from app.challenges import get_type
from app.extensions import db
from app.journey.models import APPROVED, PENDING, PUBLISHED, REJECTED, Challenge, Level, LevelUnlock, Submission
from app.nps.services import advocacy_paused
from app.points.services import award_points, totals

DONE, WAITING, OPEN, LOCKED, CLOSED, PAUSED = "done", "waiting", "open", "locked", "closed", "paused"
# Levels from here on ask for advocacy (quotes, reviews, referrals): never of an unhappy customer.
ADVOCACY_FROM_POSITION = 2


class JourneyError(Exception):
    """A completion that cannot happen; `reason` says why, for the customer."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class ChallengeState:
    challenge: Challenge
    status: str  # done / waiting / open / locked / closed
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


def _progress(earned: int, threshold: int, required_total: int, required_done: int) -> int:
    points_part = 1.0 if threshold <= 0 else min(1.0, earned / threshold)
    required_part = 1.0 if required_total == 0 else required_done / required_total
    if required_total == 0:
        return round(points_part * 100)
    return round((points_part + required_part) / 2 * 100)


def journey_state(user: User) -> JourneyState:
    """Where a customer stands. A fixed number of queries, whatever the number of challenges."""
    levels = list(
        db.session.scalars(select(Level).options(selectinload(Level.required_challenges)).order_by(Level.position))
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
            percent=100 if unlocked else _progress(earned, level.points_threshold, required_total, required_total - len(missing)),
        )
        for challenge in by_level.get(level.id, []):
            submission = latest.get(challenge.id)
            if submission is not None and submission.status == APPROVED:
                status = DONE
            elif submission is not None and submission.status == PENDING and not (
                    challenge.repeatable and get_type(challenge.type_key).parallel):
                status = WAITING
            elif not unlocked:
                status = LOCKED
            elif not challenge.is_open(now):
                status = CLOSED
            elif paused and level.position >= ADVOCACY_FROM_POSITION:
                status = PAUSED
            else:
                status = OPEN  # also after a rejection: the customer may try again
            cs = ChallengeState(challenge, status, submission)
            state.challenges.append(cs)
            by_challenge[challenge.id] = cs
        states.append(state)
        previous_unlocked = unlocked
    return JourneyState(earned, balance, states, completed_ids, by_challenge, paused)


@dataclass
class Completion:
    submission: Submission
    points: int
    new_levels: list[Level]
    new_badges: list
    state: JourneyState

    @property
    def waiting(self) -> bool:
        return self.submission.status == PENDING


def _award_for(submission: Submission) -> int:
    challenge = submission.challenge
    entry = award_points(
        submission.user_id, challenge.points, "submission", submission.id,
        reason_nl=challenge.title_nl, reason_en=challenge.title_en,
    )
    return entry.points if entry else 0


def settle(user: User) -> tuple[JourneyState, list[Level], list]:
    """After points or completions changed: record newly unlocked levels and earned badges."""
    from app.rewards.services import evaluate_badges

    state = journey_state(user)
    known = set(db.session.scalars(select(LevelUnlock.level_id).where(LevelUnlock.user_id == user.id)))
    first_position = state.levels[0].level.position if state.levels else None
    new_levels = []
    for level_state in state.levels:
        if level_state.unlocked and level_state.level.id not in known:
            try:
                with db.session.begin_nested():
                    db.session.add(LevelUnlock(user_id=user.id, level_id=level_state.level.id))
            except IntegrityError:
                continue  # recorded by a parallel request
            if level_state.level.position != first_position:
                new_levels.append(level_state.level)
    new_badges = evaluate_badges(user, state)
    return state, new_levels, new_badges


def complete_challenge(user: User, challenge: Challenge, data: dict) -> Completion:
    """Store an answer; award points at once unless it waits for review or for sales."""
    state = journey_state(user)
    current = state.by_challenge.get(challenge.id)
    if current is None or current.status == CLOSED:
        raise JourneyError("closed")
    if current.status == LOCKED:
        raise JourneyError("locked")
    if current.status == PAUSED:
        raise JourneyError("paused")
    if current.status == WAITING:
        raise JourneyError("waiting")
    if current.status == DONE and not current.repeat_due:
        raise JourneyError("done")
    ctype = get_type(challenge.type_key)
    ctype.check(data, user)
    attempt = current.submission.attempt + 1 if current.submission else 1
    awards_now = ctype.awards_on_submit and not challenge.needs_review
    submission = Submission(
        user_id=user.id, challenge=challenge, attempt=attempt, data=data,
        status=APPROVED if awards_now else PENDING,
    )
    try:
        with db.session.begin_nested():
            db.session.add(submission)
    except IntegrityError:
        # A double click or a parallel request stored this attempt first.
        raise JourneyError("done") from None
    ctype.after_submit(submission, user)
    points = _award_for(submission) if awards_now else 0
    state, new_levels, new_badges = settle(user)
    return Completion(submission, points, new_levels, new_badges, state)


def review_submission(submission: Submission, reviewer: User, approve: bool, note: str | None = None) -> bool:
    """Approve (award the points) or reject a pending submission. False if someone else already did."""
    result = db.session.execute(
        update(Submission)
        .where(Submission.id == submission.id, Submission.status == PENDING)
        .values(status=APPROVED if approve else REJECTED, reviewer_id=reviewer.id, review_note=note, reviewed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    db.session.refresh(submission)
    if approve:
        _award_for(submission)
        settle(submission.user)
    return True


def withdraw_consent(submission: Submission, user: User) -> bool:
    """The customer takes back a publication consent: the item is unpublished at once."""
    if submission.user_id != user.id or not get_type(submission.challenge.type_key).consent:
        return False
    # Conditional, so the first withdrawal's moment stands when two arrive at once.
    result = db.session.execute(
        update(Submission)
        .where(Submission.id == submission.id, Submission.consent_withdrawn_at.is_(None))
        .values(consent_withdrawn_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(submission)
    return result.rowcount == 1
