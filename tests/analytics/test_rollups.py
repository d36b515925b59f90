"""The rollups give the dashboard exactly what counting the raw tables gives (tests/analytics/reference.py),
on a random programme, wherever the rolled-up days end, after a late review, and after a rebuild."""
from __future__ import annotations

import random
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from app.analytics import advocacy, funnel, participation, recent, referrals, rollups
from app.analytics.funnel import SORT_KEYS
from app.analytics.models import ActivityDay, ChallengeView, LastActive, PromoterDay, ReferralDay, RollupState, WonDay
from app.analytics.periods import Period
from app.dates import utcnow
from app.extensions import db
from app.journey.design import move_level
from app.journey.models import APPROVED, DRAFT, PENDING, REJECTED, Challenge, Level
from app.journey.progress import decide_submission
from app.nps.models import NpsResponse
from app.referrals.consent import erase as erase_referee
from app.referrals.models import Referee
from tests import factories as f
from tests.analytics import reference

DAYS = 50


def _moment(rng: random.Random, day) -> datetime:
    return datetime.combine(day, time.min) + timedelta(seconds=rng.randrange(86400))


def random_programme(seed: int) -> dict:
    """Customers opening, answering (approved, waiting, rejected, again), earning points, reaching
    levels and referring on random days of the last DAYS days, and today."""
    rng = random.Random(seed)
    today = utcnow().date()
    levels = [f.make_level(position) for position in (1, 2, 3)]
    challenges = [f.make_challenge(rng.choice(levels), points=rng.choice((0, 5, 10)),
                                   status=DRAFT if n == 0 else "published") for n in range(6)]
    companies = [f.make_company() for _n in range(5)]
    customers = [f.make_user(company=rng.choice(companies),
                             invited_at=_moment(rng, today - timedelta(days=rng.randint(0, DAYS + 30))))
                 for _n in range(14)]
    staff = f.make_user("marketer")
    days = [today - timedelta(days=n) for n in range(DAYS + 1)]
    pending = []
    for customer in customers:
        for challenge in rng.sample(challenges, k=rng.randint(0, len(challenges))):
            seen = sorted(rng.sample(days, k=rng.randint(0, 4)))
            for day in seen:
                f.make_challenge_view(customer, challenge, day=day)
            answers = sorted(rng.sample(days, k=rng.randint(0, 3)))
            for attempt, day in enumerate(answers, start=1):
                status = rng.choice((APPROVED, APPROVED, PENDING, REJECTED))
                at = _moment(rng, day)
                answer = f.make_submission(customer, challenge, status=status, attempt=attempt, created_at=at)
                if status == PENDING:  # nobody answers again while an answer waits for review
                    pending.append(answer)
                    break
                elif status == APPROVED and challenge.points:
                    f.make_points_entry(customer, challenge.points, source_type="submission", source_id=answer.id,
                                        created_at=min(at + timedelta(hours=rng.randint(0, 60)), utcnow()))
        for level in rng.sample(levels, k=rng.randint(0, 3)):
            f.make_level_unlock(customer, level, unlocked_at=_moment(rng, rng.choice(days)))
        for _n in range(rng.randint(0, 2)):
            made = _moment(rng, rng.choice(days))
            referee = f.make_referee(customer, created_at=made, stage=rng.choice(("new", "won")),
                                     source=rng.choice(("referral", "share")), channel=rng.choice(("email", None)),
                                     confirmed_at=made if rng.random() < 0.7 else None)
            for _won in range(rng.choice((0, 0, 1, 2))):
                f.make_referral_event(referee, "won", created_at=min(made + timedelta(days=rng.randint(0, 9)),
                                                                     utcnow()))
        for _n in range(rng.randint(0, 3)):
            f.make_share_click(customer, rng.choice(("email", "linkedin")), created_at=_moment(rng, rng.choice(days)))
        f.make_points_entry(customer, 3, created_at=_moment(rng, rng.choice(days)))  # not for an answer
        for _n in range(rng.randint(0, 4)):
            f.make_nps_response(customer, rng.choice((0, 6, 7, 9, 9, 10)),
                                created_at=_moment(rng, rng.choice(days + [today - timedelta(days=DAYS + 60)])))
    db.session.flush()
    return {"today": today, "pending": pending, "staff": staff}


