"""One synthetic customer's year on the journey, for `flask seed-scale`: challenge views, answers
with their ledger rows, a question of the day answered on many days, NPS answers (repeated, as the
NPS challenge allows) with the account manager's follow-up, level unlocks and reward claims.

The history is consistent the way the portal keeps it: a level unlocks only once the customer's
ledger reaches its threshold and its required challenges are approved, a level's challenges are
answered only after it unlocked, points for reviewed answers are booked when they are approved,
a claim spends points the customer had (a cancelled claim gives them back), and every ledger row
has its own source (UNIQUE(user_id, source_type, source_id) holds).
"""
from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.analytics.models import ChallengeView
from app.demo.bulk import next_id, sync_sequence, write
from app.journey.models import APPROVED, PENDING, REJECTED, LevelUnlock, Submission
from app.nps.models import CLOSED, OPEN, FollowUp, NpsResponse, category_for
from app.points.models import PointsEntry
from app.rewards.models import CANCELLED, FULFILLED, REQUESTED, Redemption

COLUMNS = {
    Submission: ("id", "user_id", "challenge_id", "attempt", "data", "status", "created_at", "reviewed_at"),
    PointsEntry: ("id", "user_id", "points", "source_type", "source_id", "reason_nl", "reason_en", "created_at"),
    ChallengeView: ("id", "user_id", "challenge_id", "day"),
    LevelUnlock: ("id", "user_id", "level_id", "unlocked_at"),
    NpsResponse: ("id", "user_id", "company_id", "score", "category", "reason", "source", "submission_id",
                  "created_at"),
    FollowUp: ("id", "response_id", "assignee_id", "due_at", "status", "note", "created_at", "updated_at",
               "closed_at", "kind", "trigger"),
    Redemption: ("id", "user_id", "reward_id", "status", "points_spent", "created_at", "updated_at"),
}
LEVEL_CHANCE = {1: 0.9, 2: 0.45}  # of going on with a level's challenges once it is open; higher levels 0.35
NPS_WEIGHTS = (1, 1, 1, 1, 2, 2, 4, 8, 12, 16, 14)
NPS_REPEAT_CHANCE = 0.3  # of answering again in each window the NPS challenge reopens


@dataclass(frozen=True)
class ChallengeSpec:
    id: int
    points: int
    review: bool
    type_key: str
    title_nl: str
    title_en: str
    repeat_after_days: int | None = None


@dataclass
class LevelSpec:
    position: int
    id: int
    threshold: int
    required: frozenset[int]
    options: list[ChallengeSpec]


@dataclass
class Programme:
    levels: list[LevelSpec]
    daily: ChallengeSpec
    rewards: list[tuple[int, bool, int]]  # (id, money-like, point cost)


@dataclass
class Person:
    user_id: int
    company_id: int
    account_manager_id: int | None
    start: datetime  # first visit after the invitation


class Rows:
    """Rows per table with their ids handed out here; written a batch at a time."""

    def __init__(self) -> None:
        self.ids = {model: next_id(model) for model in COLUMNS}
        self.rows: dict = defaultdict(list)
        self.counts: Counter = Counter()

    def add(self, model, *values) -> int:
        row_id = self.ids[model]
        self.ids[model] += 1
        self.rows[model].append((row_id, *values))
        return row_id

    def write(self) -> None:
        for model, rows in self.rows.items():
            self.counts[model.__tablename__] += write(model, COLUMNS[model], rows)
        self.rows.clear()

    def close(self) -> None:
        self.write()
        for model in COLUMNS:
            sync_sequence(model)


@dataclass
class Ledger:
    """One customer's ledger as (moment, points), to know when a threshold was reached."""

    entries: list[tuple[datetime, int]] = field(default_factory=list)

    def add(self, moment: datetime, points: int) -> None:
        self.entries.append((moment, points))

    def reached(self, threshold: int, since: datetime) -> datetime | None:
        """The first moment the balance was at least `threshold` (never before `since`)."""
        if threshold <= 0:
            return since
        total = 0
        for moment, points in sorted(self.entries):
            total += points
            if total >= threshold:
                return max(moment, since)
        return None

    def balance(self, at: datetime) -> int:
        return sum(points for moment, points in self.entries if moment <= at)


def _book(rows: Rows, ledger: Ledger, user_id: int, challenge: ChallengeSpec, submission_id: int,
          moment: datetime) -> None:
    rows.add(PointsEntry, user_id, challenge.points, "submission", submission_id, challenge.title_nl[:255],
             challenge.title_en[:255], moment)
    ledger.add(moment, challenge.points)


def _nps_answer(rng: random.Random, rows: Rows, person: Person, submission_id: int, moment: datetime,
                now: datetime) -> dict:
    score = rng.choices(range(11), weights=NPS_WEIGHTS)[0]
    category = category_for(score)
    response_id = rows.add(NpsResponse, person.user_id, person.company_id, score, category, "", "challenge",
                           submission_id, moment)
    if category != "passive":
        closed = moment + timedelta(days=rng.randint(1, 10))
        done = closed < now and rng.random() < 0.9
        rows.add(FollowUp, response_id, person.account_manager_id, moment + timedelta(days=3),
                 CLOSED if done else OPEN, "", moment, closed if done else moment, closed if done else None,
                 "alert", category)
    return {"score": score, "category": category}


