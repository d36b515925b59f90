"""A synthetic programme of N customers with a year of history, for demos and for measuring
(`flask --app wsgi seed-scale 100000`).

Everything is written with bulk inserts (one INSERT … VALUES per few thousand rows, RETURNING
the ids where later rows need them), so 100,000 customers take a minute or two, not hours. The
people are made up (example.test addresses, an unusable password) and the numbers follow the
shape of a real programme: most customers join Level 1, fewer go on to Level 2 and Level 3,
sales turns a fraction of the referrals into deals, and claims are mostly intrinsic rewards.
"""
from __future__ import annotations

import random
import secrets
import time as clock
from datetime import datetime, timedelta

from sqlalchemy import insert, select
from werkzeug.security import generate_password_hash

from app.analytics.models import ChallengeView
from app.auth.models import CUSTOMER, SALES, Company, User
from app.dates import utcnow
from app.demo.journey import seed_journey
from app.extensions import db
from app.journey.models import APPROVED, PENDING, PUBLISHED, REJECTED, Challenge, Level, LevelUnlock, Submission
from app.nps.models import NpsResponse, category_for
from app.points.models import PointsEntry
from app.referrals.models import CHANNELS, FROM_REFERRAL, FROM_SHARE, Referee, ReferralEvent, ShareClick
from app.rewards.models import CANCELLED, FULFILLED, MONEY_LIKE_KINDS, REQUESTED, Redemption, Reward

CHUNK = 5_000
CONTACTS_PER_COMPANY = 8
CUSTOMERS_PER_ACCOUNT_MANAGER = 400
PIPELINE = ("new", "contacted", "meeting", "opportunity", "won")


def _bulk(model, rows: list[dict], returning: bool = False) -> list[int]:
    """INSERT the rows a chunk at a time; with `returning`, the new ids in the rows' order."""
    table = model.__table__
    ids: list[int] = []
    for start in range(0, len(rows), CHUNK):
        part = rows[start:start + CHUNK]
        if not part:
            continue
        if returning:
            result = db.session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), part)
            ids.extend(result.scalars())
        else:
            db.session.execute(insert(table), part)
    return ids


def _ensure_journey() -> None:
    if db.session.scalar(select(Level.id).limit(1)) is None:
        seed_journey()
        db.session.flush()


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    if end <= start:
        return start
    return start + timedelta(seconds=rng.randrange(int((end - start).total_seconds())))