def periods(today) -> list[Period]:
    found = []
    for length in (1, 3, 30, 365):
        for end_back in (0, 2, 3, 40):
            end = today - timedelta(days=end_back)
            found.append(Period(end - timedelta(days=length - 1), end))
    return found


def assert_same(today) -> None:
    for p in periods(today):
        assert participation.participation(p) == reference.participation(p), p
        assert participation.accounts(p) == reference.accounts(p), p
        active = participation.participation(p)["active"]
        assert referrals.referrals(p, active) == reference.referrals(p, active), p
        assert advocacy.nps(p) == reference.nps(p), p
        assert funnel.funnel(p) == reference.funnel(p), p
        for sort in SORT_KEYS if p.days == 30 else ("level",):
            for descending in (False, True):
                assert (funnel.challenge_table(p, sort, descending, "en")
                        == reference.challenge_table(p, sort, descending, "en")), (p, sort, descending)


@pytest.mark.parametrize(("seed", "max_open_days"), [(1, recent.MAX_OPEN_DAYS), (2, 10_000)])
def test_rollups_equal_a_recomputation_wherever_they_end(db, monkeypatch, seed, max_open_days):
    """With the usual switch to one raw pass when many days are open, and with open days always
    read row by row."""
    monkeypatch.setattr(recent, "MAX_OPEN_DAYS", max_open_days)
    world = random_programme(seed)
    today = world["today"]
    assert_same(today)  # nothing rolled up: all read live
    for back in (2, 20, DAYS + 5):
        rollups.rebuild(today - timedelta(days=back))
        assert_same(today)


def test_advancing_day_by_day_equals_a_rebuild(db, monkeypatch):
    monkeypatch.setattr(recent, "MAX_OPEN_DAYS", 10_000)
    world = random_programme(3)
    today = world["today"]
    rollups.rebuild(today - timedelta(days=30))
    for back in (20, 9, 8, 2):
        rollups.advance(today - timedelta(days=back))
    assert_same(today)
    advanced = _rows()
    rollups.rebuild(today - timedelta(days=2))
    assert _rows() == advanced


def _rows() -> dict:
    found = {}
    for model in rollups.ROLLUPS:
        columns = [c for c in model.__table__.columns if c.name != "id"]
        found[model.__tablename__] = sorted(tuple(str(v) for v in row) for row in db.session.execute(select(*columns)))
    return found


def test_a_late_review_lands_on_its_closed_day(db):
    world = random_programme(4)
    today = world["today"]
    rollups.rebuild(today - timedelta(days=2))
    assert world["pending"]
    for answer in world["pending"]:
        decide_submission(answer, world["staff"], approve=True)
    assert_same(today)
    assert _rows() == (rollups.rebuild(today - timedelta(days=2)) and _rows())


def test_views_recorded_today_are_counted_live(db):
    world = random_programme(5)
    today = world["today"]
    rollups.rebuild(today - timedelta(days=2))
    customer = f.make_user()
    challenge = db.session.get(Challenge, db.session.scalar(select(ChallengeView.challenge_id).limit(1)))
    f.make_challenge_view(customer, challenge, day=today)
    f.make_submission(customer, challenge, created_at=utcnow())
    assert_same(today)