def _daily_answers(rng: random.Random, rows: Rows, ledger: Ledger, person: Person, daily: ChallengeSpec,
                   rate: float, now: datetime) -> None:
    """The question of the day on a share `rate` of the days since the customer's first visit."""
    days = (now - person.start).days
    wanted = min(days, int(rate * days + rng.random()))
    for attempt, day in enumerate(sorted(rng.sample(range(days), wanted)), start=1):
        moment = person.start + timedelta(days=day, seconds=rng.randrange(86_400))
        if moment >= now:
            moment = now - timedelta(seconds=rng.randint(1, 3_600))
        submission_id = rows.add(Submission, person.user_id, daily.id, attempt, {}, APPROVED, moment, None)
        _book(rows, ledger, person.user_id, daily, submission_id, moment)


def _answer(rng: random.Random, rows: Rows, ledger: Ledger, person: Person, challenge: ChallengeSpec,
            moment: datetime, now: datetime, approved: dict[int, datetime], must: bool) -> None:
    rows.add(ChallengeView, person.user_id, challenge.id, moment.date())
    if not must and rng.random() < 0.2:  # opened but left for now
        return
    status = APPROVED if not challenge.review or rng.random() < 0.8 else rng.choice((PENDING, REJECTED))
    reviewed = moment + timedelta(hours=rng.randint(4, 72)) if challenge.review and status != PENDING else None
    if reviewed is not None and reviewed >= now:
        status, reviewed = PENDING, None
    submission_id = rows.add(Submission, person.user_id, challenge.id, 1, {}, status, moment, reviewed)
    if challenge.type_key == "nps":
        _nps_answer(rng, rows, person, submission_id, moment, now)
    if status != APPROVED:
        return
    booked = reviewed or moment
    approved[challenge.id] = booked
    if challenge.points:
        _book(rows, ledger, person.user_id, challenge, submission_id, booked)
    if challenge.type_key == "nps" and challenge.repeat_after_days:
        _nps_repeats(rng, rows, ledger, person, challenge, moment, now)


def _nps_repeats(rng: random.Random, rows: Rows, ledger: Ledger, person: Person, challenge: ChallengeSpec,
                 first: datetime, now: datetime) -> None:
    moment, attempt = first, 1
    while True:
        moment += timedelta(days=challenge.repeat_after_days, hours=rng.randint(1, 24 * 20))
        if moment >= now:
            return
        if rng.random() >= NPS_REPEAT_CHANCE:
            continue
        attempt += 1
        submission_id = rows.add(Submission, person.user_id, challenge.id, attempt, {}, APPROVED, moment, None)
        _nps_answer(rng, rows, person, submission_id, moment, now)
        if challenge.points:
            _book(rows, ledger, person.user_id, challenge, submission_id, moment)


def walk(rng: random.Random, rows: Rows, programme: Programme, person: Person, daily_rate: float,
         now: datetime) -> int:
    """The customer's history. Returns the highest level position reached (0: none)."""
    ledger = Ledger()
    _daily_answers(rng, rows, ledger, person, programme.daily, daily_rate, now)
    approved: dict[int, datetime] = {}
    opened_before = person.start
    reached = 0
    for index, level in enumerate(programme.levels):
        if not level.required <= approved.keys():
            break
        at_points = ledger.reached(level.threshold, opened_before)
        if at_points is None:
            break
        opened = max([at_points, opened_before, *(approved[c] for c in level.required)])
        if opened >= now:
            break
        rows.add(LevelUnlock, person.user_id, level.id, opened)
        reached, opened_before = level.position, opened
        if rng.random() > LEVEL_CHANCE.get(level.position, 0.35):
            break
        # Those who go on do what the next level requires; the rest a random choice of challenges.
        following = programme.levels[index + 1].required if index + 1 < len(programme.levels) else frozenset()
        picks = rng.sample(level.options, k=rng.randint(1, len(level.options)))
        needed = [c for c in level.options if c.id in following and c not in picks]
        moment = opened
        for challenge in needed + picks:
            moment += timedelta(hours=rng.randint(2, 24 * 12))
            if moment >= now:
                break
            _answer(rng, rows, ledger, person, challenge, moment, now, approved, challenge.id in following)
        if moment >= now:
            break
    _claims(rng, rows, ledger, programme, person, now)
    return reached


def _claims(rng: random.Random, rows: Rows, ledger: Ledger, programme: Programme, person: Person,
            now: datetime) -> None:
    if not programme.rewards or rng.random() >= 0.12:
        return
    money_like = [r for r in programme.rewards if r[1]]
    intrinsic = [r for r in programme.rewards if not r[1]] or money_like
    reward_id, _money, cost = rng.choice(money_like if money_like and rng.random() < 0.15 else intrinsic)
    moment = person.start + timedelta(seconds=rng.randrange(max(1, int((now - person.start).total_seconds()))))
    if ledger.balance(moment) < cost:
        return
    status = rng.choice((REQUESTED, FULFILLED, FULFILLED, CANCELLED))
    redemption_id = rows.add(Redemption, person.user_id, reward_id, status, cost, moment, now)
    if cost:
        rows.add(PointsEntry, person.user_id, -cost, "redemption", redemption_id, "Beloning", "Reward", moment)
        if status == CANCELLED:
            rows.add(PointsEntry, person.user_id, cost, "redemption_refund", redemption_id, "Beloning geannuleerd",
                     "Reward cancelled", min(moment + timedelta(days=2), now))
