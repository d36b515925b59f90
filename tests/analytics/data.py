"""A small programme built by hand, with the answers worked out on paper (see test_services.py).

The chosen period is March 2026 (31 days); the period before it is 29 January – 28 February 2026.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime

from app.analytics.models import ChallengeView
from app.analytics.periods import Period
from app.extensions import db
from app.journey.models import APPROVED, DRAFT, PENDING, REJECTED, LevelUnlock, Submission
from app.nps.models import NpsResponse, category_for
from app.points.models import PointsEntry
from app.referrals.models import Referee, ReferralEvent, ShareClick
from app.rewards.models import CANCELLED, FULFILLED, REQUESTED, Redemption, Reward
from tests.factories import make_challenge, make_company, make_level, make_user

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))
EMPTY = Period(date(2030, 1, 1), date(2030, 1, 31))
_tokens = itertools.count(1)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass
class Programme:
    users: dict = field(default_factory=dict)
    challenges: dict = field(default_factory=dict)
    levels: dict = field(default_factory=dict)


def customer(programme, name, joined, company=None, activated=True, **fields):
    user = make_user("customer", name=name.title(), company=company, invited_at=at(joined),
                     password=("correct horse battery" if activated else None), **fields)
    programme.users[name] = user
    return user


def unlock(user, level, when):
    db.session.add(LevelUnlock(user_id=user.id, level_id=level.id, unlocked_at=at(when)))


def view(user, challenge, day):
    db.session.add(ChallengeView(user_id=user.id, challenge_id=challenge.id, day=date.fromisoformat(day)))


def submit(user, challenge, when, status=APPROVED, points_at=None):
    submission = Submission(user_id=user.id, challenge_id=challenge.id, status=status, data={}, created_at=at(when))
    db.session.add(submission)
    db.session.flush()
    if points_at:
        db.session.add(PointsEntry(user_id=user.id, points=challenge.points, source_type="submission",
                                   source_id=submission.id, reason_nl="x", reason_en="x", created_at=at(points_at)))
    return submission


def referee(referrer, when, stage="new", source="referral", channel=None, confirmed=None):
    person = Referee(referrer_id=referrer.id, name=f"Referee {next(_tokens)}", token=f"tok{next(_tokens)}",
                     source=source, channel=channel, stage=stage, created_at=at(when),
                     confirmed_at=at(confirmed) if confirmed else None)
    db.session.add(person)
    db.session.flush()
    return person


def nps_answer(user, score, when):
    db.session.add(NpsResponse(user_id=user.id, company_id=user.company_id, score=score,
                               category=category_for(score), created_at=at(when)))


def build() -> Programme:
    p = Programme()
    l1, l2, l3 = make_level(1), make_level(2, threshold=40), make_level(3, threshold=120)
    p.levels = {1: l1, 2: l2, 3: l3}
    c1 = make_challenge(l1, "question", points=10, title_nl="Vraag", title_en="Question")
    c2 = make_challenge(l2, "quote", points=30, title_nl="Quote", title_en="A quote")
    c3 = make_challenge(l3, "referral", points=0, title_nl="Introductie", title_en="Introduction")
    c4 = make_challenge(l1, "question", points=5, status=DRAFT, title_nl="Concept", title_en="Draft")
    p.challenges = {"c1": c1, "c2": c2, "c3": c3, "c4": c4}

    company_a = make_company("Company A")
    alice = customer(p, "alice", "2026-03-02 09:00", company_a)
    customer(p, "bob", "2026-03-05 09:00", company_a, activated=False)
    carol = customer(p, "carol", "2026-02-01 09:00")
    dave = customer(p, "dave", "2025-12-01 09:00")
    erin = customer(p, "erin", "2026-03-10 09:00")
    frank = customer(p, "frank", "2026-03-01 09:00", company_a)

    # Levels: days from joining shown after each unlock.
    unlock(alice, l1, "2026-03-04 09:00")  # 2
    unlock(alice, l2, "2026-03-12 09:00")  # 10
    unlock(alice, l3, "2026-03-22 09:00")  # 20
    unlock(carol, l1, "2026-02-05 09:00")  # 4 (previous period)
    unlock(carol, l2, "2026-03-10 09:00")  # 37
    unlock(dave, l1, "2025-12-11 09:00")  # before both periods
    unlock(erin, l1, "2026-03-18 09:00")  # 8
    unlock(frank, l1, "2026-03-04 09:00")  # 3

    # Views (customer-days).
    view(alice, c1, "2026-03-03")
    view(alice, c1, "2026-03-04")
    view(erin, c1, "2026-03-17")
    view(carol, c1, "2026-03-01")  # the period's first day
    view(carol, c2, "2026-02-20")  # previous period

    # Answers and the points they gave.
    submit(alice, c1, "2026-03-04 08:00", points_at="2026-03-04 08:00")
    submit(alice, c2, "2026-03-11 10:00", points_at="2026-03-12 10:00")
    submit(carol, c2, "2026-02-28 23:59", points_at="2026-02-28 23:59")  # the previous period's last minute
    submit(erin, c1, "2026-03-18 10:00", status=REJECTED)
    submit(dave, c1, "2026-04-01 00:00", points_at="2026-04-01 00:00")  # just after the period
    submit(frank, c2, "2025-01-01 00:00", status=PENDING)  # long before

    # Referrals.
    r1 = referee(alice, "2026-03-23 10:00", stage="won")
    db.session.add(ReferralEvent(referee_id=r1.id, stage="won", created_at=at("2026-03-28 10:00")))
    referee(alice, "2026-03-25 10:00", stage="meeting")
    referee(carol, "2026-02-15 10:00", stage="lost")
    r4 = referee(alice, "2026-03-24 10:00", stage="won", source="share", channel="linkedin", confirmed="2026-03-24 11:00")
    db.session.add(ReferralEvent(referee_id=r4.id, stage="won", created_at=at("2026-04-02 10:00")))
    referee(alice, "2026-03-26 10:00", source="share", channel="whatsapp")  # never confirmed
    for when in ("2026-03-20 10:00", "2026-03-21 10:00", "2026-03-22 10:00"):
        db.session.add(ShareClick(referrer_id=alice.id, channel="linkedin", created_at=at(when)))
    for when in ("2026-03-20 10:00", "2026-03-21 10:00"):
        db.session.add(ShareClick(referrer_id=alice.id, channel="whatsapp", created_at=at(when)))
    db.session.add(ShareClick(referrer_id=alice.id, channel="email", created_at=at("2026-02-20 10:00")))

    # NPS.
    nps_answer(alice, 9, "2026-03-05 10:00")
    nps_answer(erin, 10, "2026-03-20 10:00")
    nps_answer(frank, 3, "2026-03-06 10:00")
    nps_answer(carol, 8, "2026-03-08 10:00")
    nps_answer(carol, 10, "2026-02-10 10:00")
    nps_answer(dave, 5, "2026-02-12 10:00")

    # Rewards.
    recognition = Reward(name_nl="Erkenning", name_en="Recognition", kind="recognition")
    gift_card = Reward(name_nl="Cadeaubon", name_en="Gift card", kind="gift_card")
    db.session.add_all([recognition, gift_card])
    db.session.flush()
    db.session.add_all([
        Redemption(user_id=alice.id, reward_id=recognition.id, status=REQUESTED, created_at=at("2026-03-10 10:00")),
        Redemption(user_id=erin.id, reward_id=gift_card.id, status=FULFILLED, created_at=at("2026-03-20 10:00")),
        Redemption(user_id=frank.id, reward_id=gift_card.id, status=CANCELLED, created_at=at("2026-03-21 10:00")),
        Redemption(user_id=carol.id, reward_id=recognition.id, status=REQUESTED, created_at=at("2026-02-20 10:00")),
    ])
    db.session.commit()
    return p