def test_what_promoters_do_after_the_rollup_counts_at_once(db, monkeypatch):
    """Advocacy actions and promoter answers after the rolled-up days change earlier answers' advocacy."""
    monkeypatch.setattr(recent, "MAX_OPEN_DAYS", 10_000)
    world = random_programme(7)
    today = world["today"]
    rollups.rebuild(today - timedelta(days=1))
    higher = [c for c in db.session.scalars(select(Challenge)) if c.level.position >= 2 and c.status != DRAFT]
    promoters = list({r.user for r in db.session.scalars(select(NpsResponse).where(NpsResponse.category == "promoter"))})
    for n, customer in enumerate(promoters[:6]):
        if n % 3 == 0:
            f.make_referee(customer, created_at=utcnow())
        elif n % 3 == 1:
            f.make_submission(customer, higher[0], status=PENDING, attempt=90 + n, created_at=utcnow())
        else:
            f.make_nps_response(customer, 10, created_at=utcnow())
    f.make_nps_response(f.make_user(), 9, created_at=utcnow())
    assert_same(today)


def test_a_turned_down_answer_stops_counting_as_advocacy(db, monkeypatch):
    monkeypatch.setattr(recent, "MAX_OPEN_DAYS", 10_000)
    world = random_programme(8)
    today = world["today"]
    rollups.rebuild(today - timedelta(days=2))
    assert world["pending"]
    for answer in world["pending"]:
        decide_submission(answer, world["staff"], approve=False)
    assert_same(today)
    summed = _sums()
    rollups.rebuild(today - timedelta(days=2))
    assert _sums() == summed


def test_moving_a_level_reads_advocacy_raw_until_the_next_run(db, monkeypatch):
    monkeypatch.setattr(recent, "MAX_OPEN_DAYS", 10_000)
    world = random_programme(9)
    today = world["today"]
    rollups.rebuild(today - timedelta(days=3))
    lowest = db.session.scalar(select(Level).order_by(Level.position).limit(1))
    assert move_level(lowest, "down") is not None
    assert rollups.levels_through() is None
    assert_same(today)
    rollups.advance(today - timedelta(days=2))
    assert rollups.levels_through() == today - timedelta(days=2)
    assert_same(today)


@pytest.mark.committed
def test_the_commands(app, db):
    random_programme(6)
    db.session.commit()
    runner = app.test_cli_runner()
    assert "rebuilt through" in runner.invoke(args=["analytics-rebuild"]).output
    assert "rolled up through" in runner.invoke(args=["analytics-rollup"]).output
    assert db.session.scalar(select(func.count()).select_from(RollupState)) == 1
    assert_same(utcnow().date())


def test_a_deleted_referral_leaves_activity_and_advocacy(db, monkeypatch):
    """A person objects: their record goes, and the referrer's rolled-up days are recounted without it."""
    monkeypatch.setattr(recent, "MAX_OPEN_DAYS", 10_000)
    world = random_programme(10)
    today = world["today"]
    rollups.rebuild(today - timedelta(days=2))
    referees = list(db.session.scalars(select(Referee).order_by(Referee.id)))
    assert len(referees) >= 4
    for referee in referees[::2]:
        erase_referee(referee)
    assert_same(today)
    summed = _sums()
    rollups.rebuild(today - timedelta(days=2))
    assert _sums() == summed


def _sums() -> dict:
    """The rolled-up counts summed per key: rows of -1 and +1 may stand beside the rows a rebuild makes."""
    found = {}
    counted = ((ActivityDay, ("customers",)), (PromoterDay, ("customers",)), (ReferralDay, ("referrers", "referrals")),
               (WonDay, ("referees",)))
    for model, counts in counted:
        keys = [c for c in model.__table__.columns if c.name != "id" and c.name not in counts]
        sums = [func.sum(model.__table__.c[name]) for name in counts]
        found[model.__tablename__] = sorted(
            (tuple(str(v) for v in row[:len(keys)]), tuple(row[len(keys):]))
            for row in db.session.execute(select(*keys, *sums).group_by(*keys))
            if any(row[len(keys):]))
    found["last_active"] = sorted(db.session.execute(select(LastActive.user_id, LastActive.day)).all())
    return found
