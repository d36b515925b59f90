"""A synthetic programme of N customers with a year of history, for demos and for measuring
(`flask --app wsgi seed-scale 100000`).

The people are made up (example.test addresses, an unusable password) and the numbers follow the
shape of a real programme: most customers join Level 1, fewer go on to Level 2 and Level 3,
engaged customers answer the question of the day on many days (about 50 ledger rows per customer
on average: 100,000 customers give over 5 million), sales is organised in teams (a lead over about
eight account managers, each with about 400 customers), turns a fraction of the referrals into
deals and logs its asks, and claims are mostly intrinsic rewards. The history of one customer is
in `app.demo.scale_journey`.

Answers, ledger rows and the other big tables are written with ids handed out here, without
RETURNING: `executemany` on SQLite, COPY on PostgreSQL (`app.demo.bulk`). Smaller tables use
bulk INSERT … VALUES. After the data, `AFTER_GENERATE` runs (e.g. rebuilding derived tables).
"""
from __future__ import annotations

import random
import secrets
import time as clock
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import insert, select, text
from werkzeug.security import generate_password_hash

from app.auth.models import CUSTOMER, SALES, Company, User
from app.dates import utcnow
from app.demo.journey import seed_journey
from app.demo.scale_journey import ChallengeSpec, LevelSpec, Person, Programme, Rows, walk
from app.extensions import db
from app.journey.models import ARCHIVED, PUBLISHED, Challenge, Level, level_required_challenges
from app.points.models import PointsEntry
from app.referrals.models import (
    ASK_CHANNELS,
    CHANNELS,
    FROM_REFERRAL,
    FROM_SHARE,
    Ask,
    AskStatus,
    Referee,
    ReferralEvent,
    ShareClick,
)
from app.referrals.settings import programme_settings
from app.rewards.models import MONEY_LIKE_KINDS, Reward

CHUNK = 5_000
BATCH = 2_000  # customers whose history is written at once
CONTACTS_PER_COMPANY = 8
CUSTOMERS_PER_ACCOUNT_MANAGER = 400
ACCOUNT_MANAGERS_PER_LEAD = 8
LEDGER_ROWS_PER_CUSTOMER = 50
PIPELINE = ("new", "contacted", "meeting", "opportunity", "won")
DAILY_TITLE_EN = "Question of the day"
DAILY = dict(type_key="question", points=2, needs_review=False, repeatable=True, status=ARCHIVED,
             title_nl="Vraag van de dag", title_en=DAILY_TITLE_EN,
             body_nl="Elke dag één korte vraag over je werk met ons.",
             body_en="One short question a day about your work with us.",
             config={"min_length": 3, "repeat_after_days": 1})

# Called with the generated counts after the data is in (flush only), e.g. to rebuild rollups.
AFTER_GENERATE: list[Callable[[dict[str, int]], None]] = []


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


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    if end <= start:
        return start
    return start + timedelta(seconds=rng.randrange(int((end - start).total_seconds())))


def _daily_challenge(level_one: int, first_day: datetime) -> Challenge:
    """The question of the day, a campaign that ran over the history and has ended (archived): its
    answers are history, the journey customers see today is the designed one."""
    challenge = db.session.scalar(select(Challenge).where(Challenge.title_en == DAILY_TITLE_EN,
                                                          Challenge.level_id == level_one))
    if challenge is None:
        challenge = Challenge(level_id=level_one, position=999, created_at=first_day, **DAILY)
        db.session.add(challenge)
        db.session.flush()
    return challenge