def generate(customers: int, seed: int = 7, days: int = 365, now: datetime | None = None,
             echo=lambda _message: None) -> dict[str, int]:
    """Add `customers` synthetic customers (and their companies, account managers and history).
    Flushes only; the caller commits. Returns the number of rows written per table."""
    rng = random.Random(seed)
    now = now or utcnow()
    first_day = now - timedelta(days=days)
    run = secrets.token_hex(3)  # keeps e-mail addresses and names unique when run again
    password = generate_password_hash(secrets.token_urlsafe(24))  # nobody knows it: nobody signs in
    counts: dict[str, int] = {}

    _ensure_journey()
    levels = {row.id: row.position for row in db.session.execute(select(Level.id, Level.position))}
    by_level: dict[int, list[tuple[int, int, bool]]] = {}
    for row in db.session.execute(select(Challenge.id, Challenge.level_id, Challenge.points, Challenge.needs_review)
                                  .where(Challenge.status == PUBLISHED)):
        by_level.setdefault(levels[row.level_id], []).append((row.id, row.points, row.needs_review))
    level_ids = {position: level_id for level_id, position in levels.items()}
    rewards = [(row.id, row.kind in MONEY_LIKE_KINDS) for row in db.session.execute(select(Reward.id, Reward.kind))]
    intrinsic = [rid for rid, money in rewards if not money]
    money_like = [rid for rid, money in rewards if money]

    # Staff: account managers and their manager.
    t0 = clock.perf_counter()
    managers = max(1, customers // CUSTOMERS_PER_ACCOUNT_MANAGER)
    lead_id = _bulk(User, [dict(email=f"lead-{run}@example.test", name=f"Sales lead {run}", role=SALES, locale="nl",
                               password_hash=password, created_at=first_day)], returning=True)[0]
    manager_ids = _bulk(User, [dict(email=f"am{i}-{run}@example.test", name=f"Account manager {i} {run}", role=SALES,
                                    locale=rng.choice(("nl", "en")), password_hash=password, manager_id=lead_id,
                                    created_at=first_day) for i in range(managers)], returning=True)
    company_count = max(1, customers // CONTACTS_PER_COMPANY)
    company_ids = _bulk(Company, [dict(name=f"Synthetic company {i} {run}", account_manager_id=rng.choice(manager_ids),
                                       created_at=first_day) for i in range(company_count)], returning=True)
    counts["staff"] = managers + 1
    counts["companies"] = company_count

    people = []
    for i in range(customers):
        joined = _between(rng, first_day, now)
        active = rng.random() < 0.75
        people.append(dict(
            email=f"c{i}-{run}@example.test", name=f"Customer {i} {run}", role=CUSTOMER,
            locale="nl" if rng.random() < 0.6 else "en", company_id=rng.choice(company_ids),
            password_hash=password if active else None, invited_at=joined, created_at=joined,
            last_login_at=_between(rng, joined, now) if active else None, is_active=True,
        ))
    user_ids = _bulk(User, people, returning=True)
    counts["customers"] = customers
    echo(f"  people: {clock.perf_counter() - t0:.1f}s")

    # Each activated customer's journey.
    t0 = clock.perf_counter()
    views, submissions, unlocks, answers, claims = [], [], [], [], []
    referrers: list[tuple[int, datetime]] = []
    for user_id, person in zip(user_ids, people, strict=True):
        if person["password_hash"] is None:
            continue
        moment = person["invited_at"] + timedelta(hours=rng.randint(1, 96))
        reached = 0
        for position in sorted(by_level):
            if position == 1:
                chance = 0.9
            elif position == 2:
                chance = 0.45
            else:
                chance = 0.35
            if rng.random() > chance or moment >= now:
                break
            options = by_level[position]
            for challenge_id, points, review in rng.sample(options, k=rng.randint(1, len(options))):
                moment += timedelta(hours=rng.randint(2, 24 * 12))
                if moment >= now:
                    break
                views.append(dict(user_id=user_id, challenge_id=challenge_id, day=moment.date()))
                if rng.random() < 0.2:  # opened but left for now
                    continue
                status = APPROVED if not review or rng.random() < 0.8 else rng.choice((PENDING, REJECTED))
                submissions.append(dict(user_id=user_id, challenge_id=challenge_id, attempt=1, data={},
                                        status=status, created_at=moment, _points=points))
            if moment >= now:
                break
            unlocks.append(dict(user_id=user_id, level_id=level_ids[position], unlocked_at=moment))
            reached = position
        if rng.random() < 0.6:
            score = rng.choices(range(11), weights=(1, 1, 1, 1, 2, 2, 4, 8, 12, 16, 14))[0]
            answers.append(dict(user_id=user_id, company_id=person["company_id"], score=score,
                                category=category_for(score), reason="", source="challenge",
                                created_at=_between(rng, person["invited_at"], now)))
        if reached >= 3:
            referrers.append((user_id, moment))
        if rewards and rng.random() < 0.12:
            pool = money_like if money_like and rng.random() < 0.15 else (intrinsic or money_like)
            claims.append(dict(user_id=user_id, reward_id=rng.choice(pool), points_spent=0,
                               status=rng.choice((REQUESTED, FULFILLED, FULFILLED, CANCELLED)),
                               created_at=_between(rng, person["invited_at"], now), updated_at=now))
    _bulk(ChallengeView, list({(v["user_id"], v["challenge_id"], v["day"]): v for v in views}.values()))
    points_for = [row.pop("_points") for row in submissions]
    submission_ids = _bulk(Submission, submissions, returning=True)
    entries = [dict(user_id=row["user_id"], points=points, source_type="submission", source_id=sid,
                    reason_nl="Synthetisch", reason_en="Synthetic", created_at=row["created_at"])
               for sid, row, points in zip(submission_ids, submissions, points_for, strict=True)
               if row["status"] == APPROVED and points]
    _bulk(PointsEntry, entries)
    _bulk(LevelUnlock, unlocks)
    _bulk(NpsResponse, answers)
    _bulk(Redemption, claims)
    counts.update(views=len(views), submissions=len(submissions), points_entries=len(entries),
                  level_unlocks=len(unlocks), nps_responses=len(answers), redemptions=len(claims))
    echo(f"  journeys: {clock.perf_counter() - t0:.1f}s")

    # Level-3 ambassadors refer people and share their link; sales works the pipeline.
    t0 = clock.perf_counter()
    referees, clicks, stages_reached = [], [], []
    for user_id, since in referrers:
        for _n in range(rng.choice((0, 1, 1, 2, 3))):
            made = _between(rng, since, now)
            stage_index = rng.choices(range(len(PIPELINE)), weights=(30, 25, 20, 10, 15))[0]
            lost = stage_index < 4 and rng.random() < 0.25
            referees.append(dict(referrer_id=user_id, source=FROM_REFERRAL, channel=None, name="Synthetic referee",
                                 token=secrets.token_hex(16), stage="lost" if lost else PIPELINE[stage_index],
                                 created_at=made, stage_changed_at=made, confirmed_at=None))
            stages_reached.append((made, stage_index, lost))
        for channel in rng.sample(CHANNELS, k=rng.randint(0, 3)):
            for _n in range(rng.randint(1, 6)):
                clicked = _between(rng, since, now)
                clicks.append(dict(referrer_id=user_id, channel=channel, created_at=clicked))
                if rng.random() < 0.15:
                    won = rng.random() < 0.2
                    referees.append(dict(referrer_id=user_id, source=FROM_SHARE, channel=channel,
                                         name="Synthetic sign-up", token=secrets.token_hex(16),
                                         stage="won" if won else "new", created_at=clicked, stage_changed_at=clicked,
                                         confirmed_at=clicked + timedelta(minutes=5) if rng.random() < 0.8 else None))
                    stages_reached.append((clicked, 4 if won else 0, False))
    referee_ids = _bulk(Referee, referees, returning=True)
    events = []
    for referee_id, (made, stage_index, lost) in zip(referee_ids, stages_reached, strict=True):
        moment = made
        for index in range(1, stage_index + 1):
            moment += timedelta(days=rng.randint(1, 14))
            events.append(dict(referee_id=referee_id, stage=PIPELINE[index], note="", created_at=min(moment, now)))
        if lost:
            events.append(dict(referee_id=referee_id, stage="lost", note="",
                               created_at=min(moment + timedelta(days=3), now)))
    _bulk(ReferralEvent, events)
    _bulk(ShareClick, clicks)
    counts.update(referees=len(referees), referral_events=len(events), share_clicks=len(clicks))
    echo(f"  referrals: {clock.perf_counter() - t0:.1f}s")
    db.session.flush()
    return counts
