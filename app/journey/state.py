"""Where a customer stands on the journey: levels, challenge states, points and progress (read only)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select

from app.auth.models import User
from app.challenges import get_type
from app.dates import utcnow
from app.extensions import db
from app.journey.definition import VERSION, ChallengeDef, Definition, LevelDef, current_definition
from app.journey.models import APPROVED, PENDING, Submission
from app.nps.services import advocacy_paused_expression
from app.points.services import remember_totals, totals_subquery

DONE, WAITING, OPEN, LOCKED, CLOSED, PAUSED = "done", "waiting", "open", "locked", "closed", "paused"
# Levels from here on ask for advocacy (quotes, reviews, referrals): never of an unhappy customer.
ADVOCACY_FROM_POSITION = 2


@dataclass(frozen=True, slots=True)
class Attempt:
    """A customer's latest attempt at a challenge, without the answer itself."""

    id: int
    attempt: int
    status: str
    created_at: datetime


@dataclass
class ChallengeState:
    challenge: ChallengeDef
    status: str  # done / waiting / open / locked / closed / paused
    submission: Attempt | None = None

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
    level: LevelDef
    unlocked: bool
    points_to_go: int
    missing_required: list[ChallengeDef]
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
    # What the state was computed from, so a completion can move it on without asking again.
    definition: Definition | None = field(default=None, repr=False)
    attempts: dict[int, Attempt] = field(default_factory=dict, repr=False)

    def after(self, attempt: Attempt, challenge_id: int, points: int, paused: bool | None = None) -> JourneyState:
        """The state once `attempt` is stored for a challenge and `points` awarded (earned and spendable);
        `paused` when the answer may have changed it (an NPS answer)."""
        return build_state(self.definition, {**self.attempts, challenge_id: attempt}, self.earned + points,
                           self.balance + points, self.paused if paused is None else paused)

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


def _challenge_status(challenge: ChallengeDef, attempt: Attempt | None, level: LevelDef, unlocked: bool,
                      paused: bool, now) -> str:
    if attempt is not None and attempt.status == APPROVED:
        return DONE
    if attempt is not None and attempt.status == PENDING and not (
            challenge.repeatable and get_type(challenge.type_key).parallel):
        return WAITING
    if not unlocked:
        return LOCKED
    if not challenge.is_open(now):
        return CLOSED
    if paused and level.position >= ADVOCACY_FROM_POSITION:
        return PAUSED
    return OPEN  # also after a rejection: the customer may try again


_USER = bindparam("user_id")
_TOTALS = totals_subquery(_USER)
# One row: the journey's stamp, points earned and spendable, and whether advocacy asks wait.
_STANDING = select(VERSION, _TOTALS.c.earned, _TOTALS.c.balance, advocacy_paused_expression(_USER)) \
    .select_from(_TOTALS)
_ATTEMPTS = select(Submission.challenge_id, Submission.id, Submission.attempt, Submission.status,
                   Submission.created_at).where(Submission.user_id == _USER).order_by(Submission.attempt)


def latest_attempts(user_id: int) -> dict[int, Attempt]:
    """Per challenge the customer's last attempt: status and time only, never the answer."""
    rows = db.session.execute(_ATTEMPTS, {"user_id": user_id})
    return {row[0]: Attempt(row[1], row[2], row[3], row[4]) for row in rows}  # the last attempt wins


def journey_state(user: User) -> JourneyState:
    """Where a customer stands: the cached journey and two narrow statements (the journey's stamp with
    point totals and pause; the latest attempts), whatever the number of challenges."""
    version, earned, balance, paused = db.session.execute(_STANDING, {"user_id": user.id}).one()
    remember_totals(user.id, earned, balance)
    definition = current_definition(version)
    return build_state(definition, latest_attempts(user.id), int(earned), int(balance), bool(paused))


def build_state(definition: Definition, attempts: dict[int, Attempt], earned: int, balance: int,
                paused: bool) -> JourneyState:
    completed_ids = {cid for cid, a in attempts.items() if a.status == APPROVED}
    now = utcnow()
    states: list[LevelState] = []
    by_challenge: dict[int, ChallengeState] = {}
    previous_unlocked = True
    for level in definition.levels:
        missing = [c for c in level.required if c.id not in completed_ids]
        points_to_go = max(0, level.points_threshold - earned)
        unlocked = previous_unlocked and points_to_go == 0 and not missing
        required_total = len(level.required)
        state = LevelState(
            level=level, unlocked=unlocked, points_to_go=points_to_go, missing_required=missing,
            percent=100 if unlocked else progress_percent(
                earned, level.points_threshold, required_total, required_total - len(missing)),
        )
        for challenge in level.challenges:
            attempt = attempts.get(challenge.id)
            cs = ChallengeState(challenge, _challenge_status(challenge, attempt, level, unlocked, paused, now), attempt)
            state.challenges.append(cs)
            by_challenge[challenge.id] = cs
        states.append(state)
        previous_unlocked = unlocked
    return JourneyState(earned, balance, states, completed_ids, by_challenge, paused, definition, attempts)