def _programme(first_day: datetime) -> Programme:
    if db.session.scalar(select(Level.id).limit(1)) is None:
        seed_journey()
        db.session.flush()
    required: dict[int, set[int]] = {}
    for level_id, challenge_id in db.session.execute(select(level_required_challenges)):
        required.setdefault(level_id, set()).add(challenge_id)
    levels = [LevelSpec(row.position, row.id, row.points_threshold, frozenset(required.get(row.id, ())), [])
              for row in db.session.execute(select(Level.id, Level.position, Level.points_threshold)
                                            .order_by(Level.position))]
    by_id = {level.id: level for level in levels}
    for c in db.session.scalars(select(Challenge).where(Challenge.status == PUBLISHED).order_by(Challenge.position)):
        by_id[c.level_id].options.append(ChallengeSpec(c.id, c.points, c.needs_review, c.type_key, c.title_nl,
                                                       c.title_en, (c.config or {}).get("repeat_after_days")))
    levels = [level for level in levels if level.options or level.threshold == 0]
    daily = _daily_challenge(levels[0].id, first_day)
    rewards = [(row.id, row.kind in MONEY_LIKE_KINDS, row.point_cost or 0)
               for row in db.session.execute(select(Reward.id, Reward.kind, Reward.point_cost))]
    return Programme(levels, ChallengeSpec(daily.id, daily.points, False, daily.type_key, daily.title_nl,
                                           daily.title_en, 1), rewards)


def generate(customers: int, seed: int = 7, days: int = 365, now: datetime | None = None,
             echo=lambda _message: None, ledger_rows_per_customer: int = LEDGER_ROWS_PER_CUSTOMER) -> dict[str, int]:
    """Add `customers` synthetic customers (and their companies, sales teams and history).
    Flushes only; the caller commits. Returns the number of rows written per table."""
    rng = random.Random(seed)
    now = now or utcnow()
    first_day = now - timedelta(days=days)
    run = secrets.token_hex(3)  # keeps e-mail addresses and names unique when run again
    password = generate_password_hash(secrets.token_urlsafe(24))  # nobody knows it: nobody signs in
    counts: dict[str, int] = {}
    if db.session.connection().dialect.name == "postgresql":
        # Minutes of COPY in one transaction: the app's per-statement timeout is for requests, not this.
        db.session.execute(text("SET LOCAL statement_timeout = 0"))
    programme = _programme(first_day)

    # Sales teams: leads, each over a few account managers.
    t0 = clock.perf_counter()
    managers = max(1, customers // CUSTOMERS_PER_ACCOUNT_MANAGER)
    leads = max(1, managers // ACCOUNT_MANAGERS_PER_LEAD)
    lead_ids = _bulk(User, [dict(email=f"lead{i}-{run}@example.test", name=f"Sales lead {i} {run}", role=SALES,
                                 locale="nl", password_hash=password, created_at=first_day) for i in range(leads)],
                     returning=True)
    manager_ids = _bulk(User, [dict(email=f"am{i}-{run}@example.test", name=f"Account manager {i} {run}", role=SALES,
                                    locale=rng.choice(("nl", "en")), password_hash=password,
                                    manager_id=lead_ids[i % leads], created_at=first_day) for i in range(managers)],
                        returning=True)
    company_count = max(1, customers // CONTACTS_PER_COMPANY)
    company_managers = [manager_ids[i % managers] for i in range(company_count)]
    company_ids = _bulk(Company, [dict(name=f"Synthetic company {i} {run}", account_manager_id=company_managers[i],
                                       created_at=first_day) for i in range(company_count)], returning=True)
    manager_of = dict(zip(company_ids, company_managers, strict=True))
    counts["staff"] = managers + leads
    counts["companies"] = company_count

    people = []
    for i in range(customers):
        joined = _between(rng, first_day, now)
        active = rng.random() < 0.75
        people.append(dict(
            email=f"c{i}-{run}@example.test", name=f"Customer {i} {run}", role=CUSTOMER,
            locale="nl" if rng.random() < 0.6 else "en", company_id=company_ids[i % company_count],
            password_hash=password if active else None, invited_at=joined, created_at=joined,
            last_login_at=_between(rng, joined, now) if active else None, is_active=True,
        ))
    user_ids = _bulk(User, people, returning=True)
    counts["customers"] = customers
    echo(f"  people: {clock.perf_counter() - t0:.1f}s")

    # Each activated customer's journey, a batch of customers at a time.
    t0 = clock.perf_counter()
    active = [Person(uid, p["company_id"], manager_of[p["company_id"]],
                     min(now, p["invited_at"] + timedelta(hours=rng.randint(1, 96))))
              for uid, p in zip(user_ids, people, strict=True) if p["password_hash"] is not None]
    # The question of the day makes up what the rest of the journey (about 4 rows each) leaves of the
    # ledger target, with a little to spare so the target is a floor.
    days_open = sum((now - person.start).days for person in active) or 1
    rate = max(0.0, 1.04 * ledger_rows_per_customer * customers - 4 * len(active)) / days_open
    rows = Rows()
    referrers: list[tuple[int, int, datetime]] = []
    for start in range(0, len(active), BATCH):
        for person in active[start:start + BATCH]:
            if walk(rng, rows, programme, person, min(0.95, rate * rng.uniform(0.25, 1.75)), now) >= 3:
                referrers.append((person.user_id, person.account_manager_id, person.start))
        rows.write()
    echo(f"  journeys: {clock.perf_counter() - t0:.1f}s")

    t0 = clock.perf_counter()
    _referrals(rng, rows, referrers, now)
    counts["asks"] = _asks(rng, referrers, now)
    rows.close()
    counts.update(rows.counts)
    counts["views"] = counts.pop("challenge_views", 0)
    echo(f"  referrals and asks: {clock.perf_counter() - t0:.1f}s")
    db.session.flush()
    for step in AFTER_GENERATE:
        step(counts)
    return counts


def _referrals(rng: random.Random, rows: Rows, referrers: list[tuple[int, int, datetime]], now: datetime) -> None:
    """Level-3 ambassadors refer people and share their link; sales works the pipeline (every stage
    is reached by some) and the milestone points are booked once per stage."""
    settings = programme_settings()
    milestone_points = {stage: getattr(settings, f"points_{stage}", 0) for stage in PIPELINE[1:]}
    referees, clicks, stages_reached = [], [], []
    for user_id, _manager, since in referrers:
        for _n in range(rng.choice((0, 1, 1, 2, 3))):
            made = _between(rng, since, now)
            stage_index = rng.choices(range(len(PIPELINE)), weights=(30, 25, 20, 10, 15))[0]
            lost = stage_index < 4 and rng.random() < 0.25
            referees.append(dict(referrer_id=user_id, source=FROM_REFERRAL, channel=None, name="Synthetic referee",
                                 token=secrets.token_hex(16), stage="lost" if lost else PIPELINE[stage_index],
                                 created_at=made, stage_changed_at=made, confirmed_at=None))
            stages_reached.append((user_id, made, stage_index, lost))
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
                    stages_reached.append((user_id, clicked, 4 if won else 0, False))
    referee_ids = _bulk(Referee, referees, returning=True)
    events = []
    for referee_id, (user_id, made, stage_index, lost) in zip(referee_ids, stages_reached, strict=True):
        moment = made
        for index in range(1, stage_index + 1):
            moment = min(moment + timedelta(days=rng.randint(1, 14)), now)
            stage = PIPELINE[index]
            events.append(dict(referee_id=referee_id, stage=stage, note="", created_at=moment))
            if milestone_points.get(stage):
                rows.add(PointsEntry, user_id, milestone_points[stage], f"referral_{stage}", referee_id,
                         "Introductie", "Introduction", moment)
        if lost:
            events.append(dict(referee_id=referee_id, stage="lost", note="",
                               created_at=min(moment + timedelta(days=3), now)))
    _bulk(ReferralEvent, events)
    _bulk(ShareClick, clicks)
    rows.counts.update(referees=len(referees), referral_events=len(events), share_clicks=len(clicks))


def _asks(rng: random.Random, referrers: list[tuple[int, int, datetime]], now: datetime) -> int:
    """Account managers asked some Level-3 ambassadors already; the rest are waiting in the queue."""
    asks, statuses = [], []
    for user_id, manager_id, since in referrers:
        if rng.random() >= 0.4:
            continue
        asked = _between(rng, since, now)
        outcome = rng.choice(("yes", "no", "later"))
        asks.append(dict(customer_id=user_id, asked_by_id=manager_id, asked_on=asked.date(),
                         channel=rng.choice(ASK_CHANNELS), outcome=outcome, note="", created_at=asked,
                         follow_up_on=(asked + timedelta(days=rng.randint(7, 60))).date() if outcome == "later" else None))
        statuses.append(dict(customer_id=user_id, claimed_by_id=manager_id, claimed_at=asked, last_asked_at=asked))
    _bulk(Ask, asks)
    _bulk(AskStatus, statuses)
    return len(asks)
